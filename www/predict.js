// The draw-and-predict panel: the draw pad (www/drawpad.js), its 28x28 preview, the class
// probabilities of every run as bars, the prediction, a test image, and "teach" (one optimizer
// step on the drawing with the chosen label). The worker predicts; this thread draws.

import { createDrawPad, paintPreview } from './drawpad.js';
import { request } from './client.js';
import { setButtons, failed } from './buttons.js';
import { $, option, probe } from './dom.js';
import { LIMITS, OPTIMIZERS } from './settings.js';
import { app } from './state.js';
import { setStatus } from './status.js';
import { fmtCost } from './format.js';

const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const REPREDICT_MS = 700; // while training, the drawing is predicted again this often

const ui = {
  pad: $('pad'), preview: $('preview'), bars: $('bars'), prediction: $('prediction'), predictionName: $('prediction-name'),
  predictionMk: $('prediction-mk'), labelMk: $('label-r1-pred'), teachLabel: $('teach-label'), teach: $('teach'),
  clear: $('clear-pad'), testImage: $('test-image'),
};
const bars = []; // per class: {li, cls, f0, f1, val, valMk}
const drawnListeners = [];
let predictReq = 0; // the latest prediction asked for (a teach counts: it answers with its own)
let predictInFlight = false;
let pendingPredict = false;
let lastPredictAt = 0;
let taughtCount = 0; // steps taught on the current drawing

/** Whether the data set is Fashion-MNIST (class names). */
const fashion = () => app.settings.dataset === 'fashion';
/** Class i's name: "3", or "3 Dress" on Fashion-MNIST. */
export const className = (i) => (fashion() ? `${i} ${FASHION[i]}` : String(i));

/** The draw pad: `input()` (784 values or null), `clear()`, `setInput(values)`. */
export const pad = createDrawPad(ui.pad, {
  onInput(input, { final }) {
    paintPreview(ui.preview, input);
    if (final) {
      taughtCount = 0;
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
    li.append(cls, track, val, valMk);
    ui.bars.append(li);
    bars.push({ li, cls, f0, f1, val, valMk });
  }
  ui.teachLabel.replaceChildren(...bars.map((_, i) => option(String(i), className(i))));
  relabelBars();
}

/** Class names for the data set of the settings. */
export function relabelBars() {
  bars.forEach((b, i) => { b.cls.textContent = className(i); ui.teachLabel.options[i].textContent = className(i); });
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

/** Shows the probabilities by run id (r0's bars, r1's thin bars in a race); null clears them. */
function renderProbs(probs) {
  const p0 = probs && probs.r0;
  const p1 = probs && probs.r1;
  if (!p0) {
    for (const b of bars) { b.f0.style.width = '0'; b.f1.style.width = '0'; b.val.textContent = '–'; b.valMk.textContent = ''; b.li.classList.remove('top'); }
    ui.prediction.textContent = '–';
    ui.predictionName.textContent = '';
    ui.predictionMk.textContent = '–';
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
  });
  ui.prediction.textContent = String(top);
  ui.predictionName.textContent = `${fashion() ? FASHION[top] + ', ' : ''}${(100 * p0[top]).toFixed(1)} % sure`;
  ui.predictionMk.textContent = p1 ? String(argmax(p1)) : '–';
}

/** Asks the worker for the drawing's probabilities; `force`: again after the one in flight. */
export function repredict(force) {
  const input = pad.input();
  if (!input || !app.configured) return;
  if (predictInFlight) { if (force) pendingPredict = true; return; }
  predictInFlight = true;
  lastPredictAt = performance.now();
  const req = ++predictReq;
  request('predict', { pixels: input }).then(({ probs }) => {
    predictInFlight = false;
    if (req === predictReq && pad.input()) renderProbs(probs);
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
  request('teach', { label, pixels: input }).then(({ results, probs }) => {
    renderProbs(probs);
    taughtCount++;
    const parts = app.specs.map((s) => `${s.label}${results[s.id].diverged ? ' (step rejected: NaN/Inf)' : ''}: cost before ${fmtCost(results[s.id].loss)}`);
    setStatus(`Taught “${className(label)}” (${taughtCount}): one step on your drawing. ${parts.join('; ')}.`, 'ok');
  }, failed('teach'));
}

/** A random test image on the pad, with its label as the teach label. */
function testImage() {
  request('sample', { index: Math.floor(Math.random() * app.testLen) }).then(({ pixels, label }) => {
    ui.teachLabel.value = String(label);
    pad.setInput(pixels.map((v) => v / 255));
    setStatus(`Test image with label “${className(label)}”.`, 'ok');
  }, failed('sample'));
}

ui.clear.addEventListener('click', () => pad.clear());
ui.testImage.addEventListener('click', testImage);
ui.teach.addEventListener('click', teach);
ui.teachLabel.addEventListener('change', () => { for (const fn of drawnListeners) fn(); });
