// Offline after the first visit (sw.js, from www/sw.js by `make build`), in Chromium: a first
// visit online fills the build's cache (the page, the wasm, the worker, the chosen data set); then
// with the network emulated offline AND the server stopped, a reload loads, trains, draws the
// curves and predicts a drawn digit; then, online again, the server serves a new build (sw.js with
// another build id and a changed style.css) and the tab, reloaded, is taken over by the new build's
// worker: only the new build's cache is left, holding the new style.css. (Chromium 156 left that
// worker waiting in 5 of 10 runs before the page asked it to take over: www/sw.js.)
// Run: node --test tests/e2e/offline.test.mjs   (needs `make build` and `bash data/fetch.sh`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { serve, launch, close, openReady, number, drawSeven, waitFor, assertBuilt, OUT } from './harness.mjs';

const caches = (page) => page.evaluate(async () => {
  const out = {};
  for (const k of await window.caches.keys()) out[k] = (await (await window.caches.open(k)).keys()).map((r) => new URL(r.url).pathname);
  return out;
});

const NEXT_CSS = '/* the next build */';

test('offline after the first visit: reload with no network trains, draws and predicts; a new build takes over the tab', { timeout: 300000 }, async () => {
  assertBuilt();
  let nextBuild = null; // set: the server serves a new build (sw.js with this id, a changed style.css)
  const override = (rel, text) => {
    if (!nextBuild) return null;
    if (rel === '/sw.js') return text.replace(/const BUILD = '[^']*'/, `const BUILD = '${nextBuild}'`);
    if (rel === '/www/style.css') return `${text}\n${NEXT_CSS}\n`;
    return null;
  };
  let { server, base } = await serve({ override });
  const port = server.address().port;
  const b = await launch();
  const { page } = b;
  const metrics = {};
  try {
    // First visit, online.
    await openReady(page, base);
    const offline = await waitFor(() => page.getAttribute('body', 'data-offline'), 60000, 'the service worker caching the visit');
    const [build] = offline.split(' ');
    const first = await caches(page);
    metrics.firstVisit = { build, cached: Object.fromEntries(Object.entries(first).map(([k, v]) => [k, v.length])) };
    assert.deepEqual(Object.keys(first), [`sifrian-${build}`], 'one cache, named by the build');
    for (const p of ['/', '/www/main.js', '/www/worker.js', '/www/pkg/sifrian.js', '/www/pkg/sifrian_bg.wasm', '/www/style.css',
      ...['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((f) => `/www/data/mnist/${f}`)]) {
      assert.ok(first[`sifrian-${build}`].includes(p), `${p} is cached: ${first[`sifrian-${build}`]}`);
    }

    // No network: the context offline and the server gone.
    await b.ctx.setOffline(true);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    const requestsBefore = b.requests.length;
    await page.goto('about:blank');
    await openReady(page, base);
    await page.click('[data-testid="play"]');
    await waitFor(async () => (await number(page, 'samples-seen')) >= 5000, 60000, '5,000 patterns offline');
    await page.click('[data-testid="play"]');
    const bluePixels = () => page.$eval('[data-testid="chart-curves"]', (c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 31) + Math.abs(d[i + 1] - 119) + Math.abs(d[i + 2] - 180) < 60) n++;
      return n;
    });
    let blue = 0;
    await waitFor(async () => (blue = await bluePixels()) > 300, 10000, 'the curves drawn offline (blue pixels > 300)');
    metrics.offline = { samples: await number(page, 'samples-seen'), chartBluePixels: blue, requests: b.requests.length - requestsBefore };
    await drawSeven(page);
    await page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]').textContent));
    await page.screenshot({ path: path.join(OUT, 'offline.png'), fullPage: true });

    // A new build, online: its worker takes over the reloaded tab and the old cache is gone.
    nextBuild = 'test-next-build';
    ({ server, base } = await serve({ override, port }));
    await b.ctx.setOffline(false);
    await page.goto('about:blank');
    const t0 = Date.now();
    await openReady(page, base);
    const workers = () => page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return { active: r.active && r.active.state, waiting: r.waiting && r.waiting.state, offline: document.body.dataset.offline || '', nudges: document.body.dataset.swNudges || '0' };
    });
    let seen = null;
    await waitFor(async () => (seen = await workers()).offline.startsWith(nextBuild), 60000, 'the new build taking over and caching the visit')
      .catch(async (e) => { throw new Error(`${e.message}; the registration now: ${JSON.stringify(await workers())}`); });
    const after = await caches(page);
    metrics.newBuild = { msToTakeOver: Date.now() - t0, nudges: Number(seen.nudges), workers: seen, cached: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v.length])) };
    assert.deepEqual(Object.keys(after), [`sifrian-${nextBuild}`], 'only the new build\'s cache is left');
    assert.equal(seen.waiting, null, `no worker left waiting: ${JSON.stringify(seen)}`);
    for (const p of ['/', '/www/main.js', '/www/pkg/sifrian_bg.wasm', '/www/style.css', '/www/data/mnist/train-images-idx3-ubyte.gz']) {
      assert.ok(after[`sifrian-${nextBuild}`].includes(p), `${p} is in the new build's cache: ${after[`sifrian-${nextBuild}`]}`);
    }
    const css = await page.evaluate(async (u) => (await (await window.caches.open('sifrian-test-next-build')).match(u)).text(), `${base}/www/style.css`);
    assert.ok(css.endsWith(`${NEXT_CSS}\n`), `the new build's cache holds the new style.css (ends ${JSON.stringify(css.slice(-40))})`);

    assert.deepEqual(b.problems, [], 'page errors or console errors');
  } finally {
    writeFileSync(path.join(OUT, 'e2e-metrics-offline.json'), JSON.stringify(metrics, null, 2) + '\n');
    console.log('metrics', JSON.stringify(metrics));
    await close(b);
    server.close();
  }
});
