// The curvature of the data (the lab's last block): the top eigenvalues of the Hessian averaged
// over N training images, the mean exact per-pattern radius over the first M of them and the
// paper's radius formula on the same M. The worker computes everything (`batchCurvature`,
// www/protocol.js; src/lab/batch_curvature.rs); this module sends the request, shows the report
// as it grows and cancels. It computes no mathematics.

import { request, on } from './client.js';
import { $, cell, probe, put } from './dom.js';
import { fmt } from './spectrum.js';
import { fmtCount } from './format.js';

const ui = {
  run: $('batch-curvature-run'), cancel: $('batch-curvature-cancel'), status: $('batch-curvature-status'),
  out: $('batch-curvature'), hessian: $('batch-curvature-hessian'), n: $('batch-curvature-n'), m: $('batch-curvature-m'),
  seed: $('batch-curvature-seed'),
};

const HESSIAN = {
  plain: 'the plain loss ½‖d − xₙ‖² (λ_k = 0 for k < n, λₙ = 1)',
  j_r: "J_R, each pattern at its own λ by the run's policy",
};
const PHASE = { prepare: 'forward passes and adjoints', lanczos: 'Lanczos steps', exact: 'exact per-pattern spectra', done: 'done' };

let busy = false;

/** The request from the controls (the engine checks the ranges and names a bad value). */
function readRequest() {
  const int = (el) => Number(el.value);
  return { hessian: ui.hessian.value, patterns: int(ui.n), subset: int(ui.m), seed: int(ui.seed) };
}

/** Draws report `r` (the engine's BatchCurvatureReport) into the readout. */
function show(r, final, ms, lanczosMs) {
  const out = ui.out;
  out.hidden = false;
  out.replaceChildren();
  const ritz = r.ritz;
  out.append(cell('p', `Top ${ritz.top.length} eigenvalues of the mean Hessian H̄ of ${HESSIAN[r.hessian]}, over N = ${fmtCount(r.patterns)} training images (sample seed ${r.seed}; the first: ${r.first_indices.join(', ')}, …):`));
  const list = document.createElement('ol');
  list.className = 'batch-curvature-values';
  list.dataset.testid = 'batch-curvature-eigenvalues';
  ritz.top.forEach((v, i) => {
    const li = cell('li', `${fmt(v)}  (an eigenvalue of H̄ lies within ${fmt(ritz.top_bounds[i])})`);
    li.dataset.value = String(v);
    list.append(li);
  });
  out.append(list);
  const conv = ritz.converged ? `converged: every residual bound ≤ ${ritz.tol} × the largest |Ritz value|`
    : (r.phase === 'prepare' || r.phase === 'lanczos' ? 'running' : `not converged within ${r.max_steps} steps: the bounds say how far off they may be`);
  out.append(cell('p', `Lanczos: ${ritz.steps} steps, ${fmtCount(r.hvps)} single-pattern Hessian-vector products (${conv}).`
    + (lanczosMs != null ? ` Time to these eigenvalues in the worker: ${(lanczosMs / 1000).toFixed(2)} s.` : '')));
  if (r.radius_of_mean != null) {
    out.append(cell('p', `Smallest Ritz value ${fmt(ritz.lowest)} (within ${fmt(ritz.lowest_bound)} of an eigenvalue; not waited for). `
      + `Radius of H̄ from these: at least ${fmt(r.radius_of_mean)} (the larger of |λ₁| and |smallest|; Ritz values lie inside H̄'s spectrum).`));
  }
  if (r.subset > 0) {
    const done = r.subset_radii.length;
    const exact = cell('p', `Mean exact per-pattern spectral radius (the full exact spectrum of each pattern's Hessian of the same loss) over the first ${done} of ${r.subset} of these images: ${fmt(r.mean_radius)}.`
      + ' The radius of a mean is at most the mean of the radii over the same patterns (triangle inequality); here the mean is over a subset, because one exact spectrum of the paper\'s net takes about a second.');
    exact.dataset.testid = 'batch-curvature-mean-radius';
    exact.dataset.value = String(r.mean_radius);
    out.append(exact);
    const paper = cell('p', `${r.paper_formula} (the paper's radius claim for one pattern's J_R at Eq. 65's λ), mean over the same ${done}: ${fmt(r.mean_paper_radius)}.`);
    paper.dataset.testid = 'batch-curvature-paper';
    out.append(paper);
  }
  probe('batchCurvaturePhase', final ? 'done' : r.phase, out);
  if (ms != null) probe('batchCurvatureMs', Math.round(ms), out);
  if (lanczosMs != null) probe('batchCurvatureLanczosMs', Math.round(lanczosMs), out);
}

function setBusy(b) {
  busy = b;
  ui.run.disabled = b;
  ui.cancel.hidden = !b;
}

on('batchCurvature', ({ report, ms }) => {
  if (!busy) return;
  show(report, false, ms, null);
  put(ui.status, `Computing: ${PHASE[report.phase]} (${(ms / 1000).toFixed(1)} s)…`);
});

ui.run.addEventListener('click', async () => {
  setBusy(true);
  put(ui.status, 'Computing: forward passes and adjoints…');
  try {
    const res = await request('batchCurvature', { run: 'r0', request: readRequest() });
    if (res.cancelled) {
      put(ui.status, 'Cancelled.');
    } else {
      show(res.report, true, res.ms, res.lanczosMs);
      put(ui.status, `Done in ${(res.ms / 1000).toFixed(2)} s, on run ${res.run} after ${fmtCount(res.samples)} training patterns.`);
    }
  } catch (e) {
    put(ui.status, `Error: ${e.message}`);
  } finally {
    setBusy(false);
  }
});

ui.cancel.addEventListener('click', () => { request('batchCurvatureCancel').catch(() => {}); });
