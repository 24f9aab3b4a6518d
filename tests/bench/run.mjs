// The benchmark, one command (`make bench`; `make bench-smoke` is CI's short run):
//   1. natively: `target/release/sifrian bench` (patterns/s of every optimizer, HVPs/s, exact spectrum, streaming limit);
//   2. in headless Chromium, one page load of www/bench.html: the same rows plus the peers (TensorFlow.js
//      wasm backend, plain JS) and the in-browser streaming limit;
//   3. size and start-up: the wasm's raw and gzip -9 size, page load to ready and to the first step of
//      index.html, and (full run only) the time the small preset's SGD takes to 97 % validation accuracy;
//   4. responsiveness of index.html's main thread: every task over 50 ms (Long Tasks API) during load,
//      the first chart, the first prediction, a race with the pad in use, and the paper net's lab.
//      Tests assert behaviour only; these budgets are measured here (README, "Performance").
// Prints a table and writes target/bench/bench.json (target/bench/smoke.json for --smoke).
// Flags: --smoke, --presets small,paper, --secs 1, --reps 5.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { serve, launch, close, openReady, text, ROOT } from '../e2e/harness.mjs';
import { measureResponsiveness } from './responsiveness.mjs';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const smoke = args.includes('--smoke');
const presets = flag('presets', smoke ? 'small' : 'small,paper');
const secs = flag('secs', smoke ? '0.2' : '1');
const reps = flag('reps', smoke ? '1' : '5');
const outDir = path.join(ROOT, 'target', 'bench');
mkdirSync(outDir, { recursive: true });

const sh = (cmd, a) => { try { return execFileSync(cmd, a, { encoding: 'utf8' }).trim(); } catch { return 'unknown'; } };

// 1. Native.
console.log(`native: sifrian bench --presets ${presets} --secs ${secs} --reps ${reps}`);
const nativePath = path.join(outDir, smoke ? 'native-smoke.json' : 'native.json');
execFileSync(path.join(ROOT, 'target/release/sifrian'), ['bench', '--presets', presets, '--secs', secs, '--reps', reps,
  '--data-dir', path.join(ROOT, 'data'), '--out', nativePath], { stdio: 'inherit' });
const native = JSON.parse(readFileSync(nativePath, 'utf8'));

