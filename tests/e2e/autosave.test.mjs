// End-to-end tests of the autosave in Debian's Chromium: the worker saves the run's model to
// IndexedDB; after a reload, or after the tab was closed without warning, the page offers it back;
// Restore brings back the same parameters (hash), pattern count, validation and settings; Discard
// deletes it; without IndexedDB the page says so once and trains anyway.
// The profile is persistent (harness launch()), so IndexedDB outlives the page as in a browser.
// Run: node --test tests/e2e/autosave.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, close, openReady, text, number, drawSeven, probs, waitFor, outsideRequests, e2eSuite } from './harness.mjs';

let base;
const metrics = e2eSuite('e2e-metrics-autosave.json', (b) => { base = b; });

/** Page errors and console errors of `page` go into `problems`. */
function watch(page, problems) {
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
}

async function withBrowser(fn) {
  const b = await launch();
  try {
    await fn(b);
    assert.deepEqual(b.problems, [], 'page errors or console errors');
    const outside = outsideRequests(b, base);
    assert.deepEqual(outside, [], 'requests left 127.0.0.1');
  } finally {
    await close(b);
  }
}


/** What the autosave marker says: {samples, hash, bytes, exportMs, writeMs, savedAt} (strings). */
const saved = (page) => page.evaluate(() => ({ ...document.querySelector('[data-testid="autosave-status"]').dataset }));
const offer = (page) => page.locator('[data-testid="autosave-offer"]');
const hashOf = (page) => page.evaluate(() => ({ hash: document.body.dataset.paramsHash, from: document.body.dataset.paramsHashFrom }));
/** Waits for the status to report a full validation after `first` (its first sentence). */
const fullValidation = (page, first) => page.waitForFunction((f) => new RegExp(`^${f}.* Validation accuracy on all 10000`).test(document.querySelector('[data-testid="status"]').textContent)
  && /all 10,000/.test(document.getElementById('val-note').textContent), first, { timeout: 30000 });

test('a paused run is autosaved; after a reload the offer restores the same model, count and settings', () => withBrowser(async ({ page }) => {
  await openReady(page, base, '#arch=medium');
  assert.ok(await offer(page).isHidden(), 'a fresh profile has nothing to offer');
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 4000, 30000, '4,000 patterns');
  await page.click('[data-testid="play"]'); // pause: an autosave of exactly these weights
  await page.waitForSelector('[data-testid="play"]:has-text("Play")');
  const samples = await number(page, 'samples-seen');
  await waitFor(async () => Number((await saved(page)).samples) === samples, 30000, `the autosave at ${samples} patterns`);
  await fullValidation(page, 'Paused at');
  const accuracy = await number(page, 'validation-accuracy');
  const before = await saved(page);
  metrics.medium = { samples, bytes: Number(before.bytes), exportMs: Number(before.exportMs), writeMs: Number(before.writeMs) };
  assert.match(await text(page, 'autosave-status'), new RegExp(`at ${samples.toLocaleString('en')} patterns`));
  assert.match(before.hash, /^[0-9a-f]{16}$/);
  await drawSeven(page);
  const trained = await waitFor(async () => { const v = await probs(page); return v.every(Number.isFinite) ? v : null; }, 5000, 'probabilities');

  // Another visit, with other settings in the address: the offer names the saved run.
  await page.goto('about:blank');
  await openReady(page, base, '#arch=small&seed=3');
  await offer(page).waitFor({ state: 'visible', timeout: 10000 });
  const said = await text(page, 'autosave-offer');
  metrics.offerText = said.split('\n')[0];
  assert.match(said, /A model you trained earlier was saved: 784-128-64-10, SGD step 0\.01, /);
  assert.ok(said.includes(`${samples.toLocaleString('en')} patterns on MNIST`), `the offer gives the count ${samples}: ${said}`);
  assert.equal(await offer(page).getAttribute('data-samples'), String(samples));
  assert.equal(await offer(page).getAttribute('role'), 'region');
  assert.ok(await page.isVisible('[data-testid="autosave-restore"]') && await page.isVisible('[data-testid="autosave-discard"]'));
  assert.equal(await text(page, 'samples-seen'), '0');

  await page.click('[data-testid="autosave-restore"]');
  await offer(page).waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.body.dataset.paramsHashFrom === 'imported');
  assert.equal((await hashOf(page)).hash, before.hash, 'the same parameters as saved');
  await fullValidation(page, 'Loaded the autosaved model');
  assert.equal(await number(page, 'validation-accuracy'), accuracy, 'the same validation accuracy on all 10,000');
  assert.equal(await number(page, 'samples-seen'), samples, 'the pattern count is restored');
  assert.equal(await page.inputValue('[data-testid="architecture"]'), 'medium', 'the saved run\'s network');
  assert.equal(await page.inputValue('[data-testid="seed"]'), '0', 'the saved run\'s seed');
  assert.match(await page.evaluate(() => location.hash), /arch=medium/);
  await drawSeven(page);
  const restored = await waitFor(async () => { const v = await probs(page); return v.every((x, i) => Math.abs(x - trained[i]) < 1e-6) ? v : null; }, 5000, 'the same prediction as before the reload');
  assert.ok(restored);

  // Training goes on from the restored count.
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) > samples + 2000, 20000, 'training after the restore');
  await page.click('[data-testid="play"]');
}));

