// The protocol between the page (www/main.js and the modules it boots) and the training worker
// (www/worker.js), written down once and used by both sides.
//
// The page calls `request(type, payload)`; every call carries an id and gets exactly one reply
// with that id, `{id, result}` or `{id, error: {message, where}}` (`where` is the request's type),
// which settles the call's promise (an error rejects it with a JS `Error` carrying `where`).
// Besides replies the worker sends events nobody asked for: `{event, data}`.
// Message shapes (the `type` of a request, the `event` of an event) are the typedefs below.

// ---------- requests (page -> worker) and their results ----------

/**
 * @typedef {{id: 'r0' | 'r1', label: string, config: RunConfig}} RunSpec  one run of a configuration (r1: a race's MK side)
 * @typedef {{sizes: number[], alpha: number, seed: number, optimizer: string, step_size: number,
 *   lambda: string | number[], white: boolean, mu?: number}} RunConfig  `new Session(config)` (src/wasm/request.rs)
 * @typedef {{id: string, samples: number, hash: string}} RunState  a run's pattern count and parameters' hash
 */

/**
 * The requests, by type: `[payload, result]`.
 * @typedef {{
 *   start: [{}, null],                                  wasm initialised (rejects if it cannot start), and the page's
 *                                                       chart-drawing code compiled first (www/worker.js warmDrawingCode)
 *   load: [{dataset: 'mnist' | 'fashion'}, Loaded | null],  null: a later load superseded it
 *   configure: [{runners: {id: string, config: RunConfig}[], valEvery: number}, {runners: RunState[]}],
 *                                                       rejects with the engine's Error, e.g. "optimizer: saddle-free
 *                                                       solves for the eigenpairs of ... order 2S - s_n = 1610 ...;
 *                                                       at most 512 ..." (newton-pinv, saddle-free above the cap)
 *   setValEvery: [{every: number}, null],
 *   play: [{}, null], pause: [{}, null], step: [{n: number}, null], validateFull: [{}, null],
 *   setStepSize: [{id: string, stepSize: number}, null],
 *   setSpeed: [{speed: number}, null],                  patterns per second per run while playing (0: full speed)
 *   predict: [{pixels: Float32Array}, {probs: Probs, readings: Object<string, Reading>}],
 *   teach: [{pixels: Float32Array, label: number}, {results: Object<string, {loss: number, diverged: boolean}>, probs: Probs, readings: Object<string, Reading>}],
 *   sample: [{index: number}, {label: number, pixels: number[]}],
 *   lab: [{run: string, request: Object}, LabReply],  (request: src/wasm/request.rs LabRequest, {layer, pattern, lambda?, plain_loss?, mu?, step_size?}; plain_loss: true is every hidden λ 0, λ_n 1)
 *   batchCurvature: [{run: string, request: CurvatureRequest}, CurvatureReply],  the curvature of the data (www/batchcurvature.js)
 *   batchCurvatureCancel: [{}, null],                   the running batchCurvature replies {cancelled: true} at its next yield
 *   export: [{id: string}, {id: string, samples: number, bytes: Uint8Array, hash: string}],
 *   import: [{id: string, bytes: Uint8Array, samples?: number}, Imported],
 *   restore: [{runs: {id: string, samples: number}[]}, {runs: Imported[]}],
 *   autosave: [{enabled?: false}, null],
 *   stepOne: [{}, {steps: Object<string, OneStep>}],
 *   gallery: [{id: string, true: number, pred: number, limit: number}, Gallery],
 *   resources: [{}, string[]],                          the URLs the worker fetched (for the service worker's cache)
 * }} Requests
 * @typedef {{dataset: string, trainLen: number, testLen: number, downloaded: number, ms: number}} Loaded
 * @typedef {Object<string, number[]>} Probs  class probabilities by run id
 * @typedef {{run: string, cached: boolean, ms: number, samples: number, report: Object}} LabReply  `Session.lab`'s report, from the cache or not
 * @typedef {{patterns?: number, subset?: number, top?: number, seed?: number, max_steps?: number, tol?: number,
 *   hessian?: 'plain' | 'j_r'}} CurvatureRequest  `Session.batch_curvature` (src/wasm/request.rs `BatchCurvatureJs`)
 * @typedef {{cancelled: boolean, run: string, samples?: number, report?: Object, ms?: number, lanczosMs?: number}} CurvatureReply
 *   the report (src/lab/batch_curvature.rs `BatchCurvatureReport`), the worker's wall time to the end and to the eigenvalues
 * @typedef {{id: string, samples: number, hash: string}} Imported  the run's pattern count and hash after the import
 * @typedef {{outputs: number[], probabilities: number[], softmax: number[], hidden: number[][], hidden_max: number[]}} Reading
 *   `Session.read` (src/train/stats.rs): the outputs, both probability readings and the hidden states
 * @typedef {{stats: Object, index: number, label: number, pixels: number[], predicted_before: number,
 *   predicted_after: number, cost_before: number, cost_after: number, samples: number}} OneStep  `Session.step_explained`
 *   and the run's pattern count after it
 * @typedef {{id: string, true: number, pred: number, total: number,
 *   images: {index: number, label: number, pred: number, pixels: number[]}[]}} Gallery  misclassified test images of one cell
 */

// ---------- events (worker -> page, unsolicited) ----------

