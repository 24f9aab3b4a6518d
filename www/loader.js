// Fetches the four gzipped IDX files of a data set with byte progress, then inflates them.
// Works in a worker and on the main thread (fetch, Web Streams, DecompressionStream).

export const FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

/** Raw IDX bytes from possibly gzipped bytes: inflate when they start 1f 8b; a server that sent
 * Content-Encoding: gzip has already inflated them (they then start 00 00). */
export async function gunzipIfNeeded(bytes, name) {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0) return bytes;
  throw new Error(`${name}: neither gzip (1f 8b) nor IDX (00 00): starts ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`);
}

/**
 * Downloads baseUrl + each of FILES. onProgress(loaded, total) is called as bytes arrive
 * (total is 0 when the server gives no Content-Length). Returns the four raw IDX Uint8Arrays
 * in FILES order and the number of bytes downloaded.
 */
export async function fetchDataset(baseUrl, onProgress) {
  const responses = await Promise.all(FILES.map(async (f) => {
    const url = new URL(f, baseUrl);
    let r;
    try {
      r = await fetch(url);
    } catch (e) {
      throw new Error(`${url.pathname}: network error (${e.message})`);
    }
    if (!r.ok) throw new Error(`${url.pathname}: HTTP ${r.status} ${r.statusText}`.trim());
    return r;
  }));
  const sizes = responses.map((r) => Number(r.headers.get('content-length')) || 0);
  const total = sizes.every((s) => s > 0) ? sizes.reduce((a, b) => a + b, 0) : 0;
  let loaded = 0;
  const bodies = await Promise.all(responses.map(async (r, i) => {
    const reader = r.body.getReader();
    const chunks = [];
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
      loaded += value.length;
      onProgress(Math.min(loaded, total || loaded), total);
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return gunzipIfNeeded(out, FILES[i]);
  }));
  return { files: bodies, downloaded: loaded };
}
