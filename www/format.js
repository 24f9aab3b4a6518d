// Number and time formats of the readouts ('–' for a missing value).

/** Nothing to show. */
const missing = (x) => x === null || x === undefined || !Number.isFinite(x);

/** A fraction as a percentage with two decimals. */
export const fmtPct = (x) => (missing(x) ? '–' : (100 * x).toFixed(2));
/** A cost with four decimals. */
export const fmtCost = (x) => (missing(x) ? '–' : x.toFixed(4));
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
