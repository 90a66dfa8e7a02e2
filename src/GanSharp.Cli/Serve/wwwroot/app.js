'use strict';
// The gansharp dashboard: a run list (polled every 2 s) and a run page fed by server-sent events.
// Every text from the server goes in through textContent, never as HTML.
const $ = (s) => document.querySelector(s);
const COLORS = ['#1565c0', '#c62828', '#2e7d32', '#ef6c00', '#6a1b9a', '#00838f', '#5d4037', '#ad1457'];
let listTimer = null;
let source = null;
let current = null;

function fmt(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v !== 'number') return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return new Date(ms).toLocaleString();
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function setLive(on) {
  const el = $('#live');
  el.textContent = on ? 'live' : 'offline';
  el.className = 'live ' + (on ? 'on' : 'off');
}

async function getJson(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  return r.json();
}

function route() {
  if (source) { source.close(); source = null; }
  if (listTimer) { clearInterval(listTimer); listTimer = null; }
  current = null;
  const m = location.hash.match(/^#run=(.+)$/);
  if (m) showRun(decodeURIComponent(m[1])); else showList();
}

// ---- run list

async function showList() {
  $('#run').hidden = true;
  $('#list').hidden = false;
  $('#title').textContent = 'runs';
  document.title = 'gansharp: runs';
  await refreshList();
  listTimer = setInterval(refreshList, 2000);
}

async function refreshList() {
  let doc;
  try { doc = await getJson('/api/runs'); setLive(true); } catch (e) { setLive(false); return; }
  $('#root').textContent = 'Runs in ' + doc.root;
  const tbody = $('#runs tbody');
  const rows = [];
  for (const r of doc.runs) {
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    const a = document.createElement('a');
    a.href = '#run=' + encodeURIComponent(r.id);
    a.textContent = r.id;
    const td = document.createElement('td');
    td.appendChild(a);
    tr.appendChild(td);
    if (r.error) { cell(tr, 'unreadable: ' + r.error); rows.push(tr); continue; }
    cell(tr, r.model ?? '');
    cell(tr, r.data ?? '');
    cell(tr, r.step + ' / ' + r.steps, 'num step');
    cell(tr, fmt(r.loss_d), 'num');
    cell(tr, fmt(r.loss_g), 'num');
    cell(tr, r.state, 'state-' + r.state);
    cell(tr, ago(r.updated));
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
  $('#empty').hidden = doc.runs.length > 0;
}

// ---- one run

async function showRun(id) {
  $('#list').hidden = true;
  $('#run').hidden = false;
  $('#title').textContent = id;
  document.title = 'gansharp: ' + id;
  let doc;
  try { doc = await getJson('/api/run?id=' + encodeURIComponent(id)); } catch (e) {
    $('#status').textContent = 'No run called ' + id + ' here.';
    return;
  }
  current = {
    id, dir: doc.dir, options: doc.options || {}, train: [], evals: [], samples: doc.samples || [],
    checkpoints: doc.checkpoints || [], state: doc.state, follow: true, charts: new Map(),
  };
  $('#charts').replaceChildren();
  addLines(doc.metrics);
  renderOptions();
  renderCheckpoints();
  renderSamples();
  render();
  connect(id, doc.offset);
}

function connect(id, offset) {
  source = new EventSource('/api/events?id=' + encodeURIComponent(id) + '&offset=' + offset);
  source.onopen = () => setLive(true);
  source.onerror = () => setLive(false);
  const mine = (f) => (e) => { if (current && current.id === id) f(JSON.parse(e.data)); };
  source.addEventListener('metrics', mine((lines) => { addLines(lines); current.state = 'training'; render(); }));
  source.addEventListener('options', mine((options) => { current.options = options; renderOptions(); render(); }));
  source.addEventListener('samples', mine((steps) => { current.samples = steps; renderSamples(); }));
  source.addEventListener('checkpoints', mine((list) => { current.checkpoints = list; renderCheckpoints(); }));
  source.addEventListener('reset', () => { source.close(); source = null; showRun(id); });
}

function addLines(lines) {
  for (const l of lines) (l.eval ? current.evals : current.train).push(l);
}

function numericKeys(lines, skip) {
  const keys = [];
  for (const l of lines)
    for (const [k, v] of Object.entries(l))
      if (!skip.has(k) && (typeof v === 'number' || v === null) && !keys.includes(k)) keys.push(k);
  return keys;
}

function flatEval(line) {
  const out = {};
  for (const [k, v] of Object.entries(line.eval || {})) if (typeof v === 'number') out[k] = v;
  return out;
}

function render() {
  const last = current.train[current.train.length - 1];
  const steps = current.options.steps;
  const step = last ? last.step : 0;
  const state = steps && step >= steps ? 'done' : current.state;
  $('#status').textContent = 'step ' + step + (steps ? ' of ' + steps : '') + ' · ' + (current.options.model || '') +
    ' on ' + (current.options.data || '') + ' · ' + state;

  const latest = [];
  if (last)
    for (const [k, v] of Object.entries(last)) {
      if (k === 'step' || typeof v !== 'number') continue;
      const span = document.createElement('span');
      span.dataset.key = k;
      span.textContent = k + ' ' + fmt(v);
      latest.push(span);
    }
  $('#latest').replaceChildren(...latest);

  const keys = numericKeys(current.train, new Set(['step', 'seconds']));
  const losses = keys.filter((k) => k.startsWith('loss'));
  const dOut = keys.filter((k) => k === 'd_real' || k === 'd_fake');
  const rest = keys.filter((k) => !losses.includes(k) && !dOut.includes(k));
  const charts = [];
  if (losses.length) charts.push(['Losses', current.train, losses, (l, k) => l[k]]);
  if (dOut.length) charts.push(['Mean D outputs', current.train, dOut, (l, k) => l[k]]);
  for (const k of rest) charts.push([k, current.train, [k], (l, key) => l[key]]);
  const evalKeys = [];
  for (const l of current.evals) for (const k of Object.keys(flatEval(l))) if (!evalKeys.includes(k)) evalKeys.push(k);
  for (const k of evalKeys) charts.push(['eval: ' + k, current.evals, [k], (l, key) => flatEval(l)[key]]);

  for (const [name, lines, series, get] of charts) {
    let canvas = current.charts.get(name);
    if (!canvas) {
      const fig = document.createElement('figure');
      fig.className = 'chart';
      canvas = document.createElement('canvas');
      canvas.width = 440;
      canvas.height = 220;
      canvas.dataset.chart = name;
      const cap = document.createElement('figcaption');
      cap.textContent = name;
      if (series.length > 1)                           // the legend: one coloured key per line
        series.forEach((k, i) => {
          const key = document.createElement('span');
          key.className = 'key';
          key.style.color = COLORS[i % COLORS.length];
          key.textContent = '━ ' + k;
          cap.append(' ', key);
        });
      fig.append(canvas, cap);
      $('#charts').appendChild(fig);
      current.charts.set(name, canvas);
    }
    draw(canvas, series.map((k) => ({ name: k, xs: lines.map((l) => l.step), ys: lines.map((l) => get(l, k)) })));
  }
}

function niceTicks(lo, hi, n) {
  const span = hi - lo;
  const raw = span / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(t);
  return ticks;
}

function draw(canvas, series) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height;
  const L = 56, R = 10, T = 10, B = 26;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (const s of series)
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      if (typeof y !== 'number' || !isFinite(y)) return;
      xmin = Math.min(xmin, x); xmax = Math.max(xmax, x); ymin = Math.min(ymin, y); ymax = Math.max(ymax, y);
    });
  ctx.font = '11px sans-serif';
  if (!isFinite(xmin)) { ctx.fillStyle = '#777'; ctx.fillText('no data yet', W / 2 - 30, H / 2); return; }
  if (xmax === xmin) { xmin -= 1; xmax += 1; }
  if (ymax === ymin) { ymin -= 0.5; ymax += 0.5; }
  const pad = (ymax - ymin) * 0.05;
  ymin -= pad; ymax += pad;
  const px = (x) => L + (x - xmin) / (xmax - xmin) * (W - L - R);
  const py = (y) => T + (ymax - y) / (ymax - ymin) * (H - T - B);
  ctx.strokeStyle = '#e0e0e0';
  ctx.fillStyle = '#555';
  ctx.lineWidth = 1;
  for (const t of niceTicks(ymin, ymax, 4)) {
    ctx.beginPath(); ctx.moveTo(L, py(t)); ctx.lineTo(W - R, py(t)); ctx.stroke();
    ctx.fillText(fmt(t).replace(/0+$/, '').replace(/\.$/, ''), 4, py(t) + 4);
  }
  for (const t of niceTicks(xmin, xmax, 5)) ctx.fillText(String(Math.round(t)), px(t) - 8, H - 8);
  ctx.strokeStyle = '#999';
  ctx.strokeRect(L, T, W - L - R, H - T - B);
  series.forEach((s, si) => {
    ctx.strokeStyle = ctx.fillStyle = COLORS[si % COLORS.length];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let pen = false, n = 0, lastX = 0, lastY = 0;
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      if (typeof y !== 'number' || !isFinite(y)) { pen = false; return; }
      lastX = px(x); lastY = py(y); n++;
      if (pen) ctx.lineTo(lastX, lastY); else ctx.moveTo(lastX, lastY);
      pen = true;
    });
    ctx.stroke();
    if (n === 1) { ctx.beginPath(); ctx.arc(lastX, lastY, 3, 0, 2 * Math.PI); ctx.fill(); }
  });

}

