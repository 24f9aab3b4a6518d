// The page: settings, the training worker, curves (drawn here with plotters: its text needs the
// DOM), readouts, the draw pad. The engine runs in www/worker.js; this thread only draws.
// The worker autosaves the run's model to IndexedDB; this thread reads only the small summary
// (to offer it back after a reload or a crash) and never handles the model's bytes.

import init, { draw_curves, draw_figure5, model_sizes, simd_enabled } from './pkg/sifrian.js';
import {
  ARCHITECTURES, DEFAULTS, OPTIMIZERS, loadSettings, saveSettings, toHash, parseSizes, sizesOf, lambdaOf,
  openAutosave, readAutosaveMeta, clearAutosave,
} from './settings.js';
import { createDrawPad, paintPreview } from './drawpad.js';
import { createLab } from './lab.js';

const $ = (id) => document.getElementById(id);
const CHART_INTERVAL_MS = 250; // redraw at most 4 times a second
const MAX_DRAWN_POINTS = 300;
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const ui = {
  status: $('status'), statusMsg: $('status-msg'), statusNotice: $('status-notice'), retry: $('retry'), progress: $('data-progress'),
  dataset: $('dataset'), arch: $('architecture'), sizes: $('sizes'), sizesError: $('sizes-error'), customRow: $('custom-row'),
  alpha: $('alpha'), seed: $('seed'), optimizer: $('optimizer'), optimizerNote: $('optimizer-note'), step: $('step-size'),
  stepLabel: $('step-size-label'), mu: $('mu'), muRow: $('mu-row'), mkOptions: $('mk-options'), lambda: $('lambda'),
  lambdaRow: $('lambda-row'), lambdaList: $('lambda-list'), lambdaError: $('lambda-error'), white: $('white'),
  raceSgdRow: $('race-sgd-row'), sgdStep: $('sgd-step'),
  play: $('play'), stepBtn: $('step'), reset: $('reset'), race: $('race'), xAxis: $('x-axis'), chart: $('chart'),
  validateFull: $('validate-full'), csv: $('download-csv'), valNote: $('val-note'), valEvery: $('val-every'),
  pad: $('pad'), preview: $('preview'), clearPad: $('clear-pad'), testImage: $('test-image'), prediction: $('prediction'),
  predictionName: $('prediction-name'), predictionMk: $('prediction-mk'), predictionMkRow: $('prediction-mk-row'),
  bars: $('bars'), teachLabel: $('teach-label'), teach: $('teach'), save: $('save-model'), load: $('load-model'),
  engineInfo: $('engine-info'), timingInfo: $('timing-info'),
  offer: $('autosave-offer'), offerText: $('autosave-offer-text'), offerRestore: $('autosave-restore'),
  offerDiscard: $('autosave-discard'), autosaveStatus: $('autosave-status'),
};

const OPTIMIZER_NOTES = {
  sgd: 'Plain stochastic gradient descent, one image per step.',
  mk: 'Eq. 40 as printed (μ = 0): each layer\'s gradient rescaled in closed form. Needs a small step; expect it to trail SGD.',
  'mk-damped': 'Eq. 42 with damping μ > 0: steadier, accepts larger steps.',
  'mk-unreg': 'Not the paper\'s formula: rescales the plain cost\'s gradient (this project\'s variant).',
  newton: 'For teaching: the exact per-image Newton step (Eq. 35, sign corrected). Not a descent method on this non-convex cost.',
};

let settings = { ...DEFAULTS };
let specs = []; // the runs of the current configuration: {id, label, config}
let curves = { r0: [], r1: [] };
let latest = {}; // id -> stats from the worker
let validation = {}; // id -> {accuracy, count, samples}
let running = false;
let configured = false;
let dataLoaded = null; // name of the loaded data set
let dataLoading = null;
let notice = '';
let lastHash = '';
let hashSteps = false;
let pendingImport = null;
let afterFull = null; // the status's first sentence when the full validation ends (a pause, a load)
let taughtCount = 0; // steps taught on the current drawing
let offered = null; // the autosave summary on offer (from an earlier visit), until restored or discarded
let autosaveProblem = false; // an autosave failure was reported in the status line

// ---------- status ----------
function setStatus(text, state = 'ok', { retry = false } = {}) {
  // An error cancels a pending "…, validation accuracy" sentence: a late validation of an earlier
  // load or pause must not hide it.
  if (state === 'error') afterFull = null;
  ui.statusMsg.textContent = text;
  ui.status.dataset.state = state;
  ui.retry.hidden = !retry;
}
function setNotice(text) {
  notice = text;
  ui.statusNotice.textContent = text;
}

// ---------- the worker ----------
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let workerReadyResolve, workerReadyReject;
const workerReady = new Promise((res, rej) => { workerReadyResolve = res; workerReadyReject = rej; });
const send = (msg, transfer) => worker.postMessage(msg, transfer || []);
worker.onerror = (e) => {
  const m = `The training worker failed: ${e.message || 'could not start (module workers need a current browser)'}`;
  workerReadyReject(new Error(m));
  setStatus(m, 'error');
};

function labelFor(opt, step, mu) {
  const o = OPTIMIZERS[opt];
  return `${o.short}${o.mu ? ` μ=${mu}` : ''} step ${step}`;
}

