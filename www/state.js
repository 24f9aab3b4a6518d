// The page's state, one object shared by its modules (the worker holds the runs themselves), and
// what follows from the settings: the run specs and their labels, the address and localStorage.

import { OPTIMIZERS, loadSettings, saveSettings, toHash, sizesOf, lambdaOf } from './settings.js';
import { setNotice } from './status.js';

export const app = {
  settings: null, // the page's settings (www/settings.js), replaced by the address or a restore
  specs: [], // the runs of the current configuration: {id, label, config} (r1: a race's MK side)
  configured: false, // the worker holds a run of `specs`
  running: false, // it trains
  dataLoaded: null, // the name of the loaded data set
  testLen: 0, // its number of test images
  dataLoading: null, // the name of the data set on its way
  latest: {}, // run id -> the worker's last stats of it
  validation: {}, // run id -> {accuracy, count, samples, kind} of its last validation
  engineReady: false, // the main thread's wasm can draw
  pendingImport: null, // imported once the run is configured: {name, bytes} or {restore: meta}
  hasDrawing: false, // the draw pad holds an input
  view: { hide: new Set(), exp: null }, // what the address says besides the settings (www/settings.js loadSettings)
  invalid: new Map(), // field element -> the setting it edits, for each field holding a rejected value (www/form.js)
};

let lastHash = '';

/** "SGD step 0.01", "MK damped μ=1 step 0.03": a run's label. */
export function labelFor(opt, stepSize, mu) {
  const o = OPTIMIZERS[opt];
  return `${o.short}${o.uses_mu ? ` μ=${mu}` : ''} step ${stepSize}`;
}

/** The runs settings `s` describe (a race: SGD as r0, the chosen method as r1); throws naming a bad value. */
export function buildSpecs(s) {
  const sizes = sizesOf(s);
  const lambda = lambdaOf(s, sizes);
  const cfg = (opt, stepSize) => {
    const c = { sizes, alpha: s.alpha, seed: s.seed, optimizer: opt, step_size: stepSize, lambda, white: s.white };
    if (OPTIMIZERS[opt].uses_mu) c.mu = s.mu;
    return c;
  };
  const spec = (id, opt, stepSize) => ({ id, label: labelFor(opt, stepSize, s.mu), config: cfg(opt, stepSize) });
  return s.race ? [spec('r0', 'sgd', s.sgdStepSize), spec('r1', s.optimizer, s.stepSize)] : [spec('r0', s.optimizer, s.stepSize)];
}

/** Writes the settings to localStorage and to the address (without a history entry). */
export function persist() {
  saveSettings(app.settings, localStorage);
  lastHash = toHash(app.settings, app.view);
  if (location.hash !== lastHash) history.replaceState(null, '', lastHash);
}

/** Whether the address is the one the page wrote last (a hashchange of our own). */
export const isOwnHash = () => location.hash === lastHash;

/**
 * The settings from the address (replacing the old ones wholly), or from localStorage when the
 * address names none and `storage` is true; what the address gets wrong is said in the notice.
 */
export function applyHash({ storage = true } = {}) {
  const { settings: s, problems, view } = loadSettings(location.hash, storage ? localStorage : null);
  app.settings = s;
  app.view = view;
  if (s.race && s.optimizer === 'sgd') s.race = false;
  setNotice(problems.length ? `Ignored in the address: ${problems.join('; ')}. Defaults kept for those.` : '');
}
