// The worker's cache of lab reports (one exact spectrum each): by run, its parameters' version,
// the pattern, layer, lambda_k (or the plain loss), mu and step size; the oldest is dropped first.

const LAB_CACHE_SIZE = 32;

/** FNV-1a over the bits of the drawn pixels (cache key of a drawn digit). */
function pixelsHash(pixels) {
  const bits = new Uint32Array(new Float32Array(pixels).buffer);
  let h = 0x811c9dc5;
  for (const b of bits) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16);
}

/** The cache key of lab request `q` on runner `r` of run `generation`. */
export function labKey(generation, r, q) {
  const p = q.pattern || {}; // a missing pattern: the engine's error names it
  const pattern = p.source === 'drawn' ? `drawn:${p.pixels ? pixelsHash(p.pixels) : '-'}:${p.label}`
    : p.source === 'current' ? 'current' : `${p.source}:${p.index ?? 0}`;
  // The plain loss (every hidden lambda 0) is its own entry; lambda beside it is the engine's error.
  const lambda = q.plain_loss ? `plain:${q.lambda ?? ''}` : q.lambda ?? 'policy';
  return [generation, r.id, r.version, pattern, q.layer, lambda, q.mu ?? 'default', q.step_size ?? r.config.step_size].join('|');
}

/** A bounded map: `get(key)`, `set(key, value)` (drops the oldest past the size), `clear()`. */
export function createLabCache() {
  const map = new Map();
  return {
    get: (key) => map.get(key),
    set(key, value) {
      map.set(key, value);
      while (map.size > LAB_CACHE_SIZE) map.delete(map.keys().next().value);
    },
    clear: () => map.clear(),
  };
}
