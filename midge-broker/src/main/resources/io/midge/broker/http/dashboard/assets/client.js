// One client: what the broker knows of its connection and session, its subscriptions, and its queue (messages in
// flight and waiting), refreshed every few seconds.

import { api, segment } from './api.js';
import {
  Cursor, bytes, confirmButton, connectedBadge, count, errorBox, expiry, h, pager, since, table,
} from './dom.js';

const REFRESH_MS = 5000;

export function render(container, route) {
  const id = route.id;
  const base = 'clients/' + segment(id);
  const queueCursor = new Cursor();
  let stopped = false;

  const status = h('span');
  const actions = h('div', { class: 'actions' });
  const message = h('div');
  const details = h('dl', { class: 'details card' });
  const subscriptions = h('div', { class: 'card flush' }, h('p', { class: 'empty' }, 'Loading…'));
  const queue = h('div', { class: 'card flush' }, h('p', { class: 'empty' }, 'Loading…'));
  const queueFooter = h('div');
  container.append(
    h('nav', { class: 'crumbs' }, h('a', { href: '#/clients' }, 'Clients'), ' / '),
    h('div', { class: 'page-head' }, h('h1', { class: 'id' }, id || '(empty)', ' ', status), actions),
    message, details,
    h('h2', null, 'Subscriptions'), subscriptions,
    h('h2', null, 'Queue and in flight'), queue, queueFooter);

  const fail = e => {
    if (stopped || e.status === 401) return;
    message.replaceChildren(e.status === 404
      ? h('div', { class: 'notice' }, 'The broker has no session for this client (any more). ',
        h('a', { href: '#/clients' }, 'Back to the clients'))
      : errorBox(e));
  };

  async function loadClient() {
    try {
      const client = await api(base);
      if (stopped) return;
      message.replaceChildren();
      status.replaceChildren(connectedBadge(client.connected));
      details.replaceChildren(...[
        ['User', client.username || '–'],
        ['Address', client.address || '–'],
        ['Listener', client.listener || '–'],
        ['MQTT', client.protocolVersion],
        ['Connected', client.connected ? since(client.connectedSince) : 'no'],
        ['Keep alive', keepAlive(client.keepAlive)],
        ['Session expiry', expiry(client.sessionExpiry)],
        ['Clean start', yesNo(client.cleanStart)],
        ['Messages in', count(client.messagesIn)],
        ['Messages out', count(client.messagesOut)],
        ['Bytes in', bytes(client.bytesIn)],
        ['Bytes out', bytes(client.bytesOut)],
        ['In flight', count(client.inflight)],
        ['Queued', count(client.queued)],
      ].map(([term, value]) => h('div', null, h('dt', null, term), h('dd', null, value))));
      if (actions.dataset.connected !== String(client.connected)) {
        actions.dataset.connected = String(client.connected);
        actions.replaceChildren(
          client.connected && confirmButton({
            label: 'Disconnect', confirm: 'Confirm disconnect', title: 'Disconnect it (it may reconnect)',
            action: () => kick(false),
          }),
          confirmButton({
            label: client.connected ? 'Disconnect, discard session' : 'Discard session', confirm: 'Confirm discard',
            title: 'Forget its subscriptions and queued messages', action: () => kick(true),
          }));
      }
    } catch (e) {
      fail(e);
    }
  }

  async function kick(discard) {
    try {
      await api(base, { method: 'DELETE', query: discard ? { session: 'true' } : {} });
      if (discard) location.hash = '#/clients';
      else refresh();
    } catch (e) {
      fail(e);
    }
  }

  async function loadSubscriptions() {
    try {
      const page = await api(base + '/subscriptions');
      if (stopped) return;
      subscriptions.replaceChildren(table(SUBSCRIPTION_COLUMNS, page.items, {
        empty: 'No subscriptions.', rowKey: s => s.filter,
      }));
    } catch (e) {
      fail(e);
    }
  }

  async function loadQueue() {
    try {
      const page = await api(base + '/queue', { query: { limit: 50, after: queueCursor.after } });
      if (stopped) return;
      queueCursor.next = page.next;
      queue.replaceChildren(table(QUEUE_COLUMNS, page.items, { empty: 'Nothing waiting or in flight.' }));
      queueFooter.replaceChildren(page.next || queueCursor.stack.length ? pager(queueCursor, 0, loadQueue) : '');
    } catch (e) {
      fail(e);
    }
  }

  function refresh() {
    loadClient();
    loadSubscriptions();
    loadQueue();
  }

  refresh();
  const timer = setInterval(() => !document.hidden && refresh(), REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

function yesNo(flag) {
  if (flag === null || flag === undefined) return '–';
  return flag ? 'yes' : 'no';
}

function keepAlive(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  return seconds === 0 ? 'off' : seconds + ' s';
}

export const SUBSCRIPTION_COLUMNS = [
  { key: 'filter', label: 'Topic filter', class: 'mono', cell: s => s.filter },
  { key: 'qos', label: 'QoS', class: 'num', cell: s => s.qos },
  { key: 'options', label: 'Options', class: 'wide', cell: s => options(s) },
  { key: 'id', label: 'Subscription ID', class: 'num wide', cell: s => s.subscriptionId ?? '–' },
];

export function options(s) {
  const shown = [];
  if (s.noLocal) shown.push('no local');
  if (s.retainAsPublished) shown.push('retain as published');
  if (s.retainHandling === 1) shown.push('retained if new');
  if (s.retainHandling === 2) shown.push('no retained');
  return shown.length ? shown.join(', ') : '–';
}

const QUEUE_COLUMNS = [
  { key: 'state', label: 'State', cell: m => h('span', { class: 'badge ' + (m.state === 'inflight' ? 'info' : '') },
    m.state === 'inflight' ? 'in flight' : 'queued') },
  // A QoS 2 message past PUBREC has given its topic back: only its packet identifier is left.
  { key: 'topic', label: 'Topic', class: 'mono', cell: m => m.topic ?? '(released, awaiting PUBCOMP)' },
  { key: 'qos', label: 'QoS', class: 'num', cell: m => m.qos },
  { key: 'size', label: 'Size', class: 'num', cell: m => bytes(m.payloadBytes) },
  { key: 'packetId', label: 'Packet ID', class: 'num wide', cell: m => m.packetId ?? '–' },
];
