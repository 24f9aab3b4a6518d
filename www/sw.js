// The page offline after its first visit: a service worker, served from the page's folder as
// sw.js (its scope is that folder: the page, www/, the data). `make build` writes that file from
// this one, with BUILD replaced by a content hash of the page, its scripts and the wasm, so that
// every build is a new worker with its own cache, and the old build's cache is deleted when the new
// one takes over: old JS never meets new wasm.
//
// Fetches are network first: online, the page runs what the host serves now, and every response is
// kept in this build's cache as it arrives (no hand list: whatever the page and its training worker
// fetch). Offline, the cache answers. On the first visit the worker and the data set were fetched
// before this worker took control; the page then sends their URLs (message {type: 'cache', urls})
// and they are fetched once more into the cache.
//
// A new build's worker calls skipWaiting when it installs, and again on the page's message
// {type: 'skip-waiting'}: Chromium 156 can leave it waiting for good when it installed while the
// page was still loading through the old worker (seen in tests/e2e/offline.test.mjs: the old
// worker idle, the new one "installed" for minutes); asked again, it takes over at once.

const BUILD = '__BUILD__';
const CACHE = `sifrian-${BUILD}`;
const SCOPE = new URL(self.registration.scope);

self.addEventListener('install', () => self.skipWaiting());

/** Deletes every other build's cache. */
async function dropOldCaches() {
  for (const k of await caches.keys()) if (k.startsWith('sifrian-') && k !== CACHE) await caches.delete(k);
}

/** False once a newer build's worker has replaced this one (it must not write its cache again). */
const current = () => !self.serviceWorker || self.serviceWorker.state !== 'redundant';

self.addEventListener('activate', (e) => {
  e.waitUntil(dropOldCaches().then(() => self.clients.claim()));
});

/** The cache key of a URL: without its fragment (the page's settings live in the hash). */
const keyOf = (url) => { const u = new URL(url); u.hash = ''; return u.href; };
const inScope = (url) => new URL(url).href.startsWith(SCOPE.href);

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic' && current()) await cache.put(keyOf(request.url), response.clone());
    return response;
  } catch (e) {
    const hit = await cache.match(keyOf(request.url));
    if (hit) return hit;
    if (request.mode === 'navigate') {
      const page = await cache.match(SCOPE.href);
      if (page) return page;
    }
    throw e;
  }
}

self.addEventListener('fetch', (e) => {
  const { request } = e;
  if (request.method !== 'GET' || !inScope(request.url) || request.url.endsWith('/sw.js')) return;
  e.respondWith(networkFirst(request));
});

/** {type: 'skip-waiting'}: from a page that sees this worker waiting (above). */
self.addEventListener('message', (e) => {
  if (e.data && e.data.type === 'skip-waiting') e.waitUntil(self.skipWaiting());
});

/** {type: 'cache', urls}: what the page fetched before this worker controlled it; answers {build, cached}. */
self.addEventListener('message', (e) => {
  if (!e.data || e.data.type !== 'cache' || !Array.isArray(e.data.urls)) return;
  e.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const url of new Set(e.data.urls.filter((u) => typeof u === 'string' && inScope(u)).map(keyOf))) {
      if (url.endsWith('/sw.js') || await cache.match(url)) continue;
      try {
        const response = await fetch(url);
        if (response.ok && response.type === 'basic' && current()) await cache.put(url, response);
      } catch { /* offline again: the next visit's fetches fill the cache */ }
    }
    // A worker of the previous build may have written while this one took over: clean up again.
    if (current()) await dropOldCaches();
    const cached = (await cache.keys()).length;
    e.source?.postMessage({ type: 'cached', build: BUILD, cached });
  })());
});
