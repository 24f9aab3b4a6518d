// Wide tables scroll sideways inside their box (.table-wrap); each box says so under itself
// ("scroll sideways for more →", www/style.css) while its content is wider than it is.

/** Marks `wrap` with data-overflows="1" while its content is wider than the box. */
function check(wrap) {
  const over = wrap.scrollWidth > wrap.clientWidth + 1 ? '1' : '0';
  if (wrap.dataset.overflows !== over) wrap.dataset.overflows = over;
}

const seen = new ResizeObserver((entries) => {
  for (const e of entries) check(e.target.closest('.table-wrap') || e.target);
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