test('a tab closed while training (no unload handlers) leaves its model on offer; Discard deletes it', () => withBrowser(async ({ ctx, page, problems }) => {
  await openReady(page, base);
  await page.click('[data-testid="play"]');
  // The first autosave of a run comes at its first validation (1,000 patterns).
  const first = await waitFor(async () => { const s = await saved(page); return Number(s.samples) > 0 ? s : null; }, 20000, 'an autosave while training');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 20000, 20000, '20,000 patterns');
  // Hiding the page asks the worker for a save at once (a synthetic pagehide: headless pages stay
  // visible); later ones wait for a validation 30 s on, or a pause.
  const seen = await number(page, 'samples-seen');
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false })));
  const last = await waitFor(async () => { const s = await saved(page); return Number(s.samples) >= seen ? s : null; }, 5000, 'a save when the page is hidden');
  await waitFor(async () => (await number(page, 'samples-seen')) >= Number(last.samples) + 20000, 20000, '20,000 more patterns');
  assert.equal(await page.textContent('[data-testid="play"]'), 'Pause', 'still training');
  await page.close({ runBeforeUnload: false }); // as a crash would: no pause, no goodbye

  const again = await ctx.newPage();
  watch(again, problems);
  await openReady(again, base);
  await offer(again).waitFor({ state: 'visible', timeout: 10000 });
  const count = Number(await offer(again).getAttribute('data-samples'));
  metrics.crash = { firstAutosave: Number(first.samples), lastAutosave: Number(last.samples), offered: count };
  assert.ok(count >= Number(last.samples), `offered ${count} patterns, the last autosave seen had ${last.samples}`);
  assert.match(await text(again, 'autosave-offer'), new RegExp(`784-64-10, SGD step 0\\.01, ${count.toLocaleString('en')} patterns on MNIST`));

  await again.click('[data-testid="autosave-discard"]');
  await offer(again).waitFor({ state: 'hidden' });
  await again.waitForFunction(() => /discarded/.test(document.querySelector('[data-testid="status"]').textContent));
  await again.reload();
  await openReady(again, base);
  await again.waitForTimeout(500); // the offer is read at start: give it time to (not) appear
  assert.ok(await offer(again).isHidden(), 'nothing is offered after Discard');
  const left = await again.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('sifrian');
    req.onsuccess = () => {
      const all = req.result.transaction('autosave').objectStore('autosave').getAllKeys();
      all.onsuccess = () => resolve(all.result);
      all.onerror = () => reject(all.error);
    };
    req.onerror = () => reject(req.error);
  }));
  assert.deepEqual(left, [], 'the store is empty');
}));

test('a new run\'s first autosave replaces the one on offer (one slot), and a race saves both sides', () => withBrowser(async ({ page }) => {
  await openReady(page, base);
  await page.click('[data-testid="play"]');
  await waitFor(async () => Number((await saved(page)).samples) > 0, 20000, 'an autosave');
  await page.click('[data-testid="play"]');
  await page.goto('about:blank');
  await openReady(page, base, '#race=1&opt=mk-damped');
  await offer(page).waitFor({ state: 'visible', timeout: 10000 });
  await page.click('[data-testid="play"]');
  await offer(page).waitFor({ state: 'hidden', timeout: 20000 });
  assert.match(await text(page, 'status'), /replaced by this run's/);
  await waitFor(async () => (await number(page, 'samples-seen-mk')) >= 3000, 20000, '3,000 patterns in the race');
  await page.click('[data-testid="play"]');
  await page.waitForSelector('[data-testid="play"]:has-text("Play")');
  const samples = await number(page, 'samples-seen');
  await waitFor(async () => Number((await saved(page)).samples) === samples, 10000, 'the autosave at the pause');
  await fullValidation(page, 'Paused at');
  const acc = [await number(page, 'validation-accuracy'), await number(page, 'validation-accuracy-mk')];

  await page.goto('about:blank');
  await openReady(page, base);
  await offer(page).waitFor({ state: 'visible', timeout: 10000 });
  assert.match(await text(page, 'autosave-offer'), /784-64-10, SGD step 0\.01 vs MK damped μ=1 step 0\.01, /);
  await page.click('[data-testid="autosave-restore"]');
  await page.waitForSelector('[data-testid="samples-seen-mk"]', { state: 'visible' });
  await fullValidation(page, 'Loaded the autosaved model');
  assert.equal(await page.getAttribute('[data-testid="race"]', 'aria-pressed'), 'true');
  assert.equal(await page.inputValue('[data-testid="optimizer"]'), 'mk-damped');
  assert.deepEqual([await number(page, 'validation-accuracy'), await number(page, 'validation-accuracy-mk')], acc, 'both sides restored');
  assert.equal(await number(page, 'samples-seen-mk'), samples);
}));

test('without IndexedDB the status says so once and training works', () => withBrowser(async ({ page }) => {
  // The page's thread loses IndexedDB (as in some private modes); it turns the worker's off too.
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { configurable: true, get() { throw new DOMException('IndexedDB is disabled here', 'SecurityError'); } });
  });
  await openReady(page, base);
  await page.waitForFunction(() => /Autosave is off: IndexedDB is disabled here/.test(document.querySelector('[data-testid="status"]').textContent));
  await page.click('[data-testid="play"]');
  await waitFor(async () => (await number(page, 'samples-seen')) >= 10000, 20000, '10,000 patterns');
  await page.click('[data-testid="play"]');
  await fullValidation(page, 'Paused at');
  assert.ok(await number(page, 'validation-accuracy') > 80);
  assert.match(await text(page, 'status'), /Autosave is off/);
  assert.equal((await saved(page)).samples, undefined, 'nothing was saved');
  assert.ok(await offer(page).isHidden());
}));