function buildSpecs(s) {
  const sizes = sizesOf(s);
  const lambda = lambdaOf(s, sizes);
  const cfg = (opt, step) => {
    const c = { sizes, alpha: s.alpha, seed: s.seed, optimizer: opt, step_size: step, lambda, white: s.white };
    if (OPTIMIZERS[opt].mu) c.mu = s.mu;
    return c;
  };
  if (s.race) {
    return [
      { id: 'r0', label: labelFor('sgd', s.sgdStep, s.mu), config: cfg('sgd', s.sgdStep) },
      { id: 'r1', label: labelFor(s.optimizer, s.step, s.mu), config: cfg(s.optimizer, s.step) },
    ];
  }
  return [{ id: 'r0', label: labelFor(s.optimizer, s.step, s.mu), config: cfg(s.optimizer, s.step) }];
}

/** A new run from the current settings (new weights from the seed). */
function reconfigure() {
  persist();
  if (!dataLoaded || dataLoading) return;
  let next;
  try {
    next = buildSpecs(settings);
  } catch (e) {
    setStatus(`Not started: ${e.message}`, 'error');
    return;
  }
  specs = next;
  configured = false;
  lab.unconfigured();
  setButtons();
  send({ type: 'configure', runners: specs, valEvery: settings.valEvery });
}

function loadData(name) {
  dataLoading = name;
  dataLoaded = null;
  configured = false;
  running = false;
  lab.unconfigured();
  setButtons();
  ui.progress.classList.remove('done');
  ui.progress.value = 0;
  setStatus(`Downloading ${name === 'mnist' ? 'MNIST' : 'Fashion-MNIST'}…`, 'busy');
  send({ type: 'load', dataset: name });
}

const timings = { ready: null, firstStep: null };

