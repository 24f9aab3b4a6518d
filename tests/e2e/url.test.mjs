// The address as the page's settings (issue 12, items 10 and 11): every control round-trips
// through the URL, a link opens with exactly its settings (no merge with an earlier or autosaved
// one, no omission that depends on another field), old links keep working, and a classroom link
// hides the controls and panels it names with `<name>_hide=true`.
// Run: node --test tests/e2e/url.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openReady, e2eSuite, withPage } from './harness.mjs';

let base;
const metrics = e2eSuite('e2e-url-metrics.json', (b) => { base = b; });

// Every control of the form and the training toolbar: its selector and how to read it.
const CONTROLS = {
  dataset: '[data-testid="dataset"]', arch: '[data-testid="architecture"]', sizes: '[data-testid="sizes"]',
  alpha: '[data-testid="alpha"]', seed: '[data-testid="seed"]', optimizer: '[data-testid="optimizer"]',
  stepSize: '[data-testid="step-size"]', mu: '[data-testid="mu"]', lambda: '[data-testid="lambda"]',
  lambdaList: '[data-testid="lambda-list"]', white: '[data-testid="white"]', sgdStepSize: '[data-testid="step-size-sgd"]',
  race: '[data-testid="race"]', xAxis: '[data-testid="x-axis"]', valEvery: '[data-testid="val-every"]',
  logX: '[data-testid="log-x"]', speed: '[data-testid="speed"]',
};

/** Every control's value (checkbox: checked; the race button: aria-pressed). */
const readControls = (page) => page.evaluate((sel) => Object.fromEntries(Object.entries(sel).map(([k, s]) => {
  const el = document.querySelector(s);
  if (el.type === 'checkbox') return [k, el.checked];
  if (el.tagName === 'BUTTON') return [k, el.getAttribute('aria-pressed') === 'true'];
  return [k, el.value];
})), CONTROLS);

/** Opens `hash` without autosaved settings (the page before it is idle: nothing writes them after the clear). */
async function openFresh(page, hash, dataset = 'mnist') {
  if (page.url().startsWith(base)) await page.evaluate(() => localStorage.clear());
  await page.goto('about:blank');
  await openReady(page, base, hash, dataset);
}

/** Sets a text or number field as a reader would (type, then Enter fires its change). */
async function setField(page, testid, value) {
  await page.fill(`[data-testid="${testid}"]`, value);
  await page.press(`[data-testid="${testid}"]`, 'Enter');
}

// One value away from its default for every setting (Fashion-MNIST: the data set too).
const EVERY = '#dataset=fashion&arch=custom&sizes=784,40,20,10&opt=mk-unreg&step=0.02&sgdstep=0.005&mu=0.5'
  + '&lambda=0.5,0.25,2,1&white=0&alpha=0.05&seed=7&race=1&x=seconds&val=20000&logx=1&speed=100';
const EVERY_SHOWN = {
  dataset: 'fashion', arch: 'custom', sizes: '784,40,20,10', alpha: '0.05', seed: '7', optimizer: 'mk-unreg',
  stepSize: '0.02', mu: '0.5', lambda: 'fixed', lambdaList: '0.5,0.25,2,1', white: false, sgdStepSize: '0.005',
  race: true, xAxis: 'seconds', valEvery: '20000', logX: true, speed: '100',
};

test('a link naming every setting sets every control, keeps every setting in the address, and opens the same again', () => withPage(base, async ({ page }) => {
  await openFresh(page, EVERY, 'fashion');
  assert.deepEqual(await readControls(page), EVERY_SHOWN, 'the controls after opening the link');
  const written = await page.evaluate(() => location.hash);
  for (const part of EVERY.slice(1).split('&')) assert.ok(written.slice(1).split('&').includes(part), `the address ${written} keeps ${part}`);
  // The address the page wrote, opened in a tab without its autosave: the same controls.
  await openFresh(page, written, 'fashion');
  assert.deepEqual(await readControls(page), EVERY_SHOWN, 'the controls after opening the written address');
  assert.equal(await page.evaluate(() => location.hash), written, 'the address comes back unchanged');
  metrics.everySettingHash = written;
}));

