// Number and time formats of the readouts ('–' for a missing value). A measured value shows about
// four significant digits, in exponent notation from 1e6 and below 1e-3 (4.554e27, 1.2e-5), so a
// blown-up cost fits its cell; counts are exact.

/** Nothing to show. */
const missing = (x) => x === null || x === undefined || !Number.isFinite(x);

/** A fraction as a percentage with two decimals. */
export const fmtPct = (x) => (missing(x) ? '–' : (100 * x).toFixed(2));
/** `x` to four significant digits: "0.03124", "12.35", "12350", "4.554e27", "1.2e-5". */
export function fmtNum(x) {
  if (missing(x)) return '–';
  const r = Number(x.toPrecision(4));
  const a = Math.abs(r);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return r.toExponential(3).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(r);
}
/** A cost ([`fmtNum`]). */
export const fmtCost = fmtNum;
/** A whole number. */
export const fmtInt = (x) => (missing(x) ? '–' : String(Math.round(x)));
/**
 * A whole number with thousands separators ("60,000"), as `toLocaleString('en')` writes it, but
 * without it: the browser's first number format (ICU) took 34-200 ms of one task in Chromium on a
 * loaded machine (tests/bench/longtasks.mjs).
 */
export const fmtCount = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** "10:32" today, "27 Nov, 10:32" on another day (the reader's locale). */
export function clock(ms) {
  const d = new Date(ms);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })}, ${time}`;
}

/**
 * The first time and date formats in the reader's locale (ICU) cost tens of milliseconds in
 * Chromium on a loaded machine (54 ms in the autosave's first notice), later ones well under 1 ms
 * (tests/bench/longtasks.mjs). Boot calls this so that the autosave's notice does not pay it: each
 * format in a task of its own (`nextTask`, www/dom.js).
 */
export async function warmFormats(nextTask) {
  clock(Date.now()); // today: the time alone
  await nextTask();
  clock(0); // another day: the date too
}
