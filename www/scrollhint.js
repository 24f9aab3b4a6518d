// Wide tables scroll sideways inside their box (.table-wrap); each box says so under itself
// ("scroll sideways for more →", www/style.css) while its content is wider than it is.

/**
 * Marks each of `wraps` with data-overflows="1" while its content is wider than the box: every
 * width is read before any mark is written (a write between two reads would make the second read
 * lay the page out again: one layout per table, 130 ms in one task on a loaded machine,
 * tests/bench/longtasks.mjs).
 */
function check(wraps) {
  const overs = wraps.map((wrap) => (wrap.scrollWidth > wrap.clientWidth + 1 ? '1' : '0'));
  wraps.forEach((wrap, i) => { if (wrap.dataset.overflows !== overs[i]) wrap.dataset.overflows = overs[i]; });
}

const seen = new ResizeObserver((entries) => {
  check([...new Set(entries.map((e) => e.target.closest('.table-wrap') || e.target))]);
});

/**
 * Watches every .table-wrap (and its table) in the page for being wider than its box. The first
 * check comes with the observer's first report (after the page's next layout): reading the widths
 * here would force a layout of the whole page inside the modules' evaluation (README "Performance").
 */
export function watchWideTables() {
  for (const wrap of document.querySelectorAll('.table-wrap')) {
    seen.observe(wrap);
    for (const child of wrap.children) seen.observe(child);
  }
}
