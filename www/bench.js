// The browser half of the benchmark (`make bench` drives it through tests/bench/run.mjs).
// Everything runs on this tab's main thread, in one page load, so the ratios are fair:
//   - the engine as the page trains: Session.step(n) with the page's default step sizes (f32 kernel),
//     also on MNIST with every 0 pixel set to 1 (`*_dense`: the kernel skips zero pixels in layer 1),
//     exact HVPs (CurvatureBench.hvps) and the time to one exact nonzero spectrum;
//   - the peers on the same network, batch 1, leaky ReLU everywhere, loss 1/2||d - x||^2, step 0.01:
//     TensorFlow.js 4.22 on its wasm backend (XNNPACK, SIMD; the fastest variant of
//     ../shared perf notes: fused matMul forward, hand-written gradients) and a tight plain-JS loop;
//   - the memory-streaming limit: read and read+write of a buffer of the weights' f32 size;
//   - the instruments' cost (SGD and MK with and without them, interleaved short windows).
// Repetitions are outermost and visit every row once, so drift hits all rows alike; medians are kept.
// JavaScript owns the clock; the wasm calls do bounded work.

// The wasm is the bench build (`make build-bench`: the page's plus StreamProbe and CurvatureBench).
import init, { Data, Session, StreamProbe, CurvatureBench, catalog, simd_enabled } from './pkg-bench/sifrian.js';
import { fetchDataset } from './loader.js';
import { probe } from './dom.js';
import { OPTIMIZERS, PRESETS, LIMITS, paramCount, useCatalog } from './settings.js';

const query = new URLSearchParams(location.search);
const RUN_PRESETS = (query.get('presets') || 'small,paper').split(',');
const SECS = Number(query.get('secs') || 1);
const REPS = Number(query.get('reps') || 5);
const CHUNK_MS = 20;
const ALPHA = 0.01;
const LR = 0.01;
const PEER_PATTERNS = 2048; // the first training images, cycled

/** The page's status line. */
const status = (t) => { document.getElementById('status').textContent = t; };

/** mulberry32: a seeded PRNG for the peers' common initial weights. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** He-normal weights (std sqrt(2 / fan-in)), W_k row-major [out][in], zero biases. */
function heInit(sizes, seed) {
  const u = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const W = [], b = [];
  for (let k = 1; k < sizes.length; k++) {
    const w = new Float32Array(sizes[k] * sizes[k - 1]);
    const std = Math.sqrt(2 / sizes[k - 1]);
    for (let i = 0; i < w.length; i++) w[i] = normal() * std;
    W.push(w);
    b.push(new Float32Array(sizes[k]));
  }
  return { W, b };
}

/** Hand-written batch-1 SGD: Float32Array weights, 4-accumulator dots, fused backward. */
class PlainJs {
  constructor(sizes, init) {
    this.sizes = sizes;
    this.W = init.W.map((w) => w.slice());
    this.b = init.b.map((v) => v.slice());
    this.h = sizes.map((s) => new Float32Array(s));
    this.a = sizes.map((s) => new Float32Array(s));
    this.delta = sizes.map((s) => new Float32Array(s));
  }

