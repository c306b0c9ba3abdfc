// Small helpers to build the page from data: elements (text is always set as text, never parsed as HTML, so client
// identifiers, topics and payloads cannot inject markup), number formats and a paged, sortable table.

/** Creates an element: h('a', {href: '#/'}, 'text', child...). Attributes starting with 'on' are listeners. */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

export function count(n) {
  return n === undefined || n === null ? '–' : integer.format(n);
}

export function rate(n) {
  if (n === undefined || n === null) return '–';
  return n >= 100 ? integer.format(n) : decimal.format(n);
}

export function bytes(n) {
  if (n === undefined || n === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? integer : decimal).format(n) + ' ' + units[i];
}

export function duration(seconds) {
  if (seconds === undefined || seconds === null) return '–';
  const d = Math.floor(seconds / 86400);
  const hh = Math.floor(seconds % 86400 / 3600);
  const mm = Math.floor(seconds % 3600 / 60);
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${mm}m`;
  if (mm) return `${mm}m ${Math.floor(seconds % 60)}s`;
  return `${Math.floor(seconds)}s`;
}

/** An ISO instant as "3m ago" (with the full time as tooltip). */
export function since(iso) {
  if (!iso) return '–';
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return h('time', { datetime: iso, title: new Date(iso).toLocaleString() }, duration(seconds) + ' ago');
}

export function expiry(seconds) {
  if (seconds === undefined || seconds === null) return '–';
  if (seconds >= 4294967295) return 'never';
  return seconds === 0 ? 'at disconnect' : duration(seconds);
}

export function badge(text, kind) {
  return h('span', { class: 'badge ' + (kind || '') }, text);
}

export function connectedBadge(connected) {
  return connected ? badge('online', 'ok') : badge('offline', 'muted');
}

/** A message box for an error (or nothing while there is none). */
export function errorBox(error) {
  return h('div', { class: 'notice error', role: 'alert' }, error.message || String(error));
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A page heading with optional actions on the right. */
export function heading(title, ...actions) {
  return h('div', { class: 'page-head' }, h('h1', null, title), h('div', { class: 'actions' }, actions));
}

/**
 * A table of rows: columns are {key, label, cell(row) -> node|string, sort(row) -> comparable, class}. Clicking a
 * sortable heading sorts the rows shown (the API pages in identifier order; sorting a page is what a browser can do
 * without fetching everything).
 */
export function table(columns, rows, { empty = 'Nothing here.', sortState, onSort, rowKey } = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  let shown = rows;
  if (sortState && sortState.key) {
    const column = columns.find(c => c.key === sortState.key);
    if (column && column.sort) {
      const direction = sortState.descending ? -1 : 1;
      shown = [...rows].sort((a, b) => compare(column.sort(a), column.sort(b)) * direction);
    }
  }
  const head = h('tr', null, columns.map(column => {
    const sorted = sortState && sortState.key === column.key;
    const label = column.sort && onSort
      ? h('button', {
        type: 'button', class: 'sort', onclick: () => onSort(column.key),
      }, column.label, h('span', { class: 'arrow', 'aria-hidden': 'true' },
        sorted ? (sortState.descending ? '▼' : '▲') : ''))
      : column.label;
    return h('th', {
      class: column.class, scope: 'col',
      'aria-sort': sorted ? (sortState.descending ? 'descending' : 'ascending') : null,
    }, label);
  }));
  const body = shown.map(row => h('tr', { dataset: rowKey ? { key: rowKey(row) } : null },
    columns.map(column => h('td', { class: column.class, 'data-label': column.label }, column.cell(row)))));
  return h('div', { class: 'table-wrap' }, h('table', null, h('thead', null, head), h('tbody', null, body)));
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'string' || typeof b === 'string') return String(a).localeCompare(String(b));
  return a < b ? -1 : 1;
}

/**
 * Paging by the API's cursor: keeps the cursors of the pages seen so far so that Previous goes back without the
 * API having to page backwards.
 */
export class Cursor {
  constructor() {
    this.reset();
  }

  reset() {
    this.stack = [];
    this.after = null;
    this.next = null;
  }

  get page() {
    return this.stack.length + 1;
  }

  forward() {
    if (!this.next) return false;
    this.stack.push(this.after);
    this.after = this.next;
    return true;
  }

  back() {
    if (!this.stack.length) return false;
    this.after = this.stack.pop();
    return true;
  }
}

/** Previous / Next buttons for a Cursor. */
export function pager(cursor, shown, reload) {
  return h('div', { class: 'pager' },
    h('button', {
      type: 'button', disabled: cursor.stack.length === 0,
      onclick: () => cursor.back() && reload(),
    }, '← Previous'),
    h('span', { class: 'muted' }, `Page ${cursor.page}` + (shown ? ` · ${count(shown)} shown` : '')),
    h('button', {
      type: 'button', disabled: !cursor.next, class: 'next',
      onclick: () => cursor.forward() && reload(),
    }, 'Next →'));
}

/** A button that asks for a second click (within a few seconds) before it acts: no modal dialog, no stray kick. */
export function confirmButton({ label, confirm, title, kind = 'ghost', action }) {
  const button = h('button', { type: 'button', class: kind, title }, label);
  let timer = null;
  const reset = () => {
    clearTimeout(timer);
    timer = null;
    button.textContent = label;
    button.className = kind;
  };
  button.addEventListener('click', async () => {
    if (!timer) {
      button.textContent = confirm;
      button.className = 'danger';
      timer = setTimeout(reset, 4000);
      return;
    }
    reset();
    button.disabled = true;
    try {
      await action();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
