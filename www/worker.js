// The training worker: its own wasm instance holds the data set and the Session(s).
// It trains in chunks of about CHUNK_MS, yields between chunks so that pause / step / predict /
// teach messages are handled, validates in chunks, and posts small messages to the page.
// JavaScript owns the clock: throughput and the wall-clock axis are measured here.
// The Sifrian lab (one exact spectrum per request) also runs here, between training chunks: while
// it computes, training waits (one thread), then continues by itself.
// Autosave: the worker exports the run's model(s) and writes them to IndexedDB itself, so that
// the page's thread never copies megabytes; the page is told only what was saved.

import init, { Data, Session, warm_up } from './pkg/sifrian.js';
import { fetchDataset } from './loader.js';
import { openAutosave, readAutosaveModels, writeAutosave } from './settings.js';

const CHUNK_MS = 35; // one training chunk (all runners together)
const POINT_EVERY = 1000; // a curve point every this many patterns
// Validation on a budget at these pattern counts, then every `valEvery` (the page's setting; a
// validated image costs a forward pass of the f32 kernel, so a longer interval trains faster).
const VAL_FIRST = [1000, 2000, 3000, 5000];
let valEvery = 5000;
// The budget: two windows from both halves of the test set (2,000 patterns).
const VAL_WINDOWS = [[0, 1000], [5000, 1000]];
// Autosave after a validation at most this often while training (the first one of a run at its
// first validation), and at every pause or when the page is hidden; never twice the same weights.
const AUTOSAVE_EVERY_MS = 30000;

let data = null;
let dataset = null;
let runners = [];
let running = false;
const valQueue = []; // jobs {runner, start, end, at, kind, acc}
let loadToken = 0;
let generation = 0; // bumped by every configure (a new run)
let wasm = null; // the wasm exports (its memory's size goes into the stats)
const autosave = { enabled: true, db: null, savedKey: null, lastAt: -Infinity, chain: Promise.resolve() };
// Lab reports by (run, parameters version, pattern, layer, lambda, mu, step); oldest dropped first.
const LAB_CACHE_SIZE = 32;
const labCache = new Map();

const post = (msg, transfer) => self.postMessage(msg, transfer || []);
const message = (e) => (e && e.message) || String(e);

// Yield with a MessageChannel (setTimeout(0) is clamped to 4 ms when nested).
const channel = new MessageChannel();
let scheduled = false;
channel.port1.onmessage = () => { scheduled = false; tick(); };
function schedule() {
  if (!scheduled) { scheduled = true; channel.port2.postMessage(0); }
}

function nextValAt(samples) {
  for (const v of VAL_FIRST) if (v > samples) return v;
  return (Math.floor(samples / valEvery) + 1) * valEvery;
}

function makeRunner({ id, label, config }) {
  const session = new Session(config, data);
  const samples = session.samples_seen();
  return {
    id, label, config, session,
    samples,
    offset: 0, // patterns seen before this session (a restored autosave's count)
    epoch: 0,
    msPerSample: 1, // measured; the first chunk is small
    msPerVal: null, // ms per validated image, measured (until then: as much as a step)
    computeMs: 0,
    agg: { n: 0, loss: 0, correct: 0 }, // since the last curve point
    ema: null, // {loss, acc} over about the last 1,000 patterns
    rate: { n: 0, ms: 0, value: null }, // samples/s over the last ~0.5 s of compute
    nextPoint: (Math.floor(samples / POINT_EVERY) + 1) * POINT_EVERY,
    nextVal: nextValAt(samples),
    lambda: null,
    diverged: false,
    version: 0, // bumped whenever the parameters (or the current pattern) change
  };
}

function freeRunners() {
  for (const r of runners) { try { r.session.free(); } catch { /* already freed */ } }
  runners = [];
  valQueue.length = 0;
}

function record(r, st, n, ms) {
  const steps = st.steps ?? n;
  r.samples = typeof st.samples_seen === 'number' ? r.offset + st.samples_seen : r.samples + steps;
  r.epoch = st.epoch ?? r.epoch;
  if (st.lambda) r.lambda = Array.from(st.lambda);
  if (steps > 0 && Number.isFinite(st.mean_loss)) {
    r.agg.n += steps;
    r.agg.loss += st.mean_loss * steps;
    r.agg.correct += st.accuracy * steps;
    const a = 1 - Math.pow(1 - 1 / 1000, steps);
    if (!r.ema) r.ema = { loss: st.mean_loss, acc: st.accuracy };
    else {
      r.ema.loss += a * (st.mean_loss - r.ema.loss);
      r.ema.acc += a * (st.accuracy - r.ema.acc);
    }
  }
  if (ms !== undefined) {
    r.computeMs += ms;
    r.rate.n += steps;
    r.rate.ms += ms;
    if (r.rate.ms >= 500) {
      r.rate.value = (1000 * r.rate.n) / r.rate.ms;
      r.rate.n = 0;
      r.rate.ms = 0;
    }
    if (steps > 0) {
      const m = ms / steps;
      r.msPerSample = r.msPerSample * 0.6 + m * 0.4;
    }
  }
}

