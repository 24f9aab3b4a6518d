// The e2e smoke (harness.mjs `smoke`) in Firefox ESR: Debian's firefox-esr over WebDriver BiDi
// (npm puppeteer-core). Chromium runs the full suite; this engine runs the smoke.
// Run: node --test tests/e2e/firefox.test.mjs   (needs `make build`, `bash data/fetch.sh`, `make tools`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { OUT, e2eSuite, smoke } from './harness.mjs';
import { firefoxInstalled, launchFirefox, FIREFOX } from './firefox-driver.mjs';

let base;
const metrics = e2eSuite('e2e-metrics-firefox.json', (b) => { base = b; }, { probe: true });

test('Firefox ESR: load, lab inertia, SGD to 90 %, a drawn 1, save/load, race, strict CSP, no error', { timeout: 420000 }, async () => {
  assert.ok(firefoxInstalled(), `${FIREFOX} is missing: run \`make tools\` (apt-get install firefox-esr)`);
  const d = await launchFirefox();
  try {
    metrics.version = await d.version();
    Object.assign(metrics, await smoke(d, `${base}/`));
  } finally {
    try { writeFileSync(path.join(OUT, 'firefox-smoke.png'), await d.screenshot()); } catch { /* the browser may be gone */ }
    await d.close();
  }
});
