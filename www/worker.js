// The training worker: its own wasm instance holds the data set and the Session(s).
// It trains in chunks of about CHUNK_MS, yields between chunks so that pause / step / predict /
// teach messages are handled, validates in chunks, and posts small messages to the page.
// JavaScript owns the clock: throughput and the wall-clock axis are measured here, and so is the
// page's speed (patterns per second per run, 0: full speed), which spaces the bounded step calls.
// The Sifrian lab (one exact spectrum per request) also runs here, between training chunks: while
// it computes, training waits (one thread), then continues by itself.
// The curvature of the data (www/batchcurvature.js: Lanczos on the mean Hessian of many patterns)
// runs here too, as bounded `advance` calls of about CURVATURE_SLICE_MS with a yield between them.
// Autosave: www/autosave.js; the lab's cache: www/labcache.js; a run's bookkeeping: www/runner.js.
// Every message is one of www/protocol.js: a request answered by its reply, or an event.

import init, { Data, Session, draw_curves, draw_multiples, warm_up } from './pkg/sifrian.js';
import { fetchDataset } from './loader.js';
import { readAutosaveModels } from './store.js';
import { messageOf, reply, serve } from './protocol.js';
import { createAutosave } from './autosave.js';
import { createLabCache, labKey } from './labcache.js';
import { makeRunner, nextPointAt, record, runnerStats } from './runner.js';

const CHUNK_MS = 35; // one training chunk (all runners together)
// Validation on a budget at these pattern counts, then every `valEvery` (the page's setting; a
// validated image costs a forward pass of the f32 kernel, so a longer interval trains faster).
const VAL_FIRST = [1000, 2000, 3000, 5000];
let valEvery = 5000;
// The budget: two windows from both halves of the test set (2,000 patterns).
const VAL_WINDOWS = [[0, 1000], [5000, 1000]];

let data = null;
let dataset = null;
let runners = [];
let running = false;
// The speed: at most `speed` patterns per second per run (0: full speed), counted from `pace.t0`.
let speed = 0;
const pace = { t0: 0, done: 0, timer: null };
const valQueue = []; // jobs {runner, start, end, at, kind, acc}
let loadToken = 0;
let generation = 0; // bumped by every configure (a new run)
let wasm = null; // the wasm exports (its memory's size goes into the stats)
const labCache = createLabCache();
let emit = null; // emit(event, data): set by serve() below
const CURVATURE_SLICE_MS = 30; // one `advance` call of the curvature of the data, about
let curvatureToken = 0; // bumped by batchCurvatureCancel: the running one stops at its next yield
const curvatureChannel = new MessageChannel();
let resumeCurvature = null;
curvatureChannel.port1.onmessage = () => { const f = resumeCurvature; resumeCurvature = null; if (f) f(); };
/** Lets the other messages (requests, training ticks) run, then resolves. */
const yieldToMessages = () => new Promise((resolve) => { resumeCurvature = resolve; curvatureChannel.port2.postMessage(0); });
const autosave = createAutosave((event, data) => emit(event, data));
/** Saves the run now (www/autosave.js decides whether anything changed). */
const saveModels = (reason) => autosave.save(reason, { runners, generation, dataset });

// Yield with a MessageChannel (setTimeout(0) is clamped to 4 ms when nested).
const channel = new MessageChannel();
let scheduled = false;
channel.port1.onmessage = () => { scheduled = false; tick(); };
/** A tick() soon, once. */
function schedule() {
  if (!scheduled) { scheduled = true; channel.port2.postMessage(0); }
}

/** The pattern count of the next budget validation after `samples`. */
function nextValAt(samples) {
  for (const v of VAL_FIRST) if (v > samples) return v;
  return (Math.floor(samples / valEvery) + 1) * valEvery;
}

// The look inside (www/inside.js): the first layer's weights of this many hidden units, posted at
// most every FIRST_LAYER_MS while training (and at once when training stops).
const FIRST_LAYER_UNITS = 8;
const FIRST_LAYER_MS = 300;
let firstLayerAt = -Infinity;
/** The `firstLayer` event of the first run, throttled while training. */
function emitFirstLayer() {
  const r = runners[0];
  const now = performance.now();
  if (!r || (running && now - firstLayerAt < FIRST_LAYER_MS)) return;
  firstLayerAt = now;
  emit('firstLayer', { id: r.id, samples: r.samples, ...r.session.first_layer(FIRST_LAYER_UNITS) });
}