function statsMessage() {
  return {
    type: 'stats',
    running,
    validating: valQueue.length > 0,
    memory: wasm ? wasm.memory.buffer.byteLength : null, // bytes of the worker's wasm memory
    runners: runners.map((r) => ({
      id: r.id,
      samples: r.samples,
      epoch: r.epoch,
      cost: r.ema ? r.ema.loss : null,
      accuracy: r.ema ? r.ema.acc : null,
      throughput: r.rate.value ?? (r.computeMs > 0 ? (1000 * r.samples) / r.computeMs : null),
      seconds: r.computeMs / 1000,
      lambda: r.lambda,
    })),
  };
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
    post({ type: 'point', id: r.id, point });
  }
  r.nextPoint = (Math.floor(r.samples / POINT_EVERY) + 1) * POINT_EVERY;
  if (validate || full) queueValidation(r, full ? 'full' : 'budget');
}

function queueValidation(r, kind) {
  const testLen = data.test_len();
  const windows = kind === 'full' ? [[0, testLen]] : VAL_WINDOWS.filter(([s]) => s < testLen);
  const acc = { count: 0, correct: 0, loss: 0 };
  for (let w = 0; w < windows.length; w++) {
    const [start, count] = windows[w];
    valQueue.push({ runner: r, start, end: Math.min(testLen, start + count), at: r.samples, kind, acc, last: w === windows.length - 1 });
  }
}

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
  job.acc.loss += res.loss_sum;
  job.start += count;
  if (job.start >= job.end) {
    valQueue.shift();
    if (job.last) {
      post({
        type: 'validation', id: r.id, samples: job.at, kind: job.kind,
        count: job.acc.count, accuracy: job.acc.count ? job.acc.correct / job.acc.count : 0,
        loss: job.acc.count ? job.acc.loss / job.acc.count : 0,
      });
      // A validated model: save it now and then (the first of a run at once).
      if (autosave.savedKey === null || !autosave.savedKey.startsWith(`${generation}|`)
        || performance.now() - autosave.lastAt >= AUTOSAVE_EVERY_MS) saveModels('validation');
    }
  }
}

/** One chunk of n patterns for every runner (each stops at its next curve point). */
function trainChunk(n) {
  for (const r of runners) {
    if (r.diverged) continue;
    const k = Math.max(1, Math.min(n, r.nextPoint - r.samples));
    const t0 = performance.now();
    const st = r.session.step(k);
    const ms = performance.now() - t0;
    r.version++;
    record(r, st, k, ms);
    if (st.diverged) {
      r.diverged = true;
      running = false;
      emitPoint(r);
      post({ type: 'diverged', id: r.id, samples: r.samples, step: r.config.step_size });
      continue;
    }
    if (r.samples >= r.nextPoint) {
      const due = r.samples >= r.nextVal;
      if (due) r.nextVal = nextValAt(r.samples);
      emitPoint(r, { validate: due });
    }
  }
}

function chunkSize() {
  const msPerRound = runners.reduce((a, r) => a + (r.diverged ? 0 : r.msPerSample), 0) || 1;
  return Math.max(1, Math.min(20000, Math.floor(CHUNK_MS / msPerRound)));
}

function tick() {
  try {
    if (valQueue.length > 0) {
      validateChunk();
    } else if (running && runners.length > 0) {
      trainChunk(chunkSize());
      post(statsMessage());
      if (!running) {
        post({ type: 'state', running: false });
        pauseValidation();
        saveModels('stopped');
      } else if (performance.now() - autosave.lastAt >= AUTOSAVE_EVERY_MS) {
        // A backstop: validations (which save) come every few seconds at any speed seen so far.
        saveModels('timer');
      }
    }
  } catch (e) {
    running = false;
    valQueue.length = 0;
    post({ type: 'error', where: 'train', message: message(e) });
    post({ type: 'state', running: false });
  }
  if (valQueue.length > 0 || running) schedule();
  else post(statsMessage());
}

