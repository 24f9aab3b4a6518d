//! `sifrian bench`: the native half of the benchmark (the browser half is `www/bench.html`, driven
//! with this by `tests/bench/run.mjs`; `make bench` runs both and writes `target/bench/bench.json`).
//!
//! For each preset it measures, on real MNIST, patterns/s of every optimiser as the page trains
//! them (the [`Trainer`] on the fused f32 kernel, the page's default steps), exact
//! Hessian-vector products/s (fused f32 as `hvp`, the f64 reference as `hvp_f64`), the time to the exact nonzero spectrum of one pattern, and the
//! memory-streaming limit over a buffer of the weights' f32 size. The `*_dense` rows train on a
//! copy of MNIST without zero pixels, so that layer 1 streams all of its weights (the roofline's
//! assumption; the kernel skips zero pixels on real digits). Repetitions are outermost and
//! every row is visited once per repetition (so drift hits all rows alike); medians are reported.

use clap::Args;
use sifrian::bench::{
    roofline_patterns_per_s, without_zero_pixels, CurvatureWorkload, StreamProbe,
};
use sifrian::io::data::Dataset;
use sifrian::network::{param_count, Network};
use sifrian::regularisation::LambdaPolicy;
use sifrian::train::{Method, TrainConfig, Trainer};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;

