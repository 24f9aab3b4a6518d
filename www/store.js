// The autosaved model in IndexedDB, shared by the page (which reads the small summary to offer it
// back) and the worker (which exports the models and writes them).
// The last good model of the latest run, offered back after a reload or a crash. IndexedDB, not
// localStorage: the paper's net is 4.3 MB per run, and IndexedDB writes are asynchronous and
// available in the worker, which exports and writes (the page only reads the small summary).
// One store, three keys written in one transaction (all or nothing): 'meta' (the summary the
// offer shows) and 'model:r0' / 'model:r1' (the model files of the run, or of both race sides).

const DB_NAME = 'sifrian';
const DB_VERSION = 1;
const STORE = 'autosave';

/** Opens the autosave database; rejects with an Error saying why when IndexedDB is unusable. */
export function openAutosave() {
  return new Promise((resolve, reject) => {
    let req;
    try {
      const idb = globalThis.indexedDB;
      if (!idb) throw new Error('IndexedDB is not available here');
      req = idb.open(DB_NAME, DB_VERSION);
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => db.close(); // a newer page version may upgrade it
      resolve(db);
    };
    req.onerror = () => reject(req.error || new Error('IndexedDB could not be opened'));
  });
}

/** A promise of a transaction's end (its requests' results are read by the caller). */
function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error || new Error('the IndexedDB transaction was aborted'));
    tx.onerror = () => reject(tx.error || new Error('the IndexedDB transaction failed'));
  });
}

/** The saved summary, or null. */
export async function readAutosaveMeta(db) {
  const tx = db.transaction(STORE, 'readonly');
  const req = tx.objectStore(STORE).get('meta');
  await done(tx);
  return req.result ?? null;
}

/** The saved model files by run id ({r0: Uint8Array, ...}); a missing one is absent. */
export async function readAutosaveModels(db, ids) {
  const tx = db.transaction(STORE, 'readonly');
  const store = tx.objectStore(STORE);
  const reqs = ids.map((id) => [id, store.get(`model:${id}`)]);
  await done(tx);
  const out = {};
  for (const [id, req] of reqs) if (req.result instanceof Uint8Array) out[id] = req.result;
  return out;
}

/** Replaces the autosave by `meta` and `models` ({id: Uint8Array}) in one transaction. */
export function writeAutosave(db, meta, models) {
  const tx = db.transaction(STORE, 'readwrite');
  const store = tx.objectStore(STORE);
  for (const id of ['r0', 'r1']) {
    if (models[id]) store.put(models[id], `model:${id}`);
    else store.delete(`model:${id}`);
  }
  store.put(meta, 'meta');
  return done(tx);
}

/** Deletes the autosave. */
export function clearAutosave(db) {
  const tx = db.transaction(STORE, 'readwrite');
  tx.objectStore(STORE).clear();
  return done(tx);
}

/** An opener that keeps the database once open and tries again after a failure (`reset()`). */
export function autosaveOpener() {
  let db = null;
  const open = () => (db ||= openAutosave().catch((e) => { db = null; throw e; }));
  open.reset = () => { db = null; };
  return open;
}
