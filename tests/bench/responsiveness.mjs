// The benchmark's responsiveness rows (`responsiveness` in bench.json, README "Performance"): every
// main-thread task over 50 ms of index.html (Long Tasks API, Chromium) during page load (to the data
// set ready), from Play to one second after the first step (the first curves), from the first stroke
// on the pad to its prediction, during a race with the pad in use, and while the lab computes the
// paper net's spectrum. `tests/bench/run.mjs` calls it once; run alone,
// `node tests/bench/responsiveness.mjs [--runs N] [--smoke] [--root DIR]` (after `make build`) measures N page
// loads and prints each phase's longest task per run, and writes test-output/responsiveness.json.
// It asserts nothing (tests assert behaviour; `tests/bench/longtasks.mjs` says what each task is).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, close, openReady, drawSeven, OUT } from '../e2e/harness.mjs';

/**
 * One fresh Chromium: load, first chart, first prediction, a race with the pad (4 s in the smoke,
 * else 8 s), the paper net's lab. An observer installed before the page's scripts records every
 * long task (start and duration, ms since navigation); each phase keeps the tasks that start
 * inside it: {long_tasks_ms, starts_ms, longest_ms, window_ms} per phase.
 */
export async function measureResponsiveness(base, { smoke = false } = {}) {
  const b = await launch();
  try {
    console.log('chromium: index.html main-thread long tasks (load, first chart, first prediction, race, lab) …');
    await b.ctx.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: Math.round(e.startTime), ms: Math.round(e.duration), name: e.attribution?.[0]?.containerType || e.name });
      }).observe({ type: 'longtask', buffered: true });
    });
    const now = () => b.page.evaluate(() => performance.now());
    const tasks = () => b.page.evaluate(() => window.__longTasks);
    const phase = (all, from, to) => {
      const in_ = all.filter((t) => t.start >= from && t.start < to);
      return { long_tasks_ms: in_.map((t) => t.ms), starts_ms: in_.map((t) => t.start), longest_ms: Math.max(0, ...in_.map((t) => t.ms)), window_ms: Math.round(to - from) };
    };
    const r = {};
    // Load: navigation to the data set ready and play enabled.
    await openReady(b.page, base);
    const tReady = await now();
    await b.page.waitForTimeout(300); // a task that starts just before ready ends inside this
    r.load = phase(await tasks(), 0, tReady);
    // First chart: play to one second after the first step (the first curve points drawn).
    const tPlay = await now();
    await b.page.click('[data-testid="play"]');
    await b.page.waitForSelector('body[data-first-step-ms]', { timeout: 30000 });
    await b.page.waitForSelector('body[data-chart-max-ms]', { timeout: 30000 });
    await b.page.waitForTimeout(1000);
    await b.page.click('[data-testid="play"]');
    const tChart = await now();
    r.first_chart = phase(await tasks(), tPlay, tChart);
    // First prediction: the first stroke on the pad to the prediction shown.
    await b.page.waitForTimeout(500);
    const tDraw = await now();
    await drawSeven(b.page);
    await b.page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]').textContent));
    await b.page.waitForTimeout(300);
    r.first_prediction = phase(await tasks(), tDraw, await now());
    // A race (SGD and damped MK, small net) with the pad in use.
    await b.page.goto('about:blank');
    await openReady(b.page, base, '#race=1&opt=mk-damped');
    const tRace = await now();
    await b.page.click('[data-testid="play"]');
    const t0 = Date.now();
    while (Date.now() - t0 < (smoke ? 4000 : 8000)) {
      await drawSeven(b.page);
      await b.page.waitForTimeout(700);
      await b.page.click('[data-testid="clear-pad"]');
    }
    await b.page.click('[data-testid="play"]');
    await b.page.waitForTimeout(300);
    r.race_with_pad = phase(await tasks(), tRace, await now());
    r.race_with_pad.chart_draw_max_ms = Number(await b.page.getAttribute('body', 'data-chart-max-ms'));
    // The lab on the paper net: its exact spectrum (scrolling the lab into view starts it).
    await b.page.goto('about:blank');
    await openReady(b.page, base, '#arch=paper');
    const tLab = await now();
    await b.page.locator('#lab').scrollIntoViewIfNeeded();
    const gaps = await b.page.evaluate(() => new Promise((resolve) => {
      const out = [];
      let last = performance.now();
      const id = setInterval(() => {
        const t = performance.now();
        out.push(t - last);
        last = t;
        const lab = document.getElementById('lab');
        if ((Number(lab.dataset.reqs || 0) > 0 && lab.getAttribute('aria-busy') === 'false') || out.length > 3000) { clearInterval(id); resolve(out); }
      }, 20);
    }));
    await b.page.waitForTimeout(300);
    r.lab_paper = phase(await tasks(), tLab, await now());
    r.lab_paper.max_timer_gap_ms = Math.round(Math.max(...gaps));
    r.lab_paper.figure_draw_max_ms = Number(await b.page.getAttribute('#lab', 'data-figure-max-ms'));
    if (b.problems.length) throw new Error(`index.html errors: ${b.problems.join('; ')}`);
    return r;
  } finally {
    await close(b);
  }
}

// Run alone: N page loads, each phase's longest task per run.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
  const smoke = args.includes('--smoke');
  // --root DIR serves another copy of the page (e.g. an earlier commit's index.html and www/, to compare).
  const root = args.includes('--root') ? path.resolve(args[args.indexOf('--root') + 1]) : undefined;
  const { server, base } = await serve({ root });
  const all = [];
  try {
    for (let i = 0; i < runs; i++) {
      const r = await measureResponsiveness(base, { smoke });
      all.push(r);
      console.log(`run ${i + 1}/${runs}: ${Object.entries(r).map(([k, v]) => `${k} ${v.longest_ms} [${v.long_tasks_ms.join(', ')}]`).join('; ')}`);
    }
  } finally {
    server.close();
  }
  for (const k of Object.keys(all[0])) console.log(`${k}: longest task per run (0 = none over 50 ms) [${all.map((r) => r[k].longest_ms).join(', ')}]`);
  const file = path.join(OUT, 'responsiveness.json');
  writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
  console.log(`written: ${path.relative(process.cwd(), file)}`);
}
