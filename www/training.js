// The training panel: loading a data set, (re)configuring the run, the worker's events while it
// trains (stats, curve points, validations, pauses, a rejected step), the readouts table, the
// training toolbar, and model files in and out. The worker trains; this thread shows.

import { request, on } from './client.js';
import { setButtons, failed } from './buttons.js';
import { addPoint, addValidation, clearCurve, markDivergence, resetCurves, scheduleChart } from './charts.js';
import { $, put, probe } from './dom.js';
import { downloadCurves, downloadModel } from './downloads.js';
import { fmtCount, fmtInt, fmtCost, fmtPct } from './format.js';
import { clearInside, showOneStep } from './inside.js';
import { addInstruments, resetInstruments } from './instruments.js';
import { createLab } from './lab.js';
import { draw_figure5 } from './pkg/sifrian.js';
import { drawn, followTraining, onDrawnChange, repredict, showRace } from './predict.js';
import { DATASETS, sizesOf } from './settings.js';
import { app, buildSpecs, persist } from './state.js';
import { afterFullValidation, setNotice, setStatus, statusState, waitingSentence } from './status.js';

const ui = {
  progress: $('data-progress'), retry: $('retry'), play: $('play'), step: $('step'), reset: $('reset'),
  validateFull: $('validate-full'), csv: $('download-csv'), save: $('save-model'), valNote: $('val-note'),
  timingInfo: $('timing-info'), labelR0: $('label-r0'), labelR1: $('label-r1'),
  divergence: $('divergence'), speed: $('speed'),
};
const explained = {}; // run id -> the explanation of its divergence (shown in ui.divergence)
const timings = { ready: null, firstStep: null };
let loadedInfo = ''; // "MNIST: 60000 training and 10000 test images (…)"

/** The Sifrian lab panel (www/lab.js): it asks the worker itself, and draws Figure 5 here. */
export const lab = createLab({
  request,
  drawFigure5: draw_figure5,
  getDrawn: drawn,
  getMu: () => app.settings.mu,
  isTraining: () => app.running,
});
onDrawnChange(() => lab.drawnChanged());

/** A new run from the current settings (new weights from the seed). */
export function reconfigure() {
  persist();
  if (!app.dataLoaded || app.dataLoading) return;
  let next;
  try {
    next = buildSpecs(app.settings);
  } catch (e) {
    setStatus(`Not started: ${e.message}`, 'error');
    return;
  }
  app.specs = next;
  app.configured = false;
  lab.unconfigured();
  setButtons();
  const runners = next.map(({ id, config }) => ({ id, config }));
  request('configure', { runners, valEvery: app.settings.valEvery })
    .then(configured, (e) => {
      // A refusal the form names beside its field is not repeated in the status line.
      setStatus(refused(e) ? 'Not started: see the method.' : `Could not start this run: ${e.message}`, 'error');
    });
}

/** Told the engine's error when it refuses a configuration; true when the form named it beside its field. */
let refused = () => false;
export function onRefused(fn) { refused = fn; }

/** Downloads data set `name` in the worker (with progress), then configures a run on it. */
export function loadData(name) {
  app.dataLoading = name;
  app.dataLoaded = null;
  app.configured = false;
  app.running = false;
  lab.unconfigured();
  setButtons();
  ui.progress.classList.remove('done');
  ui.progress.value = 0;
  setStatus(`Downloading ${DATASETS[name]}…`, 'busy');
  request('load', { dataset: name }).then(loaded, (e) => {
    app.dataLoading = null;
    setButtons();
    setStatus(`Could not load the data set: ${e.message}`, 'error', { retry: true });
  });
}

/** The data set is in the worker (unless a later load superseded this one). */
function loaded(info) {
  if (!info || info.dataset !== app.dataLoading) return;
  const { dataset, trainLen, testLen, downloaded, ms } = info;
  app.dataLoading = null;
  app.dataLoaded = dataset;
  app.testLen = testLen;
  ui.progress.value = 100;
  ui.progress.classList.add('done');
  probe('loaded', dataset);
  loadedInfo = `${DATASETS[dataset]}: ${trainLen} training and ${testLen} test images (${(downloaded / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(1)} s)`;
  reconfigure();
}

