// The exact spectrum as a two-sided histogram on a symmetric log axis, with the Eq. 62 family
// values on the same axis (mirrored below it) and both spectral radii marked. Canvas 2D only, in
// the engine's colours for the system's theme (www/theme.js): positive values in series 0's colour
// and negative ones in series 1's, as in Figure 5.

import { themeColors } from './theme.js';

/** Pieces of the symmetric log scale t(v) = sign(v) log10(1 + |v| / c). */
function symlog(c) {
  return (v) => Math.sign(v) * Math.log10(1 + Math.abs(v) / c);
}

/** Counts per bin over [-T, T] in the transformed coordinate. */
function histogram(values, t, T, bins) {
  const counts = new Uint32Array(bins);
  for (const v of values) {
    if (!Number.isFinite(v) || v === 0) continue;
    const u = (t(v) + T) / (2 * T);
    counts[Math.max(0, Math.min(bins - 1, Math.floor(u * bins)))]++;
  }
  return counts;
}

/** The label of tick 10^e. */
function fmtTick(e) {
  if (e >= -2 && e <= 3) return String(Number((10 ** e).toPrecision(1)));
  return `1e${e}`;
}

/**
 * Draws on `canvas` (CSS width from its parent). `data`: {exact: number[], family1: number[],
 * family2: number[], family2Undefined: boolean (lambda = 0: labelled, nothing drawn for it),
 * radiusExact, radiusPaper, radiusName (null: the paper claims no radius)}. Returns a
 * one-sentence summary (the canvas's text alternative).
 */
