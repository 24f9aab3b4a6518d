// `make dist`'s folder from a sub-path: dist/ served under /a/b/ (nothing else served but the test
// probe), the smoke (harness.mjs) in Chromium there, every request of the page under /a/b/.
// Run: make dist && node --test tests/e2e/dist.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, OUT, serve, smoke, chromiumDriver } from './harness.mjs';

const DIST = path.join(ROOT, 'dist');
let server, base;
before(async () => {
  assert.ok(existsSync(path.join(DIST, 'index.html')) && existsSync(path.join(DIST, 'www/pkg/sifrian_bg.wasm')), 'dist/ is missing: run `make dist`');
  ({ server, base } = await serve({ root: DIST, prefix: '/a/b', probe: true }));
});
after(() => server.close());

test('dist/ served under /a/b/: the smoke passes and every request stays under /a/b/', { timeout: 420000 }, async () => {
  const d = await chromiumDriver();
  try {
    const m = await smoke(d, `${base}/`);
    const origin = new URL(base).origin;
    const outside = d.browser.requests.filter((u) => !u.startsWith(`${base}/`) && u !== `${origin}/__probe.js` && !u.startsWith('data:') && !u.startsWith('blob:'));
    m.requests = d.browser.requests.length;
    writeFileSync(path.join(OUT, 'e2e-metrics-dist.json'), JSON.stringify(m, null, 2) + '\n');
    assert.deepEqual(outside, [], 'requests outside /a/b/');
    assert.ok(m.requests > 10, `${m.requests} requests recorded`);
  } finally {
    await d.close();
  }
});