/** The run is configured in the worker: fresh readouts, then a pending model file or autosave. */
function configured({ runners }) {
  app.configured = true;
  app.running = false;
  clearInside();
  clearDivergences();
  ui.speed.value = String(app.settings.speed ?? 0);
  request('setSpeed', { speed: app.settings.speed ?? 0 }).catch(failed('setSpeed'));
  resetCurves();
  resetInstruments();
  app.latest = {};
  app.validation = {};
  for (const r of runners) app.latest[r.id] = { samples: r.samples };
  if (timings.ready === null) {
    timings.ready = performance.now();
    probe('readyMs', Math.round(timings.ready));
  }
  showRunners();
  setButtons();
  renderStats();
  scheduleChart();
  const sizes = sizesOf(app.settings);
  lab.configured(app.specs, sizes);
  const what = app.specs.map((s) => s.label).join(' vs ');
  setStatus(`${loadedInfo}. Ready: ${what} on ${sizes.join('-')}, seed ${app.settings.seed}. Press Play.`, 'ok');
  const r0 = runners.find((r) => r.id === 'r0');
  if (r0) showHash(r0.hash, 'configured');
  const pending = app.pendingImport;
  app.pendingImport = null;
  if (pending && pending.restore) {
    // The worker reads the model files from IndexedDB itself and imports them.
    setStatus(`${loadedInfo}. Restoring the autosaved model…`, 'busy');
    const runs = pending.restore.runs.map(({ id, samples }) => ({ id, samples }));
    request('restore', { runs }).then(
      (reply) => { for (const r of reply.runs) imported(r, 'the autosaved model'); },
      (e) => setStatus(`Could not restore the autosaved model: ${e.message}`, 'error'),
    );
  } else if (pending) {
    importModel(pending.name, pending.bytes);
  } else {
    repredict(true);
  }
}

/** Loads model file `bytes` into the first run (the worker checks it; the status says how it went). */
export function importModel(name, bytes) {
  request('import', { id: 'r0', bytes }, [bytes.buffer]).then(
    (r) => imported(r, name),
    (e) => setStatus(`Could not load the model file: ${e.message}`, 'error'),
  );
}

/** A model is in run `id`: its curve starts again and the status waits for the full validation. */
function imported({ id, samples, hash }, name) {
  if (id === 'r0') showHash(hash, 'imported');
  clearCurve(id);
  delete app.validation[id];
  app.latest[id] = { ...(app.latest[id] || {}), samples, cost: null, accuracy: null };
  app.running = false;
  setButtons();
  renderStats();
  scheduleChart();
  const sentence = `Loaded ${name}${samples ? ` (${samples} patterns seen)` : ''}.`;
  afterFullValidation(sentence);
  setStatus(`${sentence} Validating on the test set…`, 'ok');
  repredict(true);
}

/** Saves the first run's model as a file. */
function exportModel() {
  request('export', { id: 'r0' }).then(({ id, samples, bytes, hash }) => {
    if (id === 'r0') showHash(hash, 'exported');
    const spec = app.specs.find((s) => s.id === id);
    const optimizer = spec ? spec.config.optimizer : 'model';
    const name = downloadModel(bytes, { dataset: app.dataLoaded, optimizer, sizes: sizesOf(app.settings), samples });
    setStatus(`Saved ${name} (${bytes.length} bytes).`, 'ok');
  }, failed('export'));
}

/** The parameters' fingerprint of the first run, as the worker last reported it (tests compare it). */
function showHash(hash, from) {
  if (typeof hash !== 'string') return;
  probe('paramsHash', hash);
  probe('paramsHashFrom', from);
}

// ---------- the worker's events ----------
on('progress', ({ phase, loaded: bytes, total }) => {
  if (phase === 'download') {
    ui.progress.value = total ? Math.min(90, (90 * bytes) / total) : 0;
    const mb = (x) => (x / 1e6).toFixed(1);
    setStatus(`Downloading ${DATASETS[app.dataLoading] || DATASETS.mnist}: ${mb(bytes)}${total ? ` of ${mb(total)}` : ''} MB`, 'busy');
  } else {
    ui.progress.value = 95;
    setStatus('Unpacking the images…', 'busy');
  }
});

on('stats', ({ runners, running, memory }) => {
  app.running = running;
  // The worker's wasm memory in bytes (for the soak test: it must stop growing).
  if (memory) probe('wasmMemory', memory);
  for (const s of runners) app.latest[s.id] = s;
  lab.stats(runners);
  if (timings.firstStep === null && runners.some((s) => s.samples > 0)) {
    timings.firstStep = performance.now();
    probe('firstStepMs', Math.round(timings.firstStep));
    ui.timingInfo.textContent = `Ready to train ${(timings.ready / 1000).toFixed(2)} s after the page started loading; first step at ${(timings.firstStep / 1000).toFixed(2)} s.`;
  }
  scheduleStats();
  followTraining();
});

