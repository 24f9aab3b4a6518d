// Settings: defaults, the URL hash (shareable) and localStorage (autosave); and the autosaved
// model in IndexedDB (shared by the page and the worker, see the end of this file).
// Every value is validated; a malformed one is ignored and reported, and the default is kept.

export const ARCHITECTURES = {
  small: [784, 64, 10],
  medium: [784, 128, 64, 10],
  paper: [784, 512, 256, 32, 10],
};

export const OPTIMIZERS = {
  sgd: { label: 'SGD', short: 'SGD', step: 0.01, mu: false },
  mk: { label: 'MK as printed (Eq. 40)', short: 'MK', step: 0.001, mu: false },
  'mk-damped': { label: 'damped MK (Eq. 42)', short: 'MK damped', step: 0.03, mu: true },
  'mk-unreg': { label: 'MK, unregularised-gradient variant', short: 'MK unreg. variant', step: 0.03, mu: true },
  newton: { label: 'Newton (Eq. 35)', short: 'Newton', step: 0.001, mu: false },
};

export const DEFAULTS = Object.freeze({
  dataset: 'mnist',
  arch: 'small',
  sizes: '784,64,10', // used when arch = custom
  optimizer: 'sgd',
  step: 0.01,
  sgdStep: 0.01, // the SGD runner of a race
  mu: 1,
  lambda: 'eq65', // eq65 | eq65+eq68 | a comma-separated list lambda_0..lambda_n
  white: true,
  alpha: 0.01,
  seed: 0,
  race: false,
  xAxis: 'samples',
  valEvery: 5000, // patterns between validations on a budget while training
});

/** The validation intervals offered (patterns): the default, and longer ones that train faster. */
export const VAL_INTERVALS = [5000, 20000, 60000];

const STORAGE_KEY = 'sifrian.settings.v1';

/** "784,100,10" -> [784, 100, 10], or throws an Error naming what is wrong. */
export function parseSizes(text) {
  const parts = String(text).split(',').map((s) => s.trim());
  if (parts.length < 2) throw new Error(`sizes "${text}": give at least two comma-separated layer sizes`);
  const sizes = parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`sizes "${text}": "${p}" is not a whole number`);
    const v = Number(p);
    if (v < 1 || v > 4096) throw new Error(`sizes "${text}": ${v} is outside 1..4096`);
    return v;
  });
  if (sizes[0] !== 784) throw new Error(`sizes "${text}": the first layer must be 784 (28x28 pixels), not ${sizes[0]}`);
  if (sizes[sizes.length - 1] !== 10) throw new Error(`sizes "${text}": the last layer must be 10 (classes), not ${sizes[sizes.length - 1]}`);
  let params = 0;
  for (let k = 1; k < sizes.length; k++) params += sizes[k] * (sizes[k - 1] + 1);
  if (params > 10_000_000) throw new Error(`sizes "${text}": ${params} parameters is more than 10,000,000`);
  return sizes;
}

/** The layer sizes the settings describe. */
export function sizesOf(s) {
  return s.arch === 'custom' ? parseSizes(s.sizes) : ARCHITECTURES[s.arch].slice();
}

/** The lambda policy as the engine expects it: "eq65", "eq65+eq68" or an array of numbers. */
export function lambdaOf(s, sizes) {
  if (s.lambda === 'eq65' || s.lambda === 'eq65+eq68') return s.lambda;
  const values = s.lambda.split(',').map((v) => Number(v.trim()));
  if (sizes && values.length !== sizes.length) {
    throw new Error(`lambda list "${s.lambda}": needs ${sizes.length} values (lambda_0..lambda_${sizes.length - 1}), got ${values.length}`);
  }
  return values;
}

function num(v, ok) {
  if (typeof v === 'string' && v.trim() === '') return undefined;
  const x = Number(v);
  return Number.isFinite(x) && ok(x) ? x : undefined;
}
function bool(v) {
  if (v === true || v === '1' || v === 'true') return true;
  if (v === false || v === '0' || v === 'false') return false;
  return undefined;
}

