//! `sifrian bench`: the native half of the benchmark (the browser half is `www/bench.html`, driven
//! with this by `tests/bench/run.mjs`; `make bench` runs both and writes `target/bench/bench.json`).
//!
//! For each preset of the catalog it measures, on real MNIST, patterns/s of every optimizer as the
//! page trains them (the [`Trainer`] on the fused f32 kernel, the catalog's default step sizes;
//! `newton_pinv` and `saddle_free` on their f64 eigenpair engine, only on presets under the
//! eigenpair cap),
//! exact Hessian-vector products/s (fused f32 as `hvp`, the f64 reference as `hvp_f64`), the time
//! to the exact nonzero spectrum of one pattern (`spectrum_ms`), the curvature of the data
//! (`batch_lanczos_ms`: 1,000 patterns, top 5, once per preset) and to its eigenpairs with the
//! minimum-norm and saddle-free Newton steps (`spectrum_vectors_ms`), and the memory-streaming limit over a buffer of
//! the weights' f32 size. The `*_dense` rows train on a copy of MNIST without zero pixels, so
//! that layer 1 streams all of its weights (the roofline's assumption; the kernel skips zero
//! pixels on real digits). Repetitions are outermost and every row is visited once per
//! repetition (so drift hits all rows alike); medians are reported. `instruments_overhead`
//! (`_mk`): `1 - (patterns/s with the instruments) / (without)` for SGD (MK) on the default
//! schedule ([`Schedule::for_sizes`]): the `*_sampled` rows' time per pattern plus one
//! `spectrum_ms` per `spectrum_every` patterns. Each sampled row is measured right after its
//! plain row (in the other order every other repetition); the median of the repetitions'
//! ratios is reported with their quartiles and extremes.

use crate::error::{fs, CliError, Result};
use clap::Args;
use sifrian::bench::{
    roofline_patterns_per_s, without_zero_pixels, CurvatureWorkload, StreamProbe,
};
use sifrian::catalog::{self, OptimizerInfo, DEFAULT_MU, OPTIMIZERS, PRESETS};
use sifrian::io::data::Dataset;
use sifrian::network::{param_count, Network};
use sifrian::regularisation::LambdaPolicy;
use sifrian::train::{Method, Schedule, TrainConfig, Trainer};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    /// Presets to measure, comma-separated (the catalog's, listed by `presets_help`).
    #[arg(long, value_delimiter = ',', default_value = "small,paper", help = presets_help())]
    presets: Vec<String>,
    /// Seconds per measurement window.
    #[arg(long, default_value_t = 1.0)]
    secs: f64,
    /// Repetitions (the median is reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// The folder holding `mnist/` (`make data`).
    #[arg(long, default_value = "data")]
    data_dir: PathBuf,
    /// Where the JSON goes.
    #[arg(long, default_value = "target/bench/native.json")]
    out: PathBuf,
}

/// `--presets`'s help: `Presets to measure, comma-separated: small (784-64-10), ...`.
fn presets_help() -> String {
    let presets: Vec<String> = PRESETS
        .iter()
        .map(|p| {
            let sizes: Vec<String> = p.sizes.iter().map(usize::to_string).collect();
            format!("{} ({})", p.name, sizes.join("-"))
        })
        .collect();
    format!(
        "Presets to measure, comma-separated: {}",
        presets.join(", ")
    )
}

/// The sizes of the catalog's preset `name`; the error lists the presets.
fn preset_sizes(name: &str) -> Result<&'static [usize]> {
    catalog::preset(name).map(|p| p.sizes).ok_or_else(|| {
        let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        let (last, rest) = names.split_last().expect("the catalog has presets");
        CliError::flag(
            "presets",
            format!("unknown {name:?} (expected {} or {last})", rest.join(", ")),
        )
    })
}

