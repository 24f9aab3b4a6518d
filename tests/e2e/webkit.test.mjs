// The e2e smoke (harness.mjs `smoke`) in WebKitGTK: Debian's WebKitWebDriver driving MiniBrowser
// under Xvfb, in plain W3C WebDriver (tests/e2e/webkit-driver.mjs). Chromium runs the full suite;
// this engine runs the smoke.
// Run: node --test tests/e2e/webkit.test.mjs   (needs `make build`, `bash data/fetch.sh`, `make tools`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { OUT, e2eSuite, smoke } from './harness.mjs';
import { webkitInstalled, launchWebKit, MINIBROWSER } from './webkit-driver.mjs';

let base;
const metrics = e2eSuite('e2e-metrics-webkit.json', (b) => { base = b; }, { probe: true });

test('WebKitGTK: load, lab inertia, SGD to 90 %, a drawn 1, save/load, race, strict CSP, no error', { timeout: 420000 }, async () => {
  assert.ok(webkitInstalled(), `${MINIBROWSER}, WebKitWebDriver or xvfb-run is missing: run \`make tools\` (apt-get install webkit2gtk-driver xvfb)`);
  const d = await launchWebKit();
  try {
    metrics.version = await d.version();
    Object.assign(metrics, await smoke(d, `${base}/`));
  } finally {
    try { writeFileSync(path.join(OUT, 'webkit-smoke.png'), await d.screenshot()); } catch { /* the session may be gone */ }
    await d.close();
  }
});
