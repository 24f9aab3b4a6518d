// The run curves: the points the worker sends (one per 1,000 patterns, validations filled in
// later), thinned to at most MAX_DRAWN_POINTS and drawn by the wasm `draw_curves` (plotters; its
// text needs the DOM, so it runs on this thread), at most 4 times a second and each draw in its
// own task. The canvas's backing store is its CSS size x devicePixelRatio (the engine scales its
// fonts and lines by the same factor). The engine returns where it drew each panel and point;
// the hover/touch readout only picks the drawn point nearest the pointer from that map.

import { draw_curves } from './pkg/sifrian.js';
import { $, nextTask, probe } from './dom.js';
import { downloadChartPng } from './downloads.js';
import { fmtCost, fmtCount, fmtPct, fmtNum } from './format.js';
import { app, persist } from './state.js';
import { setStatus } from './status.js';
import { watchWideTables } from './scrollhint.js';
import { chartTheme, onThemeChange } from './theme.js';

const CHART_INTERVAL_MS = 250; // redraw at most 4 times a second
const MAX_DRAWN_POINTS = 300;
const EARLIER_KEPT = 4; // earlier runs' curves kept in memory (a race's two sides count as two)
const STACK_BELOW_PX = 600; // narrower charts stack their three panels in one column
const chart = $('chart');
const ui = {
  logX: $('log-x'), earlier: $('earlier-runs'), png: $('export-png'), readout: $('chart-readout'),
  dots: $('chart-dots'),
};

let curves = {}; // run id -> its points
let labels = {}; // run id -> its label when its points came
let divergences = {}; // run id -> patterns seen when it was paused for diverging
let earlier = []; // [{label, points}] of earlier runs, newest first
let drawn = { series: [], maps: [] }; // what the last draw showed, for the readout
let timer = null;
let lastAt = 0;
let lastMs = 0;
let maxMs = 0;
let failed = false;
let draws = 0;
let pointer = null; // the last pointer event over the chart, read again after each redraw

/** What the last draw showed: `{series, maps}` (the engine's panel and point map; the readout reads it). */
export const lastDrawn = () => drawn;

/** Every run's points (www/protocol.js CurvePoint), by run id. */
export const curvesOf = (id) => curves[id] || [];

/** Forgets every curve (a new run); the ones with points are kept as faint earlier runs. */
export function resetCurves() {
  const done = Object.keys(curves).filter((id) => curves[id].length > 0)
    .map((id) => ({ label: labels[id] || id, points: thin(curves[id]) }));
  earlier = [...done, ...earlier].slice(0, EARLIER_KEPT);
  curves = {};
  labels = {};
  divergences = {};
  ui.earlier.disabled = earlier.length === 0;
}

/** Forgets run `id`'s curve and its divergence mark (a model was loaded into it). */
export function clearCurve(id) {
  curves[id] = [];
  delete divergences[id];
}

/** Run `id` was paused for diverging at `samples` patterns: the chart marks that point. */
export function markDivergence(id, samples) {
  if (!Number.isSafeInteger(samples) || samples < 0) throw new Error(`markDivergence: samples ${samples} is not a whole number >= 0`);
  divergences[id] = samples;
  scheduleChart();
}

/** Appends a point to run `id`'s curve. */
export function addPoint(id, point) {
  (curves[id] ||= []).push(point);
  const spec = app.specs.find((s) => s.id === id);
  if (spec) labels[id] = spec.label;
  scheduleChart();
}

/** Fills in the validation accuracy of run `id` at `samples` patterns. */
export function addValidation(id, samples, accuracy) {
  const pts = curvesOf(id);
  for (let i = pts.length - 1; i >= 0 && pts[i].samples >= samples; i--) {
    if (pts[i].samples === samples) { pts[i].validation_accuracy = accuracy; break; }
  }
  scheduleChart();
}

/** A redraw soon: at most 4 a second, fewer when a draw is slow (a busy machine). */
export function scheduleChart() {
  if (timer !== null || !app.engineReady) return;
  // Its own task, not requestAnimationFrame, so that it never shares a task with the frame's paint.
  const interval = Math.max(CHART_INTERVAL_MS, 12 * lastMs);
  const wait = Math.max(0, interval - (performance.now() - lastAt));
  timer = setTimeout(drawChart, wait);
}

