// The race soak (tests/e2e/race-soak.mjs: SGD against damped MK on the paper's net with the lab
// computing, 10 epochs' worth, flat memory, every click answered, intact curves) once in Firefox
// ESR: Debian's firefox-esr over WebDriver BiDi (npm puppeteer-core). Chromium runs it in
// soak.test.mjs. Run: node --test tests/e2e/firefox-soak.test.mjs   (needs `make build`,
// `bash data/fetch.sh`, `make tools`)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2eSuite } from './harness.mjs';
import { firefoxInstalled, launchFirefox, FIREFOX } from './firefox-driver.mjs';
import { raceSoak } from './race-soak.mjs';

let base;
const metrics = e2eSuite('e2e-metrics-firefox-soak.json', (b) => { base = b; });

test('Firefox ESR soak: a race of SGD and damped MK on the paper net with the lab computing, 10 epochs: flat memory, clicks, curves', { timeout: 1500000 }, async () => {
  assert.ok(firefoxInstalled(), `${FIREFOX} is missing: run \`make tools\` (apt-get install firefox-esr)`);
  const d = await launchFirefox();
  try {
    metrics.version = await d.version();
    metrics.race = await raceSoak(d, base);
  } finally {
    await d.close();
  }
});
