// The draw-and-predict panel: the draw pad (www/drawpad.js), its 28x28 preview, the class
// probabilities of every run as bars (the least-squares outputs clipped and normalised) with the
// softmax of the same outputs beside them, the prediction, a test image with its true label, and
// "teach" (one optimizer step on the drawing with the chosen label). The drawing's hidden
// activations go to www/inside.js. The worker predicts; this thread draws.

import { createDrawPad, paintPreview } from './drawpad.js';
import { request } from './client.js';
import { setButtons, failed } from './buttons.js';
import { $, option, probe } from './dom.js';
import { className, itemWord } from './classes.js';
import { relabelInside, showActivations } from './inside.js';
import { LIMITS, OPTIMIZERS } from './settings.js';
import { app } from './state.js';
import { setStatus } from './status.js';
import { fmtCost } from './format.js';

const REPREDICT_MS = 700; // while training, the drawing is predicted again this often

const ui = {
  pad: $('pad'), preview: $('preview'), bars: $('bars'), prediction: $('prediction'), predictionName: $('prediction-name'),
  predictionMk: $('prediction-mk'), labelMk: $('label-r1-pred'), teachLabel: $('teach-label'), teach: $('teach'),
  clear: $('clear-pad'), testImage: $('test-image'), hint: $('draw-hint'), truth: $('test-truth'),
};
const bars = []; // per class: {li, cls, f0, f1, val, valMk, soft}
const drawnListeners = [];
let predictReq = 0; // the latest prediction asked for (a teach counts: it answers with its own)
let predictInFlight = false;
let pendingPredict = false;
let lastPredictAt = 0;
let taughtCount = 0; // steps taught on the current drawing
let truth = null; // the true label of the test image on the pad (null: a drawing)
let settingTestImage = false; // the pad's input is a test image being set (keeps `truth`)

export { className };

/** The draw pad: `input()` (784 values or null), `clear()`, `setInput(values)`. */
export const pad = createDrawPad(ui.pad, {
  onInput(input, { final }) {
    paintPreview(ui.preview, input);
    if (final) {
      taughtCount = 0;
      if (!settingTestImage) truth = null;
      for (const fn of drawnListeners) fn();
    }
    app.hasDrawing = !!input;
    setButtons();
    if (!input) { renderProbs(null); return; }
    repredict(true);
  },
});

/** `fn()` runs when the drawing is finished or cleared, or its label changes. */
export function onDrawnChange(fn) {
  drawnListeners.push(fn);
}

/** The drawing and its teach label, or null. */
export function drawn() {
  const input = pad.input();
  return input ? { pixels: input, label: Number(ui.teachLabel.value) } : null;
}

/** The probability bars and the label menu, one per class (text nodes only). */
export function buildBars() {
  ui.bars.textContent = '';
  bars.length = 0;
  const span = (cls) => { const s = document.createElement('span'); s.className = cls; return s; };
  for (let i = 0; i < LIMITS.classes; i++) {
    const li = document.createElement('li');
    const cls = span('cls');
    const track = span('track');
    track.setAttribute('aria-hidden', 'true');
    const f0 = span('fill r0');
    const f1 = span('fill mk');
    f1.hidden = true;
    track.append(f0, f1);
    const val = span('val');
    val.dataset.testid = `prob-${i}`;
    val.textContent = '–';
    const valMk = span('visually-hidden');
    valMk.dataset.testid = `prob-${i}-mk`;
    const soft = span('soft');
    soft.dataset.testid = `softmax-${i}`;
    soft.textContent = '–';
    li.append(cls, track, val, soft, valMk);
    ui.bars.append(li);
    bars.push({ li, cls, f0, f1, val, valMk, soft });
  }
  ui.teachLabel.replaceChildren(...bars.map((_, i) => option(String(i), className(i))));
  relabelBars();
}

/** Class names (and the pad's wording) for the data set of the settings. */
export function relabelBars() {
  bars.forEach((b, i) => { b.cls.textContent = className(i); ui.teachLabel.options[i].textContent = className(i); });
  ui.hint.textContent = `Draw ${itemWord()} in the black square (mouse, finger or pen), or take a test image. The network sees the 28×28 image on the right.`;
  relabelInside();
}

/** A race shows the second run's bars and prediction. */
export function showRace(specs) {
  const race = specs.length > 1;
  ui.labelMk.textContent = specs[1] ? OPTIMIZERS[specs[1].config.optimizer].short : '';
  for (const t of ui.bars.querySelectorAll('.track')) t.classList.toggle('has-mk', race);
  for (const f of ui.bars.querySelectorAll('.fill.mk')) f.hidden = !race;
}