/** The x axis changed: the canvas's text alternative says which, and the chart is redrawn. */
export function showXAxis() {
  const what = app.settings.xAxis === 'seconds' ? 'seconds of compute' : 'patterns seen';
  const scale = app.settings.logX ? ' (log scale)' : '';
  chart.setAttribute('aria-label', `Curves of cost, training accuracy and validation accuracy against ${what}${scale}; the table below gives the latest values.`);
  scheduleChart();
}

/** At most MAX_DRAWN_POINTS: consecutive points merged (means; the last validation). */
function thin(points) {
  if (points.length <= MAX_DRAWN_POINTS) return points;
  const k = Math.ceil(points.length / MAX_DRAWN_POINTS);
  const out = [];
  for (let i = 0; i < points.length; i += k) {
    const g = points.slice(i, i + k);
    const last = g[g.length - 1];
    let val = null;
    for (const p of g) if (p.validation_accuracy !== null) val = p.validation_accuracy;
    out.push({
      samples: last.samples,
      seconds: last.seconds,
      cost: g.reduce((a, p) => a + p.cost, 0) / g.length,
      train_accuracy: g.reduce((a, p) => a + p.train_accuracy, 0) / g.length,
      validation_accuracy: val,
    });
  }
  return out;
}

/** The chart's CSS size: the box's width; three panels side by side, or stacked when narrow. */
function cssSize() {
  const width = Math.max(240, Math.round(chart.parentElement.clientWidth || 720));
  const height = width < STACK_BELOW_PX ? 3 * 200 + 28 : width < 760 ? 290 : 320;
  return { width, height };
}

/** Gives the canvas the chart's size: CSS height, backing store CSS size x devicePixelRatio. */
function sizeCanvas() {
  const dpr = window.devicePixelRatio || 1;
  const { width, height } = cssSize();
  const [bw, bh] = [Math.round(width * dpr), Math.round(height * dpr)];
  if (chart.style.height !== `${height}px`) chart.style.height = `${height}px`;
  if (chart.width !== bw) chart.width = bw;
  if (chart.height !== bh) chart.height = bh;
  return dpr;
}

/**
 * The first draw's one-time costs, each in its own task before it (boot calls this once): the
 * canvas's backing store, the chart's font at each size (the first text in a font resolves it),
 * then two draws on a small canvas off the page, which run the JS glue's functions for the first
 * time (V8 compiles each on its first call; the wasm's drawing code, about 150 functions, the
 * training worker has already compiled: www/worker.js `warmDrawingCode`). Measured
 * (tests/bench/longtasks.mjs): together these made the first draw one task of 140-280 ms on a
 * loaded machine; the later draws take a few milliseconds.
 */
export async function warmChart() {
  const dpr = sizeCanvas();
  await nextTask();
  const ctx = chart.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, chart.width, chart.height);
  for (const px of [12, 13]) {
    await nextTask();
    ctx.font = `normal ${px * dpr}px sans-serif`;
    ctx.measureText('0.123456789e%');
  }
  await nextTask();
  // Empty axes first, then a curve (two points, one validated, so that the line's and the
  // validation panel's code runs too), in two tasks. This canvas is never shown.
  const small = document.createElement('canvas');
  small.width = 240;
  small.height = 200;
  const points = [1000, 2000].map((samples, i) => ({
    samples, seconds: i + 1, cost: 1 / (i + 1), train_accuracy: 0.5, validation_accuracy: i ? 0.5 : null,
  }));
  for (const warm of [[], [{ label: 'warm-up', points }]]) {
    try {
      draw_curves(small, warm, 'samples', { log_x: false, scale: 1 });
    } catch { /* the real draw reports any error */ }
    await nextTask();
  }
}