// 2. Browser.
const { server, base } = await serve();
const result = { machine: {}, settings: { presets: presets.split(','), secs: Number(secs), reps: Number(reps), smoke } };
try {
  let b = await launch();
  try {
    console.log('chromium: www/bench.html …');
    await b.page.goto(`${base}/www/bench.html?presets=${presets}&secs=${secs}&reps=${reps}`);
    await b.page.waitForSelector('body[data-done]', { timeout: 20 * 60 * 1000 });
    const err = await b.page.evaluate(() => window.__benchError);
    if (err) throw new Error(`bench page: ${err}`);
    const browser = await b.page.evaluate(() => window.__bench);
    if (b.problems.length) throw new Error(`bench page errors: ${b.problems.join('; ')}`);
    Object.assign(result, native, browser);
    result.machine = {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: sh('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']),
      rustc: sh('rustc', ['--version']),
      node: process.version,
      chromium: browser.environment.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'unknown',
      date: new Date().toISOString(),
    };
    result.settings = { presets: presets.split(','), secs: Number(secs), reps: Number(reps), smoke };
  } finally {
    await close(b);
  }

  // 3. Size and start-up.
  const wasm = readFileSync(path.join(ROOT, 'www/pkg/sifrian_bg.wasm'));
  result.size = {
    wasm_bytes: statSync(path.join(ROOT, 'www/pkg/sifrian_bg.wasm')).size,
    wasm_gzip9_bytes: gzipSync(wasm, { level: 9 }).length,
    js_glue_bytes: statSync(path.join(ROOT, 'www/pkg/sifrian.js')).size,
  };
  b = await launch();
  try {
    console.log('chromium: index.html start-up' + (smoke ? '' : ' and time to 97 %') + ' …');
    await openReady(b.page, base);
    await b.page.click('[data-testid="play"]');
    const t0 = Date.now();
    await b.page.waitForSelector('body[data-first-step-ms]', { timeout: 30000 });
    result.startup = {
      load_to_ready_ms: Number(await b.page.getAttribute('body', 'data-ready-ms')),
      load_to_first_step_ms: Number(await b.page.getAttribute('body', 'data-first-step-ms')),
    };
    if (!smoke) {
      // The small preset (the page's default), SGD at its default step. While training the page
      // validates on 2,000 test images; when that reads >= 97 % the run is paused, which validates
      // on all 10,000: that is the number that counts. Below 97 % it plays on (wall clock includes
      // the pauses' validations).
      const full = () => b.page.waitForFunction(() => /all 10,000/.test(document.getElementById('val-note').textContent), null, { timeout: 30000 });
      const tries = [];
      let reached = null;
      while (!reached && Date.now() - t0 < 120000) {
        const v = Number(await text(b.page, 'validation-accuracy'));
        if (v >= 97) {
          await b.page.click('[data-testid="play"]'); // pause
          await full();
          const at = { wall_s: (Date.now() - t0) / 1000, patterns: Number(await text(b.page, 'samples-seen')), budget: v,
            full: Number(await text(b.page, 'validation-accuracy')) };
          tries.push(at);
          if (at.full >= 97) { reached = at; break; }
          await b.page.click('[data-testid="play"]');
          await b.page.waitForFunction(() => !/all 10,000/.test(document.getElementById('val-note').textContent), null, { timeout: 30000 });
          await b.page.waitForTimeout(1000); // past the next budget validation
        }
        await b.page.waitForTimeout(200);
      }
      result.accuracy = {
        small_sgd_97_full_wall_s: reached ? reached.wall_s : null,
        small_sgd_97_full_patterns: reached ? reached.patterns : null,
        small_sgd_97_full_validation: reached ? reached.full : null,
        pauses: tries,
      };
    }
  } finally {
    await close(b);
  }

  // 4. Responsiveness (tests/bench/responsiveness.mjs): every main-thread task over 50 ms per phase.
  result.responsiveness = await measureResponsiveness(base, { smoke });
} finally {
  server.close();
}

// The performance targets (README, "Performance"): ratios from one run.
const t = {};
const get = (k) => result[k] || {};
for (const p of result.settings.presets) {
  const c = get(`${p}.chromium`), n = get(`${p}.native`);
  t[p] = {
    sgd_vs_roofline: c.sgd / c.roofline_sgd,
    sgd_dense_vs_roofline: c.sgd_dense / c.roofline_sgd,
    sgd_dense_vs_tfjs: c.sgd_dense / c.tfjs_wasm_sgd,
    sgd_vs_tfjs: c.sgd / c.tfjs_wasm_sgd,
    sgd_vs_plain_js: c.sgd / c.plain_js_sgd,
    mk_vs_sgd: c.mk / c.sgd,
    hvp_vs_sgd: c.hvp / c.sgd,
    spectrum_ms: c.spectrum_ms,
    batch_lanczos_ms: c.batch_lanczos_ms,
    wasm_vs_native_sgd: c.sgd / n.sgd,
    wasm_vs_native_mk: c.mk / n.mk,
    // 1 - patterns/s with the instruments / without (native, SGD; src/cli/bench.rs).
    instruments_overhead: n.instruments_overhead,
    // The same in the page (Chromium, interleaved windows, median of pairs; www/bench.js).
    instruments_overhead_wasm: c.instruments_overhead,
    instruments_overhead_wasm_mk: c.instruments_overhead_mk,
  };
}
result.ratios = t;
// The lab's eigensolves in the page (Chromium): eigenvalues alone, and eigenpairs with H⁺∇J_R, |H|⁺∇J_R.
for (const p of Object.keys(t)) {
  const c = get(`${p}.chromium`);
  t[p].spectrum_vectors_ms = c.spectrum_vectors_ms;
}

