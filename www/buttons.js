// The training and model buttons' enabled states, from the page's state; and the one handler of
// a failed request that has no handler of its own (it stops the run's buttons and says why).

import { $ } from './dom.js';
import { app } from './state.js';
import { setStatus } from './status.js';

const ui = {
  play: $('play'), step: $('step'), reset: $('reset'), race: $('race'), validateFull: $('validate-full'),
  csv: $('download-csv'), save: $('save-model'), testImage: $('test-image'), teach: $('teach'),
};

/** Enables what the state allows; the play button says Play or Pause. */
export function setButtons() {
  const ok = app.configured && !!app.dataLoaded;
  // A field holding a rejected value (www/form.js): nothing trains until it is fixed.
  const fixFirst = app.invalid.size > 0;
  ui.play.disabled = !ok || (fixFirst && !app.running);
  ui.step.disabled = !ok || fixFirst;
  ui.reset.disabled = !app.dataLoaded || fixFirst;
  ui.race.disabled = fixFirst;
  ui.validateFull.disabled = !ok;
  ui.csv.disabled = !ok;
  ui.save.disabled = !ok;
  ui.testImage.disabled = !ok;
  ui.teach.disabled = !ok || !app.hasDrawing || fixFirst;
  ui.play.textContent = app.running ? 'Pause' : 'Play';
  ui.play.setAttribute('aria-label', app.running ? 'Pause training' : 'Play: train continuously');
  ui.race.setAttribute('aria-pressed', String(!!(app.settings && app.settings.race)));
}

/** The rejection handler of request `where`: training stops and the status says what failed. */
export const failed = (where) => (e) => {
  app.running = false;
  setButtons();
  setStatus(`${where}: ${e.message}`, 'error');
};