const handlers = {
  ready() { workerReadyResolve(); },
  progress({ phase, loaded, total }) {
    if (phase === 'download') {
      ui.progress.value = total ? Math.min(90, (90 * loaded) / total) : 0;
      const mb = (x) => (x / 1e6).toFixed(1);
      setStatus(`Downloading ${dataLoading === 'fashion' ? 'Fashion-MNIST' : 'MNIST'}: ${mb(loaded)}${total ? ` of ${mb(total)}` : ''} MB`, 'busy');
    } else {
      ui.progress.value = 95;
      setStatus('Unpacking the images…', 'busy');
    }
  },
  loaded({ dataset, trainLen, testLen, downloaded, ms }) {
    if (dataset !== dataLoading) return;
    dataLoading = null;
    dataLoaded = dataset;
    ui.progress.value = 100;
    ui.progress.classList.add('done');
    document.body.dataset.loaded = dataset;
    loadedInfo = `${dataset === 'mnist' ? 'MNIST' : 'Fashion-MNIST'}: ${trainLen} training and ${testLen} test images (${(downloaded / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(1)} s)`;
    reconfigure();
  },
  configured({ runners }) {
    configured = true;
    running = false;
    curves = { r0: [], r1: [] };
    latest = {};
    validation = {};
    for (const r of runners) latest[r.id] = { samples: r.samples };
    if (timings.ready === null) {
      timings.ready = performance.now();
      document.body.dataset.readyMs = String(Math.round(timings.ready));
    }
    showRunners();
    setButtons();
    renderStats();
    scheduleChart();
    lab.configured(specs, sizesOf(settings));
    const what = specs.map((s) => s.label).join(' vs ');
    setStatus(`${loadedInfo}. Ready: ${what} on ${sizesOf(settings).join('-')}, seed ${settings.seed}. Press Play.`, 'ok');
    const r0 = runners.find((r) => r.id === 'r0');
    if (r0) showHash(r0.hash, 'configured');
    if (pendingImport) {
      const { name, bytes, restore } = pendingImport;
      pendingImport = null;
      if (restore) {
        // The worker reads the model files from IndexedDB itself and imports them.
        setStatus(`${loadedInfo}. Restoring the autosaved model…`, 'busy');
        send({ type: 'restore', runs: restore.runs.map(({ id, samples }) => ({ id, samples })) });
        return;
      }
      send({ type: 'import', id: 'r0', name, bytes }, [bytes.buffer]);
      return;
    }
    repredict(true);
  },
  stats({ runners, running: r, memory }) {
    running = r;
    // The worker's wasm memory in bytes (for the soak test: it must stop growing).
    if (memory && document.body.dataset.wasmMemory !== String(memory)) document.body.dataset.wasmMemory = String(memory);
    for (const s of runners) latest[s.id] = s;
    lab.stats(runners);
    if (timings.firstStep === null && runners.some((s) => s.samples > 0)) {
      timings.firstStep = performance.now();
      document.body.dataset.firstStepMs = String(Math.round(timings.firstStep));
      ui.timingInfo.textContent = `Ready to train ${(timings.ready / 1000).toFixed(2)} s after the page started loading; first step at ${(timings.firstStep / 1000).toFixed(2)} s.`;
    }
    scheduleStats();
    if (performance.now() - lastPredictAt > 700) repredict(false);
  },
  point({ id, point }) {
    (curves[id] ||= []).push(point);
    scheduleChart();
  },
  validation({ id, samples, accuracy, count, kind }) {
    validation[id] = { accuracy, count, samples, kind };
    if (kind === 'full' && !running && afterFull !== null && specs.every((s) => validation[s.id] && validation[s.id].kind === 'full')) {
      const parts = specs.map((s) => `${s.label} ${fmtPct(validation[s.id].accuracy)} %`);
      setStatus(`${afterFull} Validation accuracy on all ${count} test images: ${parts.join(', ')}.`, 'ok');
      afterFull = null;
    }
    const pts = curves[id] || [];
    for (let i = pts.length - 1; i >= 0 && pts[i].samples >= samples; i--) {
      if (pts[i].samples === samples) { pts[i].validation_accuracy = accuracy; break; }
    }
    scheduleStats();
    scheduleChart();
  },
  state({ running: r }) {
    const was = running;
    running = r;
    setButtons();
    const st = ui.status.dataset.state;
    if (r && !was) {
      setStatus(`Training ${specs.map((s) => s.label).join(' vs ')} on ${sizesOf(settings).join('-')}…`, 'ok');
    } else if (!r && was && st !== 'notice' && st !== 'error') {
      const pausedAt = (latest.r0 && latest.r0.samples) || 0;
      afterFull = `Paused at ${pausedAt} patterns.`;
      setStatus(`Paused at ${pausedAt} patterns; validating on all 10,000 test images…`, 'busy');
    }
  },
  diverged({ id, samples, step }) {
    running = false;
    setButtons();
    const spec = specs.find((s) => s.id === id);
    const smaller = Number((step / 3).toPrecision(2));
    setStatus(`${spec ? spec.label : id}: a step at pattern ${samples} would have produced NaN or infinity. It was rejected (the weights are kept) and training paused. Try a smaller step, e.g. ${smaller}.`, 'notice');
  },
  prediction({ req, probs }) {
    predictInFlight = false;
    if (req === predictReq && pad.input()) renderProbs(probs);
    if (pendingPredict) { pendingPredict = false; repredict(true); }
  },
  taught({ label, results, probs }) {
    renderProbs(probs);
    taughtCount++;
    const parts = specs.map((s) => `${s.label}${results[s.id].diverged ? ' (step rejected: NaN/Inf)' : ''}: cost before ${fmtCost(results[s.id].loss)}`);
    setStatus(`Taught “${className(label)}” (${taughtCount}): one step on your drawing. ${parts.join('; ')}.`, 'ok');
  },
  sample({ pixels, label }) {
    ui.teachLabel.value = String(label);
    pad.setInput(pixels.map((v) => v / 255));
    setStatus(`Test image with label “${className(label)}”.`, 'ok');
  },
  lab(msg) { lab.report(msg); },
  autosaved({ meta, exportMs, writeMs }) {
    const r0 = meta.runs[0];
    const bytes = meta.runs.reduce((a, r) => a + r.bytes, 0);
    const el = ui.autosaveStatus;
    el.textContent = `Autosaved in this browser at ${fmtCount(r0.samples)} patterns (${clock(meta.savedAt)}, ${(bytes / 1e6).toFixed(1)} MB); offered back if the page is reloaded or closed.`;
    Object.assign(el.dataset, {
      samples: String(r0.samples), hash: r0.hash, bytes: String(bytes),
      exportMs: exportMs.toFixed(1), writeMs: writeMs.toFixed(1), savedAt: String(meta.savedAt),
    });
    if (offered) {
      // One slot: this run's save replaced the one on offer.
      hideOffer();
      setNotice('The model autosaved on an earlier visit was replaced by this run\'s.');
    }
  },
  autosaveFailed({ message }) { autosaveOff(`Autosave failed: ${message}.`); },
  exported({ id, samples, bytes, hash }) {
    if (id === 'r0') showHash(hash, 'exported');
    const spec = specs.find((s) => s.id === id);
    const opt = spec ? spec.config.optimizer : 'model';
    const name = `sifrian-${dataLoaded}-${opt}-${sizesOf(settings).join('-')}-${samples}.bin`;
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    setStatus(`Saved ${name} (${bytes.length} bytes).`, 'ok');
  },
  imported({ id, name, samples, hash }) {
    if (id === 'r0') showHash(hash, 'imported');
    curves[id] = [];
    delete validation[id];
    latest[id] = { ...(latest[id] || {}), samples, cost: null, accuracy: null };
    running = false;
    setButtons();
    renderStats();
    scheduleChart();
    afterFull = `Loaded ${name}${samples ? ` (${samples} patterns seen)` : ''}.`;
    setStatus(`${afterFull} Validating on the test set…`, 'ok');
    repredict(true);
  },
  error({ where, message, dataset }) {
    if (where === 'data' || (where === 'load' && dataset)) {
      dataLoading = null;
      setButtons();
      setStatus(`Could not load the data set: ${message}`, 'error', { retry: true });
    } else if (where === 'wasm') {
      workerReadyReject(new Error(message));
    } else if (where === 'predict') {
      predictInFlight = false;
      setStatus(`Prediction failed: ${message}`, 'error');
    } else if (where === 'lab') {
      lab.error(message);
    } else if (where === 'import') {
      setStatus(`Could not load the model file: ${message}`, 'error');
    } else if (where === 'restore') {
      setStatus(`Could not restore the autosaved model: ${message}`, 'error');
    } else if (where === 'configure') {
      setStatus(`Could not start this run: ${message}`, 'error');
    } else {
      running = false;
      setButtons();
      setStatus(`${where}: ${message}`, 'error');
    }
  },
};
let loadedInfo = '';
worker.onmessage = (e) => {
  const h = handlers[e.data.type];
  if (h) h(e.data);
};

