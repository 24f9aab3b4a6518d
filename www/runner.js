// One run of the worker (a "runner"): its wasm Session and what the worker measures of it,
// curve windows, averages over about the last 1,000 patterns and the throughput. JavaScript owns
// the clock: `record` is given the milliseconds a step(n) took.

/** A curve point every this many patterns. */
export const POINT_EVERY = 1000;

/** The pattern count of the next curve point after `samples`. */
export const nextPointAt = (samples) => (Math.floor(samples / POINT_EVERY) + 1) * POINT_EVERY;

/** A runner of `session` for spec `{id, config}`; `nextValAt(samples)` is its validation schedule. */
export function makeRunner({ id, config }, session, nextValAt) {
  const samples = session.samples_seen();
  return {
    id, config, session,
    samples,
    offset: 0, // patterns seen before this session (a restored autosave's count)
    epoch: 0,
    msPerSample: 1, // measured; the first chunk is small
    msPerVal: null, // ms per validated image, measured (until then: as much as a step)
    computeMs: 0,
    agg: { n: 0, loss: 0, correct: 0 }, // since the last curve point
    ema: null, // {loss, acc} over about the last 1,000 patterns
    rate: { n: 0, ms: 0, value: null }, // samples/s over the last ~0.5 s of compute
    nextPoint: nextPointAt(samples),
    nextVal: nextValAt(samples),
    lambda: null,
    diverged: false,
    version: 0, // bumped whenever the parameters (or the current pattern) change
  };
}

/** Folds the stats of `n` steps that took `ms` into runner `r` (curve window, averages, rate). */
export function record(r, st, n, ms) {
  const steps = st.steps ?? n;
  r.samples = typeof st.samples_seen === 'number' ? r.offset + st.samples_seen : r.samples + steps;
  r.epoch = st.epoch ?? r.epoch;
  if (st.lambda) r.lambda = Array.from(st.lambda);
  if (steps > 0 && Number.isFinite(st.mean_loss)) {
    r.agg.n += steps;
    r.agg.loss += st.mean_loss * steps;
    r.agg.correct += st.accuracy * steps;
    const a = 1 - Math.pow(1 - 1 / 1000, steps);
    if (!r.ema) r.ema = { loss: st.mean_loss, acc: st.accuracy };
    else {
      r.ema.loss += a * (st.mean_loss - r.ema.loss);
      r.ema.acc += a * (st.accuracy - r.ema.acc);
    }
  }
  if (ms !== undefined) {
    r.computeMs += ms;
    r.rate.n += steps;
    r.rate.ms += ms;
    if (r.rate.ms >= 500) {
      r.rate.value = (1000 * r.rate.n) / r.rate.ms;
      r.rate.n = 0;
      r.rate.ms = 0;
    }
    if (steps > 0) {
      const m = ms / steps;
      r.msPerSample = r.msPerSample * 0.6 + m * 0.4;
    }
  }
}

/** What the `stats` event says of runner `r` (www/protocol.js RunStats). */
export function runnerStats(r) {
  return {
    id: r.id,
    samples: r.samples,
    epoch: r.epoch,
    cost: r.ema ? r.ema.loss : null,
    accuracy: r.ema ? r.ema.acc : null,
    throughput: r.rate.value ?? (r.computeMs > 0 ? (1000 * r.samples) / r.computeMs : null),
    lambda: r.lambda,
  };
}
