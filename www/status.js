// The status line: one sentence and its state (ok, busy, notice, error; CSS colours it), a
// notice after it, the Retry button, and the sentence that waits for a full validation.

import { $ } from './dom.js';

const ui = { status: $('status'), msg: $('status-msg'), notice: $('status-notice'), retry: $('retry') };
let notice = '';
let afterFull = null; // the status's first sentence when the full validation ends (a pause, a load)

/** `text` as a sentence of its own: trimmed, ending in a full stop unless it ends in . ! ? or …. */
export const sentence = (text) => {
  const t = String(text).trim();
  return t === '' || /[.!?…]$/.test(t) ? t : `${t}.`;
};

/** Shows `text` in state `state`; `retry` shows the Retry button. An error drops a waiting sentence. */
export function setStatus(text, state = 'ok', { retry = false } = {}) {
  // A late validation of an earlier load or pause must not hide the error.
  if (state === 'error') afterFull = null;
  ui.msg.textContent = sentence(text);
  ui.status.dataset.state = state;
  ui.retry.hidden = !retry;
}

/** The status's state (ok, busy, notice or error). */
export const statusState = () => ui.status.dataset.state;

/** Replaces the notice after the sentence. */
export function setNotice(text) {
  notice = sentence(text);
  // A space of its own before it, so the status reads (and copies) as separate sentences.
  ui.notice.textContent = notice ? ` ${notice}` : '';
}

/** Adds `text` to the notice. */
export function addNotice(text) {
  setNotice(notice ? `${notice} ${text}` : text);
}

/** `sentence` opens the status once every run's full validation is in (null: nothing waits). */
export function afterFullValidation(sentence) {
  afterFull = sentence;
}

/** The sentence waiting for the full validation, or null. */
export const waitingSentence = () => afterFull;
