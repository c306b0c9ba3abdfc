// The overview: the broker's figures as tiles, and live charts of the last minutes from the events stream.

import { api } from './api.js';
import { bytes, count, duration, errorBox, h, rate } from './dom.js';

let uplotLoading = null;

/** uPlot is loaded when a chart is first shown, so that the other pages do not pay for it. */
function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  if (!uplotLoading) {
    uplotLoading = new Promise((resolve, reject) => {
      document.head.append(h('link', { rel: 'stylesheet', href: 'assets/uplot/uPlot.min.css' }));
      const script = h('script', { src: 'assets/uplot/uPlot.iife.min.js' });
      script.onload = () => resolve(window.uPlot);
      script.onerror = () => {
        uplotLoading = null;
        reject(new Error('The chart library (assets/uplot/uPlot.iife.min.js) could not be loaded.'));
      };
      document.head.append(script);
    });
  }
  return uplotLoading;
}

/** Tick steps of the time axis, in seconds: whole seconds, minutes. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];

const two = n => String(n).padStart(2, '0');

/** A time as hh:mm:ss (hh:mm where ticks are minutes apart). */
function clock(seconds, step) {
  const d = new Date(seconds * 1000);
  const minutes = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return step >= 60 ? minutes : `${minutes}:${two(d.getSeconds())}`;
}

const COLORS = { blue: '#2563eb', green: '#16a34a', red: '#dc2626', amber: '#d97706', violet: '#7c3aed' };

/** The charts: which history fields each draws, and how its values read. */
const CHARTS = [
  { id: 'connections', title: 'Connections', series: [['connections', 'Connections', COLORS.blue]], format: count },
  {
    id: 'messages', title: 'Messages per second',
    series: [['received', 'In', COLORS.green], ['sent', 'Out', COLORS.blue]], format: rate,
  },
  { id: 'dropped', title: 'Dropped per second', series: [['dropped', 'Dropped', COLORS.red]], format: rate },
  { id: 'queued', title: 'Queued messages', series: [['queued', 'Queued', COLORS.amber]], format: count },
  {
    id: 'commit', title: 'Store commit time (ms, mean)', series: [['commitMs', 'Commit', COLORS.violet]],
    format: v => (v === null || v === undefined ? '–' : v.toFixed(v < 10 ? 2 : 0) + ' ms'),
  },
];

const TILES = [
  ['connections', 'Connections', s => count(s.connections), s => plural(s.sessions.offline, 'offline session')],
  ['in', 'Messages in', s => rate(s.rates.messagesReceived) + '/s', s => `${count(s.messages.received)} total`],
  ['out', 'Messages out', s => rate(s.rates.messagesSent) + '/s', s => `${count(s.messages.sent)} total`],
  ['dropped', 'Dropped', s => count(s.messages.dropped), s => droppedWhy(s.dropped)],
  ['queued', 'Queued', s => count(s.queuedMessages), () => 'for offline or slow clients'],
  ['subscriptions', 'Subscriptions', s => count(s.subscriptions), s => `${count(s.retainedMessages)} retained`],
  ['traffic', 'Bytes in', s => bytes(s.rates.bytesReceived) + '/s', s => `${bytes(s.rates.bytesSent)}/s out`],
  ['broker', 'Uptime', s => duration(s.uptimeSeconds),
    s => `v${s.version}` + (s.node ? ` · ${s.node}` : '') + ` · heap ${bytes(s.heap.used)}`],
];

/** A value axis' tick: whole numbers grouped (1,000), fractions as short as they can be (0.25). */
function tick(v) {
  return Number.isInteger(v) ? count(v) : String(+v.toFixed(3));
}

function showLatest(u) {
  const n = u.data[0].length;
  if (n && u.cursor.idx == null) u.setLegend({ idx: n - 1 });
}

function plural(n, what) {
  return `${count(n)} ${what}${n === 1 ? '' : 's'}`;
}

