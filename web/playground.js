// playground.js: the neurond playground. Draws what neurond's routes answer; computes no
// mathematics itself (the x grid and the training points are data the page makes, every
// function value, derivative, gradient, loss and class comes from the server).
//
// For tests and the curious, window.neurond holds what each panel last drew:
//   neurond.curves = {x, series: [{activation, params, y, dy_dx, d2y_dx2, dy_dparams}], version}
//   neurond.lab    = {configs: [{label, request, norms}], version}
//   neurond.train  = {request, losses, classes, version}
//   neurond.errors = [messages]
'use strict';

const N = (window.neurond = { curves: null, lab: null, train: null, errors: [], catalog: null });
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2',
                '#17becf', '#7f7f7f', '#bcbd22'];
const $ = (id) => document.getElementById(id);

function status(text, isError) {
  const el = $('status');
  el.textContent = text;
  el.className = isError ? 'status error' : 'status';
  if (isError) N.errors.push(text);
}

async function post(path, body) {
  const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                body: JSON.stringify(body) });
  const d = await r.json();
  if (!r.ok) throw new Error(`${path}: ${d.status} ${d.detail}${d.pointer ? ' (at ' + d.pointer + ')' : ''}`);
  return d;
}

async function getJSON(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

// A number as the server wrote it: JavaScript prints the shortest text that reads back
// to the same double, so this is the exact value.
const exact = (v) => (v == null ? '–' : String(v));

// Deterministic data for the lab and the training sets (mulberry32): the same page,
// the same points.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function plotWidth(el) {
  return Math.max(420, Math.min(900, el.parentElement.clientWidth - 8));
}

// ============================================================== 1. Curves

const curves = {
  series: [],          // {id, act (catalog entry), params: {name: value}}
  from: -6, to: 6, points: 401, log: false,
  plots: {}, nextId: 0, version: 0, pending: null,
};

function elementwise() {
  return N.catalog.filter((a) => a.kind === 'elementwise');
}

function sliderRange(p) {
  const d = typeof p.default === 'number' ? p.default : 0;
  const span = 3 * Math.max(1, Math.abs(d));
  let lo = p.minimum !== undefined ? p.minimum : d - span;
  let hi = p.maximum !== undefined ? p.maximum : d + span;
  if (p.minimum !== undefined && p.maximum === undefined) hi = Math.max(d + span, lo + 1);
  if (p.exclusive_minimum) lo += (hi - lo) / 1000;
  return [lo, hi];
}

function addSeries(name, params) {
  const act = N.catalog.find((a) => a.name === name);
  if (!act) return;
  const s = { id: curves.nextId++, act, params: {} };
  for (const p of act.parameters) s.params[p.name] = p.default;
  Object.assign(s.params, params || {});
  curves.series.push(s);
  renderSeriesList();
}

function renderSeriesList() {
  const list = $('series-list');
  list.textContent = '';
  curves.series.forEach((s, i) => {
    const box = document.createElement('div');
    box.className = 'series';
    box.style.borderLeftColor = COLORS[i % COLORS.length];
    box.dataset.activation = s.act.name;
    const head = document.createElement('div');
    head.className = 'head';
    head.textContent = s.act.name;
    const rm = document.createElement('button');
    rm.type = 'button';
    rm.textContent = '×';
    rm.title = 'remove';
    rm.onclick = () => { curves.series = curves.series.filter((t) => t !== s); renderSeriesList(); refreshCurves(); };
    head.appendChild(rm);
    box.appendChild(head);
    for (const p of s.act.parameters) {
      const row = document.createElement('div');
      row.className = 'param';
      const lab = document.createElement('span');
      lab.textContent = p.name;
      row.appendChild(lab);
      if (p.choices) {
        const sel = document.createElement('select');
        for (const c of p.choices) {
          const o = document.createElement('option');
          o.value = o.textContent = c;
          sel.appendChild(o);
        }
        sel.value = s.params[p.name];
        sel.onchange = () => { s.params[p.name] = sel.value; refreshCurves(); };
        row.appendChild(sel);
        row.appendChild(document.createElement('span'));
      } else {
        const [lo, hi] = sliderRange(p);
        const slider = document.createElement('input');
        slider.type = 'range';
        slider.min = lo;
        slider.max = hi;
        slider.step = (hi - lo) / 200;
        slider.value = s.params[p.name];
        slider.dataset.param = p.name;
        slider.title = `${p.name}: ${p.range}; ${p.description}`;
        const num = document.createElement('input');
        num.type = 'number';
        num.step = 'any';
        num.value = s.params[p.name];
        slider.oninput = () => { s.params[p.name] = Number(slider.value); num.value = slider.value; refreshCurves(); };
        num.onchange = () => { s.params[p.name] = Number(num.value); slider.value = num.value; refreshCurves(); };
        row.appendChild(slider);
        row.appendChild(num);
      }
      box.appendChild(row);
    }
    list.appendChild(box);
  });
  renderCatalogText();
}

