// Shared by the e2e tests: a static server of the repository root on 127.0.0.1 (ephemeral port)
// and Debian's Chromium through playwright-core (never a downloaded browser).
import { createServer } from 'node:http';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = path.join(ROOT, 'test-output');
mkdirSync(OUT, { recursive: true });

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gz': 'application/octet-stream', // no Content-Encoding: the page inflates it
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
};

/**
 * The test probe, served at /__probe.js and, with `probe`, put first in every HTML page's <head>
 * (a same-origin script, so the page's CSP admits it): it records uncaught errors, rejections,
 * console.error calls and Content-Security-Policy violations before the page's own scripts run,
 * in every engine (WebDriver classic has no console log).
 */
const PROBE = `window.__problems = []; window.__csp = [];
addEventListener('error', (e) => __problems.push('error: ' + (e.message || (e.target && e.target.src) || e.type)), true);
addEventListener('unhandledrejection', (e) => __problems.push('unhandledrejection: ' + ((e.reason && e.reason.message) || e.reason)));
document.addEventListener('securitypolicyviolation', (e) => __csp.push(e.violatedDirective + ' ' + e.blockedURI));
{ const err = console.error; console.error = (...a) => { __problems.push('console.error: ' + a.join(' ')); err.apply(console, a); }; }
`;

/**
 * Serves `root` (default ROOT) under the URL prefix `prefix` (default none, e.g. '/a/b');
 * `fail` (a function of the URL path) can force a status for a test; `probe` injects the test
 * probe; `override(rel, text)` may return a string served instead of the file `rel`; `port` (0:
 * any free one). Resolves {server, base} (base includes the prefix).
 */
export function serve({ fail, root = ROOT, prefix = '', probe = false, override, port = 0 } = {}) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/__probe.js') {
      res.writeHead(200, { 'Content-Type': TYPES['.js'], 'Cache-Control': 'no-store' });
      res.end(PROBE);
      return;
    }
    const forced = fail && fail(url.pathname);
    if (forced) { res.writeHead(forced); res.end(); return; }
    if (!url.pathname.startsWith(prefix + '/')) { res.writeHead(404); res.end('not found'); return; }
    let rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep)) { res.writeHead(403); res.end(); return; }
    let st;
    try { st = statSync(file); } catch { res.writeHead(404); res.end('not found'); return; }
    if (!st.isFile()) { res.writeHead(404); res.end('not found'); return; }
    const type = TYPES[path.extname(file)] || 'application/octet-stream';
    const replaced = override && override(rel, readFileSync(file, 'utf8'));
    if (typeof replaced === 'string') {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(replaced), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : replaced);
      return;
    }
    if (probe && path.extname(file) === '.html') {
      const html = readFileSync(file, 'utf8').replace('<head>', '<head><script src="/__probe.js"></script>');
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': st.size, 'Cache-Control': 'no-store' });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => {
    resolve({ server, base: `http://127.0.0.1:${server.address().port}${prefix}` });
  }));
}

/**
 * Chromium as toolchain.md 2.8; `device` (playwright's viewport, deviceScaleFactor, isMobile,
 * hasTouch), or the same options given directly, override `viewport`. Returns {ctx, page,
 * profile, problems, requests}.
 */
export async function launch({ viewport = { width: 1280, height: 900 }, device = {}, ...options } = {}) {
  device = { ...device, ...options };
  const profile = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport, acceptDownloads: true, ...device,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] ?? await ctx.newPage();
  const problems = [];
  const requests = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  ctx.on('request', (r) => requests.push(r.url()));
  return { ctx, page, profile, problems, requests };
}

export async function close({ ctx, profile }) {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}

/**
 * Runs `fn(b)` on a fresh Chromium `b` (launch(opts)), then requires no page or console error
 * (but those `opts.allow`, a RegExp, matches) and no request that left the server at `base`, and,
 * with `opts.minRequests`, more requests than that (that requests were recorded at all); closes the
 * browser either way.
 */
