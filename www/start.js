// The page's entry (index.html). The document's own work at its end (the rest of its parse, the
// style and layout Chromium does at the load event) and the evaluation of the page's modules
// (www/main.js and all it imports) were one task, 42-48 ms of thread time and 100-120 ms on a busy
// machine (tests/bench/longtasks.mjs, 2026-12-02); here the modules are evaluated one task later.
// index.html preloads www/main.js, so this adds no round trip.
import { nextTask } from './dom.js';

await nextTask();
await import('./main.js');
