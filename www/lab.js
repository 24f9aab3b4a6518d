// The Sifrian lab: Figure 5 for one hidden layer and one pattern, the exact spectrum of the
// per-pattern Hessian beside the paper's Eq. 62 families, inertia and radius both ways, a verdict
// and the directions table. The numbers come from the worker (`Session.lab`, one exact spectrum
// per request, cached there); this thread only draws (Figure 5 with plotters, the spectrum strip
// with canvas 2D) and keeps at most one request in flight. It computes no mathematics: the
// Eq. 65 crossing and the radius formula that goes with the lambda policy come in the report.

import { drawSpectrum, fmt, fmt3 } from './spectrum.js';
import { chartTheme, onThemeChange } from './theme.js';
import { $, cell, option, probe, put } from './dom.js';
import { fmtCount } from './format.js';
import { className, itemWord } from './classes.js';
const IDLE_MS = 300; // a slider drag recomputes after this much stillness
const RELEASE_MS = 120; // ... or this long after a release (keys: every press is one; a run of them coalesces)
const SLIDER_MIN = -4, SLIDER_MAX = 4; // log10 lambda

/**
 * `request` asks the worker (www/protocol.js); `drawFigure5` is the wasm drawing function (main
 * thread); `getDrawn()` -> {pixels, label} or null; `getMu()` -> the damping for the table;
 * `isTraining()`.
 */
