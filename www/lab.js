// The Sifrian lab: Figure 5 for one hidden layer and one pattern, the exact spectrum of the
// per-pattern Hessian beside the paper's Eq. 62 families, inertia and radius both ways, a verdict
// and the directions table. The numbers come from the worker (`Session.lab`, one exact spectrum
// per request, cached there); this thread only draws (Figure 5 with plotters, the spectrum strip
// with canvas 2D) and keeps at most one request in flight.

import { drawSpectrum, fmt } from './spectrum.js';

const $ = (id) => document.getElementById(id);
const IDLE_MS = 300; // a slider drag recomputes after this much stillness
const RELEASE_MS = 120; // ... or this long after a release (keys: every press is one; a run of them coalesces)
const SLIDER_MIN = -4, SLIDER_MAX = 4; // log10 lambda

/**
 * `send` posts to the worker; `drawFigure5` is the wasm drawing function (main thread);
 * `getDrawn()` -> {pixels, label} or null; `getMu()` -> the damping for the table; `isTraining()`.
 */
export function createLab({ send, drawFigure5, getDrawn, getMu, isTraining }) {
  const ui = {
    section: $('lab'), run: $('figure5-run'), runRow: $('figure5-run-row'), layer: $('figure5-layer'),
    pattern: $('figure5-pattern'), index: $('figure5-index'), indexRow: $('figure5-index-row'), compute: $('lab-compute'),
    slider: $('lambda-slider'), lambdaValue: $('lambda-value'), lambdaName: $('lambda-name'), snap: $('lambda-snap'),
    optimal: $('lambda-optimal'), busy: $('lab-busy'), busyText: $('lab-busy-text'), info: $('lab-info'), stale: $('lab-stale'),
    figure: $('figure5'), spectrum: $('spectrum'), inertiaPaper: $('inertia-paper'), inertiaExact: $('inertia-exact'),
    radiusPaper: $('radius-paper'), radiusExact: $('radius-exact'), radiusName: $('radius-paper-name'),
    verdict: $('verdict'), directions: $('directions'), directionsBody: $('directions-body'), directionsNote: $('directions-note'),
    cosines: $('cosines'), drawnNote: $('figure5-drawn-note'), layerNames: document.querySelectorAll('.lab-k'),
  };

  let specs = [];
  let sizes = [];
  let generation = 0;
  let ready = false; // a run is configured and the main thread's wasm can draw
  let engine = false;
  let visible = false;
  let lambda = null; // null: the run's lambda policy; else lambda_k chosen on the slider
  let shown = null; // {report, run, samples, gen, lambda}
  let inFlight = null; // {req, started}
  let pending = false;
  let reqId = 0;
  let idleTimer = null;
  let busyTimer = null;
  let markerQueued = false;
  const latestSamples = {};
  let figureMaxMs = 0;
  let renderMaxMs = 0;

  // ---------- requests ----------
  function request() {
    const source = ui.pattern.value;
    const q = { layer: Number(ui.layer.value), pattern: { source }, mu: getMu() };
    if (source === 'test') q.pattern.index = Math.max(0, Math.floor(Number(ui.index.value) || 0));
    if (source === 'drawn') {
      const drawn = getDrawn();
      if (!drawn) return { error: 'Draw a digit in “Draw and teach” first (its teach label is the target).' };
      q.pattern.pixels = Array.from(drawn.pixels);
      q.pattern.label = drawn.label;
    }
    if (lambda !== null) q.lambda = lambda;
    return q;
  }

  function compute() {
    clearTimeout(idleTimer);
    idleTimer = null;
    if (!ready) return;
    if (inFlight) { pending = true; return; }
    const q = request();
    if (q.error) { showInfo(q.error, 'notice'); return; }
    const run = specs.length > 1 ? ui.run.value : specs[0].id;
    inFlight = { req: ++reqId, started: performance.now(), gen: generation, lambda };
    setBusy(true);
    send({ type: 'lab', req: inFlight.req, run, request: q });
  }

  function computeSoon(ms = IDLE_MS) {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(compute, ms);
  }

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

  function showInfo(text, state = 'ok') {
    ui.info.textContent = text;
    ui.info.dataset.state = state;
  }

  // ---------- lambda slider ----------
  const toSlider = (l) => Math.max(SLIDER_MIN, Math.min(SLIDER_MAX, Math.log10(l)));
  const fromSlider = () => 10 ** Number(ui.slider.value);

  function showLambda(l, policy) {
    const text = fmt(l);
    ui.lambdaValue.textContent = policy ? `${text} (the run's policy)` : text;
    ui.slider.setAttribute('aria-valuetext', `lambda ${text}`);
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

  function drawFigure(figure5) {
    const wrap = ui.figure.parentElement;
    drawnWidth = wrap.clientWidth;
    const w = Math.max(300, Math.min(820, Math.round(wrap.clientWidth || 640)));
    const h = w < 560 ? Math.round(w * 0.95) : Math.round(w * 0.62);
    if (ui.figure.width !== w) ui.figure.width = w;
    if (ui.figure.height !== h) ui.figure.height = h;
    const t0 = performance.now();
    try {
      drawFigure5(ui.figure, figure5);
    } catch (e) {
      showInfo(`Drawing Figure 5 failed: ${e.message || e}`, 'error');
    }
    figureMaxMs = Math.max(figureMaxMs, performance.now() - t0);
    ui.section.dataset.figureMaxMs = figureMaxMs.toFixed(1);
  }

  /** The longest piece of rendering so far (data-render-max-ms, for the tests). */
  function timed(t0) {
    renderMaxMs = Math.max(renderMaxMs, performance.now() - t0);
    ui.section.dataset.renderMaxMs = renderMaxMs.toFixed(1);
  }

  /** Runs `fn` in its own task after the next frame, in order, unless a newer render started. */
  let renderToken = 0;
  let chain = Promise.resolve();
  function later(token, fn) {
    chain = chain.then(() => new Promise((resolve) => {
      requestAnimationFrame(() => setTimeout(() => {
        const t0 = performance.now();
        try { if (token === renderToken) fn(); } finally { resolve(); }
        timed(t0);
      }, 0));
    }));
  }

  /** The spectrum strip of the shown report; returns its text alternative. */
  function drawStrip() {
    const { report, paperRadius, radiusName } = shown;
    const s = report.figure5.spectrum;
    return drawSpectrum(ui.spectrum, {
      exact: s.eigenvalues, family1: report.families.family1, family2: report.families.family2,
      radiusExact: s.radius, radiusPaper: paperRadius, radiusName,
    });
  }

  // ---------- rendering a report ----------
  function put(el, text) { if (el.textContent !== text) el.textContent = text; }
  const cell = (tag, text, cls) => {
    const el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    return el;
  };

  function render(msg, started) {
    const { report, run, samples } = msg;
    const f = report.figure5;
    const k = f.layer;
    const crossing = Math.sqrt(f.curves.numerator / f.curves.slope);
    const eq68 = (specs.find((s) => s.id === run) || specs[0]).config.lambda === 'eq65+eq68';
    const radiusName = eq68 ? 'Eq. 69' : 'Eq. 66';
    const paperRadius = eq68 ? report.paper_radius.eq69 : report.paper_radius.eq66;
    shown = { report, run, samples, gen: generation, paperRadius, radiusName };

    for (const el of ui.layerNames) el.textContent = String(k);
    put(ui.optimal, String(Number(crossing.toPrecision(6))));
    ui.slider.value = String(toSlider(f.current));
    showLambda(f.current, lambda === null);
    const token = ++renderToken;
    // Each drawing in its own task (after a frame), so that no task of this thread grows long.
    later(token, () => drawFigure(f));

    const s = f.spectrum;
    put(ui.inertiaExact, `${s.positive}/${s.negative}/${s.zero}`);
    put(ui.inertiaPaper, report.inertia_paper.join('/'));
    put(ui.radiusExact, fmt(s.radius));
    put(ui.radiusPaper, fmt(paperRadius));
    put(ui.radiusName, radiusName);
    put(ui.verdict, report.verdict);
    later(token, () => {
      const summary = drawStrip();
      ui.spectrum.setAttribute('aria-label', `The exact eigenvalues of H above the axis, the Eq. 62 family values below it. ${summary}`);
    });
    later(token, () => renderDirections(report.directions));
    later(token, () => renderInfo(msg, performance.now() - started));
  }

  /** The directions table and the cosine matrix (built with text nodes only). */
  function renderDirections(d) {
    put(ui.directionsNote, `One step of size ${d.step} along each direction (w ← w − step·v) on this pattern: cost ½‖d − x_n‖² before ${fmt(d.loss_before)}, J_R before ${fmt(d.jr_before)}. “Model” is the quadratic prediction with the exact Hessian-vector product.`);
    const rows = d.rows.map((r) => {
      const tr = document.createElement('tr');
      tr.append(cell('th', r.name), cell('td', fmt(r.norm)), cell('td', fmt(r.cosine_with_gradient)), cell('td', fmt(r.newton_residual)),
        cell('td', fmt(r.loss_after)), cell('td', fmt(r.loss_model)), cell('td', fmt(r.jr_after)), cell('td', fmt(r.jr_model)));
      tr.firstChild.scope = 'row';
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

  function renderInfo({ report, samples, ms, cached }, wallMs) {
    const f = report.figure5;
    const s = f.spectrum;
    const k = f.layer;

    const params = s.positive + s.negative + s.zero;
    const what = ui.pattern.value === 'test' ? `test pattern ${ui.index.value}` : ui.pattern.value === 'drawn' ? 'your drawing' : 'the current training pattern';
    showInfo(`Exact spectrum of the ${params.toLocaleString('en')}-parameter Hessian for ${what}, layer ${k}, at ${samples.toLocaleString('en')} patterns seen: `
      + `${cached ? 'from the cache' : `computed in ${(ms / 1000).toFixed(2)} s`} (shown ${(wallMs / 1000).toFixed(2)} s after the request).`);
    ui.section.dataset.labMs = ms.toFixed(1);
    ui.section.dataset.labWallMs = wallMs.toFixed(1);
    ui.section.dataset.labCached = String(cached);
    ui.section.dataset.report = JSON.stringify({
      layer: k, curves: f.curves, current: f.current, lambdas: report.lambdas, positive: s.positive, negative: s.negative,
      zero: s.zero, radius: s.radius, inertia_paper: report.inertia_paper, paper_radius: report.paper_radius, sizes,
    });
    ui.section.dataset.reqs = String(reqId);
    ui.stale.hidden = true;
    ui.snap.disabled = false;
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
    const ok = Number.isInteger(v) && v >= 0 && v <= 9999;
    ui.index.setAttribute('aria-invalid', String(!ok));
    if (!ok) { showInfo(`Test pattern: “${ui.index.value}” is not a whole number in 0..9999.`, 'notice'); return; }
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
  ui.snap.addEventListener('click', () => {
    if (!shown) return;
    const c = shown.report.figure5.curves;
    lambda = Math.sqrt(c.numerator / c.slope);
    ui.slider.value = String(toSlider(lambda));
    moveMarker(lambda);
    compute();
  });
  // A new width redraws both canvases (each in its own task); a new height alone does not.
  let resizeTimer = null;
  let drawnWidth = 0;
  new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const width = ui.figure.parentElement.clientWidth;
      if (!shown || width === drawnWidth) return;
      drawnWidth = width;
      const f = shown.report.figure5;
      const token = ++renderToken;
      later(token, () => drawFigure({ ...f, current: lambda === null ? f.current : lambda, spectrum: { ...f.spectrum, eigenvalues: lambda === null || lambda === f.current ? f.spectrum.eigenvalues : [] } }));
      later(token, () => drawStrip());
    }, 150);
  }).observe(ui.section);
  const seen = new IntersectionObserver((entries) => {
    visible = entries[entries.length - 1].isIntersecting;
    // Only when idle: while training runs, the lab computes when asked (it pauses training meanwhile).
    if (visible && ready && !shown && !inFlight && !isTraining()) compute();
  }, { rootMargin: '200px' });
  seen.observe(ui.section);

  function setReady() {
    ui.compute.disabled = !ready;
    ui.slider.disabled = !ready;
    ui.snap.disabled = !ready || !shown;
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
      ui.layer.replaceChildren(...sizes.slice(1, -1).map((s, i) => {
        const o = document.createElement('option');
        o.value = String(i + 1);
        o.textContent = `layer ${i + 1} (${s} units)`;
        return o;
      }));
      ui.layer.value = String(Math.min(prevLayer, sizes.length - 2));
      ui.run.replaceChildren(...specs.map((s) => {
        const o = document.createElement('option');
        o.value = s.id;
        o.textContent = s.label;
        return o;
      }));
      ui.runRow.hidden = specs.length < 2;
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
    engineReady() { engine = true; },
    report(msg) {
      const started = inFlight ? inFlight.started : performance.now();
      const stale = !inFlight || msg.req !== inFlight.req || inFlight.gen !== generation;
      inFlight = null;
      setBusy(false);
      if (pending) { pending = false; compute(); return; }
      if (stale) return;
      const t0 = performance.now();
      render(msg, started);
      timed(t0);
    },
    error(message) {
      inFlight = null;
      setBusy(false);
      if (pending) { pending = false; compute(); return; }
      showInfo(`The lab could not compute: ${message}`, 'error');
    },
    /** Training moved the network on: the shown report is for older weights. */
    stats(runners) {
      for (const r of runners) latestSamples[r.id] = r.samples;
      if (shown && latestSamples[shown.run] !== undefined && latestSamples[shown.run] !== shown.samples) {
        put(ui.stale, `The network has seen ${latestSamples[shown.run].toLocaleString('en')} patterns since: press Compute for the current weights.`);
        ui.stale.hidden = false;
      }
    },
    /** The drawing or its label changed: recompute when the lab looks at the drawing. */
    drawnChanged() {
      if (ui.pattern.value === 'drawn' && ready) { lambda = null; computeSoon(); }
    },
  };
}
