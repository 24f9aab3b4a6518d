// Settings: defaults, the URL hash (shareable) and localStorage (kept between visits).
// Every value is validated; a malformed one is ignored and reported, and the default is kept.
// An address that names a setting stands alone (defaults for the rest, never localStorage).
// The facts behind them (presets, optimizers, default step sizes, whether mu applies, size
// limits, the class count) are the engine's: `useCatalog(catalog())` at start-up, before any
// other function of this module is called (src/catalog.rs is their one source).

import { fmtCount } from './format.js';

/** The data sets (www/data/<name>/): name -> the name the page shows; and `[{name, label, about}]`. */
export let DATASETS = {};
export let DATASET_INFO = [];

/** Preset name -> layer sizes; optimizer name -> `{name, label, short, default_step_size, uses_mu}`. */
export let PRESETS = {};
export let OPTIMIZERS = {};
/** The engine's limits and sizes: `{default_mu, classes, input_size, max_layer_size, max_step_size, max_mu, max_leak_slope, max_seed, max_params, max_spectrum_order}`. */
export let LIMITS = {};
/** The page's defaults (the first preset, SGD at its default step size). */
export let DEFAULTS = {};

/** Takes the engine's catalog (the wasm export `catalog()`) as the source of the facts above. */
export function useCatalog(catalog) {
  PRESETS = Object.fromEntries(catalog.presets.map((p) => [p.name, Array.from(p.sizes)]));
  OPTIMIZERS = Object.fromEntries(catalog.optimizers.map((o) => [o.name, o]));
  DATASET_INFO = catalog.datasets;
  DATASETS = Object.fromEntries(catalog.datasets.map((d) => [d.name, d.label]));
  const { presets, optimizers, datasets, ...limits } = catalog;
  LIMITS = limits;
  const first = catalog.presets[0];
  const sgd = OPTIMIZERS.sgd;
  DEFAULTS = Object.freeze({
    dataset: 'mnist',
    arch: first.name,
    sizes: first.sizes.join(','), // used when arch = custom
    optimizer: sgd.name,
    stepSize: sgd.default_step_size,
    sgdStepSize: sgd.default_step_size, // the SGD runner of a race
    mu: catalog.default_mu,
    lambda: 'eq65', // eq65 | eq65+eq68 | a comma-separated list lambda_0..lambda_n
    white: true,
    alpha: 0.01,
    seed: 0,
    race: false,
    xAxis: 'samples',
    logX: false, // the chart's x axis on a log scale
    valEvery: 5000, // patterns between validations on a budget while training
    speed: 0, // patterns per second per run while playing (0: full speed)
  });
}

/** The speeds offered (patterns per second per run; 0: full speed), index.html's speed menu. */
export const SPEEDS = [1, 10, 100, 1000, 10000, 0];

/** The validation intervals offered (patterns): the default, and longer ones that train faster. */
export const VAL_INTERVALS = [5000, 20000, 60000];

const STORAGE_KEY = 'sifrian.settings.v1';
// The keys these settings had in localStorage before the step size was called so.
const STORED_BEFORE = { stepSize: 'step', sgdStepSize: 'sgdStep' };

/** "784,100,10" -> [784, 100, 10], or throws an Error naming what is wrong. */
export function parseSizes(text) {
  const parts = String(text).split(',').map((s) => s.trim());
  if (parts.length < 2) throw new Error(`sizes "${text}": give at least two comma-separated layer sizes`);
  const { max_layer_size: max, input_size: s0, classes, max_params: maxParams } = LIMITS;
  const sizes = parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`sizes "${text}": "${p}" is not a whole number`);
    const v = Number(p);
    if (v < 1 || v > max) throw new Error(`sizes "${text}": ${v} is outside 1..${max}`);
    return v;
  });
  if (sizes[0] !== s0) throw new Error(`sizes "${text}": the first layer must be ${s0} (28x28 pixels), not ${sizes[0]}`);
  if (sizes[sizes.length - 1] !== classes) throw new Error(`sizes "${text}": the last layer must be ${classes} (classes), not ${sizes[sizes.length - 1]}`);
  const params = paramCount(sizes);
  if (params > maxParams) throw new Error(`sizes "${text}": ${params} parameters is more than ${fmtCount(maxParams)}`);
  return sizes;
}

/** The name of the preset with these layer sizes, or undefined. */
export const presetOf = (sizes) => Object.keys(PRESETS).find((k) => PRESETS[k].join(',') === sizes.join(','));