test('every control set by hand round-trips through the address into a fresh tab', () => withPage(base, async ({ page }) => {
  await openFresh(page, '');
  await page.selectOption(CONTROLS.arch, 'custom');
  await setField(page, 'sizes', '784,48,10');
  await setField(page, 'alpha', '0.02');
  await setField(page, 'seed', '5');
  await page.selectOption(CONTROLS.optimizer, 'mk-damped');
  await setField(page, 'step-size', '0.01'); // SGD's default, not damped MK's: it must stay in the address
  await setField(page, 'mu', '2');
  await page.selectOption(CONTROLS.lambda, 'eq65+eq68');
  await page.uncheck(CONTROLS.white);
  await page.click(CONTROLS.race);
  await setField(page, 'step-size-sgd', '0.004');
  await page.selectOption(CONTROLS.xAxis, 'seconds');
  await page.selectOption(CONTROLS.valEvery, '60000');
  await page.check(CONTROLS.logX);
  await page.selectOption(CONTROLS.speed, '10');
  await page.waitForSelector('[data-testid="play"]:not([disabled])');
  const set = await readControls(page);
  assert.deepEqual(set, {
    dataset: 'mnist', arch: 'custom', sizes: '784,48,10', alpha: '0.02', seed: '5', optimizer: 'mk-damped', stepSize: '0.01',
    mu: '2', lambda: 'eq65+eq68', lambdaList: '', white: false, sgdStepSize: '0.004', race: true, xAxis: 'seconds', valEvery: '60000',
    logX: true, speed: '10',
  }, 'the controls as set');
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /(^#|&)step=0\.01(&|$)/, `damped MK at step 0.01 keeps step= in ${hash}`);
  await openFresh(page, hash);
  assert.deepEqual(await readControls(page), set, `the controls from ${hash} in a fresh tab`);
  metrics.byHandHash = hash;
}));

test('editing the address replaces the settings wholly; the autosave does not leak into a link; old links work', () => withPage(base, async ({ page }) => {
  await openFresh(page, '#opt=mk-damped&step=0.05&mu=5&seed=3&race=1&sgdstep=0.02&x=seconds');
  assert.equal(await page.inputValue(CONTROLS.mu), '5');
  // A hashchange (the reader edits the address): what it does not name takes its default.
  await page.evaluate(() => { location.hash = '#seed=4'; });
  await page.waitForFunction(() => document.querySelector('[data-testid="seed"]').value === '4');
  await page.waitForSelector('[data-testid="play"]:not([disabled])');
  const after = await readControls(page);
  assert.deepEqual({ optimizer: after.optimizer, stepSize: after.stepSize, mu: after.mu, race: after.race, xAxis: after.xAxis, seed: after.seed },
    { optimizer: 'sgd', stepSize: '0.01', mu: '1', race: false, xAxis: 'samples', seed: '4' }, 'the settings after #seed=4');
  assert.match(await page.textContent('[data-testid="status"]'), /Ready: SGD step 0\.01 on 784-64-10, seed 4/);
  // The autosaved settings (seed 4 now) are not merged into a link that names a setting.
  await page.goto('about:blank');
  await openReady(page, base, '#opt=mk');
  assert.equal(await page.inputValue(CONTROLS.seed), '0', 'a link without seed= opens seed 0, not the autosaved 4');
  const mkDefault = await page.evaluate(async () => {
    const m = await import('/www/pkg/sifrian.js');
    await m.default();
    return m.catalog().optimizers.find((o) => o.name === 'mk').default_step_size;
  });
  assert.equal(await page.inputValue(CONTROLS.stepSize), String(mkDefault), 'MK as printed at its own default step (the catalog\'s)');
  // A bare address still restores the autosave (the visit before: MK as printed, seed 0).
  await page.goto('about:blank');
  await openReady(page, base, '');
  assert.equal(await page.inputValue(CONTROLS.optimizer), 'mk');
  // An old link: step= with the default method.
  await openFresh(page, '#step=0.02');
  assert.equal(await page.inputValue(CONTROLS.stepSize), '0.02');
  assert.equal(await page.inputValue(CONTROLS.optimizer), 'sgd');
}));

test('a classroom link hides the controls and panels it names, and keeps hiding them as settings change', () => withPage(base, async ({ page }) => {
  await openFresh(page, '#opt=mk-damped&opt_hide=true&mu_hide=true&lab_hide=true&experiments_hide=true&race_hide=1');
  const visible = (sel) => page.isVisible(sel);
  assert.equal(await visible(CONTROLS.optimizer), false, 'the method is hidden');
  assert.equal(await visible(CONTROLS.mu), false, 'μ is hidden');
  assert.equal(await visible(CONTROLS.race), false, 'the race button is hidden');
  assert.equal(await visible('#lab'), false, 'the lab is hidden');
  assert.equal(await visible('[data-testid="experiments"]'), false, 'the experiments are hidden');
  assert.equal(await visible(CONTROLS.stepSize), true, 'the step size is shown');
  assert.equal(await visible(CONTROLS.seed), true, 'the seed is shown');
  assert.equal(await visible('[data-testid="play"]'), true, 'Play is shown');
  await setField(page, 'seed', '2');
  await page.waitForFunction(() => /seed=2/.test(location.hash));
  const hash = await page.evaluate(() => location.hash);
  for (const h of ['opt_hide=true', 'mu_hide=true', 'lab_hide=true', 'experiments_hide=true', 'race_hide=true']) assert.ok(hash.includes(h), `${hash} keeps ${h}`);
  // An unknown name is said, not silently dropped.
  await openFresh(page, '#nothing_hide=true');
  assert.match(await page.textContent('[data-testid="status"]'), /Ignored in the address: nothing_hide \(unknown setting\)/);
  assert.equal(await visible(CONTROLS.optimizer), true);
}));

test('the page follows the system\'s dark mode; without the setup panel the training panel takes the whole width', () => withPage(base, async ({ page }) => {
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const luminance = (rgb) => { const [r, g, b] = rgb.match(/\d+/g).map(Number); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  await page.emulateMedia({ colorScheme: 'light' });
  await openFresh(page, '#setup_hide=true&opt=sgd');
  const light = await background();
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await background();
  assert.ok(luminance(light) > 200 && luminance(dark) < 60, `light ${light}, dark ${dark}`);
  const ink = await page.evaluate(() => getComputedStyle(document.body).color);
  assert.ok(luminance(ink) > 180, `dark mode's text is light: ${ink}`);
  assert.equal(await page.isVisible('#controls'), false, 'the setup is hidden');
  const [training, layout] = await page.evaluate(() => [document.getElementById('training'), document.querySelector('.layout')].map((el) => el.getBoundingClientRect().width));
  assert.ok(training > layout - 64, `the training panel (${training} px) fills the layout (${layout} px)`);
}));