/**
 * The events, by name: their data.
 * @typedef {{
 *   progress: {phase: 'download' | 'decode', loaded: number, total: number},
 *   stats: {running: boolean, memory: number | null, runners: RunStats[]},
 *   point: {id: string, point: CurvePoint},
 *   validation: {id: string, samples: number, kind: 'budget' | 'full', count: number, accuracy: number},
 *   state: {running: boolean},
 *   diverged: {id: string, samples: number, stepSize: number, report: Divergence | null},  that run paused (a race's other side goes on)
 *   autosaved: {meta: AutosaveMeta, exportMs: number, writeMs: number},
 *   autosaveFailed: {message: string},
 *   trainingFailed: {message: string},
 *   confusion: {id: string, samples: number, counts: number[], count: number, correct: number},
 *   firstLayer: {id: string, samples: number, units: number, inputs: number, weights: number[], max_abs: number[]},
 *   instruments: {id: string, samples: InstrumentSample[]},  run id's samples since its last event, oldest first
 *   batchCurvature: {run: string, report: Object, ms: number},  a running batchCurvature's report so far
 * }} Events
 * @typedef {{samples: number, pattern: number, loss: number, curvature: number, edge: number,
 *   lambda: number[], leaky_share: number[], penalty: number[], error: number[],
 *   spectrum: {radius: number, positive: number, negative: number, zero: number} | null}} InstrumentSample
 *   curvature over training, sampled before the step on pattern `pattern` (src/train/instruments.rs):
 *   g'H0g/|g|^2, 2/step, the policy's lambda_0..n, the leaky share per layer 1..n, |lambda_k x_k| and
 *   the back-propagated error per hidden layer, the exact spectrum's radius and inertia (on its schedule)
 * @typedef {{id: string, samples: number, epoch: number, cost: number | null, accuracy: number | null,
 *   throughput: number | null, lambda: number[] | null}} RunStats  cost and accuracy over about the last 1,000 patterns
 * @typedef {{cause: 'cost' | 'non_finite', samples: number, cost: number, bound: number, pattern: number,
 *   label: number, cost_before: number, step_size: number, lambda: number[], leaky_share: number[],
 *   step_norm: number | null, param_norm: number, cost_unchanged: number, safe_step: number | null,
 *   safe_cost: number | null, retried: number}} Divergence  why a run was paused (src/train/divergence.rs)
 * @typedef {{samples: number, seconds: number, cost: number, train_accuracy: number, validation_accuracy: number | null}} CurvePoint
 * @typedef {{version: 1, dataset: string, savedAt: number, reason: string,
 *   runs: {id: string, config: RunConfig, samples: number, hash: string, bytes: number}[]}} AutosaveMeta
 */

/** The request types and event names (a message of another type is an error on arrival). */
export const REQUESTS = ['start', 'load', 'configure', 'setValEvery', 'play', 'pause', 'step', 'validateFull',
  'setStepSize', 'setSpeed', 'predict', 'teach', 'sample', 'lab', 'export', 'import', 'restore', 'autosave',
  'stepOne', 'gallery', 'resources', 'batchCurvature', 'batchCurvatureCancel'];
export const EVENTS = ['progress', 'stats', 'point', 'validation', 'state', 'diverged', 'autosaved',
  'autosaveFailed', 'trainingFailed', 'confusion', 'firstLayer', 'instruments', 'batchCurvature'];

/** The message of anything thrown. */
export const messageOf = (e) => (e && e.message) || String(e);

/**
 * The page's side over a Worker: `request(type, payload, transfer)` -> Promise of the result;
 * `on(event, fn)` registers the handler of an event.
 */
export function createClient(worker) {
  let nextId = 0;
  const pending = new Map();
  const handlers = {};
  worker.addEventListener('message', (e) => {
    const msg = e.data;
    if (msg.event !== undefined) {
      const h = handlers[msg.event];
      if (!h) throw new Error(`worker event ${msg.event}: no handler`);
      h(msg.data);
      return;
    }
    const call = pending.get(msg.id);
    if (!call) return;
    pending.delete(msg.id);
    if (msg.error) call.reject(Object.assign(new Error(msg.error.message), { where: msg.error.where }));
    else call.resolve(msg.result);
  });
  return {
    /** @template {keyof Requests} T @param {T} type @returns {Promise<Requests[T][1]>} */
    request(type, payload = {}, transfer = []) {
      if (!REQUESTS.includes(type)) return Promise.reject(new Error(`unknown request ${type}`));
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, type, payload }, transfer);
      });
    },
    /** @template {keyof Events} E @param {E} event @param {(data: Events[E]) => void} fn */
    on(event, fn) {
      if (!EVENTS.includes(event)) throw new Error(`unknown event ${event}`);
      handlers[event] = fn;
    },
  };
}

/**
 * The worker's side: answers every request with `handlers[type](payload)` (a value, a promise, or
 * a `reply(...)` that moves buffers or sends events after the reply), after `ready` resolves; an
 * exception is the error reply. Returns `emit(event, data, transfer)` for the events.
 */
export function serve(scope, handlers, ready) {
  const post = (msg, transfer) => scope.postMessage(msg, transfer || []);
  scope.onmessage = async (e) => {
    const { id, type, payload } = e.data;
    let out;
    try {
      await ready;
      const h = REQUESTS.includes(type) && handlers[type];
      if (!h) throw new Error(`unknown request ${type}`);
      out = await h(payload);
    } catch (err) {
      post({ id, error: { message: messageOf(err), where: type } });
      return;
    }
    if (!(out instanceof Reply)) out = new Reply(out ?? null, {});
    post({ id, result: out.value }, out.transfer);
    out.after();
  };
  return (event, data, transfer) => {
    if (!EVENTS.includes(event)) throw new Error(`unknown event ${event}`);
    post({ event, data }, transfer);
  };
}

class Reply {
  constructor(value, { transfer = [], after = () => {} }) {
    this.value = value;
    this.transfer = transfer;
    this.after = after;
  }
}

/** A result whose `transfer` buffers move to the page, and `after()` runs once it is posted. */
export const reply = (value, options) => new Reply(value, options);