/** Draws every run's curve at the chart's size; the slowest draw is the probe chartMaxMs. */
function drawChart() {
  timer = null;
  lastAt = performance.now();
  if (ui.logX.checked !== !!app.settings.logX) ui.logX.checked = !!app.settings.logX;
  const dpr = sizeCanvas();
  const series = app.specs.map((s) => ({
    label: s.label, points: thin(curvesOf(s.id)), diverged_at: divergences[s.id] ?? null,
  }));
  const faint = ui.earlier.checked ? earlier.map((e) => ({ ...e, faint: true })) : [];
  try {
    const maps = draw_curves(chart, [...series, ...faint], app.settings.xAxis, { log_x: !!app.settings.logX, scale: dpr, theme: chartTheme() });
    drawn = { series, maps };
    failed = false;
  } catch (e) {
    if (!failed) setStatus(`Drawing the chart failed: ${e.message || e}`, 'error');
    failed = true;
  }
  if (pointer) showReadout(pointer); else hideReadout();
  lastMs = performance.now() - lastAt;
  maxMs = Math.max(maxMs, lastMs);
  probe('chartMaxMs', maxMs.toFixed(1));
  probe('draws', ++draws, chart); // tests wait for a draw after an action
  probe('series', drawn.series.length, chart);
  probe('earlier', faint.length, chart);
}

// ---------- the readout under the pointer ----------

const IDLE = 'Point at the chart (or touch it) to read the values there.';

/** The x of a point as the axis shows it. */
const xText = (p) => (app.settings.xAxis === 'seconds' ? `${fmtNum(p.seconds)} s` : `${fmtCount(p.samples)} patterns`);

/** The values of the drawn points nearest the pointer on the panel under it. */
function showReadout(event) {
  pointer = { clientX: event.clientX, clientY: event.clientY };
  const box = chart.getBoundingClientRect();
  const [x, y] = [event.clientX - box.left, event.clientY - box.top];
  const panel = drawn.maps.find((m) => x >= m.left && x <= m.left + m.width && y >= m.top && y <= m.top + m.height);
  if (!panel) { hideReadout(); return; }
  const parts = [];
  ui.dots.replaceChildren();
  drawn.series.forEach((s, i) => {
    let best = null;
    for (const q of panel.points[i] || []) if (best === null || Math.abs(q[1] - x) < Math.abs(best[1] - x)) best = q;
    if (best === null) return;
    const p = s.points[best[0]];
    const val = p.validation_accuracy === null ? '' : `, validation ${fmtPct(p.validation_accuracy)} %`;
    parts.push(`${s.label} at ${xText(p)}: cost ${fmtCost(p.cost)}, training ${fmtPct(p.train_accuracy)} %${val}`);
    const dot = document.createElement('span');
    dot.className = `chart-dot s${i}`;
    dot.style.left = `${best[1]}px`;
    dot.style.top = `${best[2]}px`;
    ui.dots.append(dot);
  });
  ui.readout.textContent = parts.length ? parts.join(' · ') : IDLE;
}

function hideReadout() {
  pointer = null;
  ui.dots.replaceChildren();
  if (ui.readout.textContent !== IDLE) ui.readout.textContent = IDLE;
}

chart.addEventListener('pointermove', showReadout);
chart.addEventListener('pointerdown', showReadout);
// A touch leaves the chart when the finger lifts: its readout stays until the next touch elsewhere.
chart.addEventListener('pointerleave', (e) => { if (e.pointerType !== 'touch') hideReadout(); });
document.addEventListener('pointerdown', (e) => { if (e.target !== chart && pointer) hideReadout(); });

// ---------- the chart's own controls ----------

ui.logX.addEventListener('change', () => {
  app.settings.logX = ui.logX.checked;
  persist();
  showXAxis();
});
ui.earlier.addEventListener('change', () => scheduleChart());
ui.png.addEventListener('click', () => downloadChartPng(chart, app.dataLoaded || app.settings.dataset, app.settings.seed));
ui.readout.textContent = IDLE;

new ResizeObserver(() => scheduleChart()).observe(chart.parentElement);
onThemeChange(() => scheduleChart()); // the system's colour scheme changed: redrawn in its colours
watchWideTables();
// A new devicePixelRatio (zoom, another screen) redraws at the new resolution.
(function watchRatio() {
  matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`).addEventListener('change', () => { scheduleChart(); watchRatio(); }, { once: true });
}());
