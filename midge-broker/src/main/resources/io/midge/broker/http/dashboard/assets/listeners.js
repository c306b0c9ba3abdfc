// The broker's listeners (MQTT over TCP, TLS and WebSocket, and this HTTP listener) with their connections.

import { api } from './api.js';
import { badge, count, errorBox, h, heading, table } from './dom.js';

const COLUMNS = [
  { key: 'name', label: 'Name', class: 'id', cell: l => l.name },
  { key: 'transport', label: 'Transport', cell: l => badge(l.transport, l.transport.endsWith('s') ? 'ok' : '') },
  { key: 'address', label: 'Address', class: 'mono', cell: l => address(l) },
  { key: 'connections', label: 'Connections', class: 'num', cell: l => count(l.connections) },
  {
    key: 'anonymous', label: 'Anonymous', class: 'wide',
    cell: l => (l.anonymousAllowed ? badge('allowed', 'warn') : badge('login required', 'ok')),
  },
];

function address(listener) {
  const host = listener.host && listener.host.includes(':') ? `[${listener.host}]` : listener.host;
  return `${host}:${listener.port}`;
}

export function render(container) {
  let stopped = false;
  const message = h('div');
  const body = h('div', { class: 'card flush' }, h('p', { class: 'empty' }, 'Loading…'));
  container.append(heading('Listeners'), message, body);

  async function load() {
    try {
      const page = await api('listeners');
      if (stopped) return;
      message.replaceChildren();
      body.replaceChildren(table(COLUMNS, page.items, { empty: 'No listeners.', rowKey: l => l.name }));
    } catch (e) {
      if (!stopped && e.status !== 401) message.replaceChildren(errorBox(e));
    }
  }

  load();
  const timer = setInterval(() => !document.hidden && load(), 5000);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