  /** One step on input x (Float32Array) with one-hot target `label`; returns the loss before it. */
  step(x, label) {
    const { sizes, W, b, h, a, delta } = this;
    const n = sizes.length - 1;
    h[0].set(x);
    for (let k = 1; k <= n; k++) {
      const w = W[k - 1], cols = sizes[k - 1], prev = h[k - 1], ak = a[k], hk = h[k], bk = b[k - 1];
      const q = cols & ~3;
      for (let i = 0, off = 0; i < sizes[k]; i++, off += cols) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        let j = 0;
        for (; j < q; j += 4) {
          s0 += w[off + j] * prev[j];
          s1 += w[off + j + 1] * prev[j + 1];
          s2 += w[off + j + 2] * prev[j + 2];
          s3 += w[off + j + 3] * prev[j + 3];
        }
        for (; j < cols; j++) s0 += w[off + j] * prev[j];
        const v = (s0 + s1) + (s2 + s3) + bk[i];
        ak[i] = v;
        hk[i] = v > 0 ? v : ALPHA * v;
      }
    }
    let loss = 0;
    for (let i = 0; i < sizes[n]; i++) {
      const e = h[n][i] - (i === label ? 1 : 0);
      loss += 0.5 * e * e;
      delta[n][i] = e * (a[n][i] > 0 ? 1 : ALPHA);
    }
    for (let k = n; k >= 1; k--) {
      const w = W[k - 1], cols = sizes[k - 1], prev = h[k - 1], dk = delta[k], bk = b[k - 1];
      const g = delta[k - 1];
      const needG = k > 1;
      if (needG) g.fill(0);
      for (let i = 0, off = 0; i < sizes[k]; i++, off += cols) {
        const di = dk[i];
        const s = LR * di;
        if (needG) {
          for (let j = 0; j < cols; j++) {
            const wv = w[off + j];
            g[j] += di * wv;
            w[off + j] = wv - s * prev[j];
          }
        } else {
          for (let j = 0; j < cols; j++) w[off + j] -= s * prev[j];
        }
        bk[i] -= s;
      }
      if (needG) for (let j = 0; j < cols; j++) g[j] *= a[k - 1][j] > 0 ? 1 : ALPHA;
    }
    return loss;
  }
}

/** TensorFlow.js (wasm backend) batch-1 SGD: fused matMul + leaky ReLU forward, manual gradients. */
class Tfjs {
  constructor(sizes, init, inputs, labels) {
    const tf = window.tf;
    this.tf = tf;
    this.n = sizes.length - 1;
    this.W = init.W.map((w, k) => tf.tidy(() => tf.variable(tf.transpose(tf.tensor2d(w, [sizes[k + 1], sizes[k]])))));
    this.b = init.b.map((v) => tf.variable(tf.tensor1d(v)));
    this.xs = inputs.map((x) => tf.tensor2d(x, [1, sizes[0]]));
    this.ys = labels.map((l) => tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([l], 'int32'), sizes[this.n]), 'float32')));
    this.lr = tf.scalar(LR);
  }

  /** One step on pattern i; returns the loss before it when `withLoss` (else null). */
  step(i, withLoss) {
    const tf = this.tf;
    return tf.tidy(() => {
      const hs = [this.xs[i]];
      for (let k = 0; k < this.n; k++) {
        hs.push(tf.fused.matMul({ a: hs[k], b: this.W[k], bias: this.b[k], activation: 'leakyrelu', leakyreluAlpha: ALPHA }));
      }
      const err = tf.sub(hs[this.n], this.ys[i]);
      const loss = withLoss ? 0.5 * tf.sum(tf.square(err)).dataSync()[0] : null;
      let delta = tf.mul(err, tf.step(hs[this.n], ALPHA)); // F'(a) = 1 if a > 0 else alpha (same sign as h)
      for (let k = this.n - 1; k >= 0; k--) {
        const gW = tf.matMul(hs[k], delta, true, false);
        const next = k > 0 ? tf.mul(tf.matMul(delta, this.W[k], false, true), tf.step(hs[k], ALPHA)) : null;
        this.W[k].assign(tf.sub(this.W[k], tf.mul(this.lr, gW)));
        this.b[k].assign(tf.sub(this.b[k], tf.mul(this.lr, tf.reshape(delta, [-1]))));
        delta = next;
      }
      return loss;
    });
  }

  /** Waits for queued work (the wasm backend is synchronous; this is cheap). */
  sync() {
    this.b[this.n - 1].dataSync();
  }
}

