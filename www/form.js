// The setup form and the settings it edits: the option lists from the engine's catalog, the
// fields from the settings and back, and what a change does (a new run, a new data set, a new
// step size from the next pattern, or only a new address). A rejected value stays in its field,
// named beside it with the valid range, and holds training back until fixed. Also the race
// button, the x axis, the validation interval, loading a model file, the address (edited by the
// reader or opened as a link: its settings replace the old ones) and the controls it hides.

import { model_sizes } from './pkg/sifrian.js';
import { request } from './client.js';
import { showStory } from './experiments.js';
import { setButtons, failed } from './buttons.js';
import { showXAxis } from './charts.js';
import { $, option } from './dom.js';
import { pad, relabelBars } from './predict.js';
import { DATASET_INFO, OPTIMIZERS, PRESETS, hintOf, lambdaOf, parseField, parseSizes, presetOf, sizesOf } from './settings.js';
import { app, applyHash, isOwnHash, labelFor, persist } from './state.js';
import { sentence, setNotice, setStatus } from './status.js';
import { importModel, loadData, onRefused, reconfigure, showRunners } from './training.js';

const ui = {
  dataset: $('dataset'), arch: $('architecture'), sizes: $('sizes'), customRow: $('custom-row'),
  alpha: $('alpha'), seed: $('seed'), optimizer: $('optimizer'), optimizerNote: $('optimizer-note'), stepSize: $('step-size'),
  stepSizeLabel: $('step-size-label'), mu: $('mu'), muRow: $('mu-row'), mkOptions: $('mk-options'), lambda: $('lambda'),
  lambdaRow: $('lambda-row'), lambdaList: $('lambda-list'), white: $('white'),
  raceSgdRow: $('race-sgd-row'), sgdStepSize: $('sgd-step-size'), race: $('race'), xAxis: $('x-axis'),
  valEvery: $('val-every'), load: $('load-model'),
};
// The number fields: element -> [setting, name in the messages].
const NUMBER_FIELDS = new Map([
  [ui.alpha, ['alpha', 'Leak slope α']], [ui.seed, ['seed', 'Seed']], [ui.stepSize, ['stepSize', 'Step size']],
  [ui.sgdStepSize, ['sgdStepSize', 'SGD step size']], [ui.mu, ['mu', 'Damping μ']],
]);
// The message element beside each checked field (its id + "-error").
const errorOf = (el) => $(`${el.id}-error`);

const PRESET_NOTES = { small: ' (fast)', paper: ' (the paper\'s)' };
const OPTIMIZER_SUFFIX = { 'mk-unreg': ' (not the paper\'s formula)' };
const OPTIMIZER_NOTES = {
  sgd: 'Plain stochastic gradient descent, one image per step.',
  mk: 'Eq. 40 as printed (μ = 0): each layer\'s gradient rescaled in closed form. In the README\'s runs it stays far behind SGD and its cost can blow up.',
  'mk-damped': 'Eq. 42 with damping μ > 0: accepts larger step sizes than MK as printed, but in the README\'s runs it stays far behind SGD and can fall back after the first epoch.',
  'mk-unreg': 'Not the paper\'s formula: rescales the plain cost\'s gradient (this project\'s variant).',
  newton: 'For teaching: a closed-form solution of the per-image Newton system (Eq. 35, sign corrected); a descent direction on its image, but constant step sizes overshoot.',
  'newton-pinv': 'The minimum-norm Newton step H⁺∇J_R over the nonzero spectrum of each image\'s exact Hessian (from its eigenpairs, in f64): only for networks whose reduced order 2S − s_n is at most the engine\'s cap.',
  'saddle-free': 'Saddle-free Newton |H|⁺∇J_R: every curvature of each image\'s exact Hessian counted positive (from its eigenpairs, in f64): only for networks whose reduced order 2S − s_n is at most the engine\'s cap.',
};
/** Whether a lambda setting is a fixed list (not a policy). */
const isFixed = (lambda) => lambda !== 'eq65' && lambda !== 'eq65+eq68';

