// WebKitGTK for the e2e smoke: Debian's `WebKitWebDriver` (package webkit2gtk-driver) under
// `xvfb-run`, driving MiniBrowser in automation mode, spoken to in plain W3C WebDriver over HTTP
// (no client library). The object it returns is the engine-neutral driver of harness.mjs's smoke.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const webkitInstalled = () => existsSync(MINIBROWSER) && existsSync(WEBKIT_DRIVER) && existsSync('/usr/bin/xvfb-run');

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecc'; // the W3C web element identifier key

/** A free TCP port on 127.0.0.1. */
const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** Starts WebKitWebDriver under Xvfb and a MiniBrowser session; returns the smoke's driver. */
export async function launchWebKit({ width = 1280, height = 900 } = {}) {
  const port = await freePort();
  const proc = spawn('xvfb-run', ['-a', '-s', `-screen 0 ${width + 100}x${height + 200}x24`, WEBKIT_DRIVER, `--port=${port}`, '--host=local'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  proc.stdout.on('data', (c) => { log += c; });
  proc.stderr.on('data', (c) => { log += c; });
  const url = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const r = await fetch(url + path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const j = await r.json();
    if (!r.ok) throw new Error(`WebDriver ${method} ${path}: ${j.value?.error}: ${j.value?.message}`);
    return j.value;
  };
  const stop = () => { try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ } };
  let sid;
  try {
    for (let i = 0; ; i++) {
      try { await call('GET', '/status'); break; } catch (e) {
        if (i > 100) throw new Error(`WebKitWebDriver did not start on port ${port}: ${e.message}; log: ${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const session = await call('POST', '/session', {
      capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } },
    });
    sid = session.sessionId;
    await call('POST', `/session/${sid}/window/rect`, { width, height }).catch(() => {});
  } catch (e) {
    stop();
    throw e;
  }
  const s = (p) => `/session/${sid}${p}`;
  const find = async (selector) => {
    const e = await call('POST', s('/element'), { using: 'css selector', value: selector });
    return e[ELEMENT] ?? Object.values(e)[0]; // WebKitWebDriver may name the key otherwise
  };
  return {
    name: 'webkit',
    version: async () => call('POST', s('/execute/sync'), { script: 'return navigator.userAgent', args: [] }),
    goto: (u) => call('POST', s('/url'), { url: u }),
    /** Runs `fn(...args)` in the page; a returned promise is awaited (W3C Execute Script). */
    eval: (fn, ...args) => call('POST', s('/execute/sync'), { script: `return (${fn}).apply(null, arguments)`, args }),
    /** A real click; the element is first scrolled to the middle of the viewport (WebKit's own
     * scroll puts it at the top edge, under the page's sticky status bar, which takes the click). */
    click: async (selector) => {
      const id = await find(selector);
      await call('POST', s('/execute/sync'), { script: 'document.querySelector(arguments[0]).scrollIntoView({ block: "center" })', args: [selector] });
      await call('POST', s(`/element/${id}/click`), {}).catch((e) => { throw new Error(`click ${selector}: ${e.message}`); });
    },
    /** A mouse stroke through viewport points [[x, y], ...] (CSS px), pressed from the first to the last. */
    stroke: (points) => call('POST', s('/actions'), {
      actions: [{
        type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
        actions: [
          { type: 'pointerMove', duration: 0, x: Math.round(points[0][0]), y: Math.round(points[0][1]), origin: 'viewport' },
          { type: 'pointerDown', button: 0 },
          ...points.slice(1).map(([x, y]) => ({ type: 'pointerMove', duration: 30, x: Math.round(x), y: Math.round(y), origin: 'viewport' })),
          { type: 'pointerUp', button: 0 },
        ],
      }],
    }),
    screenshot: () => call('GET', s('/screenshot')).then((b64) => Buffer.from(b64, 'base64')),
    /** WebDriver classic has no console log: the in-page probe (harness.mjs) is the only record. */
    problems: () => [],
    close: async () => {
      try { await call('DELETE', s('')); } catch { /* the session may be gone */ }
      stop();
    },
  };
}
