// What each long main-thread task of index.html is: `node tests/bench/longtasks.mjs [--runs 5]`
// (after `make build`). Each run opens the page in headless Chromium with a Chrome trace recording
// (CDP Tracing, the devtools timeline categories) and the Long Tasks API, waits for the data set,
// plays to the first curves, pauses and draws a digit to its prediction. For every task over
// 50 ms on the page's main thread it prints the phase (load, first_chart, first_prediction), its
// length and what ran inside it: the trace's events of at least 3 ms directly below the task
// (script evaluation with its URL, a function call with its name and URL, a wasm compilation,
// style/layout, a timer or message handler), nested to a depth of 3 (`--depth N`), each with its
// wall time and its thread (CPU) time: on a busy machine the first also counts waiting for a core. Writes
// test-output/longtasks.json (every run's tasks, with the Long Tasks API's own list beside the
// trace's). A measurement, not a test: it asserts nothing; `tests/bench/run.mjs` is the benchmark.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { serve, launch, close, openReady, drawSeven, OUT } from '../e2e/harness.mjs';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 5) || 5;
const hash = args.includes('--hash') ? args[args.indexOf('--hash') + 1] : '';
// --root DIR serves another copy of the page (e.g. an earlier commit's index.html and www/, to compare).
const root = args.includes('--root') ? path.resolve(args[args.indexOf('--root') + 1]) : undefined;
const outName = args.includes('--out') ? args[args.indexOf('--out') + 1] : 'longtasks.json';
const LONG_MS = 50;
const SHOWN_MS = Number(args.includes("--shown") ? args[args.indexOf("--shown") + 1] : 3) || 3;
const DEPTH = Number(args.includes("--depth") ? args[args.indexOf("--depth") + 1] : 3) || 3;

/** The trace's events of one page load, through CDP (Tracing.start / dataCollected / tracingComplete). */
async function traced(b, body) {
  const cdp = await b.ctx.newCDPSession(b.page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    traceConfig: {
      includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'v8', 'blink.user_timing',
        'loading', 'toplevel', 'disabled-by-default-v8.compile', 'v8.wasm', 'disabled-by-default-v8.wasm.detailed',
        'disabled-by-default-v8.cpu_profiler'],
      recordMode: 'recordAsMuchAsPossible',
    },
    transferMode: 'ReportEvents',
  });
  const marks = await body();
  await cdp.send('Tracing.end');
  await done;
  await cdp.detach();
  return { events, marks };
}