export async function withPage(base, fn, { allow, minRequests, ...opts } = {}) {
  const b = await launch(opts);
  try {
    await fn(b);
    const problems = b.problems.filter((m) => !(allow && allow.test(m)));
    assert.deepEqual(problems, [], 'page errors or console errors');
    assert.deepEqual(outsideRequests(b, base), [], 'requests left 127.0.0.1');
    if (minRequests !== undefined) assert.ok(b.requests.length > minRequests, `requests were recorded: ${b.requests.length}, want more than ${minRequests}`);
  } finally {
    await close(b);
  }
}

/**
 * Runs `fn(page)` on a fresh Chromium emulating `device` (viewport, deviceScaleFactor, touch: the
 * devicePixelRatio tests of the canvases), then requires no page or console error; closes it.
 */
export async function withDevice(device, fn) {
  const b = await launch({ device });
  try {
    await fn(b.page);
    assert.deepEqual(b.problems, [], 'page errors or console errors');
  } finally {
    await close(b);
  }
}

export const text = (page, id) => page.textContent(`[data-testid="${id}"]`).then((t) => t.trim());
export const number = async (page, id) => Number(await text(page, id));

/** Opens the page and waits until the data set is loaded and a run is configured. */
export async function openReady(page, base, hash = '', dataset = 'mnist') {
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
  await page.waitForSelector(`body[data-loaded="${dataset}"]`, { timeout: 60000 });
  await page.waitForSelector('[data-testid="play"]:not([disabled])', { timeout: 30000 });
}

/** Draws a digit-like stroke (a "7") on the pad with the mouse. */
export async function drawSeven(page) {
  const pad = page.locator('[data-testid="draw-pad"]');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(0.25, 0.2));
  await page.mouse.down();
  for (const [fx, fy] of [[0.45, 0.2], [0.72, 0.2], [0.62, 0.45], [0.52, 0.65], [0.45, 0.85]]) {
    await page.mouse.move(...at(fx, fy), { steps: 8 });
  }
  await page.mouse.up();
}

export async function probs(page, suffix = '') {
  // One evaluate: the ten values of the same prediction.
  return page.evaluate((sfx) => Array.from({ length: 10 }, (_, i) => Number(document.querySelector(`[data-testid="prob-${i}${sfx}"]`).dataset.value)), suffix);
}

/** The build and the data every e2e file needs; a clear failure naming the missing one. */
export function assertBuilt() {
  for (const f of ['www/pkg/sifrian.js', 'www/pkg/sifrian_bg.wasm', 'sw.js', 'www/data/mnist/train-images-idx3-ubyte.gz']) {
    assert.ok(existsSync(path.join(ROOT, f)), `${f} is missing: run \`make build\` and \`bash data/fetch.sh\``);
  }
}

/** The requests of a browser `b` that left the server at `base` (data: and blob: are local). */
export const outsideRequests = (b, base) => b.requests.filter((u) => !u.startsWith(base + '/') && !u.startsWith('data:') && !u.startsWith('blob:'));

/** How many lab reports the page has requested (#lab's data-reqs). */
export const labReqs = (page) => page.getAttribute('#lab', 'data-reqs').then((r) => Number(r || 0));

/**
 * Waits until a lab report requested after request number `before` is shown (the lab no longer
 * aria-busy); returns {ms (worker), wallMs, cached, report}. A time-out names the lab's state.
 */
export async function labShown(page, before, timeout = 60000) {
  try {
    await page.waitForFunction((n) => Number(document.getElementById('lab').dataset.reqs || 0) > n
      && document.getElementById('lab').getAttribute('aria-busy') === 'false', before, { timeout });
  } catch (e) {
    const info = await page.evaluate(() => [document.getElementById('lab-info').textContent, document.getElementById('lab').getAttribute('aria-busy'), document.getElementById('lab').dataset.reqs]);
    throw new Error(`${e.message}; lab: ${JSON.stringify(info)}, waiting for a request after #${before}`);
  }
  return page.evaluate(() => {
    const d = document.getElementById('lab').dataset;
    return { ms: Number(d.labMs), wallMs: Number(d.labWallMs), cached: d.labCached === 'true', report: d.report ? JSON.parse(d.report) : null };
  });
}