/** After a validation of the whole test set: the engine's confusion matrix of run `r`. */
function emitConfusion(r, samples) {
  r.confusion = r.session.confusion();
  const { counts, count, correct } = r.confusion;
  emit('confusion', { id: r.id, samples, counts, count, correct });
}

/** Frees every Session (a new run or data set). */
function freeRunners() {
  for (const r of runners) { try { r.session.free(); } catch { /* already freed */ } }
  runners = [];
  valQueue.length = 0;
}

/** The `stats` event: every runner's readouts and the worker's wasm memory in bytes. */
function emitStats() {
  emit('stats', {
    running,
    memory: wasm ? wasm.memory.buffer.byteLength : null,
    runners: runners.map(runnerStats),
  });
  emitFirstLayer();
}

/** The `instruments` event: runner r's samples since the last (src/train/instruments.rs). */
function emitInstruments(r) {
  const samples = r.session.take_instruments();
  if (samples.length > 0) emit('instruments', { id: r.id, samples });
}

/** Closes the current curve window of a runner into a point; queues validation when due. */
function emitPoint(r, { validate = false, full = false } = {}) {
  if (r.agg.n > 0) {
    const point = {
      samples: r.samples,
      seconds: r.computeMs / 1000,
      cost: r.agg.loss / r.agg.n,
      train_accuracy: r.agg.correct / r.agg.n,
      validation_accuracy: null,
    };
    r.agg = { n: 0, loss: 0, correct: 0 };
    emit('point', { id: r.id, point });
  }
  r.nextPoint = nextPointAt(r.samples);
  if (validate || full) queueValidation(r, full ? 'full' : 'budget');
}

/** Queues a validation of `r` (`full`: the whole test set; `budget`: VAL_WINDOWS). */
function queueValidation(r, kind) {
  const testLen = data.test_len();
  const windows = kind === 'full' ? [[0, testLen]] : VAL_WINDOWS.filter(([s]) => s < testLen);
  const acc = { count: 0, correct: 0 };
  for (let w = 0; w < windows.length; w++) {
    const [start, count] = windows[w];
    valQueue.push({ runner: r, start, end: Math.min(testLen, start + count), at: r.samples, kind, acc, last: w === windows.length - 1 });
  }
}

/** Validates one chunk of the first queued job; the last chunk of a job emits `validation`. */
function validateChunk() {
  const job = valQueue[0];
  const r = job.runner;
  // A chunk of about CHUNK_MS, like training (a pause or a click is answered between chunks).
  const per = r.msPerVal ?? r.msPerSample;
  const n = Math.max(20, Math.min(1000, Math.round(CHUNK_MS / Math.max(1e-4, per))));
  const count = Math.min(n, job.end - job.start);
  const t0 = performance.now();
  const res = r.session.validate(job.start, count);
  const m = (performance.now() - t0) / Math.max(1, count);
  r.msPerVal = r.msPerVal === null ? m : r.msPerVal * 0.6 + m * 0.4;
  job.acc.count += res.count;
  job.acc.correct += res.correct;
  job.start += count;
  if (job.start >= job.end) {
    valQueue.shift();
    if (job.last) {
      if (job.kind === 'full') emitConfusion(r, job.at);
      emit('validation', {
        id: r.id, samples: job.at, kind: job.kind,
        count: job.acc.count, accuracy: job.acc.count ? job.acc.correct / job.acc.count : 0,
      });
      // A validated model: save it now and then (the first of a run at once).
      if (autosave.due(generation)) saveModels('validation');
    }
  }
}

/**
 * One chunk of n patterns for every runner (each stops at its next curve point); `take(r, k)`
 * trains runner r on k patterns and returns the step stats. Returns the most patterns any runner
 * was asked for. A runner that diverges pauses alone: the others go on.
 */
