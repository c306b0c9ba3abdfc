// The broker's bridges to other MQTT brokers (GET /api/v1/bridges): each one's state (running, connecting, on
// standby for another cluster node, draining, stopped), the remote, what waits in its durable outbound queue, what
// it sent, received and dropped, with rates, and why its link last failed.
// Refreshed at every tick of the live figures (once a second), so it moves as the overview does. The Bridges link
// in the header is shown only when bridges are configured (see app.js).

import { api } from './api.js';
import { badge, bytes, count, errorBox, h, heading, rate, table } from './dom.js';

/** A total with its rate per second beneath, when one is known yet. */
function withRate(total, perSecond) {
  return h('span', { class: 'stacked' }, count(total),
    perSecond === null || perSecond === undefined ? null : h('span', { class: 'muted small' }, rate(perSecond) + '/s'));
}

/** How each state of GET /api/v1/bridges looks, and what it means (its tooltip). */
const STATE_KINDS = { running: 'ok', connecting: 'warn', standby: 'muted', draining: 'info', stopped: 'muted' };
const STATE_TITLES = {
  running: 'this broker runs the bridge; its link is up',
  connecting: 'this broker runs the bridge; its link is down (connecting, or waiting to retry)',
  standby: 'another node of the cluster runs the bridge',
  draining: 'another node runs the bridge; this one sends what its queue kept from when it ran it',
  stopped: 'the bridge is stopping',
};

const COLUMNS = [
  { key: 'name', label: 'Bridge', class: 'id', cell: b => b.name },
  { key: 'remote', label: 'Remote', class: 'mono wide', cell: b => b.address },
  {
    key: 'state', label: 'State',
    cell: b => {
      const state = badge(b.state, STATE_KINDS[b.state] || '');
      state.title = STATE_TITLES[b.state] || '';
      if (b.lastError) state.title += (state.title ? ' — ' : '') + b.lastError; // Last error is hidden on a phone
      return state;
    },
  },
  {
    key: 'queued', label: 'Queued', class: 'num',
    cell: b => h('span', { class: 'stacked' }, count(b.queued),
      h('span', { class: 'muted small' }, bytes(b.queuedBytes))),
  },
  { key: 'sent', label: 'Sent', class: 'num', cell: b => withRate(b.sent, b.sentRate) },
  { key: 'received', label: 'Received', class: 'num', cell: b => withRate(b.received, b.receivedRate) },
  {
    key: 'dropped', label: 'Dropped', class: 'num',
    cell: b => (b.dropped > 0 ? badge(count(b.dropped), 'warn') : count(b.dropped)),
  },
  {
    key: 'error', label: 'Last error', class: 'error-text wide',
    cell: b => (b.lastError ? h('span', { title: b.lastError }, b.lastError) : h('span', { class: 'muted' }, '–')),
  },
];

export function render(container, route, { live }) {
  let stopped = false;
  let loading = false;
  /** The previous answer, by bridge name, with its time: the rates are worked out from it. */
  let previous = new Map();
  const message = h('div');
  const body = h('div', { class: 'card flush' }, h('p', { class: 'empty' }, 'Loading…'));
  container.append(heading('Bridges'), message, body);

  async function load() {
    if (loading || stopped) return;
    loading = true;
    try {
      const page = await api('bridges');
      if (stopped) return;
      const now = performance.now() / 1000;
      const seen = new Map();
      const rows = page.items.map(b => {
        const before = previous.get(b.name);
        const dt = before ? now - before.t : 0;
        seen.set(b.name, { t: now, sent: b.sent, received: b.received });
        return {
          ...b,
          sentRate: dt > 0.2 ? Math.max(0, (b.sent - before.sent) / dt) : null,
          receivedRate: dt > 0.2 ? Math.max(0, (b.received - before.received) / dt) : null,
        };
      });
      previous = seen;
      message.replaceChildren();
      body.replaceChildren(table(COLUMNS, rows, {
        empty: 'No bridges: the configuration file names none (see the README, Bridges).', rowKey: b => b.name,
      }));
      container.dataset.loads = String(+(container.dataset.loads || 0) + 1);
    } catch (e) {
      if (!stopped && e.status !== 401) message.replaceChildren(errorBox(e));
    } finally {
      loading = false;
    }
  }

  load();
  // Live: once per event of the figures' stream; and every few seconds should that stream be down.
  const unsubscribe = live.subscribe(() => !document.hidden && load());
  const timer = setInterval(() => !document.hidden && !live.latest && load(), 5000);
  return () => {
    stopped = true;
    unsubscribe();
    clearInterval(timer);
  };
}