/** A short label of a trace event: its name and what its args say it ran. */
function label(e) {
  const d = e.args?.data || e.args?.beginData || {};
  const url = (d.url || d.scriptName || d.fileName || '').replace(/^.*\/(www|pkg)\//, '$1/').replace(/^https?:\/\/[^/]+\//, '');
  const bits = [e.name];
  if (d.functionName) bits.push(d.functionName);
  if (url) bits.push(url + (d.lineNumber != null ? `:${d.lineNumber}` : ''));
  if (d.type) bits.push(d.type);
  // How much a layout or style pass covered: dirty / all layout objects, elements restyled.
  if (Number.isFinite(d.dirtyObjects)) bits.push(`${d.dirtyObjects}/${d.totalObjects} objects${d.partialLayout ? ' (partial)' : ''}`);
  const restyled = e.args?.elementCount ?? e.args?.data?.elementCount;
  if (Number.isFinite(restyled)) bits.push(`${restyled} elements`);
  return bits.join(' ');
}

/**
 * The V8 CPU profile's samples on the main thread (ProfileChunk events): [{ts, frame}] where frame
 * is the sampled (innermost) function as "name url:line", "(program)" or "(garbage collector)".
 */
function cpuSamples(events, main) {
  const nodes = new Map();
  const out = [];
  const profiles = new Set(events.filter((e) => e.name === 'Profile' && e.pid === main.pid && e.tid === main.tid).map((e) => e.id));
  let ts = null;
  for (const e of events) {
    if (e.name !== 'ProfileChunk' || e.pid !== main.pid || !profiles.has(e.id)) continue;
    const d = e.args.data;
    for (const n of d.cpuProfile?.nodes || []) {
      const f = n.callFrame;
      const url = (f.url || '').replace(/^.*\/(www|pkg)\//, '$1/');
      nodes.set(n.id, (f.functionName || '(anonymous)') + (url ? ` ${url}` : '') + (f.codeType === 'wasm' || /wasm/.test(f.url) ? ' [wasm]' : ''));
    }
    const s = d.cpuProfile?.samples || [];
    const dt = d.timeDeltas || [];
    if (ts === null) ts = e.args.data.startTime ?? events.find((p) => p.name === 'Profile' && p.id === e.id)?.args.data.startTime;
    for (let i = 0; i < s.length; i++) {
      ts += dt[i];
      out.push({ ts, frame: nodes.get(s[i]) || `node ${s[i]}` });
    }
  }
  return out;
}

/** The functions that used most of [from, to] (µs) by sampled self time: "ms name" rows, at most 8. */
function topSelf(samples, from, to) {
  const inside = samples.filter((s) => s.ts >= from && s.ts < to);
  if (inside.length < 2) return [];
  const step = (inside[inside.length - 1].ts - inside[0].ts) / (inside.length - 1);
  const by = new Map();
  for (const s of inside) by.set(s.frame, (by.get(s.frame) || 0) + 1);
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([f, n]) => `${(n * step / 1000).toFixed(1)} ms ${f}`);
}

/**
 * The thread time of a complete event (its `tdur`, µs), in ms: the CPU the main thread spent in
 * it. On a busy machine a task's wall time (`dur`) also counts the time the thread waited for a
 * core; its thread time is what the page's work itself took. Null where the trace has none.
 */
const cpuMs = (e) => (Number.isFinite(e.tdur) ? Math.round(e.tdur / 100) / 10 : null);

/** The long tasks of the renderer's main thread, each with its nested events (complete 'X' events). */
function longTasks(events, originAt) {
  const names = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  // The page's renderer: the main thread that ran www/main.js.
  const ran = new Set(events.filter((e) => e.name === 'EvaluateScript' || e.name === 'v8.compileModule').map((e) => `${e.pid}:${e.tid}`));
  const main = names.find((n) => ran.has(`${n.pid}:${n.tid}`)) || names[0];
  const own = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && Number.isFinite(e.dur));
  own.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const runs = own.filter((e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask');
  const tasks = runs.filter((t) => !runs.some((p) => p !== t && p.ts <= t.ts && p.ts + p.dur >= t.ts + t.dur && p.dur >= t.dur && (p.ts < t.ts || p.dur > t.dur || runs.indexOf(p) < runs.indexOf(t))));
  // performance.now() = 0 in the trace's clock: the mark `longtasks-origin` made at performance.now() = `originAt`.
  const mark = events.find((e) => e.name === 'longtasks-origin' && e.pid === main.pid);
  const t0 = mark.ts - originAt * 1000;
  const samples = cpuSamples(events, main);
  const out = [];
  for (const t of tasks) {
    if (t.dur < LONG_MS * 1000) continue;
    const inside = own.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && e.dur >= SHOWN_MS * 1000);
    // Nesting by containment: depth = how many of the shown events enclose it.
    const rows = inside.map((e) => {
      const depth = inside.filter((p) => p !== e && p.ts <= e.ts && p.ts + p.dur >= e.ts + e.dur && p.dur > e.dur).length;
      return { depth, ms: Math.round(e.dur / 100) / 10, cpu_ms: cpuMs(e), what: label(e) };
    }).filter((r) => r.depth < DEPTH);
    // Many small events of one kind (a wasm function's lazy compilation, a font's load): counts and totals by name.
    const small = new Map();
    for (const e of own) {
      if (e === t || e.ts < t.ts || e.ts + e.dur > t.ts + t.dur || e.dur >= SHOWN_MS * 1000 || !/compile|font|wasm|gc|parse/i.test(e.name)) continue;
      const k = small.get(e.name) || { n: 0, us: 0 };
      k.n++; k.us += e.dur;
      small.set(e.name, k);
    }
    const many = [...small].filter(([, k]) => k.n >= 5).map(([name, k]) => `${k.n} x ${name} = ${(k.us / 1000).toFixed(1)} ms`);
    out.push({ start_ms: Math.round((t.ts - t0) / 1000), ms: Math.round(t.dur / 1000), cpu_ms: cpuMs(t), inside: rows, many, self: topSelf(samples, t.ts, t.ts + t.dur) });
  }
  // The wasm functions this thread compiled on their first call (V8's lazy compilation), whole run.
  const lazy = own.filter((e) => e.name === 'wasm.CompileLazy');
  return { tasks: out, t0, lazyCompiles: { count: lazy.length, ms: Math.round(lazy.reduce((a, e) => a + e.dur, 0) / 1000) } };
}

/**
 * What a long task mostly was: 'driver' (the test driver's own scripts, Playwright's injected
 * script), 'script' (the page's JavaScript and wasm: module evaluation, a timer, a microtask, a
 * message, a frame callback, an input event), 'rendering' (style, layout, paint, commit) or 'other'.
 */
function kind(t) {
  const sum = (re) => t.inside.filter((r) => r.depth <= 2 && re.test(r.what)).reduce((a, r) => a + r.ms, 0);
  // Playwright's injected script: its own names (an action's checks run in the page's frames).
  if (t.self.some((f) => /InjectedScript|UtilityScript|parseEvaluationResultValue| (query|evaluate|retarget|computeBox|parentElementOrShadowHost|elementState|checkElementStates)$/.test(f))) return 'driver';
  const script = Math.max(...[/^v8\.evaluateModule/, /^TimerFire/, /^RunMicrotasks/, /^HandlePostMessage/, /^FireAnimationFrame/, /^EventDispatch/, /^FunctionCall/].map(sum));
  if (script >= t.ms / 2) return 'script';
  if (sum(/^(UpdateLayoutTree|Layout|PrePaint|Paint|Layerize|Commit|HitTest)$/) >= t.ms / 2) return 'rendering';
  return 'other';
}

const { server, base } = await serve(root ? { root } : {});
const all = [];
try {
  for (let run = 0; run < runs; run++) {
    const b = await launch();
    try {
      await b.ctx.addInitScript(() => {
        window.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longTasks.push({ start: Math.round(e.startTime), ms: Math.round(e.duration) });
        }).observe({ type: 'longtask', buffered: true });
      });
      const now = () => b.page.evaluate(() => performance.now());
      const { events, marks } = await traced(b, async () => {
        const m = {};
        await openReady(b.page, base, hash);
        m.originAt = await b.page.evaluate(() => { performance.mark('longtasks-origin'); return performance.now(); });
        m.ready = await now();
        await b.page.waitForTimeout(300);
        m.play = await now();
        await b.page.click('[data-testid="play"]');
        await b.page.waitForSelector('body[data-chart-max-ms]', { timeout: 30000 });
        await b.page.waitForSelector('body[data-first-step-ms]', { timeout: 30000 });
        await b.page.waitForTimeout(1000);
        await b.page.click('[data-testid="play"]');
        await b.page.waitForTimeout(500);
        m.draw = await now();
        await drawSeven(b.page);
        await b.page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]').textContent));
        await b.page.waitForTimeout(300);
        m.end = await now();
        m.api = await b.page.evaluate(() => window.__longTasks);
        m.readyMs = Number(await b.page.getAttribute('body', 'data-ready-ms'));
        return m;
      });
      const { tasks, lazyCompiles } = longTasks(events, marks.originAt);
      const phaseOf = (start) => (start < marks.play ? 'load' : start < marks.draw ? 'first_chart' : 'first_prediction');
      const api = marks.api.map((t) => ({ ...t, phase: phaseOf(t.start) }));
      for (const t of tasks) { t.phase = phaseOf(t.start_ms); t.kind = kind(t); }
      all.push({ run, ready_ms: marks.readyMs, long_tasks_api: api, trace_tasks: tasks, main_thread_wasm_lazy_compiles: lazyCompiles });
      console.log(`run ${run + 1}/${runs}: ready at ${marks.readyMs} ms; main thread compiled ${lazyCompiles.count} wasm functions lazily (${lazyCompiles.ms} ms); Long Tasks API: ${api.map((t) => `${t.phase} ${t.ms} ms @${t.start}`).join(', ') || 'none'}`);
      for (const t of tasks) {
        console.log(`  trace task ${t.ms} ms (cpu ${t.cpu_ms ?? '?'}) @${t.start_ms} (${t.phase}, ${t.kind})`);
        for (const r of t.inside) console.log(`    ${'  '.repeat(r.depth)}${r.ms} ms (cpu ${r.cpu_ms ?? '?'}) ${r.what}`);
        if (t.many.length) console.log(`    small events: ${t.many.join('; ')}`);
        if (t.self.length) console.log(`    sampled self time: ${t.self.join('; ')}`);
      }
    } finally {
      await close(b);
    }
  }
} finally {
  server.close();
}
const file = path.join(OUT, outName);
writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
const per = (phase) => all.map((r) => Math.max(0, ...r.long_tasks_api.filter((t) => t.phase === phase).map((t) => t.ms)));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
for (const phase of ['load', 'first_chart', 'first_prediction']) {
  const v = per(phase);
  console.log(`${phase}: longest task per run (Long Tasks API; 0 = none over 50 ms) [${v.join(', ')}], median ${median(v)}`);
}
// The same by thread time (CPU), the page's own tasks only (the driver's left out): what a task
// would take on an idle machine, roughly, when the wall time above is inflated by other jobs.
for (const phase of ['load', 'first_chart', 'first_prediction']) {
  const v = all.map((r) => Math.max(0, ...r.trace_tasks.filter((t) => t.phase === phase && t.kind !== 'driver' && t.cpu_ms !== null).map((t) => Math.round(t.cpu_ms))));
  console.log(`${phase}: longest thread time of a page task over 50 ms per run (trace; 0 = none) [${v.join(', ')}], median ${median(v)}`);
}
for (const k of ['script', 'rendering', 'driver', 'other']) {
  const v = all.map((r) => r.trace_tasks.filter((t) => t.kind === k).map((t) => `${t.phase[0]}${t.ms}`).join(' ') || '-');
  console.log(`trace tasks over 50 ms that were ${k}, per run (l/f/p: load, first chart, first prediction): ${v.join(' | ')}`);
}
console.log(`written: ${path.relative(process.cwd(), file)}`);