/** The median of `v`. */
function median(v) {
  const s = v.slice().sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Calls unit(chunk) (which returns the work done) until SECS have passed; work per second. */
/** Milliseconds of the current measurement spent rebuilding diverged runs ([trainRow]): not work. */
let untimedMs = 0;

function rate(unit, chunk) {
  untimedMs = 0;
  const t0 = performance.now();
  let done = 0;
  for (;;) {
    done += unit(chunk);
    const t = performance.now() - t0;
    if (t >= SECS * 1000) return (done * 1000) / Math.max(t - untimedMs, 1e-6);
  }
}

/** A chunk of about CHUNK_MS, from one timed untimed-for-results call. */
function calibrate(unit) {
  const probe = 2;
  unit(1); // warm-up
  untimedMs = 0;
  const t0 = performance.now();
  unit(probe);
  const per = Math.max((performance.now() - t0 - untimedMs) / probe, 0.001);
  return Math.max(1, Math.min(1 << 20, Math.round(CHUNK_MS / per)));
}

/** The first PEER_PATTERNS training images as [0,1] Float32Arrays, and their labels. */
function peerData(images, labels) {
  const px = LIMITS.input_size, inputs = [], labs = [];
  for (let i = 0; i < PEER_PATTERNS; i++) {
    const x = new Float32Array(px);
    for (let j = 0; j < px; j++) x[j] = images[16 + i * px + j] / 255;
    inputs.push(x);
    labs.push(labels[8 + i]);
  }
  return { inputs, labs };
}


/**
 * A training row, as the native bench's TrainRow: at the catalog's default step some optimizers
 * diverge within a few hundred patterns and the session then stops at every call, so a run that
 * diverges is rebuilt from its initial weights; the rebuild is left out of the rate
 * (`untimedMs`) and counted in `restarts[key]`. A rejected step took its time too: it counts.
 */
function trainRow(rows, restarts, key, make) {
  let s = make();
  restarts[key] = 0;
  rows.push([key, (n) => {
    const st = s.step(n);
    if (st.diverged) {
      const t0 = performance.now();
      s.free();
      s = make();
      restarts[key]++;
      untimedMs += performance.now() - t0;
    }
    return st.steps + (st.diverged ? 1 : 0);
  }, () => s.free()]);
}

/** The rows of one preset: [key, unit(n) -> work done, cleanup]; the restarts of its training rows. */
function rowsFor(preset, data, dense, peers) {
  const sizes = PRESETS[preset];
  if (!sizes) throw new Error(`presets: unknown "${preset}" (expected ${Object.keys(PRESETS).join(', ')})`);
  const rows = [];
  const restarts = {};
  // One row per optimizer of the catalog, keyed like bench.json (`mk-damped` -> `mk_damped`).
  for (const [key, opt] of Object.keys(OPTIMIZERS).map((o) => [o.replace(/-/g, '_'), o])) {
    const config = { sizes, optimizer: opt, step_size: OPTIMIZERS[opt].default_step_size, seed: 0 };
    if (OPTIMIZERS[opt].uses_mu) config.mu = LIMITS.default_mu;
    try {
      trainRow(rows, restarts, key, () => new Session(config, data));
    } catch (e) {
      // The engine refuses newton-pinv and saddle-free above the eigenpair cap (the paper's net): no row.
      if (/^optimizer: (newton-pinv|saddle-free) /.test(e.message)) continue;
      throw e;
    }
  }
  // The same on MNIST without zero pixels: layer 1 must then stream all its weights (roofline's case).
  for (const [key, opt] of [['sgd_dense', 'sgd'], ['mk_dense', 'mk']]) {
    const config = { sizes, optimizer: opt, step_size: OPTIMIZERS[opt].default_step_size, seed: 0 };
    trainRow(rows, restarts, key, () => new Session(config, dense));
  }
  const curvature = new CurvatureBench(Uint32Array.from(sizes), data, 64, 1);
  rows.push(['hvp', (n) => { curvature.hvps(n); return n; }, () => {}]);
  rows.push(['hvp_f64', (n) => { curvature.hvps_f64(n); return n; }, () => {}]);
  const probe = new StreamProbe(4 * paramCount(sizes));
  rows.push(['read_bps', (n) => { probe.read(n); return n * probe.bytes(); }, () => {}]);
  rows.push(['read_write_bps', (n) => { probe.read_write(n); return 2 * n * probe.bytes(); }, () => probe.free()]);
  const init = heInit(sizes, 7);
  const plain = new PlainJs(sizes, init);
  let pi = 0;
  rows.push(['plain_js_sgd', (n) => {
    for (let t = 0; t < n; t++, pi = (pi + 1) % PEER_PATTERNS) plain.step(peers.inputs[pi], peers.labs[pi]);
    return n;
  }, () => {}]);
  const tf = new Tfjs(sizes, init, peers.inputs, peers.labs);
  let ti = 0;
  rows.push(['tfjs_wasm_sgd', (n) => {
    for (let t = 0; t < n; t++, ti = (ti + 1) % PEER_PATTERNS) tf.step(ti, false);
    tf.sync();
    return n;
  }, () => {}]);
  return { sizes, rows, curvature, restarts };
}

/** Both peers from the same weights for 64 patterns: the largest relative loss difference. */
function peersAgree(sizes, peers) {
  const init = heInit(sizes, 11);
  const plain = new PlainJs(sizes, init);
  const tf = new Tfjs(sizes, init, peers.inputs.slice(0, 64), peers.labs.slice(0, 64));
  let worst = 0;
  for (let i = 0; i < 64; i++) {
    const a = plain.step(peers.inputs[i], peers.labs[i]);
    const b = tf.step(i, true);
    worst = Math.max(worst, Math.abs(a - b) / Math.max(Math.abs(a), 1e-12));
  }
  return worst;
}

/** The lower and upper quartiles of `v`. */
function quartiles(v) {
  const s = v.slice().sort((x, y) => x - y);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return [at(0.25), at(0.75)];
}

const OVERHEAD_PAIRS = 20;

/**
 * The instruments' cost in the page: 1 - (patterns/s with the instruments) / (without), for one
 * optimizer. Two sessions from the same seed, one sampling on the page's default schedule
 * (Session.start_instruments; its samples are taken after every call, as the worker does), train
 * through OVERHEAD_PAIRS pairs of adjacent windows (the order alternating), so that load hits both
 * alike; each pair gives one ratio of times per pattern, and the median of the pairs is kept with
 * the quartiles and the extremes. A window is k x every patterns (k for about SECS / 4 of SGD),
 * aligned to the schedule, so every window of the sampling session holds exactly k samples. Its
 * time is corrected to the spectra it should hold: it holds j (counted in its samples), on
 * average patterns / spectrum_every, and (patterns / spectrum_every - j) x spectrumMs is added
 * (on the paper's net a spectrum comes every 524,288 patterns: the windows hold none, and this
 * amortises it as natively does; on 784-64-10 every other window holds one). A pair in which a
 * run diverges is dropped and both sessions are rebuilt from the seed (counted as `restarts`).
 */
function instrumentsOverhead(sizes, data, opt, spectrumMs) {
  const config = { sizes, optimizer: opt, step_size: OPTIMIZERS[opt].default_step_size, seed: 0 };
  let plain = new Session(config, data);
  let instr = new Session(config, data);
  let schedule = instr.start_instruments();
  let diverged = false; // in the current window: its pair is dropped and both sessions rebuilt
  let restarts = 0;
  const step = (s, n) => {
    const st = s.step(n);
    if (st.diverged) diverged = true;
    return st.steps + (st.diverged ? 1 : 0);
  };
  let spectra = 0;
  const units = [
    (n) => step(plain, n),
    (n) => {
      const done = step(instr, n);
      for (const sm of instr.take_instruments()) if (sm.spectrum) spectra += 1;
      return done;
    },
  ];
  const chunk = calibrate(units[0]);
  // Both sessions to the same multiple of `every` (the sampling one has sampled at pattern 0).
  const align = () => { for (const u of units) for (let done = 0; done < schedule.every;) done += u(Math.min(chunk, schedule.every - done)); };
  align();
  // A run that diverged stops at every call (as in `trainRow`): both are rebuilt from the seed,
  // outside the timed windows.
  const rebuild = () => {
    plain.free();
    instr.free();
    plain = new Session(config, data);
    instr = new Session(config, data);
    schedule = instr.start_instruments();
    align();
    diverged = false;
    restarts += 1;
  };
  const t0 = performance.now();
  units[0](chunk);
  const perPlain = (performance.now() - t0) / chunk;
  const k = Math.max(1, Math.round((SECS * 250) / perPlain / schedule.every));
  const patterns = k * schedule.every;
  /** Milliseconds per pattern of one window, corrected to its expected spectra; and its rate. */
  const window = (w) => {
    spectra = 0;
    const t0 = performance.now();
    let done = 0;
    while (done < patterns) {
      const d = units[w](Math.min(chunk, patterns - done));
      if (d === 0) throw new Error(`instruments' cost: ${opt} made no progress`);
      done += d;
      if (diverged) break;
    }
    const t = performance.now() - t0;
    const fix = w === 1 ? (done / schedule.spectrum_every - spectra) * spectrumMs : 0;
    return { per: (t + fix) / done, rate: (done * 1000) / t };
  };
  if (diverged) rebuild();
  const ratios = [], rates = [[], []];
  for (let i = 0; ratios.length < OVERHEAD_PAIRS; i++) {
    const r = {};
    for (const w of i % 2 ? [1, 0] : [0, 1]) r[w] = window(w);
    if (diverged) {
      if (restarts >= OVERHEAD_PAIRS) throw new Error(`instruments' cost: ${opt} diverged in ${restarts + 1} pairs of ${patterns}-pattern windows`);
      rebuild();
      continue;
    }
    for (const w of [0, 1]) rates[w].push(r[w].rate);
    ratios.push(1 - r[0].per / r[1].per);
  }
  plain.free();
  instr.free();
  return {
    restarts,
    overhead: median(ratios),
    quartiles: quartiles(ratios),
    min_max: [Math.min(...ratios), Math.max(...ratios)],
    plain: median(rates[0]),
    instruments: median(rates[1]),
    window_patterns: patterns,
    spectrum_every: schedule.spectrum_every,
  };
}

/** Measures every row of every preset and publishes the results (window.__bench, the table). */
async function main() {
  if (!(SECS > 0 && SECS <= 60)) throw new Error(`secs: must be in (0, 60], got ${query.get('secs')}`);
  if (!(Number.isInteger(REPS) && REPS >= 1 && REPS <= 100)) throw new Error(`reps: must be 1..100, got ${query.get('reps')}`);
  status('Loading wasm, TensorFlow.js and MNIST…');
  await init();
  useCatalog(catalog());
  const tf = window.tf;
  tf.wasm.setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).href);
  if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js: the wasm backend did not initialise');
  await tf.ready();
  const { files } = await fetchDataset(new URL('./data/mnist/', import.meta.url), () => {});
  const data = new Data(files[0], files[1], files[2], files[3]);
  const denseImages = files[0].slice();
  for (let i = 16; i < denseImages.length; i++) if (denseImages[i] === 0) denseImages[i] = 1;
  const dense = new Data(denseImages, files[1], files[2], files[3]);
  const peers = peerData(files[0], files[1]);
  const results = {
    environment: {
      userAgent: navigator.userAgent,
      simd128: simd_enabled(),
      tfjs: tf.version_core,
      tfjsBackend: tf.getBackend(),
      tfjsSimd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
      tfjsThreads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
      secs: SECS,
      reps: REPS,
    },
  };
  for (const preset of RUN_PRESETS) {
    status(`${preset}: setting up…`);
    const { sizes, rows, curvature, restarts } = rowsFor(preset, data, dense, peers);
    const agree = peersAgree(sizes, peers);
    const chunks = rows.map(([, unit]) => calibrate(unit));
    const samples = Object.fromEntries(rows.map(([key]) => [key, []]));
    const spectrumMs = [];
    const spectrumVectorsMs = [];
    for (let rep = 0; rep < REPS; rep++) {
      rows.forEach(([key, unit], i) => {
        status(`${preset}: repetition ${rep + 1}/${REPS}, ${key}…`);
        samples[key].push(rate(unit, chunks[i]));
      });
      const t0 = performance.now();
      curvature.spectrum(0);
      spectrumMs.push(performance.now() - t0);
      const t1 = performance.now();
      curvature.spectrum_vectors(0);
      spectrumVectorsMs.push(performance.now() - t1);
      await new Promise((r) => setTimeout(r, 0)); // let the status paint
    }
    const out = {};
    const minMax = {};
    for (const [key, v] of Object.entries(samples)) {
      out[key] = median(v);
      minMax[key] = [Math.min(...v), Math.max(...v)];
    }
    out.spectrum_ms = median(spectrumMs);
    for (const [key, n] of Object.entries(restarts)) out[`${key}_restarts`] = n;
    // The curvature of the data, once: 1,000 training patterns, top 5 of the plain loss's mean
    // Hessian, no exact spectra (Session.batch_curvature; the page's worker adds yields).
    status(`${preset}: the curvature of the data…`);
    {
      const s = new Session({ sizes, optimizer: 'sgd', step_size: 0.01, seed: 0 }, data);
      const t0 = performance.now();
      const job = s.batch_curvature({ patterns: 1000, subset: 0, top: 5 }, data);
      while (job.advance(1 << 20) !== 'done');
      out.batch_lanczos_ms = performance.now() - t0;
      out.batch_lanczos_hvps_per_s = job.report().hvps / (out.batch_lanczos_ms / 1e3);
      job.free();
      s.free();
    }
    out.spectrum_vectors_ms = median(spectrumVectorsMs);
    for (const [opt, suffix] of [['sgd', ''], ['mk', '_mk']]) {
      status(`${preset}: the instruments' cost, ${opt}…`);
      const o = instrumentsOverhead(sizes, data, opt, out.spectrum_ms);
      out[`instruments_overhead${suffix}`] = o.overhead;
      out[`instruments_overhead${suffix}_quartiles`] = o.quartiles;
      out[`instruments_overhead${suffix}_min_max`] = o.min_max;
      out[`instruments_overhead${suffix}_restarts`] = o.restarts;
      out[`${opt}_instruments_pair_plain`] = o.plain;
      out[`${opt}_instruments`] = o.instruments;
      out.instruments_spectrum_every = o.spectrum_every;
      out[`instruments_window_patterns${suffix}`] = o.window_patterns;
      await new Promise((r) => setTimeout(r, 0));
    }
    out.instruments_pairs = OVERHEAD_PAIRS;
    const bytes = 4 * paramCount(sizes);
    out.roofline_sgd = 1 / (bytes / out.read_bps + (2 * bytes) / out.read_write_bps);
    out.weight_bytes = bytes;
    out.peers_max_rel_loss_diff = agree;
    out.min_max = minMax;
    results[`${preset}.chromium`] = out;
    for (const [, , free] of rows) free();
    curvature.free();
  }
  document.getElementById('table').textContent = JSON.stringify(results, null, 2);
  window.__bench = results;
  status('Done.');
  probe('done', '1');
}

main().catch((e) => {
  status(`Benchmark failed: ${e.message}`);
  window.__benchError = String(e && e.stack || e);
  probe('done', 'error');
});