function trainChunk(n, take = (r, k) => r.session.step(k)) {
  let most = 0;
  for (const r of runners) {
    if (r.diverged) continue;
    const k = Math.max(1, Math.min(n, r.nextPoint - r.samples));
    most = Math.max(most, k);
    const t0 = performance.now();
    const st = take(r, k);
    const ms = performance.now() - t0;
    r.version++;
    record(r, st, k, ms);
    emitInstruments(r);
    if (st.diverged) {
      r.diverged = true;
      if (runners.every((x) => x.diverged)) running = false;
      emitPoint(r);
      emit('diverged', { id: r.id, samples: r.samples, stepSize: r.config.step_size, report: st.divergence ?? null });
      continue;
    }
    if (r.samples >= r.nextPoint) {
      const due = r.samples >= r.nextVal;
      if (due) r.nextVal = nextValAt(r.samples);
      emitPoint(r, { validate: due });
    }
  }
  return most;
}

/** Patterns per runner in one chunk of about CHUNK_MS. */
function chunkSize() {
  const msPerRound = runners.reduce((a, r) => a + (r.diverged ? 0 : r.msPerSample), 0) || 1;
  return Math.max(1, Math.min(20000, Math.floor(CHUNK_MS / msPerRound)));
}

/** One task of work: a validation chunk, else a training chunk; schedules the next. */
function tick() {
  try {
    if (valQueue.length > 0) {
      validateChunk();
    } else if (running && runners.length > 0) {
      const n = speed > 0 ? Math.min(chunkSize(), allowance()) : chunkSize();
      if (n > 0) pace.done += trainChunk(n);
      emitStats();
      if (!running) {
        emit('state', { running: false });
        pauseValidation();
        saveModels('stopped');
      } else if (autosave.overdue()) {
        // A backstop: validations (which save) come every few seconds at any speed seen so far.
        saveModels('timer');
      }
    }
  } catch (e) {
    running = false;
    valQueue.length = 0;
    emit('trainingFailed', { message: messageOf(e) });
    emit('state', { running: false });
  }
  if (valQueue.length > 0 || !running || speed <= 0) {
    if (valQueue.length > 0 || running) schedule();
    else emitStats();
  } else {
    paced();
  }
}

/** Patterns the speed allows now (since the clock started, minus those trained). */
function allowance() {
  return Math.floor(((performance.now() - pace.t0) * speed) / 1000) - pace.done;
}

/** The next tick when the speed allows the next pattern (a timer: the thread sleeps till then). */
function paced() {
  if (pace.timer !== null) return;
  const wait = ((pace.done + 1) * 1000) / speed - (performance.now() - pace.t0);
  if (wait <= 1) { schedule(); return; }
  pace.timer = setTimeout(() => { pace.timer = null; tick(); }, wait);
}

/** The speed clock starts again (at play and at a new speed). */
function restartPace() {
  pace.t0 = performance.now();
  pace.done = 0;
}

/** At a pause: close the curve windows and validate on the full test set. */
function pauseValidation() {
  for (const r of runners) emitPoint(r, { full: true });
  schedule();
}

/** Downloads and decodes data set `name` into `data`; null when a later load superseded it. */
async function load(name) {
  const token = ++loadToken;
  running = false;
  freeRunners();
  if (data) { data.free(); data = null; }
  dataset = null;
  const t0 = performance.now();
  let last = 0;
  const base = new URL(`./data/${name}/`, import.meta.url);
  const pending = fetchDataset(base, (loaded, total) => {
    const now = performance.now();
    if (token === loadToken && (now - last > 60 || loaded === total)) {
      last = now;
      emit('progress', { phase: 'download', loaded, total });
    }
  });
  warmUpOnce(); // while the download runs
  const { files, downloaded } = await pending;
  if (token !== loadToken) return null;
  emit('progress', { phase: 'decode', loaded: downloaded, total: downloaded });
  data = new Data(files[0], files[1], files[2], files[3]);
  dataset = name;
  return { dataset: name, trainLen: data.train_len(), testLen: data.test_len(), downloaded, ms: performance.now() - t0 };
}

// One small exact spectrum (about 0.1 s, in this worker only), so that V8 has optimised the
// eigensolver before the lab's first request: a call running in the baseline tier stays there.
let warmed = false;
/** The warm-up spectrum, once per worker. */
function warmUpOnce() {
  if (warmed) return;
  warmed = true;
  try { warm_up(); } catch { /* only a speed-up */ }
}

