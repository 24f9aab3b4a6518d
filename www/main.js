// The page's boot. The engine trains in www/worker.js (www/protocol.js is how the two talk); this
// thread draws. The page by concern: www/training.js (the run, the readouts, model files),
// charts.js (the curves), predict.js (draw and predict), lab.js (the Sifrian lab), form.js and
// settings.js (the setup and the address), experiments.js (the guided experiments), offer.js
// (the autosave), status.js, state.js.

import init, { catalog, simd_enabled } from './pkg/sifrian.js';
import { request, workerReady } from './client.js';
import { scheduleChart, warmChart } from './charts.js';
import { warmInstruments } from './instruments.js';
import { $, nextFrame, nextTask, probe } from './dom.js';
import { buildExperiments } from './experiments.js';
import { fillOptions, formFromSettings, openLink, wireForm } from './form.js';
import { warmFormats } from './format.js';
import { checkAutosave } from './offer.js';
import { buildBars } from './predict.js';
import { useCatalog } from './settings.js';
import { app, applyHash, persist } from './state.js';
import { setStatus } from './status.js';
import { lab, loadData } from './training.js';
import './batchcurvature.js';

/**
 * Starts the page: the engine's catalog, the form from the address, then the data set. Each stage
 * is its own task (`nextTask`), so that none blocks the page for long.
 */
async function boot() {
  try {
    // The main thread's wasm (it draws, and holds the catalog); the worker starts meanwhile.
    await init();
    await nextTask();
    useCatalog(catalog());
  } catch (e) {
    engineFailed(e);
    return;
  }
  await nextTask();
  fillOptions();
  buildExperiments(openLink);
  await nextTask();
  applyHash();
  await nextTask();
  buildBars();
  formFromSettings();
  await nextTask();
  await warmFormats(nextTask);
  await nextTask();
  wireForm();
  persist();
  checkAutosave();
  try {
    await workerReady;
  } catch (e) {
    engineFailed(e);
    return;
  }
  await nextTask();
  app.engineReady = true;
  lab.engineReady();
  $('engine-info').textContent = `Engine: Rust → WebAssembly; training in f32 (fused kernel, SIMD ${simd_enabled() ? 'on' : 'off'}), exact maths in f64; training runs in a worker.`;
  probe('ready', '1');
  loadData(app.settings.dataset);
  // While the worker downloads the data set: the first chart's one-time costs, then the empty chart.
  await warmChart();
  await warmInstruments();
  scheduleChart();
  await layOutLab();
}

/**
 * The lab was left out of the first layouts (www/style.css): its parts are shown one per frame,
 * then the page is marked booted. Together they were one layout of 36-50 ms of thread time.
 */
async function layOutLab() {
  for (const part of document.querySelectorAll('#lab > :not(h2)')) {
    await nextFrame();
    part.classList.add('laid-out');
  }
  await nextFrame();
  document.body.classList.add('booted');
}

/** The engine did not start: the status says so and how to build it. */
function engineFailed(e) {
  setStatus(`The engine could not start: ${e.message || e}. Run “make build” (www/pkg is generated).`, 'error');
}

/**
 * Offline after the first visit: registers sw.js (written by `make build` from www/sw.js). After
 * each data set has loaded, the URLs this page and its worker fetched go to the service worker,
 * which keeps any it does not hold yet (on the first visit it did not control them); its answer
 * is the probe `offline` = "<build> <number of cached responses>". A new build's worker that
 * installs while this page is open takes it over (sw.js), then fills its own cache the same way.
 */
function registerOffline() {
  if (!('serviceWorker' in navigator)) return;
  const sw = navigator.serviceWorker;
  let reg = null; // the registration, once ready
  const send = async () => {
    if (!reg || !document.body.dataset.loaded) return;
    const urls = [location.href, ...performance.getEntriesByType('resource').map((r) => r.name), ...await request('resources')];
    (sw.controller || reg.active).postMessage({ type: 'cache', urls });
  };
  sw.addEventListener('message', (e) => { if (e.data && e.data.type === 'cached') probe('offline', `${e.data.build} ${e.data.cached}`); });
  // Each data set loaded, and each new build's worker taking over (it starts with an empty cache).
  // Both listeners come before the registration: a new build's worker may take over first.
  new MutationObserver(() => send().catch(() => {})).observe(document.body, { attributes: true, attributeFilter: ['data-loaded'] });
  sw.addEventListener('controllerchange', () => send().catch(() => {}));
  sw.register('sw.js').then((r) => {
    // A new build's worker that waits is asked to take over (sw.js says why), every 2 s while it
    // still waits, at most 30 times; the probe `swNudges` counts the requests.
    let nudges = 0;
    const nudge = () => {
      if (!r.waiting || nudges >= 30) return;
      r.waiting.postMessage({ type: 'skip-waiting' });
      probe('swNudges', ++nudges);
      setTimeout(nudge, 2000);
    };
    r.addEventListener('updatefound', () => {
      const w = r.installing;
      if (w) w.addEventListener('statechange', () => { if (w.state === 'installed') nudge(); });
    });
    nudge();
    return sw.ready;
  }).then((r) => {
    reg = r;
    send().catch(() => {});
  }, () => { /* no service worker (file:, private mode): the page works online as before */ });
}

boot();
registerOffline();
