// End-to-end test of the curvature of the data (the lab's last block, www/batchcurvature.js) in
// Debian's Chromium: on the small net (784-64-10, seed 7, untrained), N = 1,000 training images,
// sample seed 0, the readout shows 5 descending eigenvalues of the mean Hessian and the same
// numbers as `sifrian batch-curvature` natively for that seed and model; screenshots at 1280x900
// and 390x844 (touch, 2x) go to test-output/. The time to the eigenvalues goes to
// test-output/e2e-metrics-batchcurvature.json (not asserted: the machine may be busy), also on the
// paper's net (784-512-256-32-10, N = 1,000, M = 1).
// Run: node --test tests/e2e/batchcurvature.test.mjs   (needs `make build`, `bash data/fetch.sh`
// and `cargo build --release` for the CLI)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openReady, OUT, ROOT, e2eSuite, withPage } from './harness.mjs';

let base;
const metrics = e2eSuite('e2e-metrics-batchcurvature.json', (b) => { base = b; });

/** `fn(page)` on a fresh Chromium emulating `device`, through the harness's `withPage` (no page error, no outside request). */
const withDevice = (device, fn) => withPage(base, (b) => fn(b.page), device);

/** Clicks "Curvature of the data" and waits for the final readout; returns the eigenvalues shown. */
async function runCurvature(page) {
  const panel = page.locator('#batch-curvature-panel');
  await panel.scrollIntoViewIfNeeded();
  await page.click('[data-testid="batch-curvature-run"]');
  await page.waitForSelector('[data-testid="batch-curvature"][data-batch-curvature-phase="done"]', { timeout: 180000 });
  return page.evaluate(() => ({
    values: [...document.querySelectorAll('[data-testid="batch-curvature-eigenvalues"] li')].map((li) => Number(li.dataset.value)),
    meanRadius: Number(document.querySelector('[data-testid="batch-curvature-mean-radius"]').dataset.value),
    lanczosMs: Number(document.querySelector('[data-testid="batch-curvature"]').dataset.batchCurvatureLanczosMs),
    text: document.querySelector('[data-testid="batch-curvature"]').textContent,
  }));
}

function cli() {
  const bin = path.join(ROOT, 'target/release/sifrian');
  assert.ok(existsSync(bin), `${bin} is missing: run \`cargo build --release\``);
  const out = execFileSync(bin, ['batch-curvature', '--sizes', '784,64,10', '--seed', '7', '--patterns', '1000',
    '--subset', '5', '--sample-seed', '0'], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out);
}

test('small net: 5 descending eigenvalues of the mean Hessian over 1,000 images, the same as the CLI; screenshot', () => withDevice(
  { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 }, async (page) => {
    await openReady(page, base, '#arch=small&seed=7');
    const shown = await runCurvature(page);
    assert.equal(shown.values.length, 5, `5 eigenvalues shown: ${shown.values}`);
    for (let i = 1; i < 5; i++) assert.ok(shown.values[i - 1] >= shown.values[i], `descending: ${shown.values}`);
    assert.ok(shown.values[0] > 0, `the top eigenvalue ${shown.values[0]} is positive`);
    assert.match(shown.text, /converged/, 'the readout says whether Lanczos converged');
    const native = cli();
    for (let i = 0; i < 5; i++) {
      const [a, b] = [shown.values[i], native.ritz.top[i]];
      assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b), `eigenvalue ${i + 1}: page ${a} vs CLI ${b}`);
    }
    assert.ok(Math.abs(shown.meanRadius - native.mean_radius) <= 1e-9 * native.mean_radius,
      `mean per-pattern radius: page ${shown.meanRadius} vs CLI ${native.mean_radius}`);
    metrics.small_lanczos_ms_page = shown.lanczosMs;
    metrics.small_lanczos_ms_cli = native.lanczos_ms;
    metrics.small_top5 = shown.values;
    await page.locator('#batch-curvature-panel').screenshot({ path: path.join(OUT, 'batch-curvature.png') });
  }));

test('phone (390x844, touch, 2x): the readout fits the screen; screenshot', () => withDevice(
  { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }, async (page) => {
    await openReady(page, base, '#arch=small&seed=7');
    const before = await runCurvature(page);
    assert.equal(before.values.length, 5);
    const overflow = await page.evaluate(() => {
      const el = document.getElementById('batch-curvature-panel');
      return { scroll: el.scrollWidth, client: el.clientWidth };
    });
    assert.ok(overflow.scroll <= overflow.client + 1, `no horizontal overflow: ${JSON.stringify(overflow)}`);
    await page.locator('#batch-curvature-panel').screenshot({ path: path.join(OUT, 'batch-curvature-phone.png') });
  }));

test('a bad N is named by the engine; cancel stops a run', () => withDevice(
  { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 }, async (page) => {
    await openReady(page, base, '#arch=small&seed=7');
    await page.fill('[data-testid="batch-curvature-n"]', '0');
    await page.click('[data-testid="batch-curvature-run"]');
    await page.waitForFunction(() => /Error: .*patterns/.test(document.querySelector('[data-testid="batch-curvature-status"]').textContent));
    await page.fill('[data-testid="batch-curvature-n"]', '60000');
    await page.click('[data-testid="batch-curvature-run"]');
    await page.waitForSelector('[data-testid="batch-curvature-cancel"]:not([hidden])');
    await page.click('[data-testid="batch-curvature-cancel"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="batch-curvature-status"]').textContent === 'Cancelled.', null, { timeout: 60000 });
    assert.equal(await page.isDisabled('[data-testid="batch-curvature-run"]'), false, 'the button is back');
  }));

test("the paper's net: the top 5 of the mean Hessian over 1,000 images in the page (time recorded, not asserted)", () => withDevice(
  { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 }, async (page) => {
    await openReady(page, base, '#arch=paper');
    await page.fill('[data-testid="batch-curvature-m"]', '1');
    const shown = await runCurvature(page);
    assert.equal(shown.values.length, 5, `5 eigenvalues shown: ${shown.values}`);
    for (let i = 1; i < 5; i++) assert.ok(shown.values[i - 1] >= shown.values[i], `descending: ${shown.values}`);
    metrics.paper_lanczos_ms_page = shown.lanczosMs;
    metrics.paper_top5 = shown.values;
  }));