on('point', ({ id, point }) => addPoint(id, point));
on('instruments', ({ id, samples }) => addInstruments(id, samples));

on('validation', ({ id, samples, accuracy, count, kind }) => {
  const { specs, validation } = app;
  validation[id] = { accuracy, count, samples, kind };
  const sentence = waitingSentence();
  if (kind === 'full' && !app.running && sentence !== null && specs.every((s) => validation[s.id] && validation[s.id].kind === 'full')) {
    const parts = specs.map((s) => `${s.label} ${fmtPct(validation[s.id].accuracy)} %`);
    setStatus(`${sentence} Validation accuracy on all ${count} test images: ${parts.join(', ')}.`, 'ok');
    afterFullValidation(null);
  }
  addValidation(id, samples, accuracy);
  scheduleStats();
});

on('state', ({ running }) => {
  const was = app.running;
  app.running = running;
  setButtons();
  const st = statusState();
  if (running && !was) {
    setStatus(`Training ${app.specs.map((s) => s.label).join(' vs ')} on ${sizesOf(app.settings).join('-')}…`, 'ok');
  } else if (!running && was && st !== 'notice' && st !== 'error') {
    const pausedAt = (app.latest.r0 && app.latest.r0.samples) || 0;
    afterFullValidation(`Paused at ${pausedAt} patterns.`);
    setStatus(`Paused at ${pausedAt} patterns; validating on all 10,000 test images…`, 'busy');
  }
});

on('diverged', ({ id, samples, stepSize, report }) => {
  const spec = app.specs.find((s) => s.id === id);
  const label = spec ? spec.label : id;
  const others = app.specs.filter((s) => s.id !== id && !explained[s.id]);
  markDivergence(id, samples);
  explained[id] = report ? explainDivergence(label, report, others.length > 0)
    : `${label}: a step at pattern ${samples} would have produced NaN or infinity; it was rejected (the weights are kept) and this run paused. Try a smaller step size than ${stepSize}.`;
  showDivergences();
  setButtons();
  const more = others.length > 0 ? ` ${others.map((s) => s.label).join(', ')} goes on.` : '';
  setStatus(`${label} diverged and paused at ${fmtCount(samples)} patterns (the explanation is under the chart).${more}`, 'notice');
});

/** A number for a sentence: about three significant digits, exponent notation past 1e6. */
const num = (x) => {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return x > 0 ? 'infinity' : '−infinity';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2).replace('e+', 'e');
  return String(Number(x.toPrecision(3)));
};
const pct = (x) => `${num(100 * x)} %`;

