// A look inside the network: the confusion matrix of the test set (the engine's, after each
// validation on all test images; in a race, of the run the learner picks) whose cells open a
// gallery of those misclassified images; the
// first layer's weights of a few hidden units as 28x28 images (they follow the training); the
// hidden layers' activations for the drawn image; and what "One step" did. Every number is the
// engine's (src/train/confusion.rs, src/train/stats.rs, through www/worker.js); this thread draws.

import { request, on } from './client.js';
import { failed } from './buttons.js';
import { className } from './classes.js';
import { $, cell, put, probe } from './dom.js';
import { fmtCost, fmtCount, fmtPct } from './format.js';
import { app } from './state.js';
import { setStatus } from './status.js';
import { onThemeChange, themeColors } from './theme.js';

const GALLERY_LIMIT = 60; // images shown of one cell (the heading says how many there are)

const ui = {
  matrix: $('confusion-matrix'), matrixNote: $('confusion-note'), gallery: $('gallery'),
  galleryTitle: $('gallery-title'), galleryItems: $('gallery-items'), firstLayer: $('first-layer'),
  firstLayerNote: $('first-layer-note'), activations: $('activations'), step: $('one-step'),
  stepImage: $('one-step-image'), stepText: $('one-step-text'), run: $('confusion-run'), runRow: $('confusion-run-row'),
};
let matrices = {}; // run id -> its latest `confusion` event
let chosen = 'r0'; // the run whose matrix and gallery are shown (a race: the learner's choice)

// ---------- painting ----------

/** Paints 784 pixels (0..255) on a 28x28 canvas, white on black like the pad. */
export function paintPixels(canvas, pixels) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = pixels[i];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * Paints signed values on a canvas of `width` x ceil(n / width) cells in the theme's colours
 * (www/theme.js): red for positive, blue for negative, the background (white, or dark) for 0, full
 * colour at `scale` (the engine's max |value|; 0 paints all background).
 */
function paintSigned(canvas, values, scale, width) {
  const n = values.length;
  const { background: bg, hot, cold } = themeColors().rgb;
  canvas.width = width;
  canvas.height = Math.ceil(n / width);
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < canvas.width * canvas.height; i++) {
    const v = i < n && scale > 0 ? Math.max(-1, Math.min(1, values[i] / scale)) : 0;
    const to = v < 0 ? cold : hot;
    const a = Math.abs(v);
    for (let c = 0; c < 3; c++) img.data[4 * i + c] = Math.round(bg[c] + a * (to[c] - bg[c]));
    img.data[4 * i + 3] = i < n ? 255 : 0;
  }
  ctx.putImageData(img, 0, 0);
}

/** A pixelated canvas inside a figure with a caption (its lines: one <span> each). */
function figure(lines, attrs = {}) {
  const fig = document.createElement('figure');
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 28;
  const caption = document.createElement('figcaption');
  caption.append(...[].concat(lines).map((t) => cell('span', t)));
  fig.append(canvas, caption);
  for (const [k, v] of Object.entries(attrs)) fig.dataset[k] = String(v);
  return { fig, canvas };
}

// ---------- the confusion matrix and its gallery ----------

/** The run choice: shown for a race (one option per run, by its label), hidden for one run. */
function renderRunChoice() {
  const { specs } = app;
  if (!specs.some((s) => s.id === chosen)) chosen = specs.length ? specs[0].id : 'r0';
  const options = specs.map((s) => `${s.id}\t${s.label}`).join('\n');
  if (ui.run.dataset.options !== options) {
    ui.run.replaceChildren(...specs.map((s) => Object.assign(cell('option', s.label), { value: s.id })));
    ui.run.dataset.options = options;
  }
  ui.run.value = chosen;
  ui.runRow.hidden = specs.length < 2;
}

ui.run.addEventListener('change', () => {
  chosen = ui.run.value;
  ui.gallery.hidden = true;
  renderMatrix();
});