/**
 * Compiles the page's chart-drawing code here, off the page's thread. V8 compiles a wasm function
 * on its first call, and the page's wasm and this worker's, compiled from the same bytes, share
 * their compiled code (one module per process); the page's first chart draw compiled about 155
 * functions, one of them for 90-260 ms on a loaded machine, in one task of the page
 * (tests/bench/longtasks.mjs). So this worker draws one small chart on an OffscreenCanvas first:
 * the engine's canvas backend checks `instanceof CanvasRenderingContext2D`, a name a worker does
 * not have, so for this one call it names OffscreenCanvasRenderingContext2D (same methods) and is
 * removed again. Where OffscreenCanvas is missing (or the draw fails) nothing happens: the page
 * then compiles the code itself, as before. (The first-call compilation is V8's, Chromium's; in
 * other engines this only draws one small chart off screen.)
 */
function warmDrawingCode() {
  if (typeof OffscreenCanvas !== 'function' || typeof OffscreenCanvasRenderingContext2D !== 'function' || 'CanvasRenderingContext2D' in self) return;
  self.CanvasRenderingContext2D = OffscreenCanvasRenderingContext2D;
  try {
    const points = [1000, 2000].map((samples, i) => ({
      samples, seconds: i + 1, cost: 1 / (i + 1), train_accuracy: 0.5, validation_accuracy: i ? 0.5 : null,
    }));
    draw_curves(new OffscreenCanvas(240, 200), [{ label: 'warm-up', points }], 'samples', { log_x: false, scale: 1 });
  } catch { /* only a speed-up */ }
  // The instruments' small multiples (www/instruments.js): their first draw on the page compiled
  // their own code, 43 ms of one 89-100 ms task at the first chart (longtasks.mjs, 2026-12-02).
  // Panels like theirs: a log axis, a plain and a dashed line, a legend.
  try {
    const line = (label, color, dashed) => ({ label, color, dashed, points: [[1000, 1], [2000, 2], [3000, 1.5]] });
    const panels = [
      { caption: 'warm-up', log_y: true, lines: [line('', 4, false), line('', 1, true)] },
      { caption: 'warm-up', log_y: false, lines: [line('layer 1', 1, false), line('layer 2', 2, false)] },
    ];
    draw_multiples(new OffscreenCanvas(240, 200), panels, 'patterns seen', 2, 1, 'light');
  } catch { /* only a speed-up */ } finally {
    delete self.CanvasRenderingContext2D;
  }
}

/** Every runner's reading of 784 pixels (www/protocol.js `Reading`) and its class probabilities. */
function predictAll(pixels) {
  const probs = {};
  const readings = {};
  for (const r of runners) {
    readings[r.id] = r.session.read(pixels);
    probs[r.id] = readings[r.id].probabilities;
  }
  return { probs, readings };
}