export function drawSpectrum(canvas, data) {
  const cssW = Math.max(280, Math.round(canvas.parentElement.clientWidth || 640));
  const cssH = cssW < 480 ? 230 : 250;
  // Drawn at its CSS size with a backing store of CSS size x devicePixelRatio: every coordinate
  // below is in CSS pixels and the transform scales text and lines to the screen's pixels.
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(cssW * dpr)) canvas.width = Math.round(cssW * dpr);
  if (canvas.height !== Math.round(cssH * dpr)) canvas.height = Math.round(cssH * dpr);
  if (canvas.style.width !== `${cssW}px`) canvas.style.width = `${cssW}px`;
  if (canvas.style.height !== `${cssH}px`) canvas.style.height = `${cssH}px`;
  const { background, ink: INK, muted: MUTED, grid, zero, series: [POS, NEG] } = themeColors();
  const ctx = canvas.getContext('2d');
  ctx.setTransform(canvas.width / cssW, 0, 0, canvas.height / cssH, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, cssW, cssH);

  const fam = [...data.family1, ...data.family2];
  const all = [...data.exact, ...fam, data.radiusExact, data.radiusPaper].filter((v) => Number.isFinite(v) && v !== 0);
  if (all.length === 0) return 'No eigenvalues to show.';
  const minAbs = Math.min(...all.map(Math.abs));
  const maxAbs = Math.max(...all.map(Math.abs));
  const c = 10 ** Math.max(-8, Math.min(0, Math.floor(Math.log10(minAbs))));
  const t = symlog(c);
  const T = t(maxAbs * 1.6);

  const left = 58, right = 12;
  const plotW = cssW - left - right;
  const X = (v) => left + ((t(v) + T) / (2 * T)) * plotW;
  const top1 = 30, base1 = 112; // exact: bars grow up to base1
  const axisY = 122;
  const base2 = 132, bottom2 = cssH - 34; // families: bars grow down from base2
  const bins = Math.max(40, Math.floor(plotW / 3));
  const hx = histogram(data.exact, t, T, bins);
  const hf = histogram(fam, t, T, bins);
  const maxCount = Math.max(1, ...hx, ...hf);
  const barW = plotW / bins;
  const h = (n, room) => (n === 0 ? 0 : Math.max(2, Math.sqrt(n / maxCount) * room));

  // Grid and ticks: 0 and +-10^e.
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const e0 = Math.ceil(Math.log10(c)), e1 = Math.floor(Math.log10(maxAbs * 1.6));
  const ticks = [0];
  for (let e = e0; e <= e1; e++) ticks.push(10 ** e, -(10 ** e));
  ticks.sort((a, b) => a - b);
  let lastRight = -Infinity;
  const labelled = [];
  for (const v of ticks) {
    const x = X(v);
    ctx.strokeStyle = v === 0 ? zero : grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x + 0.5, top1);
    ctx.lineTo(x + 0.5, bottom2);
    ctx.stroke();
    const label = v === 0 ? '0' : `${v < 0 ? '−' : ''}${fmtTick(Math.round(Math.log10(Math.abs(v))))}`;
    const w = ctx.measureText(label).width;
    if (x - w / 2 > lastRight + 6) {
      labelled.push([x, label]);
      lastRight = x + w / 2;
    }
  }
  ctx.fillStyle = MUTED;
  for (const [x, label] of labelled) ctx.fillText(label, x, bottom2 + 6);
  ctx.textAlign = 'right';
  ctx.fillText('eigenvalue (symmetric log scale)', cssW - right, cssH - 13);

  // Bars: exact above the axis, the families below it.
  for (let i = 0; i < bins; i++) {
    const centre = -T + ((i + 0.5) / bins) * 2 * T;
    ctx.fillStyle = centre < 0 ? NEG : POS;
    if (hx[i]) {
      const hh = h(hx[i], base1 - top1);
      ctx.fillRect(left + i * barW, base1 - hh, Math.max(1, barW - 0.5), hh);
    }
    if (hf[i]) {
      ctx.globalAlpha = 0.5;
      const hh = h(hf[i], bottom2 - base2);
      ctx.fillRect(left + i * barW, base2, Math.max(1, barW - 0.5), hh);
      ctx.globalAlpha = 1;
    }
  }
  // The axis and the two baselines.
  ctx.strokeStyle = INK;
  ctx.beginPath();
  ctx.moveTo(left, axisY + 0.5);
  ctx.lineTo(left + plotW, axisY + 0.5);
  ctx.stroke();

  // Radii: the exact one above, the paper's below, at +-rho.
  const marker = (rho, y0, y1, label, dash, labelY) => {
    if (!(rho > 0)) return;
    ctx.save();
    ctx.setLineDash(dash);
    ctx.strokeStyle = INK;
    for (const v of [rho, -rho]) {
      const x = X(v) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, y0);
      ctx.lineTo(x, y1);
      ctx.stroke();
    }
    ctx.restore();
    ctx.fillStyle = INK;
    ctx.textBaseline = 'top';
    const x = X(rho);
    ctx.textAlign = x > left + plotW - 70 ? 'right' : 'left';
    ctx.fillText(label, x + (ctx.textAlign === 'right' ? -3 : 3), labelY);
  };
  marker(data.radiusExact, top1 - 4, base1, 'ρ exact', [], top1 - 2);
  marker(data.radiusPaper, base2, bottom2, `ρ ${data.radiusName}`, [4, 3], bottom2 - 14);
  if (data.family2Undefined) {
    // Eq. 62's family 2 divides by lambda: at lambda = 0 it has no value to draw.
    ctx.save();
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.fillStyle = NEG;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText('family 2 undefined at λ = 0 (it divides by λ); no radius claim', left + 6, (base2 + bottom2) / 2 + 8);
    ctx.restore();
  }

  // Row labels.
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = INK;
  ctx.font = '600 11px system-ui, sans-serif';
  ctx.fillText('exact', 4, (top1 + base1) / 2 - 7);
  ctx.fillText('Eq. 62', 4, (base2 + bottom2) / 2 - 7);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = MUTED;
  ctx.fillText('of H', 4, (top1 + base1) / 2 + 7);
  ctx.fillText('families', 4, (base2 + bottom2) / 2 + 7);
  ctx.textBaseline = 'top';
  ctx.fillText(`bar height ∝ √count (tallest: ${maxCount})`, left, 4);
  ctx.textAlign = 'right';
  ctx.fillStyle = NEG;
  ctx.fillText('negative', left + plotW / 2 - 8, 16);
  ctx.textAlign = 'left';
  ctx.fillStyle = POS;
  ctx.fillText('positive', left + plotW / 2 + 8, 16);

  const ext = (xs) => (xs.length ? [Math.min(...xs), Math.max(...xs)] : null);
  const pos = data.exact.filter((v) => v > 0), neg = data.exact.filter((v) => v < 0);
  const fp = fam.filter((v) => v > 0), fn = fam.filter((v) => v < 0);
  const r = (a) => (a ? `${fmt(a[0])} to ${fmt(a[1])}` : 'none');
  return `Exact: ${pos.length} positive eigenvalues (${r(ext(pos))}) and ${neg.length} negative (${r(ext(neg))}). `
    + (data.family2Undefined
      ? `Eq. 62 family 1: ${fp.length} positive (${r(ext(fp))}); family 2 is undefined at λ = 0. Spectral radius: exact ${fmt(data.radiusExact)}; the paper claims none here.`
      : `Eq. 62 families: ${fp.length} positive (${r(ext(fp))}) and ${fn.length} negative (${r(ext(fn))}). `
        + `Spectral radius: exact ${fmt(data.radiusExact)}, ${data.radiusName} ${fmt(data.radiusPaper)}.`);
}

/** Three significant digits (the lab's summary numbers, as the engine's verdict prints them), exponent form outside [1e-3, 1e6). */
export function fmt3(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const r = Number(v.toPrecision(3));
  const a = Math.abs(r);
  if (a >= 1e6 || a < 1e-3) return r.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(r);
}

/** Four significant digits, exponent form outside [1e-3, 1e4). */
export function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
