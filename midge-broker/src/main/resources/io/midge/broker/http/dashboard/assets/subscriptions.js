// All subscriptions, a page at a time in client identifier order, searched by topic filter prefix.

import { fill, segment } from './api.js';
import { Cursor, count, debounce, errorBox, h, heading, pager, table } from './dom.js';
import { options } from './client.js';

const COLUMNS = [
  {
    key: 'clientId', label: 'Client ID', class: 'id', sort: s => s.clientId,
    cell: s => h('a', { href: '#/clients/' + segment(s.clientId) }, s.clientId || '(empty)'),
  },
  { key: 'filter', label: 'Topic filter', class: 'mono', sort: s => s.filter, cell: s => s.filter },
  { key: 'qos', label: 'QoS', class: 'num', sort: s => s.qos, cell: s => s.qos },
  { key: 'options', label: 'Options', class: 'wide', cell: options },
  {
    key: 'subscriptionId', label: 'Subscription ID', class: 'num wide', sort: s => s.subscriptionId,
    cell: s => s.subscriptionId ?? '–',
  },
];

const sortState = { key: null, descending: false };

export function render(container, route, { live }) {
  let prefix = route.params.get('filter') || '';
  const cursor = new Cursor();
  let stopped = false;
  let loading = null;
  let rows = [];

  const search = h('input', {
    type: 'search', placeholder: 'Topic filter starts with…', value: prefix, 'aria-label': 'Topic filter prefix',
    autocomplete: 'off', spellcheck: 'false',
    oninput: debounce(() => {
      prefix = search.value;
      cursor.reset();
      history.replaceState(null, '', '#/subscriptions' + (prefix ? '?filter=' + encodeURIComponent(prefix) : ''));
      load();
    }, 250),
  });
  const total = h('span', { class: 'muted small' });
  const message = h('div');
  const body = h('div', { class: 'card flush' }, h('p', { class: 'empty' }, 'Loading…'));
  const footer = h('div');
  container.append(heading('Subscriptions', total), h('div', { class: 'toolbar' }, search), message, body, footer);
  const showTotal = stats => {
    if (stats) total.textContent = `${count(stats.subscriptions)} in all`;
  };
  showTotal(live.latest);
  const unsubscribe = live.subscribe(showTotal);

  function draw() {
    body.replaceChildren(table(COLUMNS, rows, {
      empty: prefix ? 'No subscription matches.' : 'No subscriptions yet.',
      rowKey: sub => `${sub.clientId} ${sub.filter}`,
      sortState,
      onSort: key => {
        sortState.descending = sortState.key === key ? !sortState.descending : false;
        sortState.key = key;
        draw();
      },
    }));
    footer.replaceChildren(pager(cursor, rows.length, load));
  }

  async function load() {
    const mine = loading = {};
    try {
      const page = await fill('subscriptions', { filter: prefix, after: cursor.after }, { limit: 100 });
      if (stopped || mine !== loading) return;
      cursor.next = page.next;
      rows = page.items;
      message.replaceChildren();
      draw();
    } catch (e) {
      if (!stopped && e.status !== 401) message.replaceChildren(errorBox(e));
    }
  }

  load();
  return () => {
    stopped = true;
    unsubscribe();
  };
}