/** Polls `fn` until it returns a truthy value (returned), or throws after `timeoutMs` naming `what`. */
export async function waitFor(fn, timeoutMs, what, everyMs = 200) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The set-up of an e2e file: before its tests, checks the build and serves ROOT (`opts` as for
 * `serve`) and hands the server's URL to `onBase`; after them, stops the server and writes the
 * returned metrics object to test-output/`file` (and prints it).
 */
export function e2eSuite(file, onBase, opts = {}) {
  const metrics = {};
  let server;
  before(async () => {
    assertBuilt();
    let base;
    ({ server, base } = await serve(opts));
    onBase(base);
  });
  after(() => {
    server.close();
    writeFileSync(path.join(OUT, file), JSON.stringify(metrics, null, 2) + '\n');
    console.log('metrics', JSON.stringify(metrics));
  });
  return metrics;
}

/** Chromium (launch()) as the engine-neutral driver of `smoke`. */
export async function chromiumDriver(opts) {
  const b = await launch(opts);
  return {
    name: 'chromium', browser: b, page: b.page,
    version: () => b.page.evaluate(() => navigator.userAgent),
    goto: (u) => b.page.goto(u),
    eval: (fn, arg) => b.page.evaluate(fn, arg), // the smoke passes at most one argument
    click: (selector) => b.page.click(selector),
    stroke: async (points) => {
      await b.page.mouse.move(...points[0]);
      await b.page.mouse.down();
      for (const p of points.slice(1)) await b.page.mouse.move(...p, { steps: 6 });
      await b.page.mouse.up();
    },
    screenshot: () => b.page.screenshot({ fullPage: true }),
    problems: () => b.problems.slice(),
    close: () => close(b),
  };
}

/**
 * From now on the page's downloads are caught at their anchor click, in any engine: the last one's
 * blob is kept as a File in window.__saved (a fetch of the blob: URL would be refused by
 * connect-src 'self'), and nothing is written to disk.
 */
export const catchDownloads = (d) => d.eval(() => {
  const blobs = new Map();
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (b) => { const u = createObjectURL(b); blobs.set(u, b); return u; };
  const click = HTMLAnchorElement.prototype.click;
  window.__saved = null;
  HTMLAnchorElement.prototype.click = function () {
    if (!this.download || !blobs.has(this.href)) return click.call(this);
    window.__saved = new File([blobs.get(this.href)], this.download);
    return undefined;
  };
});

/**
 * The smoke every engine passes (Chromium also runs the full suite), through a driver `d`
 * ({goto, eval(fn, ...args), click(selector), stroke(points), problems(), close()}) and a page
 * served with the probe at `url`: load and data progress to ready; the lab's exact inertia on
 * 784-64-10; SGD to 90 % validation (all 10,000 at the pause after one epoch); a drawn "1" read as 1; a save/load
 * round trip (the page's own download bytes fed back to its file input) restoring the prediction;
 * a race with both readouts advancing; no error, console error or CSP violation. Returns metrics.
 */