function renderCatalogText() {
  const el = $('catalog-text');
  el.textContent = '';
  const seen = new Set();
  for (const s of curves.series) {
    if (seen.has(s.act.name)) continue;
    seen.add(s.act.name);
    const h = document.createElement('h3');
    h.textContent = s.act.name + (s.act.aliases.length ? ` (${s.act.aliases.join(', ')})` : '');
    el.appendChild(h);
    const lines = [['', s.act.formula], ['', s.act.derivative],
                   ['kinks: ', s.act.kinks || 'none (smooth everywhere)'],
                   ['accuracy: ', `within ${s.act.ulp} ULP of the exact value`]];
    for (const [k, v] of lines) {
      const p = document.createElement('p');
      p.textContent = k + v;
      el.appendChild(p);
    }
  }
}

function linspace(a, b, n) {
  // The grid of x values to ask for: data, not mathematics of the service.
  const xs = new Array(n);
  for (let i = 0; i < n; i++) xs[i] = i === n - 1 ? b : a + ((b - a) * i) / (n - 1);
  return xs;
}

// Tick labels of a y axis: powers of ten as 1e-300 on a log axis (formatting only).
function yTicks(u, splits) {
  return splits.map((v) => (v == null ? '' : u.scales.y.distr === 3 ? v.toExponential(0) : String(+v.toPrecision(6))));
}

// Ticks of a log axis: powers of ten, a few decades apart when the axis spans hundreds
// of them (axis layout only; uPlot's own log ticks run away over 300 decades).
function logSplits(u, axisIdx, min, max) {
  if (!(min > 0 && max > 0)) return [];
  const lo = Math.ceil(Math.log10(min)), hi = Math.floor(Math.log10(max));
  const step = Math.max(1, Math.ceil((hi - lo) / 6)), out = [];
  for (let e = lo; e <= hi; e += step) out.push(Number('1e' + e));
  return out.length ? out : [min, max];
}

function makePlot(el, title, key, opts) {
  const u = new uPlot({
    title, width: plotWidth(el), height: opts.height || 190,
    cursor: { sync: { key }, drag: { x: true, y: false, setScale: false } },
    scales: { x: { time: false }, y: opts.log ? { distr: 3, log: 10 } : { distr: 1 } },
    legend: { live: true },
    series: [{ label: 'x', value: (uu, v) => exact(v) }],
    axes: [{}, opts.log ? { size: 70, values: yTicks, splits: logSplits, filter: (u, splits) => splits } : { size: 70, values: yTicks }],
    hooks: opts.hooks || {},
  }, [[]], el);
  u.neurondLog = !!opts.log;
  return u;
}

// The curve panels: element, title, height. A panel is made anew when the log view is
// switched (uPlot fixes a scale's distribution when the plot is made).
const CURVE_PANELS = {
  y: ['plot-y', 'y = f(x)', 220], dy: ['plot-dy', "dy/dx = f'(x)", 190],
  d2y: ['plot-d2y', "d²y/dx² = f''(x)", 190], dp: ['plot-dp', 'dy/dparam', 190],
};

function curvePlot(key, log) {
  const old = curves.plots[key];
  if (old && old.neurondLog === log) return old;
  if (old) old.destroy();
  const [id, title, height] = CURVE_PANELS[key];
  curves.plots[key] = makePlot($(id), log ? title + ', log |value|' : title, 'curves',
                               { hooks: curvePlotHooks(), height, log });
  return curves.plots[key];
}

function setPlotSeries(u, data, labels, colors, log, raw) {
  // Rebuilds the series of u (labels and colours may change with the selection).
  while (u.series.length > 1) u.delSeries(1);
  labels.forEach((lab, i) => u.addSeries({
    label: lab, stroke: colors[i], width: 2,
    value: (uu, v, si, idx) => (idx == null ? '–' : exact(raw[i][idx])),
  }, i + 1));
  u.setData(data, true);
}