/** The preset and optimizer menus, from the engine's catalog (www/settings.js `useCatalog`). */
export function fillOptions() {
  ui.dataset.replaceChildren(...DATASET_INFO.map((d) => option(d.name, `${d.label} (${d.about})`)));
  const custom = ui.arch.querySelector('option[value="custom"]');
  ui.arch.replaceChildren(...Object.entries(PRESETS).map(([name, sizes]) => option(name, `${name}: ${sizes.join('-')}${PRESET_NOTES[name] || ''}`)), custom);
  ui.optimizer.replaceChildren(...Object.values(OPTIMIZERS).map((o) => option(o.name, `${o.label}${OPTIMIZER_SUFFIX[o.name] || ''}`)));
}

/** Shows the fields the settings use (mu, MK's options, the race's SGD step size, custom sizes). */
function showOptimizerFields() {
  const { settings } = app;
  const opt = settings.optimizer;
  ui.muRow.hidden = !OPTIMIZERS[opt].uses_mu;
  ui.mkOptions.hidden = opt === 'sgd' && !settings.race;
  ui.optimizerNote.textContent = OPTIMIZER_NOTES[opt];
  ui.stepSizeLabel.textContent = settings.race ? `Step size of ${OPTIMIZERS[opt].short}` : 'Step size';
  ui.raceSgdRow.hidden = !settings.race;
  ui.customRow.hidden = settings.arch !== 'custom';
  ui.lambdaRow.hidden = !isFixed(settings.lambda);
  // A rejected value in a field that is now hidden no longer holds training back: the field
  // shows the setting again.
  for (const [el, key] of app.invalid) {
    if (el.closest('[hidden]')) { el.value = key === 'lambda' ? '' : String(app.settings[key]); markField(el, key, ''); }
  }
}

let rejectionShown = false; // the notice says a field's value was rejected

/**
 * Field `el` (editing setting `key`) holds a rejected value when `message` is not empty: the
 * message beside it, aria-invalid, and Play, One step and Race off until every field is valid (so
 * that no run trains a network the form no longer shows). An empty message clears it.
 */
function markField(el, key, message) {
  el.setAttribute('aria-invalid', String(!!message));
  errorOf(el).textContent = message;
  if (message) app.invalid.set(el, key);
  else app.invalid.delete(el);
  if (!message && app.invalid.size === 0 && rejectionShown) { rejectionShown = false; setNotice(''); }
  setButtons();
  if (message && app.running) request('pause').catch(failed('pause'));
}

/** Every field from the settings (after the address or a restore changed them). */
export function formFromSettings() {
  const { settings } = app;
  ui.dataset.value = settings.dataset;
  ui.arch.value = settings.arch;
  ui.sizes.value = settings.arch === 'custom' ? settings.sizes : sizesOf(settings).join(',');
  ui.alpha.value = String(settings.alpha);
  ui.seed.value = String(settings.seed);
  ui.optimizer.value = settings.optimizer;
  ui.stepSize.value = String(settings.stepSize);
  ui.sgdStepSize.value = String(settings.sgdStepSize);
  ui.mu.value = String(settings.mu);
  const fixed = isFixed(settings.lambda);
  ui.lambda.value = fixed ? 'fixed' : settings.lambda;
  if (fixed) ui.lambdaList.value = settings.lambda;
  ui.white.checked = settings.white;
  ui.xAxis.value = settings.xAxis;
  ui.valEvery.value = String(settings.valEvery);
  for (const el of [ui.sizes, ui.lambdaList, ui.optimizer, ...NUMBER_FIELDS.keys()]) {
    el.removeAttribute('aria-invalid');
    errorOf(el).textContent = '';
  }
  app.invalid.clear();
  showOptimizerFields();
  showView();
  setButtons();
}

/** Hides what the address's `<name>_hide=true` names (elements marked `data-control="<name>"`). */
function showView() {
  // getAttribute, not dataset: the form's `dataset` is its control named so.
  for (const el of document.querySelectorAll('[data-control]')) el.classList.toggle('embed-hidden', app.view.hide.has(el.getAttribute('data-control')));
  document.body.classList.toggle('embed', app.view.hide.size > 0);
  showStory(app.view.exp);
}

/** Field `el` rejected a value: the message beside it (with the valid range) and in the status line. */
function reject(el, key, what, message) {
  markField(el, key, message);
  // In the notice: a status sentence that arrives later (a validation) does not hide it.
  setNotice(`${what}: ${message} Play, One step and Race wait until it is fixed.`);
  rejectionShown = true;
}