function renderSamples() {
  const steps = current.samples;
  const scrub = $('#scrub');
  const wasAtEnd = current.follow;
  scrub.max = Math.max(0, steps.length - 1);
  if (wasAtEnd) scrub.value = scrub.max;
  showGrid();
}

function showGrid() {
  const steps = current.samples;
  const img = $('#grid');
  if (!steps.length) { img.removeAttribute('src'); $('#gridstep').textContent = 'no sample grid yet'; return; }
  const i = Math.min(Number($('#scrub').value), steps.length - 1);
  const step = steps[i];
  const src = '/api/sample?id=' + encodeURIComponent(current.id) + '&step=' + step;
  if (img.getAttribute('src') !== src) img.src = src;
  img.dataset.step = step;
  $('#gridstep').textContent = 'step ' + step + ' (' + (i + 1) + ' of ' + steps.length + ')';
}

function kb(bytes) { return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + ' MB' : Math.ceil(bytes / 1024) + ' KB'; }

function renderCheckpoints() {
  const rows = current.checkpoints.map((c) => {
    const tr = document.createElement('tr');
    cell(tr, c.name + (c.latest ? '  (latest)' : ''));
    cell(tr, c.step === null ? '' : String(c.step), 'num');
    cell(tr, kb(c.bytes), 'num');
    cell(tr, new Date(c.modified).toLocaleTimeString());
    return tr;
  });
  $('#ckpts tbody').replaceChildren(...rows);
  $('#samplecmd').textContent = 'gansharp sample --checkpoint ' + current.dir + ' --count 64 --out grid.png';
}

function renderOptions() {
  const rows = Object.entries(current.options).map(([k, v]) => {
    const tr = document.createElement('tr');
    cell(tr, k);
    cell(tr, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
    return tr;
  });
  $('#options tbody').replaceChildren(...rows);
}

$('#scrub').addEventListener('input', () => {
  current.follow = Number($('#scrub').value) === Number($('#scrub').max);
  showGrid();
});
window.addEventListener('hashchange', route);
route();
