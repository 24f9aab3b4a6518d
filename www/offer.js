// The autosave as the page shows it: the line saying what the worker last saved (www/autosave.js
// writes it), and at start the offer of an earlier visit's model (www/store.js), restored with
// its settings or discarded. This thread reads only the small summary, never the model's bytes.

import { on, request } from './client.js';
import { failed } from './buttons.js';
import { $, probe } from './dom.js';
import { clock, fmtCount } from './format.js';
import { formFromSettings } from './form.js';
import { pad, relabelBars } from './predict.js';
import { DATASETS, OPTIMIZERS, loadSettings, presetOf, toHash } from './settings.js';
import { app, labelFor, persist } from './state.js';
import { addNotice, setNotice, setStatus } from './status.js';
import { autosaveOpener, clearAutosave, readAutosaveMeta } from './store.js';
import { loadData, reconfigure } from './training.js';

const ui = {
  offer: $('autosave-offer'), text: $('autosave-offer-text'), restore: $('autosave-restore'),
  discard: $('autosave-discard'), status: $('autosave-status'),
};
const db = autosaveOpener();
let offered = null; // the summary on offer (from an earlier visit), until restored or discarded
let problem = false; // an autosave failure was reported in the status line

/** Autosave cannot work here: said once in the status line; the page goes on without it. */
function autosaveOff(text) {
  ui.status.textContent = text;
  ui.status.dataset.state = 'off';
  if (problem) return;
  problem = true;
  addNotice(text);
}

/** A summary as this page wrote it, or null (it comes from storage: checked before anything is shown). */
function validSummary(m) {
  if (!m || typeof m !== 'object' || !Array.isArray(m.runs)) return null;
  // Summaries saved before the step size was called `step_size` called it `step`.
  const runs = m.runs.map((r) => (r && r.config && r.config.step_size === undefined
    ? { ...r, config: { ...r.config, step_size: r.config.step } } : r));
  const ok = m.version === 1 && Object.hasOwn(DATASETS, m.dataset)
    && Number.isFinite(m.savedAt) && runs.length >= 1 && runs.length <= 2
    && runs.every((r, i) => !!r && r.id === `r${i}` && Number.isSafeInteger(r.samples) && r.samples >= 0
      && !!r.config && Array.isArray(r.config.sizes) && Object.hasOwn(OPTIMIZERS, r.config.optimizer)
      && Number.isFinite(r.config.step_size));
  return ok ? { ...m, runs } : null;
}

/** The page settings of a saved run, validated like the URL's; throws naming what is wrong. */
function settingsFromAutosave(meta) {
  const { settings } = app;
  const first = meta.runs[0].config;
  const other = meta.runs[1] ? meta.runs[1].config : null; // a race: r0 is SGD, r1 the MK variant
  const shown = other || first;
  const sizes = first.sizes.map(Number);
  const preset = presetOf(sizes);
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
    stepSize: shown.step_size,
    mu: shown.mu ?? settings.mu,
    race: !!other,
    sgdStepSize: other ? first.step_size : settings.sgdStepSize,
  };
  const { settings: s, problems } = loadSettings(toHash(wanted), null);
  if (problems.length) throw new Error(`its settings are not valid here (${problems.join('; ')})`);
  return s;
}

/** The offer's sentence: network, runs, pattern counts, data set, when. */
function describeSummary(meta) {
  const sizes = meta.runs[0].config.sizes.join('-');
  const runs = meta.runs.map((r) => labelFor(r.config.optimizer, r.config.step_size, r.config.mu)).join(' vs ');
  const counts = [...new Set(meta.runs.map((r) => fmtCount(r.samples)))].join(' / ');
  return `A model you trained earlier was saved: ${sizes}, ${runs}, ${counts} patterns on ${DATASETS[meta.dataset]}, saved ${clock(meta.savedAt)}.`;
}

/** At start: the summary of an earlier visit's autosave, offered back (text only, never HTML). */
export async function checkAutosave() {
  let meta;
  try {
    meta = validSummary(await readAutosaveMeta(await db()));
  } catch (e) {
    autosaveOff(`Autosave is off: ${e.message || e}. Training works without it.`);
    request('autosave', { enabled: false }).catch(failed('autosave'));
    return;
  }
  if (!meta) return;
  // This page's own run may have saved already (then there is nothing earlier to offer).
  if (ui.status.dataset.savedAt) return;
  offered = meta;
  ui.offer.hidden = false;
  ui.text.textContent = describeSummary(meta);
  probe('samples', meta.runs[0].samples, ui.offer);
}

/** Takes the offer down. */
function hideOffer() {
  offered = null;
  ui.offer.hidden = true;
}

/** Restore: the saved run's settings, then (once its run is configured) its model(s). */
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
  const datasetBefore = app.settings.dataset;
  app.settings = next;
  formFromSettings();
  if (next.dataset !== datasetBefore) { relabelBars(); pad.clear(); }
  setNotice('');
  app.pendingImport = { restore: meta }; // imported when the run is configured (after the data)
  if (!app.engineReady) return; // boot loads the data set of these settings
  if (next.dataset !== app.dataLoaded && next.dataset !== app.dataLoading) {
    persist();
    loadData(next.dataset);
  } else {
    reconfigure();
  }
}

/** Discard: the saved model is deleted. */
async function discardAutosave() {
  hideOffer();
  try {
    await clearAutosave(await db());
    setStatus('The autosaved model was discarded.', 'ok');
  } catch (e) {
    autosaveOff(`Autosave is off: ${e.message || e}. Training works without it.`);
  }
}

on('autosaved', ({ meta, exportMs, writeMs }) => {
  const r0 = meta.runs[0];
  const bytes = meta.runs.reduce((a, r) => a + r.bytes, 0);
  ui.status.textContent = `Autosaved in this browser at ${fmtCount(r0.samples)} patterns (${clock(meta.savedAt)}, ${(bytes / 1e6).toFixed(1)} MB); offered back if the page is reloaded or closed.`;
  const probes = { samples: r0.samples, hash: r0.hash, bytes, exportMs: exportMs.toFixed(1), writeMs: writeMs.toFixed(1), savedAt: meta.savedAt };
  for (const [name, value] of Object.entries(probes)) probe(name, value, ui.status);
  if (offered) {
    // One slot: this run's save replaced the one on offer.
    hideOffer();
    setNotice('The model autosaved on an earlier visit was replaced by this run\'s.');
  }
});
on('autosaveFailed', ({ message }) => autosaveOff(`Autosave failed: ${message}.`));

ui.restore.addEventListener('click', restoreAutosave);
ui.discard.addEventListener('click', discardAutosave);