/// The key of an optimizer's row in the JSON: its name with `_` for `-` (`mk_damped`).
fn row_key(o: &OptimizerInfo) -> String {
    o.name.replace('-', "_")
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

/// The lower and upper quartiles of `v` (the sorted values at a quarter and three quarters of
/// its length, rounded down: as `quartiles` in www/bench.js).
fn quartiles(v: &[f64]) -> [f64; 2] {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let at = |q: f64| s[((q * s.len() as f64) as usize).min(s.len() - 1)];
    [at(0.25), at(0.75)]
}

/// The smallest and largest of `v`.
fn min_max(v: &[f64]) -> [f64; 2] {
    v.iter()
        .fold([f64::INFINITY, f64::NEG_INFINITY], |[lo, hi], &x| {
            [lo.min(x), hi.max(x)]
        })
}

/// Runs `unit(chunk)` (which returns the work done and the seconds of it that are not work: a
/// diverged run's rebuild) until `secs` have passed; work per second of the rest.
fn rate(
    secs: f64,
    chunk: usize,
    mut unit: impl FnMut(usize) -> sifrian::Result<(f64, f64)>,
) -> sifrian::Result<f64> {
    let t0 = Instant::now();
    let (mut done, mut aside) = (0.0, 0.0);
    loop {
        let (work, untimed) = unit(chunk)?;
        done += work;
        aside += untimed;
        let t = t0.elapsed().as_secs_f64();
        if t >= secs {
            return Ok(done / (t - aside).max(1e-9));
        }
    }
}

/// A chunk of about 20 ms from one timed call of `probe` units.
fn calibrate(
    probe: usize,
    mut unit: impl FnMut(usize) -> sifrian::Result<(f64, f64)>,
) -> sifrian::Result<usize> {
    let t0 = Instant::now();
    let (_, untimed) = unit(probe)?;
    let per = (t0.elapsed().as_secs_f64() - untimed) / probe as f64;
    Ok(((0.02 / per.max(1e-9)) as usize).clamp(1, 1 << 20))
}

/// A training row. At the catalog's default step some optimizers diverge within a few hundred
/// patterns (Eq. 35's Newton on 784-64-10 after 102), and the trainer then stops at every
/// call; so a run that diverges is rebuilt from its initial weights, the rebuild's time is left
/// out of the rate and `restarts` counts them.
struct TrainRow {
    trainer: Box<Trainer>,
    train: Rc<Dataset>,
    test: Rc<Dataset>,
    instruments: Option<Schedule>,
    restarts: usize,
}

impl TrainRow {
    fn new(
        config: TrainConfig,
        train: &Rc<Dataset>,
        test: &Rc<Dataset>,
        instruments: Option<Schedule>,
    ) -> Result<Self> {
        let mut trainer = Trainer::new(config, Rc::clone(train), Rc::clone(test))?;
        trainer.set_instruments(instruments);
        Ok(TrainRow {
            trainer: Box::new(trainer),
            train: Rc::clone(train),
            test: Rc::clone(test),
            instruments,
            restarts: 0,
        })
    }

    /// Trains `n` patterns; returns the patterns tried (a rejected step took its time too) and
    /// the seconds spent rebuilding a diverged run.
    fn unit(&mut self, n: usize) -> sifrian::Result<(f64, f64)> {
        let st = self.trainer.step(n)?;
        let mut untimed = 0.0;
        if st.diverged {
            let t0 = Instant::now();
            let config = self.trainer.config().clone();
            let mut fresh = Trainer::new(config, Rc::clone(&self.train), Rc::clone(&self.test))?;
            fresh.set_instruments(self.instruments);
            *self.trainer = fresh;
            self.restarts += 1;
            untimed = t0.elapsed().as_secs_f64();
        }
        Ok(((st.steps + usize::from(st.diverged)) as f64, untimed))
    }
}

enum Row {
    Train(TrainRow),
    Hvp(CurvatureWorkload),
    HvpF64(CurvatureWorkload),
    Read(StreamProbe),
    ReadWrite(StreamProbe),
}

impl Row {
    /// Does `n` units; returns the units done (patterns tried, HVPs, bytes streamed) and the
    /// seconds that are not work ([`TrainRow::unit`]).
    fn unit(&mut self, n: usize) -> sifrian::Result<(f64, f64)> {
        let done = |units: usize| Ok((units as f64, 0.0));
        match self {
            Row::Train(t) => t.unit(n),
            Row::Hvp(w) => {
                std::hint::black_box(w.fast_hvps(n));
                done(n)
            }
            Row::HvpF64(w) => {
                std::hint::black_box(w.hvps(n)?);
                done(n)
            }
            Row::Read(p) => {
                std::hint::black_box(p.read(n));
                done(n * p.bytes())
            }
            Row::ReadWrite(p) => {
                std::hint::black_box(p.read_write(n));
                done(2 * n * p.bytes())
            }
        }
    }
}

/// Measures one preset; returns its `{preset}.native` object.
fn preset(
    name: &str,
    args: &BenchArgs,
    train: &Rc<Dataset>,
    dense: &Rc<Dataset>,
    test: &Rc<Dataset>,
) -> Result<serde_json::Value> {
    let sizes = preset_sizes(name)?;
    let policy = LambdaPolicy::Eq65 {
        white: true,
        eq68: false,
    };
    let weight_bytes = 4 * param_count(sizes);
    let mut rows: Vec<(String, Row)> = Vec::new();
    // Every optimizer on the real digits, then SGD and MK on the digits without zero pixels.
    let dense_rows = OPTIMIZERS
        .iter()
        .filter(|o| matches!(o.name, "sgd" | "mk"))
        .map(|o| (format!("{}_dense", row_key(o)), o, dense));
    let real_rows = OPTIMIZERS.iter().map(|o| (row_key(o), o, train));
    // SGD and MK with the instruments sampling on the default schedule, spectrum apart (below).
    let schedule = Schedule::for_sizes(sizes);
    let sampled_rows = OPTIMIZERS
        .iter()
        .filter(|o| matches!(o.name, "sgd" | "mk"))
        .map(|o| (format!("{}_sampled", row_key(o)), o, train));
    for (key, o, set) in real_rows.chain(dense_rows).chain(sampled_rows) {
        let config = TrainConfig {
            sizes: sizes.to_vec(),
            alpha: 0.01,
            seed: 0,
            method: Method::from_name(o.name, o.uses_mu.then_some(DEFAULT_MU))?,
            step_size: o.default_step_size,
            lambda: policy.clone(),
            fast: true,
        };
        // The spectral methods are refused above the eigenpair cap (the paper's net): no row.
        if matches!(config.method, Method::Spectral(_)) && config.validate(sizes[0]).is_err() {
            continue;
        }
        let instruments = if key.ends_with("_sampled") {
            Some(Schedule::new(schedule.every, 0)?)
        } else {
            None
        };
        let row = TrainRow::new(config, set, test, instruments)?;
        rows.push((key, Row::Train(row)));
    }
    let net = Network::new(sizes, 0.01, 0)?;
    let curvature = CurvatureWorkload::new(net, policy, train, 64, 1)?;
    rows.push(("hvp".into(), Row::Hvp(curvature.clone())));
    rows.push(("hvp_f64".into(), Row::HvpF64(curvature.clone())));
    let probe = StreamProbe::new(weight_bytes)?;
    rows.push(("read_bps".into(), Row::Read(probe.clone())));
    rows.push(("read_write_bps".into(), Row::ReadWrite(probe)));
    // Each `*_sampled` row right after its plain row: the two are measured in adjacent windows
    // (their order alternating between repetitions), and each repetition gives one ratio.
    for plain in ["sgd", "mk"] {
        let sampled = format!("{plain}_sampled");
        let at = |k: &str| rows.iter().position(|(key, _)| key == k);
        if let (Some(p), Some(s)) = (at(plain), at(&sampled)) {
            let row = rows.remove(s);
            rows.insert(p + 1, row);
        }
    }

    // A `*_sampled` row steps in its plain row's chunks: its calibration call would hold a sample
    // (at pattern 0, about 15 steps' time on the paper's net) and pick chunks several times
    // smaller, each call ending in a sync of the parameters: the rows would differ by more than
    // the instruments.
    let mut chunks: Vec<usize> = Vec::new();
    for i in 0..rows.len() {
        let plain = rows[i].0.strip_suffix("_sampled").map(str::to_owned);
        let chunk = match plain.and_then(|p| rows.iter().position(|(k, _)| *k == p)) {
            Some(j) => chunks[j],
            None => calibrate(4, |n| rows[i].1.unit(n))?,
        };
        chunks.push(chunk);
    }
    let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut spectrum_ms = Vec::new();
    let mut spectrum_vectors_ms = Vec::new();
    for rep in 0..args.reps {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        if rep % 2 == 1 {
            for i in 1..rows.len() {
                if rows[i].0.strip_suffix("_sampled") == Some(rows[i - 1].0.as_str()) {
                    order.swap(i - 1, i);
                }
            }
        }
        for i in order {
            let (key, row) = &mut rows[i];
            let r = rate(args.secs, chunks[i], |n| row.unit(n))?;
            samples.entry(key.clone()).or_default().push(r);
        }
        let t0 = Instant::now();
        let s = curvature.spectrum(0)?;
        spectrum_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(s);
        let t0 = Instant::now();
        let s = curvature.eigenpairs(0)?;
        spectrum_vectors_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(s);
    }
    // The curvature of the data, once (seconds on the paper's net): 1,000 training patterns
    // prepared and Lanczos to the top 5 of the plain loss's mean Hessian (no exact spectra).
    let (batch_ms, batch_hvps) = batch_lanczos(sizes, train)?;
    let mut out = serde_json::Map::new();
    // The instruments' cost, one ratio per repetition from its adjacent pair of windows: the
    // sampled row's time per pattern plus one spectrum per `spectrum_every` patterns (the median
    // spectrum time, amortised: a window of seconds may hold none), against the plain row's.
    let spectrum_median_ms = median(&mut spectrum_ms);
    let spectrum_s = spectrum_median_ms / 1e3;
    for (key, plain) in [
        ("instruments_overhead", "sgd"),
        ("instruments_overhead_mk", "mk"),
    ] {
        let (p, s) = (&samples[plain], &samples[&format!("{plain}_sampled")]);
        let mut ratios: Vec<f64> = p
            .iter()
            .zip(s)
            .map(|(&rp, &rs)| {
                let per = 1.0 / rs + spectrum_s / schedule.spectrum_every as f64;
                1.0 - 1.0 / per / rp
            })
            .collect();
        let (q, range) = (quartiles(&ratios), min_max(&ratios));
        out.insert(key.into(), median(&mut ratios).into());
        out.insert(format!("{key}_quartiles"), serde_json::json!(q));
        out.insert(format!("{key}_min_max"), serde_json::json!(range));
    }
    for (key, row) in &rows {
        if let Row::Train(t) = row {
            out.insert(format!("{key}_restarts"), t.restarts.into());
        }
    }
    out.insert("batch_lanczos_ms".into(), batch_ms.into());
    out.insert(
        "batch_lanczos_hvps_per_s".into(),
        (batch_hvps as f64 / (batch_ms / 1e3)).into(),
    );
    let mut spread = serde_json::Map::new();
    for (key, mut v) in samples {
        let range = min_max(&v);
        out.insert(key.clone(), median(&mut v).into());
        spread.insert(key, serde_json::json!(range));
    }
    out.insert("spectrum_ms".into(), spectrum_median_ms.into());
    out.insert(
        "spectrum_vectors_ms".into(),
        median(&mut spectrum_vectors_ms).into(),
    );
    let (r, rw) = (
        out["read_bps"].as_f64().unwrap_or(0.0),
        out["read_write_bps"].as_f64().unwrap_or(0.0),
    );
    out.insert(
        "roofline_sgd".into(),
        roofline_patterns_per_s(weight_bytes as f64, r, rw).into(),
    );
    out.insert("weight_bytes".into(), weight_bytes.into());
    out.insert("instruments_every".into(), schedule.every.into());
    out.insert(
        "instruments_spectrum_every".into(),
        schedule.spectrum_every.into(),
    );
    out.insert("min_max".into(), spread.into());
    Ok(serde_json::Value::Object(out))
}

/// Runs the native benchmark, writes `args.out` and returns a one-line summary per preset.
pub fn run(args: &BenchArgs) -> Result<String> {
    if !(args.secs.is_finite() && args.secs > 0.0 && args.secs <= 60.0) {
        return Err(CliError::flag(
            "secs",
            format!("must be in (0, 60], got {}", args.secs),
        ));
    }
    if !(1..=100).contains(&args.reps) {
        return Err(CliError::flag(
            "reps",
            format!("must be 1..=100, got {}", args.reps),
        ));
    }
    for p in &args.presets {
        preset_sizes(p)?;
    }
    let dir = args.data_dir.join("mnist");
    let train = Rc::new(Dataset::load(&dir, "train")?);
    let test = Rc::new(Dataset::load(&dir, "t10k")?);
    let read = |name: &str| fs::read(&dir.join(name));
    let dense = Rc::new(Dataset::from_idx(
        &without_zero_pixels(&read("train-images-idx3-ubyte")?),
        &read("train-labels-idx1-ubyte")?,
    )?);
    let mut all = serde_json::Map::new();
    let mut summary = String::new();
    for p in &args.presets {
        let v = preset(p, args, &train, &dense, &test)?;
        let get = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        let rates: Vec<String> = OPTIMIZERS
            .iter()
            .map(row_key)
            .chain(["hvp".into()])
            .map(|k| format!("{k} {:.0}/s", get(&k)))
            .collect();
        summary += &format!(
            "{p}.native: {}, spectrum {:.0} ms, roofline {:.0}/s\n",
            rates.join(", "),
            get("spectrum_ms"),
            get("roofline_sgd")
        );
        all.insert(format!("{p}.native"), v);
    }
    all.insert(
        "settings".into(),
        serde_json::json!({"secs": args.secs, "reps": args.reps, "presets": args.presets}),
    );
    if let Some(parent) = args.out.parent() {
        fs::create_dir_all(parent)?;
    }
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(all))?;
    fs::write(&args.out, text)?;
    Ok(summary + &format!("written: {}", args.out.display()))
}

/// `batch_lanczos_ms`: wall time of [`BatchCurvature`] on `sizes` (seed 0) over 1,000 training
/// patterns, top 5, no exact spectra; and the single-pattern products it made.
fn batch_lanczos(sizes: &[usize], train: &Rc<Dataset>) -> Result<(f64, usize)> {
    use sifrian::lab::batch_curvature::{BatchCurvature, BatchCurvatureRequest, BatchHessian};
    let mut req = BatchCurvatureRequest::new(BatchHessian::Plain, false);
    req.subset = 0;
    let net = Network::new(sizes, 0.01, 0)?;
    let t0 = Instant::now();
    let report = BatchCurvature::new(&net, Rc::clone(train), req)?.run()?;
    Ok((t0.elapsed().as_secs_f64() * 1e3, report.hvps))
}