const file = path.join(outDir, smoke ? 'smoke.json' : 'bench.json');
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

// The table.
const fmt = (v) => (v === undefined || v === null || Number.isNaN(v) ? '-' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3));
const cols = ['sgd', 'mk', 'mk_damped', 'mk_unreg', 'newton', 'newton_pinv', 'saddle_free', 'sgd_dense', 'mk_dense', 'hvp', 'hvp_f64', 'spectrum_ms', 'tfjs_wasm_sgd', 'plain_js_sgd', 'roofline_sgd'];
const lines = [`| target | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`];
for (const p of result.settings.presets) {
  for (const target of ['native', 'chromium']) {
    const r = get(`${p}.${target}`);
    lines.push(`| ${p}.${target} | ${cols.map((c) => fmt(r[c])).join(' | ')} |`);
  }
}
console.log(`\n${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.chromium}, ${result.machine.rustc}`);
console.log('patterns/s (hvp: products/s; spectrum: ms; peers and roofline in the same page load)\n');
console.log(lines.join('\n'));
console.log('\nratios:', JSON.stringify(t, (k, v) => (typeof v === 'number' ? Number(v.toPrecision(3)) : v), 1));
console.log('size:', JSON.stringify(result.size), 'startup:', JSON.stringify(result.startup));
if (result.accuracy) console.log('accuracy:', JSON.stringify(result.accuracy));
console.log('main-thread tasks over 50 ms (longest; all):');
for (const [k, v] of Object.entries(result.responsiveness)) console.log(`  ${k}: ${v.longest_ms} ms; [${v.long_tasks_ms.join(', ')}] in ${v.window_ms} ms`);
console.log(`written: ${path.relative(ROOT, file)}`);

// The smoke is a test: every key of the targets is there, finite and positive, and the two peers
// computed the same training (their loss traces agree).
const bad = [];
for (const p of result.settings.presets) {
  for (const target of ['native', 'chromium']) {
    const r = get(`${p}.${target}`);
    const keys = ['sgd', 'mk', 'mk_damped', 'mk_unreg', 'newton', 'hvp', 'spectrum_ms', 'batch_lanczos_ms']
      .concat(target === 'chromium' ? ['tfjs_wasm_sgd', 'plain_js_sgd', 'roofline_sgd'] : [])
      // The spectral methods are measured where the engine allows them (not on the paper's net).
      .concat(p === 'paper' ? [] : ['newton_pinv', 'saddle_free']);
    for (const k of keys) if (!(Number.isFinite(r[k]) && r[k] > 0)) bad.push(`${p}.${target}.${k} = ${r[k]}`);
  }
  // A difference of two noisy rates: finite and below 1, not necessarily positive.
  const o = get(`${p}.native`).instruments_overhead;
  if (!(Number.isFinite(o) && o < 1)) bad.push(`${p}.native.instruments_overhead = ${o}`);
  for (const k of ['instruments_overhead', 'instruments_overhead_mk']) {
    const w = get(`${p}.chromium`)[k];
    if (!(Number.isFinite(w) && w < 1)) bad.push(`${p}.chromium.${k} = ${w}`);
  }
  const agree = get(`${p}.chromium`).peers_max_rel_loss_diff;
  if (!(agree < 1e-4)) bad.push(`${p}: TF.js and plain-JS loss traces differ by ${agree}`);
}
if (!(result.size.wasm_gzip9_bytes > 0 && result.startup.load_to_first_step_ms > 0)) bad.push('size or start-up missing');
for (const k of ['load', 'first_chart', 'first_prediction', 'race_with_pad', 'lab_paper']) {
  const v = result.responsiveness?.[k];
  if (!(v && Number.isFinite(v.longest_ms) && Array.isArray(v.long_tasks_ms) && v.window_ms > 0)) bad.push(`responsiveness.${k} = ${JSON.stringify(v)}`);
}
if (bad.length) {
  console.error(`benchmark check failed:\n  ${bad.join('\n  ')}`);
  process.exitCode = 1;
}