/** At a pause: close the curve windows and validate on the full test set. */
function pauseValidation() {
  for (const r of runners) emitPoint(r, { full: true });
  schedule();
}

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
      post({ type: 'progress', phase: 'download', loaded, total });
    }
  });
  warmUpOnce(); // while the download runs
  const { files, downloaded } = await pending;
  if (token !== loadToken) return;
  post({ type: 'progress', phase: 'decode', loaded: downloaded, total: downloaded });
  data = new Data(files[0], files[1], files[2], files[3]);
  dataset = name;
  post({ type: 'loaded', dataset: name, trainLen: data.train_len(), testLen: data.test_len(), downloaded, ms: performance.now() - t0 });
}

// One small exact spectrum (about 0.1 s, in this worker only), so that V8 has optimised the
// eigensolver before the lab's first request: a call running in the baseline tier stays there.
let warmed = false;
function warmUpOnce() {
  if (warmed) return;
  warmed = true;
  try { warm_up(); } catch { /* only a speed-up */ }
}

function predictAll(pixels) {
  const probs = {};
  for (const r of runners) probs[r.id] = Array.from(r.session.predict(pixels));
  return probs;
}

const handlers = {
  async load({ dataset: name }) {
    try {
      await load(name);
    } catch (e) {
      post({ type: 'error', where: 'data', dataset: name, message: message(e) });
    }
  },
  configure({ runners: specs, valEvery: every }) {
    running = false;
    if (Number.isSafeInteger(every) && every >= 1000) valEvery = every;
    freeRunners();
    generation++;
    autosave.lastAt = performance.now(); // the first save of a run comes at its first validation
    labCache.clear();
    if (!data) throw new Error('no data set is loaded yet');
    try {
      runners = specs.map(makeRunner);
    } catch (e) {
      freeRunners();
      throw e;
    }
    post({ type: 'configured', runners: runners.map((r) => ({ id: r.id, samples: r.samples, hash: r.session.params_hash() })) });
    post(statsMessage());
    post({ type: 'state', running: false });
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
    post({ type: 'state', running: true });
    schedule();
  },
  pause() {
    if (!running) return;
    running = false;
    post({ type: 'state', running: false });
    pauseValidation();
    saveModels('pause');
  },
  step({ n }) {
    if (!runners.length) throw new Error('no network: press Reset');
    running = false;
    for (const r of runners) r.diverged = false;
    trainChunk(Math.max(1, n | 0));
    post(statsMessage());
    schedule();
  },
  validateFull() {
    for (const r of runners) emitPoint(r, { full: true });
    schedule();
  },
  setStep({ id, step }) {
    const r = runners.find((x) => x.id === id);
    if (!r) return;
    r.session.set_step_size(step);
    r.config = { ...r.config, step_size: step };
    r.diverged = false;
  },
  predict({ pixels, req }) {
    post({ type: 'prediction', req, probs: predictAll(new Float32Array(pixels)) });
  },
  teach({ pixels, label, req }) {
    const x = new Float32Array(pixels);
    const results = {};
    for (const r of runners) {
      const st = r.session.teach(x, label);
      r.version++;
      results[r.id] = { loss: st.mean_loss, diverged: !!st.diverged };
      r.samples = r.offset + r.session.samples_seen();
    }
    post({ type: 'taught', req, label, results, probs: predictAll(x) });
    post(statsMessage());
  },
  sample({ index }) {
    const n = data.test_len();
    const i = ((index % n) + n) % n;
    post({ type: 'sample', index: i, label: data.test_label(i), pixels: Array.from(data.test_pixels(i)) });
  },
  lab({ req, run, request }) {
    const r = runners.find((x) => x.id === run) || runners[0];
    if (!r) throw new Error('no network yet: wait for the data set');
    const q = { ...request };
    if (q.pattern && q.pattern.pixels) q.pattern = { ...q.pattern, pixels: Array.from(q.pattern.pixels) };
    const key = labKey(r, q);
    let hit = labCache.get(key);
    const cached = !!hit;
    if (!hit) {
      const t0 = performance.now();
      const report = r.session.lab(q);
      hit = { report, ms: performance.now() - t0, samples: r.samples };
      labCache.set(key, hit);
      while (labCache.size > LAB_CACHE_SIZE) labCache.delete(labCache.keys().next().value);
    }
    post({ type: 'lab', req, run: r.id, key, cached, ms: hit.ms, samples: hit.samples, report: hit.report });
  },
  export({ id }) {
    const r = runners.find((x) => x.id === id);
    if (!r) throw new Error(`no runner ${id}`);
    const bytes = r.session.export_model();
    post({ type: 'exported', id, samples: r.samples, bytes, hash: r.session.params_hash() }, [bytes.buffer]);
  },
  /** Loads a model file into a runner; `samples` (optional) is how many patterns it had seen. */
  import({ id, bytes, name, samples }) {
    const r = runners.find((x) => x.id === id);
    if (!r) throw new Error('no network to load into: wait for the data set');
    running = false;
    r.session.import_model(new Uint8Array(bytes));
    r.version++;
    if (Number.isSafeInteger(samples) && samples >= 0) r.offset = samples - r.session.samples_seen();
    r.samples = r.offset + r.session.samples_seen();
    r.agg = { n: 0, loss: 0, correct: 0 };
    r.ema = null;
    r.nextPoint = (Math.floor(r.samples / POINT_EVERY) + 1) * POINT_EVERY;
    r.nextVal = nextValAt(r.samples);
    r.diverged = false;
    // Only this runner's validations are stale (a restored race imports both sides in turn).
    for (let i = valQueue.length - 1; i >= 0; i--) if (valQueue[i].runner === r) valQueue.splice(i, 1);
    post({ type: 'imported', id, name, samples: r.samples, hash: r.session.params_hash() });
    post({ type: 'state', running: false });
    queueValidation(r, 'full');
    schedule();
  },
  /** Imports the autosaved model(s) into the freshly configured run (the page matched its settings). */
  async restore({ runs }) {
    const db = await autosaveDb();
    const models = await readAutosaveModels(db, runs.map((x) => x.id));
    const missing = runs.filter((x) => !models[x.id]).map((x) => x.id);
    if (missing.length) throw new Error(`the autosave has no model for ${missing.join(', ')}`);
    for (const x of runs) handlers.import({ id: x.id, bytes: models[x.id], name: 'the autosaved model', samples: x.samples });
  },
  /** The page asks for a save (it is being hidden or closed), or turns autosave off. */
  autosave({ enabled }) {
    if (enabled === false) { autosave.enabled = false; return; }
    saveModels('hidden');
  },
};

