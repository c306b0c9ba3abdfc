// Retained messages as a tree of topic levels, loaded lazily: opening a level asks the API for the messages below it
// (filter `level/#`, a page at a time) and files them into the tree, so a level whose messages all came with its
// parent's answer opens without another request. A topic filter in the search box lists the matches flat instead.

import { api, fill, segment } from './api.js';
import { Cursor, bytes, confirmButton, count, debounce, errorBox, h, heading, pager } from './dom.js';

const PAGE = 200;
const PREVIEW = 120;

function node(name, topic, parent) {
  return {
    name, topic, parent, message: null, children: new Map(), expanded: false,
    complete: parent ? parent.complete : false, next: null, loading: false, separate: false,
  };
}

/** The broker's own topics: '#' does not match them (MQTT 4.7.2), so they are a branch asked for on its own. */
const SYS = '$SYS';

export function render(container, route, { live }) {
  let stopped = false;
  let root = node('', null, null);
  let filter = route.params.get('filter') || '';
  const flatCursor = new Cursor();
  const openDetails = new Set();

  const search = h('input', {
    type: 'search', placeholder: 'Topic filter, e.g. home/+/temp', value: filter, 'aria-label': 'Topic filter',
    autocomplete: 'off', spellcheck: 'false',
    oninput: debounce(() => {
      filter = search.value.trim();
      history.replaceState(null, '', '#/retained' + (filter ? '?filter=' + encodeURIComponent(filter) : ''));
      start();
    }, 300),
  });
  const total = h('span', { class: 'muted small' });
  const message = h('div');
  const body = h('div', { class: 'card tree-card' }, h('p', { class: 'empty' }, 'Loading…'));
  const footer = h('div');
  const reload = h('button', { type: 'button', class: 'ghost', onclick: () => start() }, 'Reload');
  container.append(heading('Retained messages', total, reload), h('div', { class: 'toolbar' }, search), message,
    body, footer);
  const showTotal = stats => {
    if (stats) total.textContent = `${count(stats.retainedMessages)} in all`;
  };
  showTotal(live.latest);
  const unsubscribe = live.subscribe(showTotal);

  function fail(e) {
    if (!stopped && e.status !== 401) message.replaceChildren(errorBox(e));
  }

  /** Files a message under its topic's levels, making the levels on the way. */
  function file(item) {
    let at = root;
    const levels = item.topic.split('/');
    levels.forEach((level, i) => {
      let child = at.children.get(level);
      if (!child) {
        child = node(level, levels.slice(0, i + 1).join('/'), at);
        at.children.set(level, child);
      }
      at = child;
    });
    at.message = item;
  }

  async function expand(target, more) {
    if (target.loading) return;
    target.expanded = true;
    if (target.complete && !more) return draw();
    target.loading = true;
    draw();
    try {
      const page = await fill('retained', {
        filter: target.topic === null ? '#' : target.topic + '/#', after: more ? target.next : null,
      }, { limit: PAGE, requests: 5 });
      if (stopped) return;
      page.items.forEach(file);
      target.next = page.next;
      if (!page.next) markComplete(target);
      message.replaceChildren();
    } catch (e) {
      fail(e);
    } finally {
      target.loading = false;
    }
    draw();
  }

  function markComplete(target) {
    target.complete = true;
    for (const child of target.children.values()) {
      if (!child.separate) markComplete(child);
    }
  }

  /** Adds the $SYS branch (closed) when the broker has retained messages there. */
  async function addSys() {
    try {
      const page = await fill('retained', { filter: SYS + '/#' }, { limit: 1, requests: 3 });
      if (stopped || !page.items.length || root.children.has(SYS)) return;
      const sys = node(SYS, SYS, root);
      sys.complete = false;
      sys.separate = true;
      root.children.set(SYS, sys);
      draw();
    } catch (e) {
      fail(e);
    }
  }

  function draw() {
    if (filter && filter !== '#') return;
    if (!root.children.size && !root.loading) {
      body.replaceChildren(h('p', { class: 'empty' }, root.next === null && root.complete
        ? 'No retained messages.' : 'Loading…'));
      return;
    }
    body.replaceChildren(h('ul', { class: 'tree', role: 'tree' }, branch(root)));
  }

  function branch(parent) {
    const children = [...parent.children.values()].sort((a, b) => (a.separate - b.separate)
      || a.name.localeCompare(b.name));
    const items = children.map(item);
    if (parent.next) {
      items.push(h('li', { class: 'more' }, h('button', {
        type: 'button', class: 'link', disabled: parent.loading, onclick: () => expand(parent, true),
      }, parent.loading ? 'Loading…' : 'Load more topics…')));
    }
    return items;
  }

  function descendants(n) {
    let total = 0;
    for (const child of n.children.values()) total += (child.message ? 1 : 0) + descendants(child);
    return total;
  }

  function item(n) {
    const openable = n.children.size > 0 || !n.complete;
    const below = descendants(n);
    const toggle = h('button', {
      type: 'button', class: 'toggle', 'aria-label': (n.expanded ? 'Close ' : 'Open ') + n.topic,
      disabled: !openable, onclick: () => {
        if (n.expanded) {
          n.expanded = false;
          draw();
        } else {
          expand(n, false);
        }
      },
    }, openable ? (n.expanded ? '▾' : '▸') : '');
    const line = h('div', { class: 'node' }, toggle,
      h('span', { class: 'level' }, n.name === '' ? '(empty)' : n.name),
      below > 0 && h('span', { class: 'muted small' },
        `${count(below)}${n.complete ? '' : '+'} message${below === 1 && n.complete ? '' : 's'} below`),
      n.message && preview(n.message));
    const li = h('li', {
      role: 'treeitem', dataset: { topic: n.topic }, 'aria-expanded': openable ? String(n.expanded) : null,
    }, line);
    if (n.message && openDetails.has(n.topic)) li.append(details(n.message));
    if (n.expanded) {
      if (n.loading && !n.children.size) li.append(h('div', { class: 'muted small indent' }, 'Loading…'));
      li.append(h('ul', { role: 'group' }, branch(n)));
    }
    return li;
  }

  function preview(m) {
    const text = m.payloadEncoding === 'utf8' ? m.payload : `binary, base64 ${m.payload}`;
    return h('button', {
      type: 'button', class: 'payload', title: 'Show the message',
      onclick: () => {
        if (openDetails.has(m.topic)) openDetails.delete(m.topic);
        else openDetails.add(m.topic);
        draw();
      },
    }, h('span', { class: 'badge' }, 'QoS ' + m.qos), h('code', null,
      text.length > PREVIEW ? text.slice(0, PREVIEW) + '…' : text || '(empty)'));
  }

  function details(m) {
    const properties = Object.entries(m.properties || {});
    return h('div', { class: 'message' },
      h('pre', { class: 'payload-full' }, m.payloadEncoding === 'utf8' ? m.payload : hex(m.payload)),
      h('div', { class: 'meta muted small' },
        `${m.topic} · QoS ${m.qos} · ${bytes(m.payloadBytes)} · ${m.payloadEncoding}`,
        properties.map(([key, value]) => ` · ${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`)),
      confirmButton({
        label: 'Clear', confirm: 'Confirm clear', title: 'Remove this retained message',
        kind: 'ghost small', action: () => clear(m.topic),
      }));
  }

  /** A binary payload as hex bytes, sixteen a line (the first 4 KiB). */
  function hex(base64) {
    const bytes = atob(base64);
    const lines = [];
    for (let i = 0; i < Math.min(bytes.length, 4096); i += 16) {
      lines.push([...bytes.slice(i, i + 16)].map(c => c.charCodeAt(0).toString(16).padStart(2, '0')).join(' '));
    }
    return lines.join('\n') + (bytes.length > 4096 ? '\n…' : '');
  }

  async function clear(topic) {
    try {
      await api('retained/' + segment(topic), { method: 'DELETE' });
      openDetails.delete(topic);
      start();
    } catch (e) {
      fail(e);
    }
  }

  async function flat() {
    try {
      const page = await fill('retained', { filter, after: flatCursor.after }, { limit: 100 });
      if (stopped) return;
      flatCursor.next = page.next;
      message.replaceChildren();
      body.replaceChildren(page.items.length
        ? h('ul', { class: 'tree flat', role: 'list' }, page.items.map(m => {
          const li = h('li', { dataset: { topic: m.topic } },
            h('div', { class: 'node' }, h('span', { class: 'level mono' }, m.topic), preview(m)));
          if (openDetails.has(m.topic)) li.append(details(m));
          return li;
        }))
        : h('p', { class: 'empty' }, 'No retained message matches.'));
      footer.replaceChildren(pager(flatCursor, page.items.length, flat));
    } catch (e) {
      fail(e);
      if (e.status === 400) body.replaceChildren();
    }
  }

  function start() {
    footer.replaceChildren();
    if (filter && filter !== '#') {
      flatCursor.reset();
      flat();
      return;
    }
    const opened = new Set();
    const collect = n => {
      for (const child of n.children.values()) {
        if (child.expanded) {
          opened.add(child.topic);
          collect(child);
        }
      }
    };
    collect(root);
    root = node('', null, null);
    // Reopens what was open, level by level, once the levels above have come.
    expand(root, false).then(addSys).then(function reopen(at = root) {
      return Promise.all([...at.children.values()].filter(c => opened.has(c.topic))
        .map(c => expand(c, false).then(() => reopen(c))));
    });
  }

  start();
  return () => {
    stopped = true;
    unsubscribe();
  };
}