// ---------- readouts ----------
const fmtPct = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : (100 * x).toFixed(2));
const fmtCost = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(4));
const fmtInt = (x) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : String(Math.round(x)));

let statsPending = false;
function scheduleStats() {
  if (statsPending) return;
  statsPending = true;
  requestAnimationFrame(() => { statsPending = false; renderStats(); });
}
/** Writes text only when it changed (fewer relayouts while training). */
function put(el, value) {
  if (el.textContent !== value) el.textContent = value;
}
function renderStats() {
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
    put($(`throughput-${id}`), running || s.throughput ? fmtInt(s.throughput) : '–');
  }
  const v = validation.r0;
  put(ui.valNote, v ? `${v.count === 10000 ? 'all' : ''} ${v.count.toLocaleString('en')} test images at ${v.samples}`.trim() : 'test set');
}

function showRunners() {
  const race = specs.length > 1;
  for (const el of document.querySelectorAll('.r1')) el.hidden = !race;
  $('label-r0').textContent = specs[0] ? specs[0].label : 'run';
  $('label-r1').textContent = specs[1] ? specs[1].label : '';
  $('label-r1-pred').textContent = specs[1] ? OPTIMIZERS[specs[1].config.optimizer].short : '';
  for (const t of ui.bars.querySelectorAll('.track')) t.classList.toggle('has-mk', race);
  for (const f of ui.bars.querySelectorAll('.fill.mk')) f.hidden = !race;
}

function setButtons() {
  const ok = configured && !!dataLoaded;
  ui.play.disabled = !ok;
  ui.stepBtn.disabled = !ok;
  ui.reset.disabled = !dataLoaded;
  ui.validateFull.disabled = !ok;
  ui.csv.disabled = !ok;
  ui.save.disabled = !ok;
  ui.testImage.disabled = !ok;
  ui.teach.disabled = !ok || !pad || !pad.input();
  ui.play.textContent = running ? 'Pause' : 'Play';
  ui.play.setAttribute('aria-label', running ? 'Pause training' : 'Play: train continuously');
  ui.race.setAttribute('aria-pressed', String(settings.race));
}