/** The autosave database, opened once (reopened after a failure). */
function autosaveDb() {
  if (!autosave.db) autosave.db = openAutosave().catch((e) => { autosave.db = null; throw e; });
  return autosave.db;
}

/**
 * Exports every runner's model (synchronous: the weights of this moment) and writes them, with a
 * summary, to IndexedDB (asynchronous; writes are chained, so the last export is the one kept).
 * Nothing happens for a run that has not trained or when the same weights were saved already.
 */
function saveModels(reason) {
  if (!autosave.enabled || !runners.length || !dataset || runners.every((r) => r.samples === 0)) return;
  const key = `${generation}|${runners.map((r) => `${r.id}:${r.version}`).join(',')}`;
  if (key === autosave.savedKey) return;
  autosave.savedKey = key;
  autosave.lastAt = performance.now();
  const t0 = performance.now();
  const models = {};
  const runs = runners.map((r) => {
    models[r.id] = r.session.export_model();
    return { id: r.id, label: r.label, config: r.config, samples: r.samples, hash: r.session.params_hash(), bytes: models[r.id].length };
  });
  const exportMs = performance.now() - t0;
  const meta = { version: 1, dataset, savedAt: Date.now(), reason, runs };
  autosave.chain = autosave.chain.then(async () => {
    const t1 = performance.now();
    try {
      await writeAutosave(await autosaveDb(), meta, models);
      post({ type: 'autosaved', meta, exportMs, writeMs: performance.now() - t1 });
    } catch (e) {
      // Tried again at the next pause or in AUTOSAVE_EVERY_MS (it may be transient); the page
      // says so once.
      autosave.db = null;
      if (autosave.savedKey === key) autosave.savedKey = `${generation}|failed`;
      post({ type: 'autosaveFailed', message: message(e) });
    }
  });
}

/** FNV-1a over the bits of the drawn pixels (cache key of a drawn digit). */
function pixelsHash(pixels) {
  const bits = new Uint32Array(new Float32Array(pixels).buffer);
  let h = 0x811c9dc5;
  for (const b of bits) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16);
}

/** The cache key: run, its parameters' version, the pattern, layer, lambda_k, mu, step. */
function labKey(r, q) {
  const p = q.pattern;
  const pattern = p.source === 'drawn' ? `drawn:${p.pixels ? pixelsHash(p.pixels) : '-'}:${p.label}`
    : p.source === 'current' ? 'current' : `${p.source}:${p.index ?? 0}`;
  return [generation, r.id, r.version, pattern, q.layer, q.lambda ?? 'policy', q.mu ?? 1, q.step_size ?? r.config.step_size].join('|');
}

const ready = init().then(
  (w) => { wasm = w; post({ type: 'ready' }); },
  (e) => { post({ type: 'error', where: 'wasm', message: message(e) }); throw e; },
);

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    await ready;
    const h = handlers[msg.type];
    if (!h) throw new Error(`unknown message ${msg.type}`);
    await h(msg);
  } catch (err) {
    post({ type: 'error', where: msg.type, req: msg.req, message: message(err) });
  }
};
