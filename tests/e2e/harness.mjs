// Shared by the e2e tests: a static server of the repository root on 127.0.0.1 (ephemeral port)
// and Debian's Chromium through playwright-core (never a downloaded browser).
import { createServer } from 'node:http';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** Serves ROOT; `fail` (a function of the URL path) can force a status for a test. Resolves {server, base}. */
export function serve({ fail } = {}) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(ROOT, path.normalize(rel));
    const forced = fail && fail(url.pathname);
    if (forced) { res.writeHead(forced); res.end(); return; }
    if (!file.startsWith(ROOT + path.sep)) { res.writeHead(403); res.end(); return; }
    let st;
    try { st = statSync(file); } catch { res.writeHead(404); res.end('not found'); return; }
    if (!st.isFile()) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': st.size,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ server, base: `http://127.0.0.1:${server.address().port}` });
  }));
}

/** Chromium as toolchain.md 2.8; returns {ctx, page, profile, problems, requests}. */
export async function launch({ viewport = { width: 1280, height: 900 } } = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport, acceptDownloads: true,
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
  for (const f of ['www/pkg/sifrian.js', 'www/pkg/sifrian_bg.wasm', 'www/data/mnist/train-images-idx3-ubyte.gz']) {
    assert.ok(existsSync(path.join(ROOT, f)), `${f} is missing: run \`make build\` and \`bash data/fetch.sh\``);
  }
}

/** The requests of a browser `b` that left the server at `base` (data: and blob: are local). */
export const outsideRequests = (b, base) => b.requests.filter((u) => !u.startsWith(base + '/') && !u.startsWith('data:') && !u.startsWith('blob:'));

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