function curvePlotHooks() {
  return {
    setSelect: [(u) => {
      if (u.select.width > 4) {
        const a = u.posToVal(u.select.left, 'x');
        const b = u.posToVal(u.select.left + u.select.width, 'x');
        setRange(a, b);
      }
      u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    }],
    ready: [(u) => {
      u.over.addEventListener('wheel', (e) => {
        e.preventDefault();
        const at = u.posToVal(e.offsetX, 'x');
        const f = e.deltaY < 0 ? 0.8 : 1.25;
        setRange(at - (at - curves.from) * f, at + (curves.to - at) * f);
      }, { passive: false });
      let start = null;
      u.over.addEventListener('mousedown', (e) => { if (e.shiftKey) start = e.offsetX; }, true);
      window.addEventListener('mouseup', (e) => {
        if (start === null) return;
        const rect = u.over.getBoundingClientRect();
        const d = u.posToVal(start, 'x') - u.posToVal(e.clientX - rect.left, 'x');
        start = null;
        setRange(curves.from + d, curves.to + d);
      });
    }],
  };
}

function setRange(a, b) {
  if (!(isFinite(a) && isFinite(b)) || !(a < b)) return;
  curves.from = a;
  curves.to = b;
  $('x-from').value = a;
  $('x-to').value = b;
  refreshCurves();
}

function refreshCurves() {
  // Coalesces bursts of input (a slider being dragged) into one round of requests.
  if (curves.pending) clearTimeout(curves.pending);
  curves.pending = setTimeout(() => { curves.pending = null; drawCurves().catch((e) => status(e.message, true)); }, 30);
}

async function drawCurves() {
  const version = ++curves.version;
  const xs = linspace(curves.from, curves.to, curves.points);
  const results = await Promise.all(curves.series.map((s) => {
    const outputs = ['y', 'dy_dx', 'd2y_dx2'];
    if (s.act.outputs.includes('dy_dparams')) outputs.push('dy_dparams');
    return post('/activate', { activation: s.act.name, params: s.params, x: xs, outputs });
  }));
  if (version !== curves.version) return; // a newer request has been made
  const log = curves.log;
  const shown = (v) => (log ? (v === 0 ? null : Math.abs(v)) : v); // display only: |v| on a log axis
  const labels = curves.series.map((s) => s.act.name + paramText(s));
  const colors = curves.series.map((s, i) => COLORS[i % COLORS.length]);
  for (const [key, field] of [['y', 'y'], ['dy', 'dy_dx'], ['d2y', 'd2y_dx2']]) {
    const raw = results.map((r) => r[field]);
    setPlotSeries(curvePlot(key, log), [xs, ...raw.map((a) => a.map(shown))], labels, colors, log, raw);
  }
  // dy/dparam: one line per differentiable parameter of each series
  const dpRaw = [], dpLabels = [], dpColors = [];
  results.forEach((r, i) => {
    for (const [name, arr] of Object.entries(r.dy_dparams || {})) {
      dpRaw.push(arr);
      dpLabels.push(`${labels[i]}: dy/d${name}`);
      dpColors.push(colors[i]);
    }
  });
  $('plot-dp').style.display = dpRaw.length ? '' : 'none';
  if (dpRaw.length)
    setPlotSeries(curvePlot('dp', log), [xs, ...dpRaw.map((a) => a.map(shown))], dpLabels, dpColors, log, dpRaw);
  const range = (k) => { const sc = curves.plots[k].scales.y; return [sc.min, sc.max]; };
  N.curves = {
    x: xs, log, version,
    // the y ranges as drawn (uPlot sets them when it next draws: read when asked)
    get ranges() { return { y: range('y'), dy: range('dy'), d2y: range('d2y') }; },
    series: curves.series.map((s, i) => ({
      activation: s.act.name, params: { ...results[i].params },
      y: results[i].y, dy_dx: results[i].dy_dx, d2y_dx2: results[i].d2y_dx2,
      dy_dparams: results[i].dy_dparams || null,
    })),
  };
  const sec = $('curves');
  sec.dataset.state = 'drawn';
  sec.dataset.version = String(version);
  status(`drew ${curves.series.length} activation(s) at ${xs.length} points on [${curves.from}, ${curves.to}]`);
}

function paramText(s) {
  const ps = Object.entries(s.params);
  return ps.length ? ' (' + ps.map(([k, v]) => `${k}=${v}`).join(', ') + ')' : '';
}