// ---------- chart ----------
let chartTimer = null;
let lastChartAt = 0;
let chartError = false;
let chartMaxMs = 0;
let lastChartMs = 0;
let engineReady = false; // the main thread's wasm (draw_curves) is initialised
function scheduleChart() {
  if (chartTimer !== null || !engineReady) return;
  // At most 4 draws a second, fewer when a draw is slow (a busy machine). The draw runs in its own
  // task, not in requestAnimationFrame, so that it never shares a task with the frame's paint.
  const interval = Math.max(CHART_INTERVAL_MS, 12 * lastChartMs);
  const wait = Math.max(0, interval - (performance.now() - lastChartAt));
  chartTimer = setTimeout(drawChart, wait);
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

function drawChart() {
  chartTimer = null;
  lastChartAt = performance.now();
  const wrap = ui.chart.parentElement;
  const width = Math.max(600, Math.min(960, Math.round(wrap.clientWidth || 720)));
  const height = width < 760 ? 260 : 300;
  if (ui.chart.width !== width) ui.chart.width = width;
  if (ui.chart.height !== height) ui.chart.height = height;
  const series = specs.map((s) => ({ label: s.label, points: thin(curves[s.id] || []) }));
  try {
    draw_curves(ui.chart, series, settings.xAxis);
    chartError = false;
  } catch (e) {
    if (!chartError) setStatus(`Drawing the chart failed: ${e.message || e}`, 'error');
    chartError = true;
  }
  const ms = performance.now() - lastChartAt;
  lastChartMs = ms;
  chartMaxMs = Math.max(chartMaxMs, ms);
  document.body.dataset.chartMaxMs = chartMaxMs.toFixed(1);
}
new ResizeObserver(() => scheduleChart()).observe(ui.chart.parentElement);

function downloadCsv() {
  const rows = ['run,samples,seconds,cost,train_accuracy,validation_accuracy'];
  for (const s of specs) {
    for (const p of curves[s.id] || []) {
      rows.push([`"${s.label}"`, p.samples, p.seconds.toFixed(3), p.cost, p.train_accuracy, p.validation_accuracy ?? ''].join(','));
    }
  }
  const url = URL.createObjectURL(new Blob([rows.join('\n') + '\n'], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `sifrian-curves-${dataLoaded}-seed${settings.seed}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------- draw pad and probabilities ----------
const className = (i) => (settings.dataset === 'fashion' ? `${i} ${FASHION[i]}` : String(i));
const barEls = [];
function buildBars() {
  ui.bars.textContent = '';
  barEls.length = 0;
  for (let i = 0; i < 10; i++) {
    const li = document.createElement('li');
    const cls = document.createElement('span');
    cls.className = 'cls';
    const track = document.createElement('span');
    track.className = 'track';
    track.setAttribute('aria-hidden', 'true');
    const f0 = document.createElement('span');
    f0.className = 'fill r0';
    const f1 = document.createElement('span');
    f1.className = 'fill mk';
    f1.hidden = true;
    track.append(f0, f1);
    const val = document.createElement('span');
    val.className = 'val';
    val.dataset.testid = `prob-${i}`;
    val.textContent = '–';
    const valMk = document.createElement('span');
    valMk.className = 'visually-hidden';
    valMk.dataset.testid = `prob-${i}-mk`;
    li.append(cls, track, val, valMk);
    ui.bars.append(li);
    barEls.push({ li, cls, f0, f1, val, valMk });
  }
  ui.teachLabel.textContent = '';
  for (let i = 0; i < 10; i++) {
    const o = document.createElement('option');
    o.value = String(i);
    o.textContent = className(i);
    ui.teachLabel.append(o);
  }
  relabelBars();
}
function relabelBars() {
  for (let i = 0; i < 10; i++) barEls[i].cls.textContent = className(i);
  for (let i = 0; i < 10; i++) ui.teachLabel.options[i].textContent = className(i);
  showRunners();
}

const argmax = (p) => p.reduce((b, v, i) => (v > p[b] ? i : b), 0);
function renderProbs(probs) {
  const p0 = probs && probs.r0;
  const p1 = probs && probs.r1;
  if (!p0) {
    for (const b of barEls) { b.f0.style.width = '0'; b.f1.style.width = '0'; b.val.textContent = '–'; b.valMk.textContent = ''; b.li.classList.remove('top'); }
    ui.prediction.textContent = '–';
    ui.predictionName.textContent = '';
    ui.predictionMk.textContent = '–';
    return;
  }
  const top = argmax(p0);
  for (let i = 0; i < 10; i++) {
    const b = barEls[i];
    b.f0.style.width = `${(100 * p0[i]).toFixed(1)}%`;
    b.val.textContent = p0[i].toFixed(3);
    b.val.dataset.value = String(p0[i]);
    b.li.classList.toggle('top', i === top);
    b.f1.style.width = p1 ? `${(100 * p1[i]).toFixed(1)}%` : '0';
    b.valMk.textContent = p1 ? p1[i].toFixed(3) : '';
  }
  ui.prediction.textContent = String(top);
  ui.predictionName.textContent = `${settings.dataset === 'fashion' ? FASHION[top] + ', ' : ''}${(100 * p0[top]).toFixed(1)} % sure`;
  ui.predictionMk.textContent = p1 ? String(argmax(p1)) : '–';
}

let predictReq = 0;
let predictInFlight = false;
let pendingPredict = false;
let lastPredictAt = 0;
function repredict(force) {
  const input = pad && pad.input();
  if (!input || !configured) return;
  if (predictInFlight) { if (force) pendingPredict = true; return; }
  predictInFlight = true;
  lastPredictAt = performance.now();
  send({ type: 'predict', req: ++predictReq, pixels: input });
}

const lab = createLab({
  send,
  drawFigure5: draw_figure5,
  getDrawn: () => {
    const input = pad && pad.input();
    return input ? { pixels: input, label: Number(ui.teachLabel.value) } : null;
  },
  getMu: () => settings.mu,
  isTraining: () => running,
});

let pad = null;
pad = createDrawPad(ui.pad, {
  onInput(input, { final }) {
    paintPreview(ui.preview, input);
    if (final) lab.drawnChanged();
    if (final) taughtCount = 0;
    ui.teach.disabled = !input || !configured;
    if (!input) { renderProbs(null); return; }
    repredict(true);
  },
});

// ---------- the autosaved model ----------
const fmtCount = (n) => Math.round(n).toLocaleString('en');
/** "10:32" today, "27 Nov, 10:32" on another day (the reader's locale). */
function clock(ms) {
  const d = new Date(ms);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })}, ${time}`;
}

/** The parameters' fingerprint of the first run, as the worker last reported it (tests compare it). */
function showHash(hash, from) {
  if (typeof hash !== 'string') return;
  document.body.dataset.paramsHash = hash;
  document.body.dataset.paramsHashFrom = from;
}

/** Autosave cannot work here: said once in the status line; the page goes on without it. */
function autosaveOff(text) {
  ui.autosaveStatus.textContent = text;
  ui.autosaveStatus.dataset.state = 'off';
  if (autosaveProblem) return;
  autosaveProblem = true;
  setNotice(notice ? `${notice} ${text}` : text);
}

let dbPromise = null;
const autosaveDb = () => (dbPromise ||= openAutosave().catch((e) => { dbPromise = null; throw e; }));

/** A summary as this page wrote it (it comes from storage: checked before anything is shown). */
function validSummary(m) {
  return !!m && typeof m === 'object' && m.version === 1 && (m.dataset === 'mnist' || m.dataset === 'fashion')
    && Number.isFinite(m.savedAt) && Array.isArray(m.runs) && m.runs.length >= 1 && m.runs.length <= 2
    && m.runs.every((r, i) => !!r && r.id === `r${i}` && Number.isSafeInteger(r.samples) && r.samples >= 0
      && !!r.config && Array.isArray(r.config.sizes) && Object.hasOwn(OPTIMIZERS, r.config.optimizer)
      && Number.isFinite(r.config.step_size));
}

/** The page settings of a saved run, validated like the URL's; throws naming what is wrong. */
function settingsFromAutosave(meta) {
  const first = meta.runs[0].config;
  const other = meta.runs[1] ? meta.runs[1].config : null; // a race: r0 is SGD, r1 the MK variant
  const shown = other || first;
  const sizes = first.sizes.map(Number);
  const preset = Object.keys(ARCHITECTURES).find((k) => ARCHITECTURES[k].join(',') === sizes.join(','));
  const wanted = {
    ...settings,
    dataset: meta.dataset,
    arch: preset || 'custom',
    sizes: preset ? settings.sizes : sizes.join(','),
    alpha: first.alpha,
    seed: first.seed,
    white: first.white,
    lambda: Array.isArray(first.lambda) ? first.lambda.join(',') : first.lambda,
    optimizer: shown.optimizer,
    step: shown.step_size,
    mu: shown.mu ?? settings.mu,
    race: !!other,
    sgdStep: other ? first.step_size : settings.sgdStep,
  };
  const { settings: s, problems } = loadSettings(toHash(wanted), null);
  if (problems.length) throw new Error(`its settings are not valid here (${problems.join('; ')})`);
  return s;
}

function describeSummary(meta) {
  const sizes = meta.runs[0].config.sizes.join('-');
  const runs = meta.runs.map((r) => labelFor(r.config.optimizer, r.config.step_size, r.config.mu)).join(' vs ');
  const counts = [...new Set(meta.runs.map((r) => fmtCount(r.samples)))].join(' / ');
  const data = meta.dataset === 'mnist' ? 'MNIST' : 'Fashion-MNIST';
  return `A model you trained earlier was saved: ${sizes}, ${runs}, ${counts} patterns on ${data}, saved ${clock(meta.savedAt)}.`;
}

/** At start: the summary of an earlier visit's autosave, offered back (text only, never HTML). */
async function checkAutosave() {
  let meta;
  try {
    meta = await readAutosaveMeta(await autosaveDb());
  } catch (e) {
    autosaveOff(`Autosave is off: ${e.message || e}. Training works without it.`);
    send({ type: 'autosave', enabled: false });
    return;
  }
  if (!validSummary(meta)) return;
  // This page's own run may have saved already (then there is nothing earlier to offer).
  if (ui.autosaveStatus.dataset.savedAt) return;
  offered = meta;
  ui.offer.hidden = false;
  ui.offerText.textContent = describeSummary(meta);
  ui.offer.dataset.samples = String(meta.runs[0].samples);
}

function hideOffer() {
  offered = null;
  ui.offer.hidden = true;
}

function restoreAutosave() {
  const meta = offered;
  if (!meta) return;
  let next;
  try {
    next = settingsFromAutosave(meta);
  } catch (e) {
    setStatus(`Could not restore the autosaved model: ${e.message}`, 'error');
    return;
  }
  hideOffer();
  const datasetBefore = settings.dataset;
  settings = next;
  formFromSettings();
  if (settings.dataset !== datasetBefore) { relabelBars(); pad.clear(); }
  setNotice('');
  pendingImport = { restore: meta }; // imported when the run is configured (after the data)
  if (!engineReady) return; // boot loads the data set of these settings
  if (settings.dataset !== dataLoaded && settings.dataset !== dataLoading) {
    persist();
    loadData(settings.dataset);
  } else {
    reconfigure();
  }
}

async function discardAutosave() {
  hideOffer();
  try {
    await clearAutosave(await autosaveDb());
    setStatus('The autosaved model was discarded.', 'ok');
  } catch (e) {
    autosaveOff(`Autosave is off: ${e.message || e}. Training works without it.`);
  }
}

// ---------- settings <-> form ----------
function persist() {
  saveSettings(settings, localStorage);
  lastHash = toHash(settings);
  if (location.hash !== lastHash) history.replaceState(null, '', lastHash);
}

function showOptimizerFields() {
  const opt = settings.optimizer;
  ui.muRow.hidden = !OPTIMIZERS[opt].mu;
  ui.mkOptions.hidden = opt === 'sgd' && !settings.race;
  ui.optimizerNote.textContent = OPTIMIZER_NOTES[opt];
  ui.stepLabel.textContent = settings.race ? `Step of ${OPTIMIZERS[opt].short}` : 'Step';
  ui.raceSgdRow.hidden = !settings.race;
  ui.customRow.hidden = settings.arch !== 'custom';
  const fixed = settings.lambda !== 'eq65' && settings.lambda !== 'eq65+eq68';
  ui.lambdaRow.hidden = !fixed;
}

function formFromSettings() {
  ui.dataset.value = settings.dataset;
  ui.arch.value = settings.arch;
  ui.sizes.value = settings.arch === 'custom' ? settings.sizes : sizesOf(settings).join(',');
  ui.alpha.value = String(settings.alpha);
  ui.seed.value = String(settings.seed);
  ui.optimizer.value = settings.optimizer;
  ui.step.value = String(settings.step);
  ui.sgdStep.value = String(settings.sgdStep);
  ui.mu.value = String(settings.mu);
  const fixed = settings.lambda !== 'eq65' && settings.lambda !== 'eq65+eq68';
  ui.lambda.value = fixed ? 'fixed' : settings.lambda;
  if (fixed) ui.lambdaList.value = settings.lambda;
  ui.white.checked = settings.white;
  ui.xAxis.value = settings.xAxis;
  ui.valEvery.value = String(settings.valEvery);
  for (const el of [ui.sizes, ui.alpha, ui.seed, ui.step, ui.sgdStep, ui.mu, ui.lambdaList]) el.removeAttribute('aria-invalid');
  ui.sizesError.textContent = '';
  ui.lambdaError.textContent = '';
  showOptimizerFields();
  setButtons();
}

/** Reads a number field; marks it invalid and returns undefined when out of range. */
function readNumber(el, ok, what) {
  const v = el.value.trim() === '' ? NaN : Number(el.value);
  const good = Number.isFinite(v) && ok(v);
  el.setAttribute('aria-invalid', String(!good));
  if (!good) setStatus(`${what}: “${el.value}” is not valid; the previous value is kept.`, 'notice');
  return good ? v : undefined;
}

function changed(structural) {
  setNotice('');
  showOptimizerFields();
  if (structural) reconfigure();
  else persist();
}

function wireForm() {
  ui.dataset.addEventListener('change', () => {
    settings.dataset = ui.dataset.value;
    persist();
    relabelBars();
    pad.clear();
    loadData(settings.dataset);
  });
  ui.arch.addEventListener('change', () => {
    settings.arch = ui.arch.value;
    if (settings.arch === 'custom') {
      ui.sizes.value = settings.sizes;
      ui.customRow.hidden = false;
      ui.sizes.focus();
    }
    changed(true);
  });
  ui.sizes.addEventListener('change', () => {
    try {
      const sizes = parseSizes(ui.sizes.value);
      ui.sizes.setAttribute('aria-invalid', 'false');
      ui.sizesError.textContent = '';
      settings.sizes = sizes.join(',');
      changed(true);
    } catch (e) {
      ui.sizes.setAttribute('aria-invalid', 'true');
      ui.sizesError.textContent = e.message;
    }
  });
  ui.alpha.addEventListener('change', () => {
    const v = readNumber(ui.alpha, (x) => x >= 0 && x < 1, 'Leak slope');
    if (v !== undefined) { settings.alpha = v; changed(true); }
  });
  ui.seed.addEventListener('change', () => {
    const v = readNumber(ui.seed, (x) => Number.isSafeInteger(x) && x >= 0, 'Seed');
    if (v !== undefined) { settings.seed = v; changed(true); }
  });
  ui.optimizer.addEventListener('change', () => {
    settings.optimizer = ui.optimizer.value;
    settings.step = OPTIMIZERS[settings.optimizer].step;
    ui.step.value = String(settings.step);
    ui.step.setAttribute('aria-invalid', 'false');
    if (settings.race && settings.optimizer === 'sgd') {
      settings.race = false;
      changed(true);
      setNotice('Race off: it needs an MK variant (or Newton) against SGD.');
      return;
    }
    changed(true);
  });
  const liveStep = (el, key, target) => {
    el.addEventListener('change', () => {
      const v = readNumber(el, (x) => x > 0 && x <= 100, 'Step');
      if (v === undefined) return;
      settings[key] = v;
      changed(false);
      const id = target();
      const spec = specs.find((s) => s.id === id);
      if (spec && configured) {
        spec.config = { ...spec.config, step_size: v };
        spec.label = labelFor(spec.config.optimizer, v, settings.mu);
        send({ type: 'setStep', id, step: v });
        showRunners();
        setStatus(`${spec.label}: the new step applies from the next pattern.`, 'ok');
      }
    });
  };
  liveStep(ui.step, 'step', () => (settings.race ? 'r1' : 'r0'));
  liveStep(ui.sgdStep, 'sgdStep', () => 'r0');
  ui.mu.addEventListener('change', () => {
    const v = readNumber(ui.mu, (x) => x >= 0, 'Damping μ');
    if (v !== undefined) { settings.mu = v; changed(true); }
  });
  ui.lambda.addEventListener('change', () => {
    if (ui.lambda.value === 'fixed') {
      if (!ui.lambdaList.value) {
        const from = Object.values(latest).find((s) => Array.isArray(s.lambda) && s.lambda.length);
        ui.lambdaList.value = from ? from.lambda.map((x) => Number(x.toPrecision(3))).join(',') : sizesOf(settings).map(() => 1).join(',');
      }
      settings.lambda = ui.lambdaList.value;
      ui.lambdaRow.hidden = false;
    } else {
      settings.lambda = ui.lambda.value;
    }
    changed(true);
  });
  ui.lambdaList.addEventListener('change', () => {
    const text = ui.lambdaList.value.replace(/\s+/g, '');
    const vals = text.split(',');
    let err = '';
    if (!vals.every((x) => x !== '' && Number.isFinite(Number(x)) && Number(x) >= 0)) err = 'numbers ≥ 0, comma-separated';
    else {
      try { lambdaOf({ lambda: text }, sizesOf(settings)); } catch (e) { err = e.message; }
    }
    ui.lambdaList.setAttribute('aria-invalid', String(!!err));
    ui.lambdaError.textContent = err;
    if (!err) { settings.lambda = text; changed(true); }
  });
  ui.white.addEventListener('change', () => { settings.white = ui.white.checked; changed(true); });
  ui.xAxis.addEventListener('change', () => {
    settings.xAxis = ui.xAxis.value;
    persist();
    ui.chart.setAttribute('aria-label', `Curves of cost, training accuracy and validation accuracy against ${settings.xAxis === 'seconds' ? 'seconds of compute' : 'patterns seen'}; the table below gives the latest values.`);
    scheduleChart();
  });
  ui.valEvery.addEventListener('change', () => {
    settings.valEvery = Number(ui.valEvery.value);
    persist();
    if (configured) send({ type: 'setValEvery', every: settings.valEvery });
  });
  ui.race.addEventListener('click', () => {
    settings.race = !settings.race;
    if (settings.race && settings.optimizer === 'sgd') {
      settings.optimizer = 'mk-damped';
      settings.step = OPTIMIZERS['mk-damped'].step;
      formFromSettings();
      changed(true);
      setNotice('Race: SGD against damped MK (choose another variant under Method).');
      return;
    }
    formFromSettings();
    changed(true);
  });
  ui.play.addEventListener('click', () => {
    if (!configured) return;
    send({ type: running ? 'pause' : 'play' });
  });
  ui.stepBtn.addEventListener('click', () => { if (configured) send({ type: 'step', n: 1 }); });
  ui.reset.addEventListener('click', () => { setNotice(''); reconfigure(); });
  ui.validateFull.addEventListener('click', () => { send({ type: 'validateFull' }); setStatus('Validating on all 10,000 test images…', 'busy'); });
  ui.csv.addEventListener('click', downloadCsv);
  ui.retry.addEventListener('click', () => loadData(settings.dataset));
  ui.clearPad.addEventListener('click', () => pad.clear());
  ui.testImage.addEventListener('click', () => send({ type: 'sample', index: Math.floor(Math.random() * 10000) }));
  ui.teach.addEventListener('click', () => {
    const input = pad.input();
    if (!input || !configured) return;
    send({ type: 'teach', req: ++predictReq, label: Number(ui.teachLabel.value), pixels: input });
  });
  ui.teachLabel.addEventListener('change', () => lab.drawnChanged());
  ui.offerRestore.addEventListener('click', restoreAutosave);
  ui.offerDiscard.addEventListener('click', discardAutosave);
  // Leaving or hiding the page: one more save if the weights changed since the last (the worker
  // decides; this thread only posts a message, so the page closes as fast as before).
  const saveNow = () => { if (configured) send({ type: 'autosave' }); };
  window.addEventListener('pagehide', saveNow);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') saveNow(); });
  ui.save.addEventListener('click', () => send({ type: 'export', id: 'r0' }));
  ui.load.addEventListener('change', async () => {
    const file = ui.load.files && ui.load.files[0];
    ui.load.value = '';
    if (!file) return;
    if (!configured) { setStatus('Wait for the data set before loading a model.', 'notice'); return; }
    const bytes = new Uint8Array(await file.arrayBuffer());
    let sizes;
    try {
      sizes = Array.from(model_sizes(bytes));
    } catch (e) {
      setStatus(`Could not load ${file.name}: ${e.message || e}`, 'error');
      return;
    }
    if (sizes.join(',') !== sizesOf(settings).join(',')) {
      // Switch the network to the file's layer sizes first, then load into the new run.
      const preset = Object.keys(ARCHITECTURES).find((k) => ARCHITECTURES[k].join(',') === sizes.join(','));
      settings.arch = preset || 'custom';
      if (!preset) settings.sizes = sizes.join(',');
      formFromSettings();
      pendingImport = { name: file.name, bytes };
      setNotice(`Layer sizes set to ${sizes.join('-')} from ${file.name}.`);
      reconfigure();
      return;
    }
    send({ type: 'import', id: 'r0', name: file.name, bytes }, [bytes.buffer]);
  });
  window.addEventListener('hashchange', () => {
    if (location.hash === lastHash) return;
    const before = settings.dataset;
    applyHash();
    formFromSettings();
    relabelBars();
    if (settings.dataset !== before) { persist(); loadData(settings.dataset); } else reconfigure();
  });
}

function applyHash() {
  const { settings: s, problems, fromHash } = loadSettings(location.hash, localStorage);
  settings = s;
  hashSteps = fromHash.has('step');
  // A different method from the URL without a step: that method's tested default.
  if (fromHash.has('optimizer') && !hashSteps) settings.step = OPTIMIZERS[settings.optimizer].step;
  if (settings.race && settings.optimizer === 'sgd') settings.race = false;
  setNotice(problems.length ? `Ignored in the address: ${problems.join('; ')}. Defaults kept for those.` : '');
}

// ---------- boot ----------
async function boot() {
  buildBars();
  applyHash();
  formFromSettings();
  wireForm();
  persist();
  checkAutosave();
  try {
    await Promise.all([init(), workerReady]);
  } catch (e) {
    setStatus(`The engine could not start: ${e.message || e}. Run “make build” (www/pkg is generated).`, 'error');
    return;
  }
  engineReady = true;
  lab.engineReady();
  scheduleChart();
  ui.engineInfo.textContent = `Engine: Rust → WebAssembly; training in f32 (fused kernel, SIMD ${simd_enabled() ? 'on' : 'off'}), exact maths in f64; training runs in a worker.`;
  document.body.dataset.ready = '1';
  loadData(settings.dataset);
}

boot();