export async function smoke(d, url) {
  const m = { engine: d.name };
  const until = (what, ms, fn, ...args) => waitFor(() => d.eval(fn, ...args), ms, `${d.name}: ${what}`, 250);
  const txt = (id) => d.eval((i) => document.querySelector(`[data-testid="${i}"]`).textContent.trim(), id);
  const probsNow = () => d.eval(() => Array.from({ length: 10 }, (_, i) => Number(document.querySelector(`[data-testid="prob-${i}"]`).dataset.value)));
  const t0 = Date.now();
  await d.goto(url);
  // Load: the engine, then the data set with its progress bar, then a configured run.
  await until('the data set ready', 120000, () => document.body.dataset.loaded === 'mnist' && !document.querySelector('[data-testid="play"]').disabled);
  m.wallToReadyMs = Date.now() - t0;
  const load = await d.eval(() => ({
    probe: Array.isArray(window.__problems), progress: document.querySelector('[data-testid="data-progress"]').value,
    state: document.querySelector('[data-testid="status"]').dataset.state, status: document.querySelector('[data-testid="status"]').textContent,
  }));
  assert.ok(load.probe, `${d.name}: the test probe is not in the page (serve with probe: true)`);
  assert.equal(load.progress, 100, `${d.name}: data progress`);
  assert.equal(load.state, 'ok', `${d.name}: status ${load.status}`);
  assert.match(load.status, /60000 training and 10000 test images/);

  // The lab: scrolling it into view computes the exact spectrum of test pattern 0.
  // (If it has not started within 10 s, Compute is pressed, as the lab's note says; the metric
  // labAutoCompute records which.)
  await d.eval(() => document.getElementById('lab').scrollIntoView());
  m.labAutoCompute = await waitFor(() => d.eval(() => Number(document.getElementById('lab').dataset.reqs || 0) > 0), 10000, 'auto', 250).catch(() => false);
  if (!m.labAutoCompute) await d.click('[data-testid="lab-compute"]');
  await until('the lab report', 60000, () => Number(document.getElementById('lab').dataset.reqs || 0) > 0 && document.getElementById('lab').getAttribute('aria-busy') === 'false');
  assert.equal(await txt('inertia-exact'), '74/64/50752', `${d.name}: exact inertia of 784-64-10`);
  await d.eval(() => window.scrollTo(0, 0));

  // SGD on the small net to 90 % (the budget validation), then the pause's full validation.
  await d.click('[data-testid="play"]');
  m.valAt90 = await until('validation accuracy >= 90', 180000, () => {
    const v = Number(document.querySelector('[data-testid="validation-accuracy"]').textContent);
    return v >= 90 ? v : null;
  });
  m.samplesAt90 = Number(await txt('samples-seen'));
  // One epoch in all before the pad: at 90 % a quick stroke can still be split between classes
  // (measured in Firefox at 6,000 patterns: a "1" at 0.487 against an "8" at 0.494).
  await until('one epoch (60,000 patterns)', 180000, () => Number(document.querySelector('[data-testid="samples-seen"]').textContent) >= 60000);
  await d.click('[data-testid="play"]');
  await until('the full validation', 60000, () => /all 10,000/.test(document.getElementById('val-note').textContent));
  m.fullValidation = Number(await txt('validation-accuracy'));
  assert.ok(m.fullValidation >= 90, `${d.name}: full validation ${m.fullValidation}`);

  // A "1": one stroke down the middle of the pad.
  const box = await d.eval(() => {
    const pad = document.querySelector('[data-testid="draw-pad"]');
    pad.scrollIntoView({ block: 'center' });
    const r = pad.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height };
  });
  const at = (fx, fy) => [box.x + fx * box.w, box.y + fy * box.h];
  await d.stroke([at(0.52, 0.15), at(0.51, 0.35), at(0.5, 0.55), at(0.49, 0.75), at(0.48, 0.88)]);
  await until('a prediction', 10000, () => /^\d$/.test(document.querySelector('[data-testid="prediction"]').textContent));
  await new Promise((r) => setTimeout(r, 300));
  m.drawnOne = await txt('prediction');
  const trained = await probsNow();
  m.drawnOneProbability = trained[1];
  assert.equal(m.drawnOne, '1', `${d.name}: a drawn 1 read as ${m.drawnOne} (probabilities ${trained})`);

  // Save: the page's download, caught at its anchor click.
  await catchDownloads(d);
  await d.click('[data-testid="save-model"]');
  m.savedName = await until('the saved model', 10000, () => window.__saved && window.__saved.name);
  assert.match(m.savedName, /^sifrian-mnist-sgd-784-64-10-\d+\.bin$/);
  m.savedBytes = await d.eval(() => window.__saved.size);
  await d.click('[data-testid="reset"]');
  await until('a fresh network', 10000, (p) => document.querySelector('[data-testid="samples-seen"]').textContent === '0'
    && Array.from({ length: 10 }, (_, i) => Number(document.querySelector(`[data-testid="prob-${i}"]`).dataset.value)).some((x, i) => Math.abs(x - p[i]) > 1e-4), trained);
  await d.eval(() => {
    const input = document.querySelector('[data-testid="load-model"]');
    const dt = new DataTransfer();
    dt.items.add(window.__saved);
    input.files = dt.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await until('the model loaded', 10000, (n) => document.querySelector('[data-testid="status"]').textContent.includes(`Loaded ${n}`), m.savedName);
  await until('the restored prediction', 10000, (p) => Array.from({ length: 10 }, (_, i) => Number(document.querySelector(`[data-testid="prob-${i}"]`).dataset.value)).every((x, i) => Math.abs(x - p[i]) < 1e-6), trained);
  assert.equal(await txt('prediction'), '1', `${d.name}: the loaded model reads the 1`);

  // A race: SGD and damped MK side by side, both readouts advance.
  await d.eval(() => window.scrollTo(0, 0));
  await d.click('[data-testid="race"]');
  await until('the race configured', 20000, () => document.querySelector('[data-testid="race"]').getAttribute('aria-pressed') === 'true'
    && !document.querySelector('[data-testid="samples-seen-mk"]').hidden && !document.querySelector('[data-testid="play"]').disabled);
  assert.equal(await d.eval(() => document.querySelector('[data-testid="optimizer"]').value), 'mk-damped');
  await d.click('[data-testid="play"]');
  const counts = () => d.eval(() => [Number(document.querySelector('[data-testid="samples-seen"]').textContent), Number(document.querySelector('[data-testid="samples-seen-mk"]').textContent)]);
  await until('both runners past 3,000 patterns', 60000, () => ['samples-seen', 'samples-seen-mk'].every((id) => Number(document.querySelector(`[data-testid="${id}"]`).textContent) >= 3000));
  const first = await counts();
  await new Promise((r) => setTimeout(r, 1500));
  const second = await counts();
  m.race = { first, second };
  assert.ok(second[0] > first[0] && second[1] > first[1], `${d.name}: both readouts advance: ${first} -> ${second}`);
  await d.click('[data-testid="play"]');
  await until('the race paused', 10000, () => document.querySelector('[data-testid="play"]').textContent.trim() === 'Play');

  // Nothing went wrong on the way.
  const seen = await d.eval(() => ({ problems: window.__problems, csp: window.__csp }));
  m.cspViolations = seen.csp.length;
  // The service worker's report (www/sw.js), if this engine runs it here: "<build> <responses cached>".
  m.offlineCache = await d.eval(() => document.body.dataset.offline || null);
  assert.deepEqual([...seen.problems, ...d.problems()], [], `${d.name}: page errors or console errors`);
  assert.deepEqual(seen.csp, [], `${d.name}: Content-Security-Policy violations`);
  // The policy is in force: an injected inline script and an inline style are both refused.
  const refused = await d.eval(() => new Promise((resolve) => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.append(s);
    const st = document.createElement('style');
    st.textContent = 'body { outline: 3px solid red }';
    document.head.append(st);
    setTimeout(() => resolve({ ran: window.__inlineRan === true, styled: getComputedStyle(document.body).outlineStyle === 'solid', csp: window.__csp }), 1000);
  }));
  m.cspRefused = refused.csp;
  assert.ok(!refused.ran && !refused.styled, `${d.name}: inline script ran ${refused.ran}, inline style applied ${refused.styled}`);
  assert.ok(refused.csp.some((v) => v.startsWith('script-src')) && refused.csp.some((v) => v.startsWith('style-src')), `${d.name}: violations reported ${JSON.stringify(refused.csp)}`);
  return m;
}