const PRESETS = {
  'sigmoid-tanh': [['sigmoid'], ['tanh']],
  gelu3: [['gelu', { approximate: 'none' }], ['gelu', { approximate: 'tanh' }], ['gelu', { approximate: 'sigmoid' }]],
  'relu-family': [['relu'], ['leaky_relu', { alpha: 0.1 }], ['elu'], ['selu']],
  smooth: [['softplus'], ['swish'], ['mish']],
};

function usePreset(name) {
  curves.series = [];
  for (const [act, params] of PRESETS[name]) addSeries(act, params);
  refreshCurves();
}

function setupCurves() {
  const sel = $('act-add');
  for (const a of elementwise()) {
    const o = document.createElement('option');
    o.value = o.textContent = a.name;
    sel.appendChild(o);
  }
  $('act-add-btn').onclick = () => { addSeries(sel.value); refreshCurves(); };
  for (const b of document.querySelectorAll('[data-preset]')) b.onclick = () => usePreset(b.dataset.preset);
  $('x-from').onchange = () => setRange(Number($('x-from').value), curves.to);
  $('x-to').onchange = () => setRange(curves.from, Number($('x-to').value));
  const w = () => curves.to - curves.from, mid = () => (curves.from + curves.to) / 2;
  $('zoom-in').onclick = () => setRange(mid() - w() / 4, mid() + w() / 4);
  $('zoom-out').onclick = () => setRange(mid() - w(), mid() + w());
  $('pan-left').onclick = () => setRange(curves.from - w() / 4, curves.to - w() / 4);
  $('pan-right').onclick = () => setRange(curves.from + w() / 4, curves.to + w() / 4);
  $('zoom-reset').onclick = () => setRange(-6, 6);
  $('log-view').onchange = () => { curves.log = $('log-view').checked; refreshCurves(); };
  for (const b of document.querySelectorAll('[data-tail]')) {
    b.onclick = () => {
      curves.log = $('log-view').checked = true;
      if (b.dataset.tail === 'sigmoid') { curves.series = []; addSeries('sigmoid'); setRange(-20, 700); }
      else { curves.series = []; addSeries('gelu'); setRange(-30, 5); }
    };
  }
  for (const key of Object.keys(CURVE_PANELS)) curvePlot(key, false);
  usePreset('sigmoid-tanh');
}

// ================================================================ 2. Lab

const lab = { configs: [], plot: null, version: 0 };

function labInput(width, m, seed) {
  // Inputs for the lab: m samples of width numbers, uniform in [-1, 1) (data).
  const r = rng(seed * 7919 + 17), x = [];
  for (let i = 0; i < m; i++) { const row = []; for (let j = 0; j < width; j++) row.push(2 * r() - 1); x.push(row); }
  return x;
}

async function addLabConfig(act, scheme, std, depth, width, seed) {
  const m = 32;
  const init = scheme === 'normal' ? { scheme, std } : scheme;
  const request = {
    x: labInput(width, m, seed), sizes: [width, ...new Array(depth).fill(width)],
    activation: act, init, seed,
    grad_output: new Array(m).fill(0).map(() => new Array(width).fill(1)),
    outputs: ['stats'],
  };
  const d = await post('/network/backward', request);
  const norms = d.layers.map((l) => l.stats.grad_weights_norm);
  const label = `${act}, ${scheme}${scheme === 'normal' ? ' std ' + std : ''}, ${depth} x ${width}`;
  lab.configs.push({ label, request, norms, stats: d.layers.map((l) => l.stats) });
  drawLab();
}

function drawLab() {
  const u = lab.plot;
  const depth = Math.max(1, ...lab.configs.map((c) => c.norms.length));
  const xs = Array.from({ length: depth }, (_, i) => i + 1); // layer numbers
  const data = [xs, ...lab.configs.map((c) => xs.map((_, i) => (i < c.norms.length && c.norms[i] > 0 ? c.norms[i] : null)))];
  while (u.series.length > 1) u.delSeries(1);
  lab.configs.forEach((c, i) => u.addSeries({
    label: c.label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 5 },
    value: (uu, v, si, idx) => (idx == null || idx >= c.norms.length ? '–' : exact(c.norms[idx])),
  }, i + 1));
  u.setData(data, true);
  const list = $('lab-list');
  list.textContent = '';
  lab.configs.forEach((c, i) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = COLORS[i % COLORS.length];
    li.appendChild(sw);
    const first = c.norms[0], last = c.norms[c.norms.length - 1];
    li.appendChild(document.createTextNode(`${c.label}: layer 1 ${first.toPrecision(3)}, layer ${c.norms.length} ${last.toPrecision(3)}`));
    list.appendChild(li);
  });
  N.lab = { version: ++lab.version, configs: lab.configs.map((c) => ({ label: c.label, request: c.request, norms: c.norms })) };
  const sec = $('lab');
  sec.dataset.state = 'drawn';
  sec.dataset.version = String(lab.version);
}