/** The matrix of the chosen run's latest validation on all test images (none yet: a note). */
function renderMatrix() {
  renderRunChoice();
  const matrix = matrices[chosen] || null;
  ui.matrix.textContent = '';
  probe('run', chosen, ui.matrix);
  if (!matrix) {
    ui.matrix.hidden = true;
    put(ui.matrixNote, 'The matrix appears after a validation on all test images: pause, or press “Validate on all 10,000”.');
    return;
  }
  const { counts, count, correct, samples } = matrix;
  const classes = counts.length === 100 ? 10 : Math.sqrt(counts.length);
  let worst = 0;
  counts.forEach((c, k) => { if (Math.floor(k / classes) !== k % classes && c > worst) worst = c; });
  const head = document.createElement('tr');
  head.append(cell('th', 'true ↓ predicted →', 'corner'));
  for (let p = 0; p < classes; p++) {
    const th = cell('th', className(p), 'pred');
    th.scope = 'col';
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const tbody = document.createElement('tbody');
  for (let t = 0; t < classes; t++) {
    const tr = document.createElement('tr');
    const th = cell('th', className(t));
    th.scope = 'row';
    tr.append(th);
    for (let p = 0; p < classes; p++) {
      const c = counts[t * classes + p];
      const td = document.createElement('td');
      Object.assign(td.dataset, { true: t, pred: p, count: c });
      if (t === p) {
        td.className = 'diag';
        td.textContent = String(c);
      } else if (c > 0) {
        td.className = 'off';
        // Shade by this cell's share of the largest off-diagonal cell (a drawing scale only).
        td.style.setProperty('--share', (c / worst).toFixed(3));
        const b = cell('button', String(c));
        b.type = 'button';
        b.title = `${c} test images of “${className(t)}” predicted as “${className(p)}”: show them`;
        b.addEventListener('click', () => openGallery(t, p));
        td.append(b);
      } else {
        td.className = 'zero';
        td.textContent = '·';
      }
      tr.append(td);
    }
    tbody.append(tr);
  }
  ui.matrix.append(thead, tbody);
  // Names longer than a digit run upwards in the column heads.
  ui.matrix.classList.toggle('long-names', Array.from({ length: classes }, (_, i) => className(i)).some((n) => n.length > 2));
  ui.matrix.hidden = false;
  probe('count', count, ui.matrix);
  probe('samples', samples, ui.matrix);
  const run = app.specs.find((s) => s.id === matrix.id);
  put(ui.matrixNote, `${run ? run.label : matrix.id} after ${fmtCount(samples)} patterns, on all ${fmtCount(count)} test images: ${fmtCount(correct)} right (${fmtPct(correct / count)} %, the diagonal), ${fmtCount(count - correct)} wrong. Rows are the true class, columns the prediction; press a number off the diagonal to see those images.`);
}

/** The misclassified test images of cell (t, p) of the chosen run's matrix, from the worker. */
function openGallery(t, p) {
  const matrix = matrices[chosen];
  if (!matrix) return;
  request('gallery', { id: matrix.id, true: t, pred: p, limit: GALLERY_LIMIT }).then((g) => {
    ui.galleryItems.textContent = '';
    for (const im of g.images) {
      const { fig, canvas } = figure([`#${im.index}`, `${className(im.label)} → ${className(im.pred)}`], { true: im.label, pred: im.pred, index: im.index });
      fig.title = `test image ${im.index}: true “${className(im.label)}”, predicted “${className(im.pred)}”`;
      paintPixels(canvas, im.pixels);
      ui.galleryItems.append(fig);
    }
    const shown = g.images.length < g.total ? ` (the first ${g.images.length})` : '';
    put(ui.galleryTitle, `True “${className(t)}”, predicted “${className(p)}”: ${g.total} test image${g.total === 1 ? '' : 's'}${shown}`);
    probe('true', t, ui.gallery);
    probe('pred', p, ui.gallery);
    probe('run', matrix.id, ui.gallery);
    ui.gallery.hidden = false;
  }, failed('gallery'));
}

on('confusion', (m) => {
  matrices[m.id] = m;
  if (m.id !== chosen) return;
  ui.gallery.hidden = true;
  renderMatrix();
});

// ---------- the first layer's weights ----------

// Painted only while on screen, at most once a frame: the worker posts them a few times a second.
let firstLayer = null; // the latest `firstLayer` event
let firstLayerPainted = null;
let firstLayerVisible = false;
let firstLayerFrame = false;
new IntersectionObserver((entries) => {
  firstLayerVisible = entries.some((e) => e.isIntersecting);
  schedulePaintFirstLayer();
}).observe(ui.firstLayer);

/** Paints the latest first layer at the next frame, if it is new and on screen. */
function schedulePaintFirstLayer() {
  if (firstLayerFrame || !firstLayerVisible || firstLayer === firstLayerPainted) return;
  firstLayerFrame = true;
  requestAnimationFrame(() => {
    firstLayerFrame = false;
    firstLayerPainted = firstLayer;
    paintFirstLayer(firstLayer);
  });
}

on('firstLayer', (event) => {
  firstLayer = event;
  schedulePaintFirstLayer();
});

/** The first layer's weights of a few units as 28x28 images. */
function paintFirstLayer({ samples, units, inputs, weights, max_abs: maxAbs }) {
  const side = Math.round(Math.sqrt(inputs));
  const figs = ui.firstLayer.querySelectorAll('figure');
  if (figs.length !== units) {
    ui.firstLayer.textContent = '';
    for (let u = 0; u < units; u++) ui.firstLayer.append(figure(`unit ${u + 1}`, { unit: u }).fig);
  }
  ui.firstLayer.querySelectorAll('figure').forEach((fig, u) => {
    paintSigned(fig.querySelector('canvas'), weights.slice(u * inputs, (u + 1) * inputs), maxAbs[u], side);
    fig.title = `unit ${u + 1}: weights from each pixel, ±${maxAbs[u].toPrecision(3)} at full colour`;
  });
  probe('samples', samples, ui.firstLayer);
  put(ui.firstLayerNote, `The first layer's weights of hidden units 1–${units}, one 28×28 image each (red: positive, blue: negative, each at its own largest |w|), after ${fmtCount(samples)} patterns.`);
}

// ---------- the activations of the drawn image ----------

let reading = null; // the last reading shown by showActivations

/** The hidden layers' states x_1..x_{n-1} of the first run for the drawing (null clears). */
export function showActivations(next) {
  reading = next;
  if (!reading) { ui.activations.textContent = ''; return; }
  const { hidden, hidden_max: max } = reading;
  if (ui.activations.children.length !== hidden.length) {
    ui.activations.textContent = '';
    hidden.forEach((h, k) => {
      const fig = document.createElement('figure');
      fig.dataset.layer = String(k + 1);
      fig.append(document.createElement('canvas'), cell('figcaption', ''));
      ui.activations.append(fig);
    });
  }
  [...ui.activations.children].forEach((fig, k) => {
    const h = hidden[k];
    fig.dataset.units = String(h.length);
    paintSigned(fig.querySelector('canvas'), h, max[k], Math.ceil(Math.sqrt(h.length)));
    put(fig.querySelector('figcaption'), `layer ${k + 1}: ${h.length} units, largest ${max[k].toPrecision(3)}`);
  });
}

// The system's colour scheme changed: the first layer and the activations in the new colours.
onThemeChange(() => {
  firstLayerPainted = null;
  schedulePaintFirstLayer();
  showActivations(reading);
});

// ---------- one step ----------

/** What "One step" did (the worker's `stepOne` reply): its image, label, prediction and cost. */
export function showOneStep({ steps }) {
  const first = steps.r0 || Object.values(steps)[0];
  if (!first) return;
  paintPixels(ui.stepImage, first.pixels);
  ui.stepText.textContent = '';
  const line = (label, value, testid) => {
    const div = document.createElement('div');
    const dd = cell('dd', value);
    if (testid) dd.dataset.testid = testid;
    div.append(cell('dt', label), dd);
    ui.stepText.append(div);
  };
  line('training image', `#${first.index} (the run's pattern ${fmtCount(first.samples)})`, 'one-step-index');
  line('label', className(first.label), 'one-step-label');
  const parts = [];
  for (const s of app.specs) {
    const o = steps[s.id];
    if (!o) continue;
    const mine = s.id === 'r0';
    const who = app.specs.length > 1 ? `${s.label}: ` : '';
    line(`${who}prediction before → after`, `${className(o.predicted_before)} → ${className(o.predicted_after)}`, mine ? 'one-step-prediction' : null);
    line(`${who}cost ½‖d−x‖² before`, fmtCost(o.cost_before), mine ? 'one-step-cost-before' : null);
    line(`${who}cost after`, `${fmtCost(o.cost_after)}${o.stats.diverged ? ' (step undone: it diverged)' : ''}`, mine ? 'one-step-cost-after' : null);
    parts.push(`${who}predicted ${className(o.predicted_before)}, cost ${fmtCost(o.cost_before)} → ${fmtCost(o.cost_after)}`);
  }
  probe('index', first.index, ui.step);
  ui.step.hidden = false;
  setStatus(`One step on training image #${first.index} (label “${className(first.label)}”): ${parts.join('; ')}.`, 'ok');
}

/** A new run: no matrix, gallery or step yet (the weights come with the worker's next event). */
export function clearInside() {
  matrices = {};
  ui.gallery.hidden = true;
  ui.step.hidden = true;
  renderMatrix();
}

/** The class names changed (another data set): the matrix's axes follow. */
export function relabelInside() {
  renderMatrix();
}
