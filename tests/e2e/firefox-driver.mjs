// Firefox ESR for the e2e smoke: Debian's `firefox-esr` driven over WebDriver BiDi by npm
// `puppeteer-core` (no browser download). The object it returns is the engine-neutral driver of
// harness.mjs's smoke.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

export const FIREFOX = '/usr/bin/firefox-esr';
export const firefoxInstalled = () => existsSync(FIREFOX);

/** Starts headless Firefox ESR with a fresh profile; returns the smoke's driver. */
export async function launchFirefox({ width = 1280, height = 900 } = {}) {
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true,
    defaultViewport: { width, height },
    // No background traffic: updates, telemetry, safe-browsing lists (every request must stay local).
    extraPrefsFirefox: {
      'app.update.enabled': false, 'browser.safebrowsing.malware.enabled': false, 'browser.safebrowsing.phishing.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false, 'network.captive-portal-service.enabled': false,
    },
  });
  const page = (await browser.pages())[0] ?? await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  return {
    name: 'firefox',
    page,
    version: () => browser.version(),
    goto: (u) => page.goto(u),
    eval: (fn, ...args) => page.evaluate(fn, ...args),
    click: (selector) => page.click(selector),
    stroke: async (points) => {
      await page.mouse.move(...points[0]);
      await page.mouse.down();
      for (const p of points.slice(1)) await page.mouse.move(...p, { steps: 6 });
      await page.mouse.up();
    },
    screenshot: () => page.screenshot({ fullPage: true }),
    problems: () => problems.slice(),
    close: () => browser.close(),
  };
}