async function setupLab() {
  const spec = await getJSON('/openapi.json');
  const schemes = spec.components.schemas.InitRequest.properties.scheme.enum;
  const acts = elementwise().map((a) => a.name);
  for (const [id, items, def] of [['lab-act', acts, 'sigmoid'], ['lab-init', schemes, 'normal'], ['train-act', acts, 'tanh']]) {
    const sel = $(id);
    for (const it of items) { const o = document.createElement('option'); o.value = o.textContent = it; sel.appendChild(o); }
    sel.value = def;
  }
  $('lab-init').onchange = () => { $('lab-std-label').style.display = $('lab-init').value === 'normal' ? '' : 'none'; };
  lab.plot = new uPlot({
    title: 'grad_weights_norm per layer (layer 1 is next to the input)', width: plotWidth($('plot-lab')), height: 320,
    scales: { x: { time: false }, y: { distr: 3, log: 10 } },
    axes: [{ label: 'layer' }, { size: 80, label: '‖grad W‖ (Frobenius)', values: yTicks, splits: logSplits, filter: (u, splits) => splits }],
    series: [{ label: 'layer', value: (u, v) => (v == null ? '–' : String(v)) }],
  }, [[]], $('plot-lab'));
  $('lab-add').onclick = () => addLabConfig($('lab-act').value, $('lab-init').value, Number($('lab-std').value),
    Number($('lab-depth').value), Number($('lab-width').value), Number($('lab-seed').value)).catch((e) => status(e.message, true));
  $('lab-clear').onclick = () => { lab.configs = []; drawLab(); };
  // The seeds' experiment: sigmoid with small normal weights against ReLU with He.
  await addLabConfig('sigmoid', 'normal', 0.1, 20, 16, 1);
  await addLabConfig('tanh', 'xavier_normal', 0, 20, 16, 1);
  await addLabConfig('relu', 'he_normal', 0, 20, 16, 1);
}

// =========================================================== 3. Training

const train = { plot: null, version: 0 };

function dataset(kind, seed) {
  // Training points the page makes (data, not a computation of the service): Gaussian
  // blobs around a few centres (Box-Muller from the seeded generator).
  const r = rng(seed * 104729 + 3);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const blobs = {
    blobs: [[[-1, -1], 0], [[1, 1], 1]],
    xor: [[[-1, -1], 0], [[1, 1], 0], [[-1, 1], 1], [[1, -1], 1]],
    three: [[[0, 1.3], 0], [[-1.2, -0.8], 1], [[1.2, -0.8], 2]],
  }[kind];
  const sd = kind === 'xor' ? 0.35 : 0.5, per = kind === 'xor' ? 20 : 30;
  const x = [], cls = [];
  for (const [[cx, cy], c] of blobs) for (let i = 0; i < per; i++) { x.push([cx + sd * gauss(), cy + sd * gauss()]); cls.push(c); }
  return { x, cls, classes: kind === 'three' ? 3 : 2 };
}

const REGION_COLORS = ['#c6dcef', '#f6c4c4', '#c9e9c4'];
const POINT_COLORS = ['#1f77b4', '#d62728', '#2ca02c'];

