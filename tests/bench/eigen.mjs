// The eigensolver's pieces on the paper net in headless Chromium (the bench build, www/pkg-bench/):
// T's assembly alone (`reduce`), the eigenvalues (`spectrum`), the eigenpairs with H⁺∇J_R and
// |H|⁺∇J_R (`spectrum_vectors`), and faer's f64 matrix product (the dense rate wasm reaches, the
// floor of docs/maths.md section 5.4). Usage: `node tests/bench/eigen.mjs [reps]` after
// `make build-bench`; prints one JSON object (milliseconds, GFLOP/s).
import { serve, launch, close } from '../e2e/harness.mjs';

const reps = Number(process.argv[2] || 3);
const blank = '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>eigen</body></html>';
const { server, base } = await serve({ override: (rel) => (rel === '/www/bench.html' ? blank : undefined) });
const b = await launch();
try {
  await b.page.goto(`${base}/www/bench.html`);
  const out = await b.page.evaluate(async (reps) => {
    const m = await import('./pkg-bench/sifrian.js');
    const { fetchDataset } = await import('./loader.js');
    await m.default();
    const { files } = await fetchDataset(new URL('./data/mnist/', location.href), () => {});
    const data = new m.Data(files[0], files[1], files[2], files[3]);
    const time = (f) => { const t0 = performance.now(); f(); return performance.now() - t0; };
    const stats = (v) => { const s = [...v].sort((a, b) => a - b); return { min: Math.round(s[0]), median: Math.round(s[s.length >> 1]), max: Math.round(s[s.length - 1]) }; };
    const res = { userAgent: navigator.userAgent, simd128: m.simd_enabled() };
    // Warm every entry point on a small net first (a call that starts in V8's baseline tier stays there).
    const small = new m.CurvatureBench(Uint32Array.from([784, 64, 10]), data, 1, 1);
    const methods = ['reduce', 'spectrum', 'spectrum_vectors', 'spectrum_own', 'spectrum_vectors_own'].filter((k) => typeof small[k] === 'function');
    for (let i = 0; i < 3; i++) for (const k of methods) small[k](0);
    m.CurvatureBench.matmul(200, 1);
    const paper = new m.CurvatureBench(Uint32Array.from([784, 512, 256, 32, 10]), data, 1, 1);
    const t = Object.fromEntries(methods.map((k) => [k, []]));
    for (let r = 0; r < reps; r++) for (const k of methods) t[k].push(time(() => paper[k](0)));
    for (const k of methods) res[`${k}_ms`] = stats(t[k]);
    for (const n of [800, 1600]) {
      const v = [];
      for (let r = 0; r < reps; r++) v.push(time(() => m.CurvatureBench.matmul(n, 1)));
      const s = stats(v);
      res[`matmul_${n}`] = { ...s, gflops_at_min: +(2 * n ** 3 / s.min / 1e6).toFixed(2) };
    }
    return res;
  }, reps);
  console.log(JSON.stringify(out, null, 1));
  if (b.problems.length) throw new Error(b.problems.join('; '));
} finally {
  await close(b);
  server.close();
}
