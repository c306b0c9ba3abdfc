// The dashboard's shell: hash routes (#/, #/clients, #/clients/ID, #/subscriptions, #/retained, #/listeners,
// #/nodes on a cluster's node, #/bridges where bridges are configured), the
// live figures from GET /api/v1/events (kept while other pages are shown, so the charts have a history when one
// comes back), and the login form the API's 401 brings up.

import { api, followEvents, login, logout, onUnauthorized } from './api.js';
import { h } from './dom.js';

/** How many one-second points the charts keep: ten minutes. */
const HISTORY = 600;

const views = {
  overview: () => import('./overview.js'),
  clients: () => import('./clients.js'),
  client: () => import('./client.js'),
  subscriptions: () => import('./subscriptions.js'),
  retained: () => import('./retained.js'),
  listeners: () => import('./listeners.js'),
  nodes: () => import('./nodes.js'),
  bridges: () => import('./bridges.js'),
};

/** The figures as they arrive, with rates worked out between consecutive events; views subscribe to them. */
export const live = {
  latest: null,
  history: [],
  subscribers: new Set(),
  subscribe(fn) {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  },
  push(stats) {
    const previous = this.latest;
    this.latest = stats;
    const t = (Date.parse(stats.time) || Date.now()) / 1000;
    const point = {
      t,
      connections: stats.connections,
      received: stats.rates ? stats.rates.messagesReceived : null,
      sent: stats.rates ? stats.rates.messagesSent : null,
      dropped: null,
      queued: stats.queuedMessages,
      commitMs: null,
    };
    const last = this.history[this.history.length - 1];
    if (previous && last && t > last.t) {
      const dt = t - last.t;
      point.dropped = Math.max(0, (stats.messages.dropped - previous.messages.dropped) / dt);
      const commits = stats.store.commits - previous.store.commits;
      point.commitMs = commits > 0 ? (stats.store.commitSecondsSum - previous.store.commitSecondsSum) / commits * 1000
        : null;
    }
    if (last && t <= last.t) return this.notify(stats, false);
    this.history.push(point);
    if (this.history.length > HISTORY) this.history.shift();
    this.notify(stats, true);
  },
  notify(stats, added) {
    for (const fn of this.subscribers) fn(stats, added);
  },
};

const main = document.getElementById('view');
const liveBadge = document.getElementById('live');
const loginBox = document.getElementById('login');
const logoutButton = document.getElementById('logout');
let cleanup = null;
let stopEvents = null;
let routeCounter = 0;

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query] = hash.split('?');
  const parts = path.split('/').filter(Boolean);
  const params = new URLSearchParams(query || '');
  if (parts.length === 0) return { name: 'overview', params };
  if (parts[0] === 'clients' && parts.length === 2) {
    return { name: 'client', params, id: decodeURIComponent(parts[1]) };
  }
  if (parts.length === 1 && views[parts[0]] && parts[0] !== 'client' && parts[0] !== 'overview') {
    return { name: parts[0], params };
  }
  return { name: 'missing', params };
}

async function show() {
  const current = route();
  const mine = ++routeCounter;
  if (cleanup) {
    try {
      cleanup();
    } catch (ignored) { /* a view that fails to stop must not stop the next one */ }
    cleanup = null;
  }
  const section = current.name === 'client' ? 'clients' : current.name;
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.toggleAttribute('aria-current', link.dataset.nav === section);
  }
  document.body.dataset.view = current.name;
  if (current.name === 'missing') {
    main.replaceChildren(h('div', { class: 'card empty' }, 'No such page. ', h('a', { href: '#/' }, 'Overview')));
    return;
  }
  const module = await views[current.name]();
  if (mine !== routeCounter) return;
  const container = h('div', { class: 'page' });
  main.replaceChildren(container);
  cleanup = module.render(container, current, { live }) || null;
}

function setLive(state) {
  liveBadge.textContent = state === 'live' ? 'live' : state === 'signed-out' ? 'signed out' : 'reconnecting';
  liveBadge.className = 'live ' + state;
}

function startEvents() {
  if (stopEvents) stopEvents();
  stopEvents = followEvents(stats => live.push(stats), setLive);
}

function showLogin() {
  if (!loginBox.hidden) return;
  if (stopEvents) {
    stopEvents();
    stopEvents = null;
  }
  setLive('signed-out');
  loginBox.hidden = false;
  loginBox.querySelector('input[name=username]').focus();
}

loginBox.querySelector('form').addEventListener('submit', async event => {
  event.preventDefault();
  const form = event.target;
  const error = form.querySelector('.error');
  const button = form.querySelector('button');
  error.hidden = true;
  button.disabled = true;
  try {
    await login(form.username.value, form.password.value);
    form.password.value = '';
    loginBox.hidden = true;
    sessionStorage.setItem('midge.signedIn', '1');
    logoutButton.hidden = false;
    startEvents();
    show();
    showSectionLinks();
  } catch (e) {
    error.textContent = e.status === 401 || e.status === 403
      ? (e.status === 403 ? 'This user is not an admin.' : 'Wrong user or password.')
      : e.message;
    error.hidden = false;
    loginBox.hidden = false;
  } finally {
    button.disabled = false;
  }
});

logoutButton.addEventListener('click', async () => {
  try {
    await logout();
  } finally {
    sessionStorage.removeItem('midge.signedIn');
    logoutButton.hidden = true;
    main.replaceChildren();
    showLogin();
  }
});

/**
 * Shows the links to the sections only some brokers have: Nodes on a cluster's node (a broker on its own lists no
 * nodes), Bridges where the configuration has bridges.
 */
function showSectionLinks() {
  for (const section of ['nodes', 'bridges']) {
    api(section).then(page => {
      document.querySelector(`[data-nav=${section}]`).hidden = page.items.length === 0;
    }, () => { /* signed out, or an older broker: the link stays hidden */ });
  }
}

onUnauthorized(showLogin);
logoutButton.hidden = !sessionStorage.getItem('midge.signedIn');
window.addEventListener('hashchange', show);
// For the browser test and for curious users: the figures the charts draw.
window.midge = { live };
startEvents();
show();
showSectionLinks();