/** Reads number field `el` through its setting's parser; returns undefined (field marked) when rejected. */
function readNumber(el) {
  const [key, what] = NUMBER_FIELDS.get(el);
  const v = parseField(key, el.value);
  if (v === undefined) reject(el, key, what, `“${el.value}” is not valid: ${hintOf(key)}.`);
  else markField(el, key, '');
  return v;
}

/** A setting changed: a new run if `structural`, else only the address (the reader's own settings, no experiment's). */
function changed(structural) {
  setNotice('');
  app.view.exp = null;
  showStory(null);
  showOptimizerFields();
  if (structural) {
    // The engine checks the method against the network again for the new run.
    if (app.invalid.has(ui.optimizer)) markField(ui.optimizer, 'optimizer', '');
    reconfigure();
  } else persist();
}

/**
 * The engine refused the run for its method on this network (newton-pinv, saddle-free above the
 * eigenpair cap, the error naming the order and the cap): the message beside the method.
 */
function refusedMethod(e) {
  const m = /^optimizer: (.*)$/s.exec(e.message || '');
  if (m) reject(ui.optimizer, 'optimizer', 'Method', `${sentence(m[1])} Choose a smaller network or another method.`);
  return !!m;
}

/** Number field `el` sets its setting and starts a new run when its value is valid. */
function onNumber(el) {
  el.addEventListener('change', () => {
    const v = readNumber(el);
    if (v !== undefined) { app.settings[NUMBER_FIELDS.get(el)[0]] = v; changed(true); }
  });
}

/** The data set (a download) and the network: layer sizes, leak slope, seed. */
function wireNetwork() {
  ui.dataset.addEventListener('change', () => {
    app.settings.dataset = ui.dataset.value;
    app.view.exp = null;
    showStory(null);
    persist();
    relabelBars();
    pad.clear();
    loadData(app.settings.dataset);
  });
  ui.arch.addEventListener('change', () => {
    app.settings.arch = ui.arch.value;
    if (app.settings.arch === 'custom') {
      ui.sizes.value = app.settings.sizes;
      ui.customRow.hidden = false;
      ui.sizes.focus();
    }
    changed(true);
  });
  ui.sizes.addEventListener('change', () => {
    let sizes;
    try {
      sizes = parseSizes(ui.sizes.value);
    } catch (e) {
      reject(ui.sizes, 'sizes', 'Custom sizes', `${sentence(e.message)} Valid: ${hintOf('sizes')}.`);
      return;
    }
    markField(ui.sizes, 'sizes', '');
    app.settings.sizes = sizes.join(',');
    changed(true);
  });
  onNumber(ui.alpha);
  onNumber(ui.seed);
}

/** The method (its default step size comes with it), the race button and the damping mu. */
function wireOptimizer() {
  ui.optimizer.addEventListener('change', () => {
    const s = app.settings;
    s.optimizer = ui.optimizer.value;
    s.stepSize = OPTIMIZERS[s.optimizer].default_step_size;
    ui.stepSize.value = String(s.stepSize);
    markField(ui.stepSize, 'stepSize', '');
    if (s.race && s.optimizer === 'sgd') {
      s.race = false;
      changed(true);
      setNotice('Race off: it needs an MK variant (or Newton) against SGD.');
      return;
    }
    changed(true);
  });
  ui.race.addEventListener('click', () => {
    const s = app.settings;
    s.race = !s.race;
    const switched = s.race && s.optimizer === 'sgd';
    if (switched) {
      s.optimizer = 'mk-damped';
      s.stepSize = OPTIMIZERS['mk-damped'].default_step_size;
    }
    formFromSettings();
    changed(true);
    if (switched) setNotice('Race: SGD against damped MK (choose another variant under Method).');
  });
  onNumber(ui.mu);
}

/** The step sizes: they apply to the running run from its next pattern (no new run). */
function wireStepSizes() {
  const live = (el, key, target) => {
    el.addEventListener('change', () => {
      const v = readNumber(el);
      if (v === undefined) return;
      app.settings[key] = v;
      changed(false);
      const id = target();
      const spec = app.specs.find((s) => s.id === id);
      if (spec && app.configured) {
        spec.config = { ...spec.config, step_size: v };
        spec.label = labelFor(spec.config.optimizer, v, app.settings.mu);
        request('setStepSize', { id, stepSize: v }).catch(failed('setStepSize'));
        showRunners();
        setStatus(`${spec.label}: the new step size applies from the next pattern.`, 'ok');
      }
    });
  };
  live(ui.stepSize, 'stepSize', () => (app.settings.race ? 'r1' : 'r0'));
  live(ui.sgdStepSize, 'sgdStepSize', () => 'r0');
}

