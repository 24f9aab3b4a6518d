// The page's client of the training worker (www/worker.js) over www/protocol.js: `request(type,
// payload)` and `on(event, fn)`, and `workerReady`, settled when the worker's wasm has started.

import { createClient } from './protocol.js';
import { setStatus } from './status.js';

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const client = createClient(worker);

/** Sends request `type` (www/protocol.js) to the worker: a promise of its result. */
export const request = client.request;
/** Registers the handler of a worker event. */
export const on = client.on;

/** Resolves once the worker's wasm is ready; rejects with the reason it could not start. */
export const workerReady = new Promise((resolve, reject) => {
  worker.onerror = (e) => {
    const err = new Error(`The training worker failed: ${e.message || 'could not start (module workers need a current browser)'}`);
    reject(err);
    setStatus(err.message, 'error');
  };
  request('start').then(resolve, reject);
});
