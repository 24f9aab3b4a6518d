// What the page hands the reader as a file: the curves as CSV and as PNG, and the model file,
// through one blob download.

import { curvesOf } from './charts.js';

/** Offers `data` (a string or bytes) as a file called `name`. */
export function downloadBlob(name, data, type) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The curves of runs `specs` as sifrian-curves-<dataset>-seed<seed>.csv (one row per point). */
export function downloadCurves(specs, dataset, seed) {
  const rows = ['run,samples,seconds,cost,train_accuracy,validation_accuracy'];
  for (const s of specs) {
    for (const p of curvesOf(s.id)) {
      rows.push([`"${s.label}"`, p.samples, p.seconds.toFixed(3), p.cost, p.train_accuracy, p.validation_accuracy ?? ''].join(','));
    }
  }
  downloadBlob(`sifrian-curves-${dataset}-seed${seed}.csv`, rows.join('\n') + '\n', 'text/csv');
}

/** The chart canvas as sifrian-curves-<dataset>-seed<seed>.png (its backing store: CSS size x devicePixelRatio). */
export function downloadChartPng(canvas, dataset, seed) {
  canvas.toBlob((png) => { if (png) downloadBlob(`sifrian-curves-${dataset}-seed${seed}.png`, png, 'image/png'); }, 'image/png');
}

/** A model file as sifrian-<dataset>-<optimizer>-<sizes>-<samples>.bin; returns the name. */
export function downloadModel(bytes, { dataset, optimizer, sizes, samples }) {
  const name = `sifrian-${dataset}-${optimizer}-${sizes.join('-')}-${samples}.bin`;
  downloadBlob(name, bytes, 'application/octet-stream');
  return name;
}