/** The lambda policy: Eq. 65 (with Eq. 68 for the output layer) or a fixed list, and the white layer. */
function wireLambda() {
  ui.lambda.addEventListener('change', () => {
    if (ui.lambda.value === 'fixed') {
      if (!ui.lambdaList.value) {
        const from = Object.values(app.latest).find((s) => Array.isArray(s.lambda) && s.lambda.length);
        ui.lambdaList.value = from ? from.lambda.map((x) => Number(x.toPrecision(3))).join(',') : sizesOf(app.settings).map(() => 1).join(',');
      }
      app.settings.lambda = ui.lambdaList.value;
      ui.lambdaRow.hidden = false;
    } else {
      app.settings.lambda = ui.lambda.value;
    }
    changed(true);
  });
  ui.lambdaList.addEventListener('change', () => {
    const text = ui.lambdaList.value.replace(/\s+/g, '');
    let err = '';
    if (!text.split(',').every((x) => x !== '' && Number.isFinite(Number(x)) && Number(x) >= 0)) err = 'numbers ≥ 0, comma-separated';
    else {
      try { lambdaOf({ lambda: text }, sizesOf(app.settings)); } catch (e) { err = e.message; }
    }
    if (err) { reject(ui.lambdaList, 'lambda', 'λ list', sentence(err)); return; }
    markField(ui.lambdaList, 'lambda', '');
    app.settings.lambda = text;
    changed(true);
  });
  ui.white.addEventListener('change', () => { app.settings.white = ui.white.checked; changed(true); });
}

/** The chart's x axis and the validation interval (neither starts a new run). */
function wireView() {
  ui.xAxis.addEventListener('change', () => {
    app.settings.xAxis = ui.xAxis.value;
    persist();
    showXAxis();
  });
  ui.valEvery.addEventListener('change', () => {
    app.settings.valEvery = Number(ui.valEvery.value);
    persist();
    if (app.configured) request('setValEvery', { every: app.settings.valEvery }).catch(failed('setValEvery'));
  });
}

/** A model file: into the run, after switching to the file's layer sizes when they differ. */
function wireModelFile() {
  ui.load.addEventListener('change', async () => {
    const file = ui.load.files && ui.load.files[0];
    ui.load.value = '';
    if (!file) return;
    if (!app.configured) { setStatus('Wait for the data set before loading a model.', 'notice'); return; }
    const bytes = new Uint8Array(await file.arrayBuffer());
    let sizes;
    try {
      sizes = Array.from(model_sizes(bytes));
    } catch (e) {
      setStatus(`Could not load ${file.name}: ${e.message || e}`, 'error');
      return;
    }
    if (sizes.join(',') !== sizesOf(app.settings).join(',')) {
      // Switch the network to the file's layer sizes first, then load into the new run.
      const preset = presetOf(sizes);
      app.settings.arch = preset || 'custom';
      if (!preset) app.settings.sizes = sizes.join(',');
      formFromSettings();
      app.pendingImport = { name: file.name, bytes };
      setNotice(`Layer sizes set to ${sizes.join('-')} from ${file.name}.`);
      reconfigure();
      return;
    }
    importModel(file.name, bytes);
  });
}

/** Every control of the form, and the reader editing the address. */
export function wireForm() {
  onRefused(refusedMethod);
  wireNetwork();
  wireOptimizer();
  wireStepSizes();
  wireLambda();
  wireView();
  wireModelFile();
  // The reader edited the address, or followed a link within the page: its settings replace
  // the old ones wholly (what it does not name takes its default).
  window.addEventListener('hashchange', () => { if (!isOwnHash()) openAddress(); });
}

/** The settings of the current address, wholly (no autosaved ones), then a new run. */
function openAddress() {
  const before = app.dataLoaded || app.dataLoading;
  applyHash({ storage: false });
  formFromSettings();
  relabelBars();
  if (app.settings.dataset !== before) { pad.clear(); persist(); loadData(app.settings.dataset); } else reconfigure();
}

/** Opens address `hash` (a new history entry) as a link would: every setting from it. */
export function openLink(hash) {
  history.pushState(null, '', hash);
  openAddress();
}
