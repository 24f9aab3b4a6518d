// Small DOM helpers shared by the page's modules, and the test probes: values the end-to-end
// tests (tests/e2e) read as data-* attributes, always set through `probe`.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Writes text only when it changed (fewer relayouts while training). */
export function put(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** An element `tag` with text (never HTML) and an optional class. */
export function cell(tag, text, cls) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (cls) el.className = cls;
  return el;
}

/** An <option> with this value and text. */
export function option(value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

/** Sets the test probe `data-<name>` of `el` (default: the body) to String(value), when it changes. */
export function probe(name, value, el = document.body) {
  const v = String(value);
  if (el.dataset[name] !== v) el.dataset[name] = v;
}

/**
 * Resolves in a later task, so that the work after it does not lengthen the current one (the boot
 * runs in several tasks of a few milliseconds each, not one long one; README "Performance"):
 * `scheduler.yield()` where the browser has it (Chromium), else a zero-delay timer.
 */
export const nextTask = () => (globalThis.scheduler && typeof scheduler.yield === 'function'
  ? scheduler.yield()
  : new Promise((resolve) => setTimeout(resolve, 0)));

/** Resolves at the start of the next frame (`requestAnimationFrame`): the DOM changed after it is
 * styled and laid out in that frame's rendering, apart from what the next call changes. */
export const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
