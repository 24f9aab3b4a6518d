// The run curves: the points the worker sends (one per 1,000 patterns, validations filled in
// later), thinned to at most MAX_DRAWN_POINTS and drawn by the wasm `draw_curves` (plotters; its
// text needs the DOM, so it runs on this thread), at most 4 times a second and each draw in its
// own task.

import { draw_curves } from './pkg/sifrian.js';
import { $, probe } from './dom.js';
import { app } from './state.js';
import { setStatus } from './status.js';

const CHART_INTERVAL_MS = 250; // redraw at most 4 times a second
const MAX_DRAWN_POINTS = 300;
const chart = $('chart');

let curves = {}; // run id -> its points
let timer = null;
let lastAt = 0;
let lastMs = 0;
let maxMs = 0;
let failed = false;

/** Every run's points (www/protocol.js CurvePoint), by run id. */
export const curvesOf = (id) => curves[id] || [];

/** Forgets every curve (a new run). */
export function resetCurves() {
  curves = {};
}

/** Forgets run `id`'s curve (a model was loaded into it). */
export function clearCurve(id) {
  curves[id] = [];
}

/** Appends a point to run `id`'s curve. */
export function addPoint(id, point) {
  (curves[id] ||= []).push(point);
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
  chart.setAttribute('aria-label', `Curves of cost, training accuracy and validation accuracy against ${what}; the table below gives the latest values.`);
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

/** Draws every run's curve at the chart's width; the slowest draw is the probe chartMaxMs. */
function drawChart() {
  timer = null;
  lastAt = performance.now();
  const wrap = chart.parentElement;
  const width = Math.max(600, Math.min(960, Math.round(wrap.clientWidth || 720)));
  const height = width < 760 ? 260 : 300;
  if (chart.width !== width) chart.width = width;
  if (chart.height !== height) chart.height = height;
  const series = app.specs.map((s) => ({ label: s.label, points: thin(curvesOf(s.id)) }));
  try {
    draw_curves(chart, series, app.settings.xAxis);
    failed = false;
  } catch (e) {
    if (!failed) setStatus(`Drawing the chart failed: ${e.message || e}`, 'error');
    failed = true;
  }
  lastMs = performance.now() - lastAt;
  maxMs = Math.max(maxMs, lastMs);
  probe('chartMaxMs', maxMs.toFixed(1));
}

new ResizeObserver(() => scheduleChart()).observe(chart.parentElement);

// ---------- divergence marks (helper "charts" draws them) ----------
const divergences = {}; // run id -> the pattern count where it was paused for diverging

/** Marks where run `id` was paused for diverging (`samples` patterns) and redraws. */
export function markDivergence(id, samples) {
  divergences[id] = samples;
  scheduleChart();
}