#[derive(Args)]
pub struct BenchArgs {
    /// Presets to measure, comma-separated: small (784-64-10), medium (784-128-64-10), paper (784-512-256-32-10).
    #[arg(long, value_delimiter = ',', default_value = "small,paper")]
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

/// The page's presets (www/settings.js).
pub fn preset_sizes(name: &str) -> Result<Vec<usize>, String> {
    Ok(match name {
        "small" => vec![784, 64, 10],
        "medium" => vec![784, 128, 64, 10],
        "paper" => vec![784, 512, 256, 32, 10],
        other => {
            return Err(format!(
                "--presets: unknown {other:?} (expected small, medium or paper)"
            ))
        }
    })
}

/// The optimisers with the page's default steps (www/settings.js) and mu = 1: (key, name, step).
const OPTIMIZERS: [(&str, &str, f64); 5] = [
    ("sgd", "sgd", 0.01),
    ("mk", "mk", 0.001),
    ("mk_damped", "mk-damped", 0.03),
    ("mk_unreg", "mk-unreg", 0.03),
    ("newton", "newton", 0.001),
];

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

/// Runs `unit(chunk)` (which returns the work done) until `secs` have passed; work per second.
fn rate(
    secs: f64,
    chunk: usize,
    mut unit: impl FnMut(usize) -> Result<f64, String>,
) -> Result<f64, String> {
    let t0 = Instant::now();
    let mut done = 0.0;
    loop {
        done += unit(chunk)?;
        let t = t0.elapsed().as_secs_f64();
        if t >= secs {
            return Ok(done / t);
        }
    }
}

/// A chunk of about 20 ms from one timed call of `probe` units.
fn calibrate(
    probe: usize,
    mut unit: impl FnMut(usize) -> Result<f64, String>,
) -> Result<usize, String> {
    let t0 = Instant::now();
    unit(probe)?;
    let per = t0.elapsed().as_secs_f64() / probe as f64;
    Ok(((0.02 / per.max(1e-9)) as usize).clamp(1, 1 << 20))
}

enum Row {
    Train(Box<Trainer>),
    Hvp(CurvatureWorkload),
    HvpF64(CurvatureWorkload),
    Read(StreamProbe),
    ReadWrite(StreamProbe),
}

impl Row {
    /// Does `n` units; returns the units done (patterns tried, HVPs, bytes streamed).
    fn unit(&mut self, n: usize) -> Result<f64, String> {
        match self {
            Row::Train(t) => {
                let st = t.step(n).map_err(|e| e.to_string())?;
                // A rejected step took its time too: count the pattern it tried.
                Ok((st.steps + usize::from(st.diverged)) as f64)
            }
            Row::Hvp(w) => {
                std::hint::black_box(w.fast_hvps(n));
                Ok(n as f64)
            }
            Row::HvpF64(w) => {
                std::hint::black_box(w.hvps(n).map_err(|e| e.to_string())?);
                Ok(n as f64)
            }
            Row::Read(p) => {
                std::hint::black_box(p.read(n));
                Ok((n * p.bytes()) as f64)
            }
            Row::ReadWrite(p) => {
                std::hint::black_box(p.read_write(n));
                Ok((2 * n * p.bytes()) as f64)
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
) -> Result<serde_json::Value, String> {
    let sizes = preset_sizes(name)?;
    let policy = LambdaPolicy::Eq65 {
        white: true,
        eq68: false,
    };
    let weight_bytes = 4 * param_count(&sizes);
    let mut rows: Vec<(&str, Row)> = Vec::new();
    let dense_rows = [("sgd_dense", "sgd", 0.01), ("mk_dense", "mk", 0.001)];
    for (i, (key, opt, step)) in OPTIMIZERS.into_iter().chain(dense_rows).enumerate() {
        let set = if i < OPTIMIZERS.len() { train } else { dense };
        let config = TrainConfig {
            sizes: sizes.clone(),
            alpha: 0.01,
            seed: 0,
            method: Method::from_name(opt, None).map_err(|e| e.to_string())?,
            step_size: step,
            lambda: policy.clone(),
            fast: true,
        };
        let t = Trainer::new(config, Rc::clone(set), Rc::clone(test)).map_err(|e| e.to_string())?;
        rows.push((key, Row::Train(Box::new(t))));
    }
    let net = Network::new(&sizes, 0.01, 0).map_err(|e| e.to_string())?;
    let curvature = CurvatureWorkload::new(net, policy, train, 64, 1).map_err(|e| e.to_string())?;
    rows.push(("hvp", Row::Hvp(curvature.clone())));
    rows.push(("hvp_f64", Row::HvpF64(curvature.clone())));
    let probe = StreamProbe::new(weight_bytes).map_err(|e| e.to_string())?;
    rows.push(("read_bps", Row::Read(probe.clone())));
    rows.push(("read_write_bps", Row::ReadWrite(probe)));

    let mut chunks = Vec::new();
    for (_, row) in rows.iter_mut() {
        chunks.push(calibrate(4, |n| row.unit(n))?);
    }
    let mut samples: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut spectrum_ms = Vec::new();
    for _ in 0..args.reps {
        for ((key, row), &chunk) in rows.iter_mut().zip(&chunks) {
            let r = rate(args.secs, chunk, |n| row.unit(n))?;
            samples.entry(key).or_default().push(r);
        }
        let t0 = Instant::now();
        let s = curvature.spectrum(0).map_err(|e| e.to_string())?;
        spectrum_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(s);
    }
    let mut out = serde_json::Map::new();
    let mut spread = serde_json::Map::new();
    for (key, mut v) in samples {
        let (lo, hi) = (
            v.iter().copied().fold(f64::INFINITY, f64::min),
            v.iter().copied().fold(0.0, f64::max),
        );
        out.insert(key.into(), median(&mut v).into());
        spread.insert(key.into(), serde_json::json!([lo, hi]));
    }
    out.insert("spectrum_ms".into(), median(&mut spectrum_ms).into());
    let (r, rw) = (
        out["read_bps"].as_f64().unwrap_or(0.0),
        out["read_write_bps"].as_f64().unwrap_or(0.0),
    );
    out.insert(
        "roofline_sgd".into(),
        roofline_patterns_per_s(weight_bytes as f64, r, rw).into(),
    );
    out.insert("weight_bytes".into(), weight_bytes.into());
    out.insert("min_max".into(), spread.into());
    Ok(serde_json::Value::Object(out))
}

/// Runs the native benchmark, writes `args.out` and returns a one-line summary per preset.
pub fn run(args: &BenchArgs) -> Result<String, String> {
    if !(args.secs.is_finite() && args.secs > 0.0 && args.secs <= 60.0) {
        return Err(format!("--secs: must be in (0, 60], got {}", args.secs));
    }
    if !(1..=100).contains(&args.reps) {
        return Err(format!("--reps: must be 1..=100, got {}", args.reps));
    }
    for p in &args.presets {
        preset_sizes(p)?;
    }
    let dir = args.data_dir.join("mnist");
    let train = Rc::new(Dataset::load(&dir, "train").map_err(|e| e.to_string())?);
    let test = Rc::new(Dataset::load(&dir, "t10k").map_err(|e| e.to_string())?);
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let dense = Rc::new(
        Dataset::from_idx(
            &without_zero_pixels(&read("train-images-idx3-ubyte")?),
            &read("train-labels-idx1-ubyte")?,
        )
        .map_err(|e| e.to_string())?,
    );
    let mut all = serde_json::Map::new();
    let mut summary = String::new();
    for p in &args.presets {
        let v = preset(p, args, &train, &dense, &test)?;
        let get = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
        summary += &format!(
            "{p}.native: sgd {:.0}/s, mk {:.0}/s, mk_damped {:.0}/s, mk_unreg {:.0}/s, newton {:.0}/s, hvp {:.0}/s, spectrum {:.0} ms, roofline {:.0}/s\n",
            get("sgd"), get("mk"), get("mk_damped"), get("mk_unreg"), get("newton"), get("hvp"), get("spectrum_ms"), get("roofline_sgd")
        );
        all.insert(format!("{p}.native"), v);
    }
    all.insert(
        "settings".into(),
        serde_json::json!({"secs": args.secs, "reps": args.reps, "presets": args.presets}),
    );
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let text =
        serde_json::to_string_pretty(&serde_json::Value::Object(all)).map_err(|e| e.to_string())?;
    std::fs::write(&args.out, text)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    Ok(summary + &format!("written: {}", args.out.display()))
}