/** The requests of www/protocol.js, by type: each returns its reply's result. */
const handlers = {
  start() { warmDrawingCode(); return null; },
  load({ dataset: name }) { return load(name); },
  configure({ runners: specs, valEvery: every }) {
    running = false;
    if (Number.isSafeInteger(every) && every >= 1000) valEvery = every;
    freeRunners();
    generation++;
    autosave.newRun();
    labCache.clear();
    if (!data) throw new Error('no data set is loaded yet');
    try {
      runners = specs.map((spec) => makeRunner(spec, new Session(spec.config, data), nextValAt));
      for (const r of runners) r.session.start_instruments();
    } catch (e) {
      freeRunners();
      throw e;
    }
    const result = { runners: runners.map((r) => ({ id: r.id, samples: r.samples, hash: r.session.params_hash() })) };
    return reply(result, { after: () => { emitStats(); emit('state', { running: false }); } });
  },
  /** Validation on a budget every `every` patterns from now on (after the first few). */
  setValEvery({ every }) {
    if (!Number.isSafeInteger(every) || every < 1000) throw new Error(`validation interval ${every}: expected a whole number >= 1000`);
    valEvery = every;
    for (const r of runners) r.nextVal = nextValAt(r.samples);
  },
  play() {
    if (!runners.length) throw new Error('no network: press Reset');
    for (const r of runners) r.diverged = false;
    // A new full validation is not needed any more: training moves on.
    for (let i = valQueue.length - 1; i >= 0; i--) if (valQueue[i].kind === 'full') valQueue.splice(i, 1);
    running = true;
    restartPace();
    emit('state', { running: true });
    schedule();
  },
  /** Patterns per second per run while playing (0: full speed). */
  setSpeed({ speed: v }) {
    if (!(Number.isFinite(v) && v >= 0)) throw new Error(`speed ${v}: expected patterns per second >= 0 (0: full speed)`);
    speed = v;
    restartPace();
    if (running) schedule();
  },
  pause() {
    if (!running) return;
    running = false;
    emit('state', { running: false });
    pauseValidation();
    saveModels('pause');
  },
  step({ n }) {
    if (!runners.length) throw new Error('no network: press Reset');
    running = false;
    for (const r of runners) r.diverged = false;
    trainChunk(Math.max(1, n | 0));
    emitStats();
    schedule();
  },
  /** One step of every run on its next training pattern, explained (www/inside.js shows it). */
  stepOne() {
    if (!runners.length) throw new Error('no network: press Reset');
    running = false;
    for (const r of runners) r.diverged = false;
    const steps = {};
    trainChunk(1, (r) => { steps[r.id] = r.session.step_explained(); return steps[r.id].stats; });
    for (const r of runners) if (steps[r.id]) steps[r.id].samples = r.samples; // the run's count (an import offsets it)
    emitStats();
    schedule();
    return { steps };
  },
  /** Up to `limit` misclassified test images of cell (true, pred) of run `id`'s latest matrix. */
  gallery({ id, true: t, pred, limit }) {
    const r = runners.find((x) => x.id === id);
    if (!r || !r.confusion) throw new Error('no confusion matrix yet: pause, or press “Validate on all 10,000”, first');
    if (![t, pred].every((v) => Number.isInteger(v) && v >= 0 && v < 10)) throw new Error(`cell (${t}, ${pred}): expected two classes 0 to 9`);
    const all = r.confusion.misclassified[t * 10 + pred];
    const n = Math.max(0, Math.min(all.length, limit | 0));
    const images = all.slice(0, n).map((index) => ({ index, label: data.test_label(index), pred, pixels: Array.from(data.test_pixels(index)) }));
    return { id, true: t, pred, total: all.length, images };
  },
  validateFull() {
    for (const r of runners) emitPoint(r, { full: true });
    schedule();
  },
  setStepSize({ id, stepSize }) {
    const r = runners.find((x) => x.id === id);
    if (!r) return;
    r.session.set_step_size(stepSize);
    r.config = { ...r.config, step_size: stepSize };
    r.diverged = false;
  },
  predict({ pixels }) {
    return predictAll(new Float32Array(pixels));
  },
  teach({ pixels, label }) {
    const x = new Float32Array(pixels);
    const results = {};
    for (const r of runners) {
      const st = r.session.teach(x, label);
      r.version++;
      results[r.id] = { loss: st.mean_loss, diverged: !!st.diverged };
      r.samples = r.offset + r.session.samples_seen();
    }
    return reply({ results, ...predictAll(x) }, { after: emitStats });
  },
  sample({ index }) {
    const n = data.test_len();
    const i = ((index % n) + n) % n;
    return { label: data.test_label(i), pixels: Array.from(data.test_pixels(i)) };
  },
  lab({ run, request }) {
    const r = runners.find((x) => x.id === run) || runners[0];
    if (!r) throw new Error('no network yet: wait for the data set');
    const q = { ...request };
    if (q.pattern && q.pattern.pixels) q.pattern = { ...q.pattern, pixels: Array.from(q.pattern.pixels) };
    const key = labKey(generation, r, q);
    let hit = labCache.get(key);
    const cached = !!hit;
    if (!hit) {
      const t0 = performance.now();
      const report = r.session.lab(q);
      hit = { report, ms: performance.now() - t0, samples: r.samples };
      labCache.set(key, hit);
    }
    return { run: r.id, cached, ms: hit.ms, samples: hit.samples, report: hit.report };
  },
  /**
   * The curvature of the data on run `run`'s network now (`Session.batch_curvature`, src/wasm.rs):
   * bounded `advance` calls, the time per call steered to about CURVATURE_SLICE_MS, a
   * `batchCurvature` event with the report so far at most every 200 ms. Stops (cancelled: true)
   * after batchCurvatureCancel, a new request or a reset.
   */
  async batchCurvature({ run, request: q }) {
    const r = runners.find((x) => x.id === run) || runners[0];
    if (!r) throw new Error('no network yet: wait for the data set');
    const token = ++curvatureToken;
    const gen = generation;
    const job = r.session.batch_curvature(q || {}, data);
    const t0 = performance.now();
    let budget = 16;
    let phase = 'prepare';
    let lanczosMs = null;
    let lastEmit = t0;
    try {
      while (phase !== 'done') {
        if (token !== curvatureToken || gen !== generation) return { cancelled: true, run: r.id };
        const s = performance.now();
        phase = job.advance(budget);
        const now = performance.now();
        if (lanczosMs === null && (phase === 'exact' || phase === 'done')) lanczosMs = now - t0;
        if (now - s < CURVATURE_SLICE_MS / 2) budget = Math.min(2 * budget, 1 << 16);
        else if (now - s > 2 * CURVATURE_SLICE_MS) budget = Math.max(16, budget >> 1);
        if (now - lastEmit > 200) {
          lastEmit = now;
          emit('batchCurvature', { run: r.id, report: job.report(), ms: now - t0 });
        }
        await yieldToMessages();
      }
      return { cancelled: false, run: r.id, samples: r.samples, report: job.report(), ms: performance.now() - t0, lanczosMs };
    } finally {
      job.free();
    }
  },
  batchCurvatureCancel() { curvatureToken++; return null; },
  export({ id }) {
    const r = runners.find((x) => x.id === id);
    if (!r) throw new Error(`no runner ${id}`);
    const bytes = r.session.export_model();
    return reply({ id, samples: r.samples, bytes, hash: r.session.params_hash() }, { transfer: [bytes.buffer] });
  },
  /** Loads a model file into a runner; `samples` (optional) is how many patterns it had seen. */
  import({ id, bytes, samples }) {
    const r = runners.find((x) => x.id === id);
    if (!r) throw new Error('no network to load into: wait for the data set');
    running = false;
    r.session.import_model(new Uint8Array(bytes));
    r.version++;
    if (Number.isSafeInteger(samples) && samples >= 0) r.offset = samples - r.session.samples_seen();
    r.samples = r.offset + r.session.samples_seen();
    r.agg = { n: 0, loss: 0, correct: 0 };
    r.ema = null;
    r.nextPoint = nextPointAt(r.samples);
    r.nextVal = nextValAt(r.samples);
    r.diverged = false;
    // Only this runner's validations are stale (a restored race imports both sides in turn).
    for (let i = valQueue.length - 1; i >= 0; i--) if (valQueue[i].runner === r) valQueue.splice(i, 1);
    queueValidation(r, 'full');
    return reply({ id, samples: r.samples, hash: r.session.params_hash() }, { after: () => { emit('state', { running: false }); schedule(); } });
  },
  /** Imports the autosaved model(s) into the freshly configured run (the page matched its settings). */
  async restore({ runs }) {
    const models = await readAutosaveModels(await autosave.db(), runs.map((x) => x.id));
    const missing = runs.filter((x) => !models[x.id]).map((x) => x.id);
    if (missing.length) throw new Error(`the autosave has no model for ${missing.join(', ')}`);
    const imported = [];
    const after = () => { for (const r of imported) r.after(); };
    try {
      for (const x of runs) imported.push(handlers.import({ id: x.id, bytes: models[x.id], samples: x.samples }));
    } catch (e) {
      after(); // the runs imported so far validate as after any import
      throw e;
    }
    return reply({ runs: imported.map((r) => r.value) }, { after });
  },
  /** The page asks for a save (it is being hidden or closed), or turns autosave off. */
  autosave({ enabled }) {
    if (enabled === false) { autosave.disable(); return; }
    saveModels('hidden');
  },
  /** The URLs this worker fetched (its modules, the wasm, the data sets): for www/sw.js's cache. */
  resources() {
    return performance.getEntriesByType('resource').map((r) => r.name);
  },
};

const ready = init().then((w) => { wasm = w; });
emit = serve(self, handlers, ready);