/** The index of the largest value. */
const argmax = (p) => p.reduce((b, v, i) => (v > p[b] ? i : b), 0);

/**
 * Shows the probabilities by run id (r0's bars, r1's thin bars in a race) and r0's reading (its
 * softmax beside the bars, its hidden activations in www/inside.js); null clears them.
 */
function renderProbs(probs, readings) {
  const p0 = probs && probs.r0;
  const p1 = probs && probs.r1;
  const r0 = readings && readings.r0;
  showActivations(p0 ? r0 : null);
  if (!p0) {
    for (const b of bars) { b.f0.style.width = '0'; b.f1.style.width = '0'; b.val.textContent = '–'; b.soft.textContent = '–'; b.valMk.textContent = ''; b.li.classList.remove('top'); }
    ui.prediction.textContent = '–';
    ui.predictionName.textContent = '';
    ui.predictionMk.textContent = '–';
    ui.truth.hidden = true;
    return;
  }
  const top = argmax(p0);
  bars.forEach((b, i) => {
    b.f0.style.width = `${(100 * p0[i]).toFixed(1)}%`;
    b.val.textContent = p0[i].toFixed(3);
    probe('value', p0[i], b.val);
    b.li.classList.toggle('top', i === top);
    b.f1.style.width = p1 ? `${(100 * p1[i]).toFixed(1)}%` : '0';
    b.valMk.textContent = p1 ? p1[i].toFixed(3) : '';
    b.soft.textContent = r0 ? r0.softmax[i].toFixed(3) : '–';
    if (r0) probe('value', r0.softmax[i], b.soft);
  });
  ui.prediction.textContent = className(top);
  probe('class', top, ui.prediction);
  ui.predictionName.textContent = `bar ${(100 * p0[top]).toFixed(1)} %${r0 ? `, softmax ${(100 * r0.softmax[top]).toFixed(1)} %` : ''} (not calibrated: see below)`;
  ui.predictionMk.textContent = p1 ? className(argmax(p1)) : '–';
  if (truth !== null) {
    const right = top === truth;
    ui.truth.textContent = `True label: ${className(truth)}. The prediction is ${right ? 'right' : 'wrong'}.`;
    ui.truth.dataset.right = String(right);
    ui.truth.hidden = false;
  } else {
    ui.truth.hidden = true;
  }
}

/** Asks the worker for the drawing's probabilities; `force`: again after the one in flight. */
export function repredict(force) {
  const input = pad.input();
  if (!input || !app.configured) return;
  if (predictInFlight) { if (force) pendingPredict = true; return; }
  predictInFlight = true;
  lastPredictAt = performance.now();
  const req = ++predictReq;
  request('predict', { pixels: input }).then(({ probs, readings }) => {
    predictInFlight = false;
    if (req === predictReq && pad.input()) renderProbs(probs, readings);
    if (pendingPredict) { pendingPredict = false; repredict(true); }
  }, (e) => {
    predictInFlight = false;
    setStatus(`Prediction failed: ${e.message}`, 'error');
  });
}

/** While training: the drawing's prediction follows the weights (at most every REPREDICT_MS). */
export function followTraining() {
  if (performance.now() - lastPredictAt > REPREDICT_MS) repredict(false);
}

/** One optimizer step of every run on the drawing with the chosen label. */
function teach() {
  const input = pad.input();
  if (!input || !app.configured) return;
  const label = Number(ui.teachLabel.value);
  ++predictReq; // a prediction in flight is for the weights before this step
  request('teach', { label, pixels: input }).then(({ results, probs, readings }) => {
    renderProbs(probs, readings);
    taughtCount++;
    const parts = app.specs.map((s) => `${s.label}${results[s.id].diverged ? ' (step rejected: NaN/Inf)' : ''}: cost before ${fmtCost(results[s.id].loss)}`);
    setStatus(`Taught “${className(label)}” (${taughtCount}): one step on your drawing. ${parts.join('; ')}.`, 'ok');
  }, failed('teach'));
}

/** A random test image on the pad, with its label as the teach label and as the true label shown. */
function testImage() {
  request('sample', { index: Math.floor(Math.random() * app.testLen) }).then(({ pixels, label }) => {
    ui.teachLabel.value = String(label);
    truth = label;
    settingTestImage = true;
    try { pad.setInput(pixels.map((v) => v / 255)); } finally { settingTestImage = false; }
    setStatus(`Test image with label “${className(label)}”.`, 'ok');
  }, failed('sample'));
}

ui.clear.addEventListener('click', () => pad.clear());
ui.testImage.addEventListener('click', testImage);
ui.teach.addEventListener('click', teach);
ui.teachLabel.addEventListener('change', () => { for (const fn of drawnListeners) fn(); });
