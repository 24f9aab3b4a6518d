// Curvature over training, under the curves: the instruments the engine samples while each run
// trains (src/train/instruments.rs; the worker forwards them as `instruments` events), drawn as
// small multiples, one canvas per run, by the wasm `draw_multiples` (plotters). Nothing here
// computes: the panels are the samples' fields arranged as lines. At most 2 draws a second.

import { draw_multiples } from './pkg/sifrian.js';
import { chartTheme, onThemeChange } from './theme.js';
import { $, nextTask, probe } from './dom.js';
import { fmtCount } from './format.js';
import { app } from './state.js';

const DRAW_INTERVAL_MS = 500;
const MAX_SAMPLES = 600; // per run; beyond it every other old sample is dropped
const box = $('instruments');
let samples = {}; // run id -> its samples (www/protocol.js InstrumentSample)
let timer = null;
let lastAt = 0;

/** Forgets every run's samples (a new run). */
export function resetInstruments() {
  samples = {};
  box.replaceChildren();
  box.hidden = true;
  probe('instruments', 0, box);
}

/** Appends run `id`'s new samples. */
export function addInstruments(id, list) {
  let s = (samples[id] ||= []);
  s.push(...list);
  if (s.length > MAX_SAMPLES) samples[id] = s = s.filter((_, i) => i % 2 === 0 || i >= s.length - MAX_SAMPLES / 2);
  schedule();
}

function schedule() {
  if (timer !== null) return;
  const wait = Math.max(0, lastAt + DRAW_INTERVAL_MS - performance.now());
  timer = setTimeout(() => { timer = null; lastAt = performance.now(); drawAll(); }, wait);
}

const sub = (k) => String(k).split('').map((c) => '₀₁₂₃₄₅₆₇₈₉'[Number(c)]).join('');
const series = (list, f) => list.map((s) => [s.samples, f(s)]);

/**
 * The panels of one run's samples (`sgd`: the run does not use the lambdas, they are what Eq. 65
 * would choose at its state). Only the per-layer lines are in the legend (colour k: layer k); the
 * captions say what the other lines are.
 */
function panels(list, sgd) {
  const n = list.length ? list[list.length - 1].leaky_share.length : 0;
  const withSpectrum = list.filter((s) => s.spectrum);
  const layers = (from, to, f, extra = {}) => {
    const out = [];
    for (let k = from; k <= to; k++) out.push({ label: `layer ${k}`, color: k, points: series(list, (s) => f(s, k)), ...extra });
    return out;
  };
  const plain = (color, points, extra = {}) => ({ label: '', color, points, ...extra });
  return [
    { caption: 'radius of H₀ (exact)', log_y: true, lines: [
      plain(4, withSpectrum.map((s) => [s.samples, s.spectrum.radius]))] },
    { caption: 'inertia: + (top), − counts', lines: [
      plain(2, withSpectrum.map((s) => [s.samples, s.spectrum.positive])),
      plain(3, withSpectrum.map((s) => [s.samples, s.spectrum.negative]))] },
    { caption: 'gᵀH₀g/‖g‖², 2/step dashed', log_y: true, lines: [
      plain(5, series(list, (s) => s.curvature)),
      plain(1, series(list, (s) => s.edge), { dashed: true })] },
    { caption: sgd ? 'λₖ Eq. 65 would pick' : 'λₖ of Eq. 65', log_y: true, lines: layers(0, n - 1, (s, k) => s.lambda[k]) },
    { caption: 'leaky share per layer', lines: layers(1, n, (s, k) => s.leaky_share[k - 1]) },
    { caption: '‖λₖxₖ‖, error dashed', log_y: true, lines: [
      ...layers(1, n - 1, (s, k) => s.penalty[k - 1]),
      ...layers(1, n - 1, (s, k) => s.error[k - 1], { dashed: true })] },
  ];
}

/** One canvas (and its heading) per run that has samples, in the runs' order. */
function canvasOf(id) {
  let fig = box.querySelector(`figure[data-run="${id}"]`);
  if (!fig) {
    fig = document.createElement('figure');
    fig.dataset.run = id;
    fig.dataset.testid = `instruments-${id}`;
    const cap = document.createElement('figcaption');
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    fig.append(cap, canvas);
    box.append(fig);
  }
  return fig;
}

function drawAll() {
  const ids = (app.specs || []).map((s) => s.id).filter((id) => samples[id]?.length);
  if (!ids.length) return;
  box.hidden = false;
  const dpr = window.devicePixelRatio || 1;
  let drawnRuns = 0;
  for (const id of ids) {
    const list = samples[id];
    const fig = canvasOf(id);
    const spec = app.specs.find((s) => s.id === id);
    const last = list[list.length - 1];
    fig.firstChild.textContent = `${spec ? spec.label : id}: ${list.length} samples, the last at ${fmtCount(last.samples)} patterns` +
      (list.some((s) => s.spectrum) ? '' : ' (the exact spectrum comes less often on this net)');
    const canvas = fig.lastChild;
    canvas.setAttribute('aria-label', `Curvature over training of ${spec ? spec.label : id}: spectral radius and inertia, curvature along the gradient against 2/step, lambda per layer, leaky share per layer, state penalty against back-propagated error.`);
    const width = Math.max(240, Math.round(box.clientWidth || 720));
    const columns = width < 600 ? 2 : 3;
    const height = columns === 2 ? 3 * 170 + 40 : 2 * 180 + 30;
    canvas.style.height = `${height}px`;
    const [bw, bh] = [Math.round(width * dpr), Math.round(height * dpr)];
    if (canvas.width !== bw) canvas.width = bw;
    if (canvas.height !== bh) canvas.height = bh;
    draw_multiples(canvas, panels(list, spec?.config?.optimizer === 'sgd'), 'patterns seen', columns, dpr, chartTheme());
    probe('samples', list.length, fig);
    drawnRuns++;
  }
  probe('instruments', drawnRuns, box);
}

/**
 * The first draw's one-time costs on the page's thread (the glue's first calls, the canvas's font
 * and paths), paid during the boot in tasks of their own instead of in the first chart's task:
 * two made-up samples of a 3-layer run drawn on a canvas that is never shown, in two sizes.
 */
export async function warmInstruments() {
  const sample = (n, i) => ({
    samples: n, curvature: 1 + i, edge: 2, lambda: [1, 1, 1], leaky_share: [0.5, 0.5, 0.5],
    penalty: [1, 1], error: [1, 1], spectrum: { radius: 1 + i, positive: 2, negative: 1 },
  });
  const list = [sample(1000, 0), sample(2000, 1)];
  const small = document.createElement('canvas');
  small.width = 360;
  small.height = 240;
  for (const columns of [3, 2]) {
    try {
      draw_multiples(small, panels(list, false), 'patterns seen', columns, 1, chartTheme());
    } catch { /* the real draw reports any error */ }
    await nextTask();
  }
}

new ResizeObserver(() => { if (Object.keys(samples).length) schedule(); }).observe(box);
onThemeChange(() => { if (Object.keys(samples).length) schedule(); }); // redrawn in the new colours