export function createLab({ request, drawFigure5, getDrawn, getMu, isTraining }) {
  const ui = {
    section: $('lab'), run: $('figure5-run'), runRow: $('figure5-run-row'), layer: $('figure5-layer'),
    pattern: $('figure5-pattern'), index: $('figure5-index'), indexRow: $('figure5-index-row'), compute: $('lab-compute'),
    slider: $('lambda-slider'), lambdaValue: $('lambda-value'), lambdaName: $('lambda-name'), snap: $('lambda-snap'),
    optimal: $('lambda-optimal'), plain: $('plain-loss'), drawnOption: document.querySelector('#figure5-pattern option[value="drawn"]'), busy: $('lab-busy'), busyText: $('lab-busy-text'), info: $('lab-info'), stale: $('lab-stale'),
    figure: $('figure5'), spectrum: $('spectrum'), inertiaPaper: $('inertia-paper'), inertiaExact: $('inertia-exact'),
    radiusPaper: $('radius-paper'), radiusExact: $('radius-exact'), gaussNewton: $('gauss-newton'), radiusName: $('radius-paper-name'),
    verdict: $('verdict'), directions: $('directions'), directionsBody: $('directions-body'), directionsNote: $('directions-note'),
    cosines: $('cosines'), drawnNote: $('figure5-drawn-note'), layerNames: document.querySelectorAll('.lab-k'),
  };

  let specs = [];
  let sizes = [];
  let generation = 0;
  let ready = false; // a run is configured and the main thread's wasm can draw
  let engine = false;
  let visible = false;
  let lambda = null; // null: the run's lambda policy; 0: the plain loss (every hidden lambda 0); else lambda_k chosen on the slider
  let shown = null; // {report, run, samples, gen, lambda}
  let inFlight = null; // {started, gen}: the request the worker is computing
  let pending = false;
  let reqId = 0;
  let idleTimer = null;
  let busyTimer = null;
  let markerQueued = false;
  const latestSamples = {};
  let figureMaxMs = 0;
  let renderMaxMs = 0;

  // ---------- requests ----------
  /** The lab request of the controls (src/wasm/request.rs LabRequest), or {error}. */
  function labRequest() {
    const source = ui.pattern.value;
    const q = { layer: Number(ui.layer.value), pattern: { source }, mu: getMu() };
    if (source === 'test') q.pattern.index = Math.max(0, Math.floor(Number(ui.index.value) || 0));
    if (source === 'drawn') {
      const drawn = getDrawn();
      if (!drawn) return { error: `Draw ${itemWord()} in “Draw and teach” first (its teach label is the target).` };
      q.pattern.pixels = Array.from(drawn.pixels);
      q.pattern.label = drawn.label;
    }
    if (lambda === 0) q.plain_loss = true;
    else if (lambda !== null) q.lambda = lambda;
    return q;
  }

  /** Asks the worker for the report of the controls (after the one in flight, if any). */
  function compute() {
    clearTimeout(idleTimer);
    idleTimer = null;
    if (!ready) return;
    if (inFlight) { pending = true; return; }
    const q = labRequest();
    if (q.error) { showInfo(q.error, 'notice'); return; }
    const run = specs.length > 1 ? ui.run.value : specs[0].id;
    const call = { started: performance.now(), gen: generation, id: ++reqId };
    inFlight = call;
    setBusy(true);
    request('lab', { run, request: q }).then((reply) => answered(call, reply), (e) => failed(e.message));
  }

  /** The worker's report for `call`: shown unless a new run made it stale or another is pending. */
  function answered(call, reply) {
    const stale = call.gen !== generation;
    inFlight = null;
    setBusy(false);
    if (pending) { pending = false; compute(); return; }
    if (stale) return;
    // Busy until the report is on screen (its last part, the info line, is drawn a few tasks later).
    ui.section.setAttribute('aria-busy', 'true');
    const t0 = performance.now();
    render(reply, call.started, call.id);
    timed(t0);
  }

  /** The worker could not compute the request in flight. */
  function failed(message) {
    inFlight = null;
    setBusy(false);
    if (pending) { pending = false; compute(); return; }
    showInfo(`The lab could not compute: ${message}`, 'error');
  }

  /** A computation after `ms` of stillness (a slider drag). */
  function computeSoon(ms = IDLE_MS) {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(compute, ms);
  }

  /** The busy indicator, with the seconds elapsed. */
  function setBusy(on) {
    ui.section.setAttribute('aria-busy', String(on));
    ui.busy.hidden = !on;
    clearInterval(busyTimer);
    busyTimer = null;
    if (on) {
      const tick = () => {
        const s = (performance.now() - inFlight.started) / 1000;
        ui.busyText.textContent = `Computing the exact spectrum… ${s.toFixed(1)} s${isTraining() ? ' (training waits until it is done)' : ''}`;
      };
      tick();
      busyTimer = setInterval(tick, 100);
    }
  }

  /** The lab's info line in state `state` (ok, notice, error). */
  function showInfo(text, state = 'ok') {
    ui.info.textContent = text;
    ui.info.dataset.state = state;
  }

  // ---------- lambda slider ----------
  /** lambda -> slider position (log10, clamped); the slider's lambda. */
  const toSlider = (l) => Math.max(SLIDER_MIN, Math.min(SLIDER_MAX, Math.log10(l)));
  const fromSlider = () => 10 ** Number(ui.slider.value);

  /** The lambda_k readout (`policy`: it is the run's, not the slider's; 0: the plain loss). */
  function showLambda(l, policy) {
    const text = l === 0 ? '0 (plain loss)' : fmt(l);
    ui.lambdaValue.textContent = policy ? `${text} (run's policy)` : text;
    ui.slider.setAttribute('aria-valuetext', `lambda ${text}`);
    ui.plain.checked = lambda === 0; // the choice, not the value shown
  }

  /** Redraws Figure 5 with the shown report's curves at lambda `l` (its eigenvalues are for another lambda: left out). */
  function moveMarker(l) {
    if (!shown || markerQueued) return;
    markerQueued = true;
    requestAnimationFrame(() => setTimeout(() => {
      markerQueued = false;
      if (!shown) return;
      const f = shown.report.figure5;
      const now = lambda === null ? f.current : lambda;
      drawFigure({ ...f, current: now, spectrum: { ...f.spectrum, eigenvalues: now === f.current ? f.spectrum.eigenvalues : [] } });
    }, 0));
    showLambda(l, false);
  }

  /**
   * Draws Figure 5 at the panel's width, at that CSS size (never stretched), with a backing store
   * of CSS size x devicePixelRatio (the engine scales fonts and lines); the slowest draw is the
   * probe figureMaxMs.
   */
  function drawFigure(figure5) {
    const wrap = ui.figure.parentElement;
    drawnWidth = wrap.clientWidth;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(300, Math.min(820, Math.round(wrap.clientWidth || 640)));
    const h = w < 560 ? Math.round(w * 0.95) : Math.round(w * 0.62);
    if (ui.figure.style.width !== `${w}px`) ui.figure.style.width = `${w}px`;
    if (ui.figure.style.height !== `${h}px`) ui.figure.style.height = `${h}px`;
    const [bw, bh] = [Math.round(w * dpr), Math.round(h * dpr)];
    if (ui.figure.width !== bw) ui.figure.width = bw;
    if (ui.figure.height !== bh) ui.figure.height = bh;
    const t0 = performance.now();
    try {
      drawFigure5(ui.figure, figure5, { scale: dpr, theme: chartTheme() });
    } catch (e) {
      showInfo(`Drawing Figure 5 failed: ${e.message || e}`, 'error');
    }
    figureMaxMs = Math.max(figureMaxMs, performance.now() - t0);
    probe('figureMaxMs', figureMaxMs.toFixed(1), ui.section);
  }

  /** The longest piece of rendering so far (data-render-max-ms, for the tests). */
  function timed(t0) {
    renderMaxMs = Math.max(renderMaxMs, performance.now() - t0);
    probe('renderMaxMs', renderMaxMs.toFixed(1), ui.section);
  }

  let renderToken = 0;
  let reportToken = 0; // the newest report's: its table and info line are drawn unless a newer one came
  let chain = Promise.resolve();
  /** Runs `fn` in its own task after the next frame, in order, unless `token` is no longer `current()` (by default: a newer drawing started). */
  function later(token, fn, current = () => renderToken) {
    chain = chain.then(() => new Promise((resolve) => {
      requestAnimationFrame(() => setTimeout(() => {
        const t0 = performance.now();
        try { if (token === current()) fn(); } finally { resolve(); }
        timed(t0);
      }, 0));
    }));
  }

  /** The spectrum strip of the shown report; returns its text alternative. */
  function drawStrip() {
    const { report } = shown;
    const s = report.figure5.spectrum;
    const claim = report.radius_claim;
    return drawSpectrum(ui.spectrum, {
      exact: s.eigenvalues, family1: report.families.family1, family2: report.families.family2,
      family2Undefined: Boolean(report.family2_undefined), // a missing Option comes as undefined
      radiusExact: s.radius, radiusPaper: claim ? claim.value : null, radiusName: claim ? claim.formula : null,
    });
  }

  // ---------- rendering a report ----------
  /** Shows a report: numbers at once, each drawing and table in a task of its own. */
  function render(msg, started, id) {
    const { report, run, samples } = msg;
    const f = report.figure5;
    const k = f.layer;
    const claim = report.radius_claim;
    shown = { report, run, samples, gen: generation };

    for (const el of ui.layerNames) el.textContent = String(k);
    put(ui.optimal, String(Number(report.crossing.toPrecision(6))));
    ui.slider.value = String(toSlider(f.current));
    showLambda(f.current, lambda === null);
    const token = ++renderToken;
    // Each drawing in its own task (after a frame), so that no task of this thread grows long.
    later(token, () => drawFigure(f));

    const s = f.spectrum;
    put(ui.inertiaExact, `${s.positive}/${s.negative}/${s.zero}`);
    // Where family 2 is undefined (lambda = 0) the paper claims no counts and no radius.
    put(ui.inertiaPaper, report.inertia_paper ? report.inertia_paper.join('/') : 'no claim (family 2 undefined)');
    put(ui.radiusExact, fmt3(s.radius));
    const gn = report.gauss_newton;
    put(ui.gaussNewton, `${gn.inertia.join('/')}, ${fmt3(gn.largest)}`);
    put(ui.radiusPaper, claim ? fmt3(claim.value) : 'no claim at λ = 0');
    put(ui.radiusName, claim ? claim.formula : 'the paper');
    put(ui.verdict, report.verdict);
    later(token, () => {
      const summary = drawStrip();
      ui.spectrum.setAttribute('aria-label', `The exact eigenvalues of H above the axis, the Eq. 62 family values below it. ${summary}`);
    });
    // The table and the info line belong to this report: a redraw of the canvases (a resize, a new
    // theme) does not drop them, only a newer report does.
    const shownToken = ++reportToken;
    later(shownToken, () => renderDirections(report.directions), () => reportToken);
    later(shownToken, () => renderInfo(msg, performance.now() - started, id), () => reportToken);
  }

  /** The directions table and the cosine matrix (built with text nodes only). */
  function renderDirections(d) {
    put(ui.directionsNote, `One step of size ${d.step_size} along each direction (w ← w − step·v) on this pattern: cost ½‖d − x_n‖² before ${fmt(d.loss_before)}, J_R before ${fmt(d.jr_before)}. “Model” is the quadratic prediction with the exact Hessian-vector product; the last four columns are J_R along v: its curvature vᵀH_Rv/‖v‖², its slope ∇J_R·v, the step t* = ∇J_R·v / vᵀH_Rv that minimises the model when the curvature is positive, and the change of J_R at t*, predicted / actual. Best and worst are marked in three columns, lower being better in each: the cost after the step, J_R after the step, and the actual change of J_R at t* (rows with a t* only).${d.without_eigenpairs ? ` Not in the table: ${d.without_eigenpairs} (its eigenvalues alone are computed, for the spectrum above).` : ''}`);
    // The engine's best/worst per measure (src/lab/report.rs DirectionMarks), on that measure's cell.
    const mark = (td, measure, key) => {
      const m = d.marks[measure];
      const which = m && (m.best === key ? 'best' : m.worst === key ? 'worst' : null);
      if (!which) return td;
      td.dataset.mark = which;
      const tag = document.createElement('span');
      tag.className = `mark ${which}`;
      tag.textContent = which;
      td.append(' ', tag);
      return td;
    };
    const rows = d.rows.map((r) => {
      const tr = document.createElement('tr');
      const a = r.along;
      const curvature = cell('td', fmt(a.curvature));
      curvature.dataset.curvature = String(a.curvature);
      const maybe = (v) => (v === null ? 'none (curvature ≤ 0)' : fmt(v));
      tr.append(cell('th', r.name), cell('td', fmt(r.norm)), cell('td', fmt(r.cosine_with_gradient)), cell('td', fmt(r.newton_residual)),
        mark(cell('td', fmt(r.loss_after)), 'loss_after', r.key), cell('td', fmt(r.loss_model)),
        mark(cell('td', fmt(r.jr_after)), 'jr_after', r.key), cell('td', fmt(r.jr_model)),
        curvature, cell('td', fmt(a.slope)), cell('td', maybe(a.model_step)),
        mark(cell('td', a.predicted_change === null ? '—' : `${fmt(a.predicted_change)} / ${fmt(a.actual_change)}`), 'actual_change', r.key));
      tr.firstChild.scope = 'row';
      tr.dataset.direction = r.key;
      return tr;
    });
    ui.directionsBody.replaceChildren(...rows);
    const short = d.rows.map((r, i) => `${i + 1}`);
    const head = document.createElement('tr');
    head.append(cell('th', 'cos'), ...short.map((n) => { const th = cell('th', n); th.scope = 'col'; return th; }));
    const body = d.cosines.map((row, i) => {
      const tr = document.createElement('tr');
      const th = cell('th', `${i + 1}. ${d.rows[i].name}`);
      th.scope = 'row';
      tr.append(th, ...row.map((c) => cell('td', c.toFixed(3))));
      return tr;
    });
    const thead = document.createElement('thead');
    thead.append(head);
    const tbody = document.createElement('tbody');
    tbody.append(...body);
    ui.cosines.replaceChildren(cell('caption', 'Pairwise cosines between the directions (rows and columns in the order of the table above)'), thead, tbody);
  }

  /** The info line (what was computed, how long it took) and the test probes of the report. */
  function renderInfo(msg, wallMs, id) {
    const { report, samples, ms, cached } = msg;
    const f = report.figure5;
    const s = f.spectrum;
    const k = f.layer;

    const params = s.positive + s.negative + s.zero;
    const label = `class “${className(report.pattern.label)}”`;
    const what = ui.pattern.value === 'test' ? `test pattern ${ui.index.value} (${label})` : ui.pattern.value === 'drawn' ? `your drawing (target ${label})` : `the current training pattern (${label})`;
    showInfo(`Exact spectrum of the ${fmtCount(params)}-parameter Hessian for ${what}, layer ${k}, at ${fmtCount(samples)} patterns seen: `
      + `${cached ? 'from the cache' : `computed in ${(ms / 1000).toFixed(2)} s`} (shown ${(wallMs / 1000).toFixed(2)} s after the request).`);
    probe('labMs', ms.toFixed(1), ui.section);
    probe('labWallMs', wallMs.toFixed(1), ui.section);
    probe('labCached', cached, ui.section);
    probe('report', JSON.stringify({
      layer: k, curves: f.curves, current: f.current, lambdas: report.lambdas, positive: s.positive, negative: s.negative,
      zero: s.zero, radius: s.radius, inertia_paper: report.inertia_paper ?? null, paper_radius: report.paper_radius, sizes,
      plain_loss: report.plain_loss, family2: report.families.family2.length, family2_undefined: report.family2_undefined ?? null,
      radius_claim: report.radius_claim ?? null, eigenvalues: s.eigenvalues.length <= 400 ? s.eigenvalues : null,
    }), ui.section);
    probe('reqs', id, ui.section); // the request this report answers
    ui.stale.hidden = true;
    ui.snap.disabled = false;
    if (!inFlight) ui.section.setAttribute('aria-busy', 'false');
  }

  // ---------- wiring ----------
  ui.compute.addEventListener('click', compute);
  ui.layer.addEventListener('change', () => { lambda = null; compute(); });
  ui.run.addEventListener('change', () => { lambda = null; compute(); });
  ui.pattern.addEventListener('change', () => {
    ui.indexRow.hidden = ui.pattern.value !== 'test';
    ui.drawnNote.hidden = ui.pattern.value !== 'drawn';
    lambda = null;
    compute();
  });
  ui.index.addEventListener('change', () => {
    const v = Number(ui.index.value);
    const ok = Number.isInteger(v) && v >= 0; // the engine names an index past the last pattern
    ui.index.setAttribute('aria-invalid', String(!ok));
    if (!ok) { showInfo(`Test pattern: “${ui.index.value}” is not a whole number ≥ 0.`, 'notice'); return; }
    lambda = null;
    compute();
  });
  ui.slider.addEventListener('input', () => {
    lambda = fromSlider();
    moveMarker(lambda);
    computeSoon();
  });
  ui.slider.addEventListener('change', () => {
    lambda = fromSlider();
    computeSoon(RELEASE_MS);
  });
  ui.plain.addEventListener('change', () => {
    lambda = ui.plain.checked ? 0 : null;
    if (shown && lambda === 0) moveMarker(0);
    compute();
  });
  ui.snap.addEventListener('click', () => {
    if (!shown) return;
    lambda = shown.report.crossing;
    ui.slider.value = String(toSlider(lambda));
    moveMarker(lambda);
    compute();
  });
  // A new width redraws both canvases (each in its own task); a new height alone does not.
  let resizeTimer = null;
  let drawnWidth = 0;
  /** Redraws both canvases from the shown report (each in its own task). */
  function redrawBoth() {
    if (!shown) return;
    const f = shown.report.figure5;
    const token = ++renderToken;
    later(token, () => drawFigure({ ...f, current: lambda === null ? f.current : lambda, spectrum: { ...f.spectrum, eigenvalues: lambda === null || lambda === f.current ? f.spectrum.eigenvalues : [] } }));
    later(token, () => drawStrip());
  }
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const width = ui.figure.parentElement.clientWidth;
      if (!shown || width === drawnWidth) return;
      drawnWidth = width;
      redrawBoth();
    }, 150);
  }).observe(ui.section);
  // A new devicePixelRatio (zoom, another screen) redraws both at the new resolution.
  const watchRatio = () => matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`)
    .addEventListener('change', () => { redrawBoth(); watchRatio(); }, { once: true });
  watchRatio();
  onThemeChange(redrawBoth); // the system's colour scheme changed: both in the new colours
  const seen = new IntersectionObserver((entries) => {
    visible = entries[entries.length - 1].isIntersecting;
    // Only when idle: while training runs, the lab computes when asked (it pauses training meanwhile).
    if (visible && ready && !shown && !inFlight && !isTraining()) compute();
  }, { rootMargin: '200px' });
  seen.observe(ui.section);

  /** Enables the controls once a run with a hidden layer is configured. */
  function setReady() {
    ui.compute.disabled = !ready;
    ui.slider.disabled = !ready;
    ui.snap.disabled = !ready || !shown;
    ui.plain.disabled = !ready;
    ui.layer.disabled = !ready;
    ui.pattern.disabled = !ready;
    ui.index.disabled = !ready;
    ui.run.disabled = !ready;
  }
  setReady();

  return {
    /** A new run (new weights): its layer list and runs; what was shown is dropped. */
    configured(nextSpecs, nextSizes) {
      specs = nextSpecs;
      sizes = nextSizes;
      generation++;
      const prevLayer = Number(ui.layer.value) || 1;
      ui.layer.replaceChildren(...sizes.slice(1, -1).map((s, i) => option(String(i + 1), `layer ${i + 1} (${s} units)`)));
      ui.layer.value = String(Math.min(prevLayer, sizes.length - 2));
      ui.run.replaceChildren(...specs.map((s) => option(s.id, s.label)));
      ui.runRow.hidden = specs.length < 2;
      ui.drawnOption.textContent = `your drawing: ${itemWord()} (teach label = target)`;
      lambda = null;
      shown = null;
      ready = engine && sizes.length >= 3;
      ui.stale.hidden = true;
      setReady();
      if (sizes.length < 3) { showInfo('This network has no hidden layer: Figure 5 needs one.', 'notice'); return; }
      if (ready) {
        showInfo('Press “Compute” (or change a setting) to compute the exact spectrum for this network; while training runs, training waits for it.', 'ok');
        // Observing again reports the current visibility (and computes if the lab is in view).
        seen.unobserve(ui.section);
        seen.observe(ui.section);
      }
    },
    /** The run is gone (a new data set loads, or a reconfigure is under way). */
    unconfigured() {
      ready = false;
      setReady();
    },
    /** The main thread's wasm can draw. */
    engineReady() { engine = true; },
    /** Training moved the network on: the shown report is for older weights. */
    stats(runners) {
      for (const r of runners) latestSamples[r.id] = r.samples;
      if (shown && latestSamples[shown.run] !== undefined && latestSamples[shown.run] !== shown.samples) {
        put(ui.stale, `The network has seen ${fmtCount(latestSamples[shown.run])} patterns since: press Compute for the current weights.`);
        ui.stale.hidden = false;
      }
    },
    /** The drawing or its label changed: recompute when the lab looks at the drawing. */
    drawnChanged() {
      if (ui.pattern.value === 'drawn' && ready) { lambda = null; computeSoon(); }
    },
  };
}