/** The layer sizes the settings describe. */
export function sizesOf(s) {
  return s.arch === 'custom' ? parseSizes(s.sizes) : PRESETS[s.arch].slice();
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

/** A number passing `ok`, or undefined (an empty string is not 0). */
function num(v, ok) {
  if (typeof v === 'string' && v.trim() === '') return undefined;
  const x = Number(v);
  return Number.isFinite(x) && ok(x) ? x : undefined;
}
/** true/false from 1/0/true/false, or undefined. */
function bool(v) {
  if (v === true || v === '1' || v === 'true') return true;
  if (v === false || v === '0' || v === 'false') return false;
  return undefined;
}

/** P = sum_k s_k (s_{k-1} + 1), the parameter count of layer sizes s_0..s_n (src/network.rs). */
export function paramCount(sizes) {
  let p = 0;
  for (let k = 1; k < sizes.length; k++) p += sizes[k] * (sizes[k - 1] + 1);
  return p;
}

/** Whether `x` is a step size the page accepts (the engine's limit is any finite x > 0). */
export const isStepSize = (x) => x > 0 && x <= LIMITS.max_step_size;
/** Whether `x` is a damping mu the page accepts. */
export const isMu = (x) => x >= 0 && x <= LIMITS.max_mu;
/** Whether `x` is a leak slope the page accepts (the engine refuses alpha <= 0 and names it). */
export const isAlpha = (x) => x > 0 && x < LIMITS.max_leak_slope;
/** Whether `x` is a seed: a whole number the engine (a u32) and the address both keep exactly. */
export const isSeed = (x) => Number.isSafeInteger(x) && x >= 0 && x <= LIMITS.max_seed;

// key -> [hash name, parser returning undefined when malformed, the valid values in words].
// Every setting is one entry: the address, localStorage and the form's checks all go through
// this table, so a new setting is one new line here (and its default in DEFAULTS).
const FIELDS = {
  dataset: ['dataset', (v) => (Object.hasOwn(DATASETS, v) ? v : undefined), () => Object.keys(DATASETS).join(' or ')],
  arch: ['arch', (v) => (Object.hasOwn(PRESETS, v) || v === 'custom' ? v : undefined), () => `${Object.keys(PRESETS).join(', ')} or custom`],
  sizes: ['sizes', (v) => { try { parseSizes(v); return String(v).replace(/\s+/g, ''); } catch { return undefined; } },
    () => `${LIMITS.input_size}, hidden sizes from 1 to ${LIMITS.max_layer_size}, ${LIMITS.classes}; at most ${fmtCount(LIMITS.max_params)} parameters`],
  optimizer: ['opt', (v) => (Object.hasOwn(OPTIMIZERS, v) ? v : undefined), () => Object.keys(OPTIMIZERS).join(', ')],
  stepSize: ['step', (v) => num(v, isStepSize), () => `a number > 0, at most ${LIMITS.max_step_size}`],
  sgdStepSize: ['sgdstep', (v) => num(v, isStepSize), () => `a number > 0, at most ${LIMITS.max_step_size}`],
  mu: ['mu', (v) => num(v, isMu), () => `a number ≥ 0, at most ${LIMITS.max_mu}`],
  lambda: ['lambda', (v) => {
    const t = String(v).trim().replace(/ /g, '+'); // a raw "+" in a query string decodes to a space
    if (t === 'eq65' || t === 'eq65+eq68') return t;
    const vals = t.split(',');
    return vals.length >= 2 && vals.every((x) => x.trim() !== '' && Number.isFinite(Number(x)) && Number(x) >= 0) ? t : undefined;
  }, 'eq65, eq65+eq68 or numbers λ_0..λ_n ≥ 0'],
  white: ['white', bool, '0 or 1'],
  alpha: ['alpha', (v) => num(v, isAlpha), () => `a number > 0 and < ${LIMITS.max_leak_slope}`],
  seed: ['seed', (v) => (/^\d+$/.test(String(v).trim()) ? num(v, isSeed) : undefined), () => `a whole number from 0 to ${LIMITS.max_seed}`],
  race: ['race', bool, '0 or 1'],
  xAxis: ['x', (v) => (v === 'samples' || v === 'seconds' ? v : undefined), 'samples or seconds'],
  logX: ['logx', bool, '0 or 1'],
  valEvery: ['val', (v) => (VAL_INTERVALS.includes(Number(v)) && /^\d+$/.test(String(v)) ? Number(v) : undefined), VAL_INTERVALS.join(', ')],
  speed: ['speed', (v) => (/^\d+$/.test(String(v)) && SPEEDS.includes(Number(v)) ? Number(v) : undefined), () => `${SPEEDS.join(', ')} (patterns/s; 0: full speed)`],
};
// Written into every address even at their defaults: a link names its data, method, step size
// and seed (the step size's default is its method's, and a catalog's default may change).
const ALWAYS = new Set(['dataset', 'optimizer', 'stepSize', 'seed']);

/** The valid values of setting `key` in words (for a notice, or the message beside a field). */
export function hintOf(key) {
  const hint = FIELDS[key][2];
  return typeof hint === 'function' ? hint() : hint;
}

/** Setting `key` parsed from text `raw` (a field's or the address's), or undefined when malformed. */
export const parseField = (key, raw) => FIELDS[key][1](raw);

/** The default of setting `key` in settings `s`: the global default, the step size its method's. */
export const defaultOf = (key, s) => (key === 'stepSize' ? OPTIMIZERS[s.optimizer].default_step_size : DEFAULTS[key]);

/**
 * The parts of the page a classroom/embed link can hide with `<name>_hide=true` (as TensorFlow
 * Playground's links): every setting's control by its address name, and these panels.
 */
export const PANELS = ['setup', 'experiments', 'training', 'draw', 'inside', 'lab'];
const HIDE_SUFFIX = '_hide';
/** The names `<name>_hide` may take. */
export const hideableNames = () => [...Object.values(FIELDS).map((f) => f[0]), ...PANELS];

/** `base` with every field `get(hash name)` gives parsed; the malformed ones go into `problems`. */
function applyEntries(base, get, problems) {
  const out = { ...base };
  for (const [key, [name, parse]] of Object.entries(FIELDS)) {
    const raw = get(name);
    if (raw === undefined || raw === null) continue;
    const v = parse(raw);
    if (v === undefined) problems.push(`${name}=${String(raw).slice(0, 40)} (expected ${hintOf(key)})`);
    else out[key] = v;
  }
  return out;
}

/**
 * Settings from an address `hash`, else from `storage` (localStorage; null: none).
 * An address that names any setting replaces the settings wholly: what it does not name takes its
 * default (the step size its method's), never an autosaved or earlier value, so a link opens the
 * same everywhere. Returns {settings, problems, fromHash, view}: `view` holds what the address
 * says besides the settings (`hide`: the names of `<name>_hide=true`, `exp`: a guided experiment).
 */
export function loadSettings(hash, storage) {
  const problems = [];
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  const fromHash = new Set();
  for (const [key, [name]] of Object.entries(FIELDS)) if (params.has(name)) fromHash.add(key);
  let base = { ...DEFAULTS };
  if (fromHash.size === 0) {
    try {
      const saved = storage && JSON.parse(storage.getItem(STORAGE_KEY) || 'null');
      if (saved && typeof saved === 'object') {
        base = applyEntries(base, (name) => {
          const key = Object.keys(FIELDS).find((k) => FIELDS[k][0] === name);
          const v = saved[key] ?? saved[STORED_BEFORE[key]];
          return v === undefined ? undefined : String(v === true ? 1 : v === false ? 0 : v);
        }, []);
      }
    } catch { /* unreadable storage: defaults */ }
  }
  const view = { hide: new Set(), exp: null };
  const known = new Set(Object.values(FIELDS).map((f) => f[0]));
  const hideable = new Set(hideableNames());
  for (const [name, raw] of params) {
    if (known.has(name)) continue;
    if (name === 'exp') view.exp = raw;
    else if (name.endsWith(HIDE_SUFFIX) && hideable.has(name.slice(0, -HIDE_SUFFIX.length))) {
      const on = bool(raw);
      if (on === undefined) problems.push(`${name}=${raw.slice(0, 40)} (expected true or false)`);
      else if (on) view.hide.add(name.slice(0, -HIDE_SUFFIX.length));
    } else problems.push(`${name} (unknown setting)`);
  }
  const settings = applyEntries(base, (name) => (params.has(name) ? params.get(name) : undefined), problems);
  // A setting given wrongly keeps the default, not the autosaved value.
  for (const p of problems) {
    const name = p.split(/[= ]/)[0];
    const key = Object.keys(FIELDS).find((k) => FIELDS[k][0] === name);
    if (key) { settings[key] = DEFAULTS[key]; fromHash.delete(key); }
  }
  // An address without a (valid) step size (an old link): its method's default.
  if (fromHash.size > 0 && !fromHash.has('stepSize')) settings.stepSize = defaultOf('stepSize', settings);
  return { settings, problems, fromHash, view };
}

/**
 * The address of settings `s` (and of `view`, as loadSettings returns it): every setting that
 * differs from its default, and the data set, the method, the step size and the seed always.
 * `loadSettings(toHash(s))` gives `s` back.
 */
export function toHash(s, view = null) {
  const params = new URLSearchParams();
  for (const [key, [name]] of Object.entries(FIELDS)) {
    const v = s[key];
    if (v === defaultOf(key, s) && !ALWAYS.has(key)) continue;
    params.set(name, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  if (view && view.exp) params.set('exp', view.exp);
  if (view) for (const name of [...view.hide].sort()) params.set(name + HIDE_SUFFIX, 'true');
  return '#' + params.toString().replace(/%2C/gi, ',').replace(/%2B/gi, '+');
}

/** Keeps the settings in `storage` (localStorage) for the next visit. */
export function saveSettings(s, storage) {
  try { storage.setItem(STORAGE_KEY, JSON.stringify(s)); } catch { /* private mode: no autosave */ }
}