// key -> [hash name, parser returning undefined when malformed, hint for the notice]
const FIELDS = {
  dataset: ['dataset', (v) => (v === 'mnist' || v === 'fashion' ? v : undefined), 'mnist or fashion'],
  arch: ['arch', (v) => (v in ARCHITECTURES || v === 'custom' ? v : undefined), 'small, medium, paper or custom'],
  sizes: ['sizes', (v) => { try { parseSizes(v); return String(v).replace(/\s+/g, ''); } catch { return undefined; } }, 'like 784,100,10'],
  optimizer: ['opt', (v) => (Object.hasOwn(OPTIMIZERS, v) ? v : undefined), Object.keys(OPTIMIZERS).join(', ')],
  step: ['step', (v) => num(v, (x) => x > 0 && x <= 100), 'a number > 0'],
  sgdStep: ['sgdstep', (v) => num(v, (x) => x > 0 && x <= 100), 'a number > 0'],
  mu: ['mu', (v) => num(v, (x) => x >= 0 && x <= 1e6), 'a number >= 0'],
  lambda: ['lambda', (v) => {
    const t = String(v).trim().replace(/ /g, '+'); // a raw "+" in a query string decodes to a space
    if (t === 'eq65' || t === 'eq65+eq68') return t;
    const vals = t.split(',');
    return vals.length >= 2 && vals.every((x) => x.trim() !== '' && Number.isFinite(Number(x)) && Number(x) >= 0) ? t : undefined;
  }, 'eq65, eq65+eq68 or numbers lambda_0..lambda_n'],
  white: ['white', bool, '0 or 1'],
  alpha: ['alpha', (v) => num(v, (x) => x >= 0 && x < 1), 'a number in [0, 1)'],
  seed: ['seed', (v) => (/^\d{1,15}$/.test(String(v)) ? Number(v) : undefined), 'a whole number >= 0'],
  race: ['race', bool, '0 or 1'],
  xAxis: ['x', (v) => (v === 'samples' || v === 'seconds' ? v : undefined), 'samples or seconds'],
  valEvery: ['val', (v) => (VAL_INTERVALS.includes(Number(v)) && /^\d+$/.test(String(v)) ? Number(v) : undefined), VAL_INTERVALS.join(', ')],
};

function applyEntries(base, get, problems) {
  const out = { ...base };
  for (const [key, [name, parse, hint]] of Object.entries(FIELDS)) {
    const raw = get(name);
    if (raw === undefined || raw === null) continue;
    const v = parse(raw);
    if (v === undefined) problems.push(`${name}=${String(raw).slice(0, 40)} (expected ${hint})`);
    else out[key] = v;
  }
  return out;
}

/** Settings from defaults, then localStorage, then the URL hash. Returns {settings, problems, fromHash}. */
export function loadSettings(hash, storage) {
  const problems = [];
  let base = { ...DEFAULTS };
  try {
    const saved = storage && JSON.parse(storage.getItem(STORAGE_KEY) || 'null');
    if (saved && typeof saved === 'object') {
      base = applyEntries(base, (name) => {
        const key = Object.keys(FIELDS).find((k) => FIELDS[k][0] === name);
        return saved[key] === undefined ? undefined : String(saved[key] === true ? 1 : saved[key] === false ? 0 : saved[key]);
      }, []);
    }
  } catch { /* unreadable storage: defaults */ }
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const fromHash = new Set();
  for (const [key, [name]] of Object.entries(FIELDS)) if (params.has(name)) fromHash.add(key);
  const known = new Set(Object.values(FIELDS).map((f) => f[0]));
  for (const name of params.keys()) if (!known.has(name)) problems.push(`${name} (unknown setting)`);
  const settings = applyEntries(base, (name) => (params.has(name) ? params.get(name) : undefined), problems);
  // A setting given wrongly keeps the default, not the autosaved value.
  for (const p of problems) {
    const name = p.split(/[= ]/)[0];
    const key = Object.keys(FIELDS).find((k) => FIELDS[k][0] === name);
    if (key) settings[key] = DEFAULTS[key];
  }
  return { settings, problems, fromHash };
}

/** The hash for these settings (only what differs from the defaults, plus the seed). */
export function toHash(s) {
  const params = new URLSearchParams();
  for (const [key, [name]] of Object.entries(FIELDS)) {
    if (key === 'sizes' && s.arch !== 'custom') continue;
    if (key === 'sgdStep' && !s.race) continue;
    if (key === 'mu' && !OPTIMIZERS[s.optimizer].mu) continue;
    const v = s[key];
    if (v === DEFAULTS[key] && key !== 'seed' && key !== 'dataset' && key !== 'optimizer') continue;
    params.set(name, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return '#' + params.toString().replace(/%2C/gi, ',').replace(/%2B/gi, '+');
}

export function saveSettings(s, storage) {
  try { storage.setItem(STORAGE_KEY, JSON.stringify(s)); } catch { /* private mode: no autosave */ }
}

// ---------- the autosaved model (IndexedDB) ----------
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
