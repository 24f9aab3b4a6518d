// The guided experiments (issue 12, item 2): one button each in data-testid="experiments"; a click
// sets every control from the experiment's link and trains; the link itself, handed out, opens the
// settings and the story without training; and every result a story quotes is in README.md.
// Run: node --test tests/e2e/experiments.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openReady, e2eSuite, ROOT, text, withPage } from './harness.mjs';

let base;
const metrics = e2eSuite('e2e-experiments-metrics.json', (b) => { base = b; });

const seen = async (page, id) => Number((await text(page, id)).replace(/,/g, ''));

test('every story quotes only results that README.md reports', () => {
  const src = readFileSync(path.join(ROOT, 'www/experiments.js'), 'utf8');
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
  const shows = [...src.matchAll(/shows: '((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]);
  assert.ok(shows.length >= 4 && shows.length <= 6, `4-6 stories, found ${shows.length}`);
  let quoted = 0;
  for (const story of shows) {
    for (const [pct] of story.matchAll(/\d+\.\d\d(?= %)/g)) {
      assert.ok(readme.includes(`${pct} `) || readme.includes(`${pct} /`), `${pct} % is in README.md (story: ${story.slice(0, 60)}…)`);
      quoted++;
    }
    for (const [all, mant, exp] of story.matchAll(/(\d\.\d+)e(\d+)/g)) {
      assert.ok(readme.includes(all) || readme.includes(`${mant}e+${exp.padStart(2, '0')}`), `${all} is in README.md`);
    }
    for (const [count] of story.matchAll(/\d+ (?:positive|negative)/g)) assert.ok(readme.includes(count), `"${count}" is in README.md`);
  }
  assert.ok(quoted >= 20, `the stories quote measured accuracies (${quoted})`);
  metrics.quotedAccuracies = quoted;
});

test('each experiment button sets every control from its link, tells its story and trains', () => withPage(base, async ({ page }) => {
  await openReady(page, base, '');
  const ids = await page.$$eval('[data-testid="experiments"] button', (bs) => bs.map((b) => b.dataset.exp));
  assert.ok(ids.length >= 4 && ids.length <= 6, `4-6 experiment buttons, found ${ids.length}`);
  metrics.experiments = {};
  for (const id of ids) {
    const link = await page.getAttribute(`[data-testid="experiments"] button[data-exp="${id}"] + a`, 'href');
    assert.match(link, new RegExp(`^#dataset=.*&exp=${id}$`), `the link of ${id}`);
    await page.click(`[data-testid="experiments"] button[data-exp="${id}"]`);
    await page.waitForFunction((want) => location.hash === want, link, { timeout: 30000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="play"]').textContent === 'Pause', null, { timeout: 60000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="samples-seen"]').textContent.replace(/,/g, '')) > 0, null, { timeout: 30000 });
    const story = await text(page, 'experiment-story');
    for (const part of ['Question:', 'Watch:', 'What it shows:']) assert.ok(story.includes(part), `${id}: the story has "${part}"`);
    assert.equal(await page.getAttribute(`button[data-exp="${id}"]`, 'aria-pressed'), 'true');
    // The settings the page runs are the link's: open the link's address as a parse of the form.
    const shown = await page.evaluate(() => ({
      arch: document.querySelector('[data-testid="architecture"]').value,
      optimizer: document.querySelector('[data-testid="optimizer"]').value,
      step: document.querySelector('[data-testid="step-size"]').value,
      race: document.querySelector('[data-testid="race"]').getAttribute('aria-pressed'),
    }));
    const params = new URLSearchParams(link.slice(1));
    assert.equal(shown.arch, params.get('arch') || 'small', `${id}: the network`);
    assert.equal(shown.optimizer, params.get('opt'), `${id}: the method`);
    if (params.has('step')) assert.equal(shown.step, params.get('step'), `${id}: the step size`);
    assert.equal(shown.race, String(params.get('race') === '1'), `${id}: the race`);
    if (params.get('race') === '1') {
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="samples-seen-mk"]').textContent.replace(/,/g, '')) > 0);
    }
    metrics.experiments[id] = { link, samples: await seen(page, 'samples-seen') };
    await page.click('[data-testid="play"]'); // pause before the next one
    await page.waitForFunction(() => document.querySelector('[data-testid="play"]').textContent === 'Play');
  }
}));

test('an experiment\'s link opens its settings and story without training (at 390 px, no overflow); changing a setting drops the story', () => withPage(base, async ({ page }) => {
  await openReady(page, base, '');
  const link = await page.getAttribute('button[data-exp="damped-collapse"] + a', 'href');
  await page.goto('about:blank');
  await openReady(page, base, link);
  assert.ok(await page.isVisible('[data-testid="experiment-story"]'), 'the story is shown');
  assert.match(await text(page, 'experiment-story'), /Damped MK/);
  assert.equal(await page.inputValue('[data-testid="optimizer"]'), 'mk-damped');
  assert.equal(await page.inputValue('[data-testid="step-size"]'), '0.03');
  assert.equal(await page.inputValue('[data-testid="step-size-sgd"]'), '0.03');
  assert.equal(await page.inputValue('[data-testid="architecture"]'), 'medium');
  assert.equal(await page.getAttribute('[data-testid="race"]', 'aria-pressed'), 'true');
  assert.equal(await text(page, 'play'), 'Play', 'a link waits for Play');
  assert.equal(await seen(page, 'samples-seen'), 0);
  // At 390 px the buttons and the story fit their box (no sideways scrolling).
  const overflow = await page.$eval('[data-testid="experiments"]', (el) => [el.scrollWidth, el.clientWidth, document.documentElement.scrollWidth]);
  assert.ok(overflow[0] <= overflow[1] && overflow[2] <= 390, `no horizontal overflow at 390 px: ${overflow}`);
  await page.fill('[data-testid="seed"]', '3');
  await page.press('[data-testid="seed"]', 'Enter');
  await page.waitForFunction(() => /seed=3/.test(location.hash));
  assert.doesNotMatch(await page.evaluate(() => location.hash), /exp=/, 'the address no longer names the experiment');
  assert.equal(await page.isVisible('[data-testid="experiment-story"]'), false, 'the story is gone');
}, { viewport: { width: 390, height: 844 } }));
