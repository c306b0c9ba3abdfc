// The clients: one page of the API's at a time (never all of them: a broker may hold 100,000), searched by client
// identifier prefix on the server, sorted within the page, refreshed every few seconds, with a kick button.

import { api, fill, segment } from './api.js';
import {
  Cursor, connectedBadge, count, debounce, errorBox, h, heading, pager, since, table,
} from './dom.js';

const REFRESH_MS = 5000;
const sortState = { key: null, descending: false };

/** A kick asks for a second click within this long, so that a stray tap disconnects nobody. */
const CONFIRM_MS = 4000;

export function render(container, route, { live }) {
  const state = {
    prefix: route.params.get('prefix') || '',
    connected: route.params.get('connected') || '',
    limit: Math.min(1000, Math.max(1, Number(route.params.get('limit')) || 50)),
  };
  const cursor = new Cursor();
  const confirming = new Map();
  let rows = [];
  let stopped = false;
  let loading = null;

  const search = h('input', {
    type: 'search', placeholder: 'Client ID starts with…', value: state.prefix, 'aria-label': 'Client ID prefix',
    autocomplete: 'off', spellcheck: 'false',
    oninput: debounce(() => {
      state.prefix = search.value;
      restart();
    }, 250),
  });
  const filter = h('select', {
    'aria-label': 'Which sessions',
    onchange: () => {
      state.connected = filter.value;
      restart();
    },
  }, h('option', { value: '' }, 'All sessions'), h('option', { value: 'true' }, 'Online'),
  h('option', { value: 'false' }, 'Offline'));
  filter.value = state.connected;
  const size = h('select', {
    'aria-label': 'Rows per page',
    onchange: () => {
      state.limit = Number(size.value);
      restart();
    },
  }, [...new Set([25, 50, 100, 250, 500, state.limit])].sort((a, b) => a - b)
    .map(n => h('option', { value: n }, `${n} per page`)));
  size.value = String(state.limit);

  const total = h('span', { class: 'muted small' });
  const message = h('div');
  const body = h('div', { class: 'card flush' }, h('p', { class: 'empty' }, 'Loading…'));
  const footer = h('div');
  container.append(heading('Clients', total), h('div', { class: 'toolbar' }, search, filter, size), message, body,
    footer);

  const showTotal = stats => {
    if (stats && stats.sessions) {
      total.textContent = `${count(stats.sessions.connected)} online · ${count(stats.sessions.offline)} offline`;
    }
  };
  showTotal(live.latest);
  const unsubscribe = live.subscribe(showTotal);

  function restart() {
    cursor.reset();
    const params = new URLSearchParams();
    if (state.prefix) params.set('prefix', state.prefix);
    if (state.connected) params.set('connected', state.connected);
    if (state.limit !== 50) params.set('limit', state.limit);
    history.replaceState(null, '', '#/clients' + (params.toString() ? '?' + params : ''));
    load();
  }

  async function load() {
    const mine = loading = {};
    try {
      const page = await fill('clients', {
        prefix: state.prefix, connected: state.connected, after: cursor.after,
      }, { limit: state.limit });
      if (stopped || mine !== loading) return;
      cursor.next = page.next;
      rows = page.items;
      message.replaceChildren();
      draw();
    } catch (e) {
      if (!stopped && e.status !== 401) message.replaceChildren(errorBox(e));
    }
  }

  function draw() {
    const filtered = state.prefix || state.connected;
    body.replaceChildren(table(COLUMNS, rows, {
      empty: filtered ? 'No client matches.' : 'No clients yet.',
      sortState,
      rowKey: c => c.clientId,
      onSort: key => {
        sortState.descending = sortState.key === key ? !sortState.descending : false;
        sortState.key = key;
        draw();
      },
    }));
    footer.replaceChildren(pager(cursor, rows.length, load));
  }

  function kickButton(client) {
    const pending = confirming.has(client.clientId);
    const label = client.connected ? 'Kick' : 'Discard';
    return h('button', {
      type: 'button', class: 'small ' + (pending ? 'danger' : 'ghost'), dataset: { kick: client.clientId },
      title: client.connected ? 'Disconnect this client (it may reconnect)' : 'Discard this offline session',
      onclick: () => kick(client),
    }, pending ? `Confirm ${label.toLowerCase()}` : label);
  }

  async function kick(client) {
    const id = client.clientId;
    if (!confirming.has(id)) {
      confirming.set(id, setTimeout(() => {
        confirming.delete(id);
        if (!stopped) draw();
      }, CONFIRM_MS));
      draw();
      return;
    }
    clearTimeout(confirming.get(id));
    confirming.delete(id);
    try {
      await api('clients/' + segment(id), { method: 'DELETE', query: client.connected ? {} : { session: 'true' } });
      rows = rows.filter(r => r.clientId !== id);
      draw();
      load();
    } catch (e) {
      if (e.status === 404) load();
      else if (e.status !== 401) message.replaceChildren(errorBox(e));
    }
  }

  const COLUMNS = [
    {
      key: 'clientId', label: 'Client ID', class: 'id', sort: c => c.clientId,
      cell: c => h('a', { href: '#/clients/' + segment(c.clientId) }, c.clientId || '(empty)'),
    },
    { key: 'connected', label: 'Status', sort: c => (c.connected ? 0 : 1), cell: c => connectedBadge(c.connected) },
    { key: 'username', label: 'User', sort: c => c.username, cell: c => c.username || '–', class: 'wide' },
    { key: 'address', label: 'Address', sort: c => c.address, cell: c => c.address || '–', class: 'wide mono' },
    {
      key: 'protocolVersion', label: 'MQTT', class: 'wide', sort: c => c.protocolVersion, cell: c => c.protocolVersion,
    },
    {
      key: 'connectedSince', label: 'Since', class: 'wide',
      sort: c => (c.connectedSince ? -Date.parse(c.connectedSince) : null), cell: c => since(c.connectedSince),
    },
    {
      key: 'subscriptions', label: 'Subs', class: 'num wide', sort: c => c.subscriptions,
      cell: c => count(c.subscriptions),
    },
    { key: 'queued', label: 'Queued', class: 'num', sort: c => c.queued, cell: c => count(c.queued) },
    { key: 'inflight', label: 'In flight', class: 'num wide', sort: c => c.inflight, cell: c => count(c.inflight) },
    { key: 'messagesIn', label: 'In', class: 'num wide', sort: c => c.messagesIn, cell: c => count(c.messagesIn) },
    { key: 'messagesOut', label: 'Out', class: 'num wide', sort: c => c.messagesOut, cell: c => count(c.messagesOut) },
    { key: 'kick', label: '', class: 'action', cell: kickButton },
  ];

  load();
  const timer = setInterval(() => {
    if (!document.hidden && !confirming.size) load();
  }, REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
    unsubscribe();
    for (const pending of confirming.values()) clearTimeout(pending);
  };
}
