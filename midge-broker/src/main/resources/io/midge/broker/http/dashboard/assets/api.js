// The management API (/api/v1, docs/HTTP-API.md) as the dashboard calls it. Every request says who it is with
// X-Requested-With, so that a 401 comes without WWW-Authenticate and the browser shows no Basic dialog of its own:
// the dashboard shows its login form instead (see onUnauthorized).

const BASE = 'api/v1/';
const HEADERS = { 'X-Requested-With': 'midge-dashboard', 'Accept': 'application/json' };

/** An answer other than 2xx, with the API's message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let unauthorized = () => {};

/** What to do when the API answers 401 (the app shows the login form and retries). */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, value);
  }
  const q = params.toString();
  return BASE + path + (q ? '?' + q : '');
}

/** Calls the API; resolves to the parsed JSON (null for 204), rejects with an ApiError. */
export async function api(path, { method = 'GET', query, body, signal } = {}) {
  const headers = { ...HEADERS };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url(path, query), {
    method, headers, signal, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    unauthorized();
    throw new ApiError(401, 'Sign in to see this');
  }
  if (!response.ok) {
    let message = response.statusText || 'HTTP ' + response.status;
    try {
      const error = await response.json();
      if (error && error.message) message = error.message;
    } catch (ignored) { /* not JSON: keep the status text */ }
    throw new ApiError(response.status, message);
  }
  if (response.status === 204) return null;
  return response.json();
}

/**
 * A page of up to `limit` items from a paged endpoint. A filtered page may come back short (the API looks at no
 * more than 10,000 entries a request) while `next` says there is more: the next pages are asked for, up to
 * `requests` in all, so that a search among 100,000 clients still fills the table without walking all of them.
 */
export async function fill(path, query, { limit, requests = 10 } = {}) {
  let items = [];
  let after = query.after;
  let next = null;
  for (let i = 0; i < requests; i++) {
    const page = await api(path, { query: { ...query, limit: limit - items.length, after } });
    items = items.concat(page.items);
    next = page.next;
    if (!next || items.length >= limit) break;
    after = next;
  }
  return { items, next };
}

/** A path segment for a client identifier or topic: every reserved character encoded, slashes included. */
export function segment(value) {
  return encodeURIComponent(value);
}

export function login(username, password) {
  return api('login', { method: 'POST', body: { username, password } });
}

export function logout() {
  return api('logout', { method: 'POST' });
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Follows GET /api/v1/events, calling onStats with each `stats` event's figures and onState with 'live',
 * 'reconnecting' or 'signed-out'. It reads the stream with fetch rather than EventSource, which cannot send
 * X-Requested-With (so a 401 would bring the browser's Basic dialog) nor tell a 401 from a dropped connection.
 * Returns a function that stops it.
 */
export function followEvents(onStats, onState) {
  let stopped = false;
  let controller = null;
  (async () => {
    let wait = 1000;
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch(BASE + 'events', {
          headers: { ...HEADERS, 'Accept': 'text/event-stream' },
          credentials: 'same-origin', cache: 'no-store', signal: controller.signal,
        });
        if (response.status === 401) {
          onState('signed-out');
          unauthorized();
          return;
        }
        if (!response.ok || !response.body) throw new ApiError(response.status, response.statusText);
        onState('live');
        wait = 1000;
        await readEvents(response.body, (type, data) => {
          if (type === 'stats') onStats(JSON.parse(data));
        });
      } catch (e) {
        if (stopped) return;
      }
      onState('reconnecting');
      await sleep(wait);
      wait = Math.min(wait * 2, 15000);
    }
  })();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}

/** Parses a text/event-stream body (events are blocks of `field: value` lines ended by a blank line). */
async function readEvents(body, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let type = 'message';
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = text;
        else if (field === 'data') data.push(text);
      }
      if (data.length) dispatch(type, data.join('\n'));
    }
  }
}