function droppedWhy(dropped) {
  const reasons = Object.entries(dropped || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (!reasons.length) return 'none so far';
  return reasons.slice(0, 2).map(([why, n]) => `${count(n)} ${why.replace(/[A-Z]/g, c => ' ' + c.toLowerCase())}`)
    .join(', ');
}

export function render(container, route, { live }) {
  const tiles = new Map();
  const tileGrid = h('section', { class: 'tiles', 'aria-label': 'Figures' }, TILES.map(([id, label]) => {
    const value = h('div', { class: 'tile-value' }, '–');
    const note = h('div', { class: 'tile-note' }, '');
    tiles.set(id, { value, note });
    return h('div', { class: 'tile card', dataset: { tile: id } }, h('div', { class: 'tile-label' }, label), value,
      note);
  }));
  const chartGrid = h('section', { class: 'charts', 'aria-label': 'Charts' });
  const message = h('div');
  container.append(h('div', { class: 'page-head' }, h('h1', null, 'Overview'),
    h('div', { class: 'actions muted small' }, 'last 10 minutes, one point a second')), message, tileGrid, chartGrid);

  const fill = stats => {
    for (const [id, , value, note] of TILES) {
      const tile = tiles.get(id);
      try {
        tile.value.textContent = value(stats);
        tile.note.textContent = note(stats);
      } catch (ignored) { /* a figure the broker does not send yet stays blank */ }
    }
  };
  if (live.latest) fill(live.latest);
  else api('stats').then(fill, e => e.status !== 401 && message.replaceChildren(errorBox(e)));

  const charts = [];
  let stopped = false;
  const redraw = () => {
    const history = live.history;
    const xs = history.map(p => p.t);
    for (const chart of charts) {
      chart.plot.setData([xs, ...chart.spec.series.map(([field]) => history.map(p => p[field]))]);
      chart.box.dataset.points = String(history.length);
    }
  };
  const unsubscribe = live.subscribe((stats, added) => {
    fill(stats);
    if (added && charts.length) redraw();
  });

  loadUplot().then(uPlot => {
    if (stopped) return;
    const style = getComputedStyle(document.documentElement);
    const axisColor = style.getPropertyValue('--muted').trim() || '#64748b';
    const gridColor = style.getPropertyValue('--grid').trim() || '#e2e8f0';
    for (const spec of CHARTS) {
      const plotBox = h('div', { class: 'plot' });
      const box = h('figure', { class: 'chart card', dataset: { chart: spec.id, points: '0' } },
        h('figcaption', null, spec.title), plotBox);
      chartGrid.append(box);
      const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } };
      const plot = new uPlot({
        width: Math.max(200, plotBox.clientWidth),
        height: 170,
        padding: [8, 28, 0, 0],
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        scales: {
          // At least half a minute wide, so that the first seconds do not spread over the whole width.
          x: { time: true, range: (u, min, max) => (max === null ? [0, 30] : [Math.min(min, max - 30), max]) },
          y: { range: (u, min, max) => [0, Math.max((max || 0) * 1.15, 1)] },
        },
        axes: [
          {
            ...axis, size: 30, space: 70, incrs: TIME_STEPS,
            values: (u, ticks, i, space, step) => ticks.map(t => clock(t, step)),
          },
          { ...axis, size: 56, values: (u, values) => values.map(tick) },
        ],
        // Between hovers the legend shows the latest values rather than dashes (after each draw, as uPlot fills
        // the legend in when it draws).
        hooks: { draw: [showLatest] },
        series: [{ label: 'Time', value: (u, t) => (t === null ? '–' : clock(t, 1)) },
          ...spec.series.map(([, label, color]) => ({
            label, stroke: color, width: 2, fill: color + '14', points: { show: false },
            value: (u, v) => spec.format(v),
          }))],
      }, [[], ...spec.series.map(() => [])], plotBox);
      charts.push({ spec, plot, box, plotBox });
    }
    redraw();
    window.midge.charts = charts.map(c => c.plot);
  }, e => message.replaceChildren(errorBox(e)));

  const resize = new ResizeObserver(() => {
    for (const chart of charts) chart.plot.setSize({ width: Math.max(200, chart.plotBox.clientWidth), height: 170 });
  });
  resize.observe(chartGrid);

  return () => {
    stopped = true;
    unsubscribe();
    resize.disconnect();
    for (const chart of charts) chart.plot.destroy();
    window.midge.charts = [];
  };
}