/** What happened to a run and why, in words, from the engine's report (src/train/divergence.rs). */
export function explainDivergence(label, d, othersGoOn) {
  const out = [];
  const where = `the run is paused where it was, at ${fmtCount(d.samples)} patterns${othersGoOn ? '; the other run goes on' : ''}.`;
  if (d.cause === 'non_finite') {
    out.push(`${label} diverged: the step on the next training image (number ${d.pattern}, a ${d.label}) would have made a weight NaN or infinite, so it was not taken and ${where}`);
  } else {
    out.push(`${label} diverged: the next training image costs ½‖d−x‖² = ${num(d.cost)}, over the bound ${num(d.bound)}: outputs of order ten where a one-hot target asks for 0 or 1 (any outputs between 0 and 1 cost at most ${num(d.bound / 10)}). Its step was not taken and ${where}`);
  }
  const why = [];
  if (d.lambda && d.lambda.length) why.push(`Eq. 65 chose λ = ${d.lambda.map(num).join(', ')} (λ₀…λₙ)`);
  if (d.step_norm !== null && d.step_norm !== undefined) why.push(`it moved the weights by ‖Δθ‖ = ${num(d.step_norm)}, ${pct(d.step_norm / d.param_norm)} of ‖θ‖ = ${num(d.param_norm)}`);
  if (d.leaky_share && d.leaky_share.length) {
    why.push(`on its image ${d.leaky_share.map((s, k) => `${pct(s)} of layer ${k + 1}'s units`).join(', ')} were on the leaky branch (slope α: such a unit passes back only α times the gradient)`);
  }
  const which = d.cause === 'cost' && d.cost_unchanged !== d.cost ? `the last update kept (on training image ${d.pattern}, a ${d.label})` : `that step (on training image ${d.pattern}, a ${d.label})`;
  if (why.length) out.push(`Why: for ${which}, ${why.join('; ')}.`);
  if (d.cause === 'cost' && d.cost_unchanged !== d.cost) {
    out.push(d.cost_unchanged > d.bound
      ? `Before that update the flagged image already cost ${num(d.cost_unchanged)}: the outputs had drifted beyond the bound over many steps, not jumped in one.`
      : `Before that update the flagged image cost ${num(d.cost_unchanged)}: this one update made the jump.`);
  }
  out.push(d.safe_step !== null && d.safe_step !== undefined
    ? `Re-training the last ${fmtCount(d.retried)} patterns from the engine's checkpoint at step ${num(d.safe_step)} instead of ${num(d.step_size)} keeps every cost under the bound (at most ${num(d.safe_cost)}): that step would have stayed finite. Set it and press Play to go on from here, or Reset to start again with it.`
    : `Re-training the last ${fmtCount(d.retried)} patterns at steps down to ${num(d.step_size / 256)} did not keep them under the bound: a smaller step does not rescue this run; press Reset.`);
  return out.join(' ');
}

/** The explanations of the paused runs, next to the chart. */
function showDivergences() {
  const ids = app.specs.map((s) => s.id).filter((id) => explained[id]);
  ui.divergence.hidden = ids.length === 0;
  ui.divergence.replaceChildren(...ids.map((id) => {
    const p = document.createElement('p');
    p.dataset.run = id;
    p.textContent = explained[id];
    return p;
  }));
}

function clearDivergences() {
  for (const k of Object.keys(explained)) delete explained[k];
  showDivergences();
}

on('trainingFailed', ({ message }) => failed('train')(new Error(message)));

// ---------- readouts ----------
let statsPending = false;
/** The readouts at the next frame (at most one render per frame). */
function scheduleStats() {
  if (statsPending) return;
  statsPending = true;
  requestAnimationFrame(() => { statsPending = false; renderStats(); });
}

/** The readouts table: every run's latest stats and validation. */
function renderStats() {
  const { latest, validation, specs } = app;
  if (specs.length < 2) delete latest.r1;
  for (const id of ['r0', 'r1']) {
    if (id === 'r1' && specs.length < 2) continue;
    const s = latest[id] || {};
    const v = validation[id];
    put($(`samples-seen-${id}`), fmtInt(s.samples ?? 0));
    put($(`epoch-${id}`), fmtInt(s.epoch ?? 0));
    put($(`cost-${id}`), fmtCost(s.cost));
    put($(`train-accuracy-${id}`), fmtPct(s.accuracy));
    put($(`validation-accuracy-${id}`), v ? fmtPct(v.accuracy) : '–');
    put($(`throughput-${id}`), app.running || s.throughput ? fmtInt(s.throughput) : '–');
  }
  const v = validation.r0;
  put(ui.valNote, v ? `${v.count === app.testLen ? 'all' : ''} ${fmtCount(v.count)} test images at ${v.samples}`.trim() : 'test set');
}

/** The runs' labels on the readouts and the bars; a race shows its second column. */
export function showRunners() {
  const { specs } = app;
  for (const el of document.querySelectorAll('.r1')) el.hidden = specs.length < 2;
  ui.labelR0.textContent = specs[0] ? specs[0].label : 'run';
  ui.labelR1.textContent = specs[1] ? specs[1].label : '';
  showRace(specs);
}

// ---------- the training toolbar ----------
ui.play.addEventListener('click', () => {
  if (!app.configured) return;
  const type = app.running ? 'pause' : 'play';
  if (type === 'play') clearDivergences();
  request(type).catch(failed(type));
});
// The speed (www/settings.js `speed`): the worker spaces its steps; kept in the address.
ui.speed.addEventListener('change', () => {
  app.settings.speed = Number(ui.speed.value);
  persist();
  request('setSpeed', { speed: app.settings.speed }).catch(failed('setSpeed'));
});
ui.step.addEventListener('click', () => { if (app.configured) request('stepOne').then(showOneStep, failed('step')); });
ui.reset.addEventListener('click', () => { setNotice(''); reconfigure(); });
ui.validateFull.addEventListener('click', () => {
  request('validateFull').catch(failed('validateFull'));
  setStatus('Validating on all 10,000 test images…', 'busy');
});
ui.csv.addEventListener('click', () => downloadCurves(app.specs, app.dataLoaded, app.settings.seed));
ui.retry.addEventListener('click', () => loadData(app.settings.dataset));
ui.save.addEventListener('click', exportModel);
// Leaving or hiding the page: one more save if the weights changed since the last (the worker
// decides; this thread only posts a message, so the page closes as fast as before).
const saveNow = () => { if (app.configured) request('autosave').catch(failed('autosave')); };
window.addEventListener('pagehide', saveNow);
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') saveNow(); });
