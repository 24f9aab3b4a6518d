// End-to-end: the true second-order steps as trainable methods (src/train/spectral.rs). Saddle-free
// Newton |H|⁺∇J_R races SGD on 784-64-10 and both readouts advance; on the paper's net the engine
// refuses it (order 2S − s_n = 1,610 over the eigenpair cap 512) and the page names the error
// beside the method, holding Play back.
// Run: node --test tests/e2e/spectral.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { withPage, openReady, number, text, waitFor, e2eSuite, OUT } from './harness.mjs';

let base;
const metrics = e2eSuite('e2e-spectral.json', (b) => { base = b; });

test('saddle-free Newton races SGD on 784-64-10: both readouts advance', () => withPage(base, async ({ page }) => {
  await openReady(page, base, '#race=1&arch=small&opt=saddle-free&seed=0');
  assert.equal(await page.inputValue('[data-testid="optimizer"]'), 'saddle-free');
  assert.equal(await text(page, 'optimizer-error'), '', 'no error on the small net');
  await page.click('[data-testid="play"]');
  // The saddle-free side solves an eigenproblem of order 138 per pattern: far slower than SGD.
  await waitFor(async () => (await number(page, 'samples-seen-mk')) >= 20, 120000, 'the saddle-free side past 20 patterns');
  const a = { sgd: await number(page, 'samples-seen'), sf: await number(page, 'samples-seen-mk') };
  await waitFor(async () => (await number(page, 'samples-seen-mk')) > a.sf + 20, 120000, 'the saddle-free side advancing');
  const b = { sgd: await number(page, 'samples-seen'), sf: await number(page, 'samples-seen-mk') };
  metrics.race = { a, b };
  assert.ok(b.sgd > a.sgd, `SGD advances: ${a.sgd} -> ${b.sgd}`);
  assert.ok(b.sf > a.sf, `saddle-free advances: ${a.sf} -> ${b.sf}`);
  await page.screenshot({ path: path.join(OUT, 'spectral-race.png') });
  await page.click('[data-testid="play"]'); // pause
}));

test('saddle-free on the paper net is refused with the order and the cap beside the method', () => withPage(base, async ({ page }) => {
  await openReady(page, base, '#arch=small&opt=saddle-free');
  await page.selectOption('[data-testid="architecture"]', 'paper');
  const err = page.locator('[data-testid="optimizer-error"]');
  await waitFor(async () => (await err.textContent()).length > 0, 60000, 'the refusal beside the method');
  const words = (await err.textContent()).trim();
  metrics.refusal = words;
  assert.match(words, /saddle-free solves for the eigenpairs of a dense matrix of order 2S - s_n = 1610 on 784-512-256-32-10/, words);
  assert.match(words, /at most 512 is supported/, words);
  assert.equal(await page.getAttribute('[data-testid="optimizer"]', 'aria-invalid'), 'true');
  assert.equal(await page.isDisabled('[data-testid="play"]'), true, 'Play waits until it is fixed');
  await page.screenshot({ path: path.join(OUT, 'spectral-refused.png') });
  // Back to the small net: the error goes and the run starts.
  await page.selectOption('[data-testid="architecture"]', 'small');
  await page.waitForSelector('[data-testid="play"]:not([disabled])', { timeout: 60000 });
  assert.equal(await text(page, 'optimizer-error'), '');
}));

test('on a phone the refusal is readable beside the method', () => withPage(base, async ({ page }) => {
  await page.goto(`${base}/#arch=paper&opt=newton-pinv`);
  await page.waitForSelector('body[data-loaded="mnist"]', { timeout: 90000 });
  const err = page.locator('[data-testid="optimizer-error"]');
  await waitFor(async () => (await err.textContent()).length > 0, 90000, 'the refusal beside the method');
  assert.match(await err.textContent(), /newton-pinv solves for the eigenpairs .* order 2S - s_n = 1610/);
  await err.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(OUT, 'spectral-refused-phone.png') });
}, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }));
