// The nodes of the cluster this broker is a node of (GET /api/v1/nodes): where their clients connect, how many are
// connected there, whether this node's link to each is up and what waits in its forwarding queue. The Nodes link
// in the header is shown only on a cluster's node (see app.js).

import { api } from './api.js';
import { badge, count, errorBox, h, heading, table } from './dom.js';

const COLUMNS = [
  {
    key: 'id', label: 'Node', class: 'id',
    cell: n => (n.self ? h('span', {}, n.id, ' ', badge('this node', 'ok')) : n.id),
  },
  { key: 'mqtt', label: 'MQTT address', class: 'mono', cell: n => n.mqttAddress || '–' },
  {
    key: 'link', label: 'Link', cell: n => (n.self ? '–' : badge(n.link, n.link === 'up' ? 'ok' : 'warn')),
  },
  { key: 'clients', label: 'Clients', class: 'num', cell: n => (n.clients == null ? '–' : count(n.clients)) },
  { key: 'queued', label: 'Queued to it', class: 'num wide', cell: n => (n.queued == null ? '–' : count(n.queued)) },
];

export function render(container) {
  let stopped = false;
  const message = h('div');
  const body = h('div', { class: 'card flush' }, h('p', { class: 'empty' }, 'Loading…'));
  container.append(heading('Nodes'), message, body);

  async function load() {
    try {
      const page = await api('nodes');
      if (stopped) return;
      message.replaceChildren();
      body.replaceChildren(table(COLUMNS, page.items, { empty: 'Not a cluster: this broker runs on its own.',
        rowKey: n => n.id }));
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
