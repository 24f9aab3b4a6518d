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
/** A count with thousands separators. */
export const fmtCount = (n) => Math.round(n).toLocaleString('en');


/** "10:32" today, "27 Nov, 10:32" on another day (the reader's locale). */
export function clock(ms) {
  const d = new Date(ms);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })}, ${time}`;
}

/**
 * The first `toLocaleString('en')` builds the browser's number format (ICU): 34-53 ms in Chromium
 * on a loaded machine, then well under 0.1 ms; the first time and date formats cost about as much
 * (tests/bench/longtasks.mjs). Boot calls this so that the first readouts and the autosave's
 * notice do not pay it: each format in a task of its own (`nextTask`, www/dom.js).
 */
export async function warmFormats(nextTask) {
  fmtCount(1000);
  await nextTask();
  clock(Date.now()); // today: the time alone
  await nextTask();
  clock(0); // another day: the date too
}