async function runTraining() {
  const kind = $('train-data').value, hidden = Number($('train-hidden').value), act = $('train-act').value;
  const lr = Number($('train-lr').value), steps = Number($('train-steps').value), seed = Number($('train-seed').value);
  const data = dataset(kind, seed);
  const C = data.classes;
  const request = {
    x: data.x, targets: data.cls, loss: 'cross_entropy', sizes: [2, hidden, C], activation: [act, 'softmax'],
    init: act === 'relu' ? 'he_normal' : 'xavier_normal', seed, learning_rate: lr, steps, outputs: [],
  };
  const d = await post('/network/backward', request);
  const losses = d.losses;
  train.plot.setData([losses.map((_, i) => i), losses], true);
  // The decision regions: the class of every point of a grid, from /network/forward
  // with a hardmax layer after the softmax (a one-hot row: the class is where the 1 is).
  const G = 60, lo = -3, hi = 3, grid = [];
  for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) grid.push([lo + ((hi - lo) * (j + 0.5)) / G, hi - ((hi - lo) * (i + 0.5)) / G]);
  const ident = Array.from({ length: C }, (_, i) => Array.from({ length: C }, (_, j) => (i === j ? 1 : 0)));
  const f = await post('/network/forward', { x: grid, layers: [...d.updated, { weights: ident, activation: 'hardmax' }], outputs: [] });
  const classes = f.a.map((row) => row.indexOf(1));
  const cv = $('regions'), g = cv.getContext('2d'), cell = cv.width / G;
  g.clearRect(0, 0, cv.width, cv.height);
  classes.forEach((c, q) => { g.fillStyle = REGION_COLORS[c]; g.fillRect(Math.floor((q % G) * cell), Math.floor(Math.floor(q / G) * cell), Math.ceil(cell) + 1, Math.ceil(cell) + 1); });
  data.x.forEach(([px, py], i) => {
    g.beginPath();
    g.arc(((px - lo) / (hi - lo)) * cv.width, ((hi - py) / (hi - lo)) * cv.height, 3.5, 0, 7);
    g.fillStyle = POINT_COLORS[data.cls[i]];
    g.fill();
    g.strokeStyle = '#fff';
    g.stroke();
  });
  // grad_z = softmax(z) - r for one sample, from /neuron/backward on the output layer
  const h = await post('/network/forward', { x: [data.x[0]], layers: d.updated, outputs: ['a'] });
  const out = d.updated[1];
  const nb = await post('/neuron/backward', { weights: out.weights, bias: out.bias, activation: 'softmax',
    x: h.layers[0].a, targets: [data.cls[0]], loss: 'cross_entropy', reduction: 'sum' });
  renderGradZ(nb, data.cls[0], C, data.x[0]);
  $('train-summary').textContent = `loss ${losses[0].toPrecision(4)} before the first step, ${losses[losses.length - 1].toPrecision(4)} before the last (${steps} steps).`;
  N.train = { version: ++train.version, request, losses, classes, grid_size: G, gradz: nb };
  const sec = $('train');
  sec.dataset.state = 'drawn';
  sec.dataset.version = String(train.version);
}

function renderGradZ(nb, cls, C, pt) {
  const el = $('gradz');
  el.textContent = '';
  const t = document.createElement('table');
  const cap = document.createElement('caption');
  cap.textContent = `One sample, x = (${pt.map((v) => v.toFixed(3)).join(', ')}), class ${cls}: the output layer's z, a = softmax(z), the target r (one-hot) and neurond's grad_z. Each grad_z is a − r: equal to a where r = 0, a − 1 at the class.`;
  t.appendChild(cap);
  const head = t.insertRow();
  for (const h of ['k', 'z_k', 'a_k = softmax(z)_k', 'r_k', 'grad_z_k = ∂L/∂z_k']) { const th = document.createElement('th'); th.textContent = h; head.appendChild(th); }
  for (let k = 0; k < C; k++) {
    const row = t.insertRow();
    for (const v of [k, nb.z[0][k], nb.a[0][k], k === cls ? 1 : 0, nb.grad_z[0][k]]) row.insertCell().textContent = exact(v);
  }
  el.appendChild(t);
}

function setupTraining() {
  train.plot = new uPlot({
    title: 'cross-entropy loss before each step', width: 460, height: 300,
    scales: { x: { time: false }, y: { distr: 3, log: 10 } },
    axes: [{ label: 'step' }, { size: 70, values: yTicks, splits: logSplits, filter: (u, splits) => splits }],
    series: [{ label: 'step' }, { label: 'loss', stroke: '#d62728', width: 2, value: (u, v) => exact(v) }],
  }, [[]], $('plot-loss'));
  $('train-run').onclick = () => runTraining().catch((e) => status(e.message, true));
  return runTraining();
}

// ================================================================== Start

async function main() {
  try {
    const cat = await getJSON('/activations');
    N.catalog = cat.activations;
    setupCurves();
    await setupLab();
    await setupTraining();
    status('ready: every value on this page came from neurond');
  } catch (e) {
    status('error: ' + e.message, true);
  }
}

window.addEventListener('error', (e) => N.errors.push(String(e.message)));
main();
