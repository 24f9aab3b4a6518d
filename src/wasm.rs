//! The page's face: the only file with `#[wasm_bindgen]`. Thin: it converts JS values, calls the
//! library, and turns every error into a JS `Error` whose message names the bad value. JS owns
//! the clock and the loop; everything here does a bounded amount of work.

use crate::error::Error;
use crate::io::data::Dataset;
use crate::io::model_file;
use crate::plot::{draw_curves as draw, CurvePoint, Series, XAxis};
use crate::regularisation::LambdaPolicy;
use crate::train::{probabilities, Method, TrainConfig, Trainer};
use serde::Deserialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn js(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js<T: serde::Serialize>(v: &T) -> Result<JsValue, JsError> {
    // Plain objects, not JS Maps, also for flattened structs.
    let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    v.serialize(&ser).map_err(|e| JsError::new(&e.to_string()))
}

/// Whether this build uses wasm SIMD (simd128).
#[wasm_bindgen]
pub fn simd_enabled() -> bool {
    cfg!(target_feature = "simd128")
}

/// A loaded data set (training and test splits), shared by every session on it.
#[wasm_bindgen]
pub struct Data {
    train: Rc<Dataset>,
    test: Rc<Dataset>,
}

#[wasm_bindgen]
impl Data {
    /// From the raw (decompressed) IDX bytes of the four files.
    #[wasm_bindgen(constructor)]
    pub fn new(
        train_images: &[u8],
        train_labels: &[u8],
        test_images: &[u8],
        test_labels: &[u8],
    ) -> Result<Data, JsError> {
        let named = |what: &str, e: Error| JsError::new(&format!("{what}: {e}"));
        let train = Dataset::from_idx(train_images, train_labels)
            .map_err(|e| named("training split", e))?;
        let test =
            Dataset::from_idx(test_images, test_labels).map_err(|e| named("test split", e))?;
        if train.input_size() != test.input_size() {
            return Err(JsError::new(&format!(
                "test split: {} pixels per image, the training split has {}",
                test.input_size(),
                train.input_size()
            )));
        }
        Ok(Data {
            train: Rc::new(train),
            test: Rc::new(test),
        })
    }

    pub fn train_len(&self) -> usize {
        self.train.len()
    }

    pub fn test_len(&self) -> usize {
        self.test.len()
    }

    fn test_index(&self, i: usize) -> Result<usize, JsError> {
        if i < self.test.len() {
            Ok(i)
        } else {
            Err(JsError::new(&format!(
                "test index: {i} is past the last test pattern ({})",
                self.test.len() - 1
            )))
        }
    }

    /// The pixels (0..255) of test image `i`.
    pub fn test_pixels(&self, i: usize) -> Result<Vec<u8>, JsError> {
        Ok(self.test.pixels(self.test_index(i)?).to_vec())
    }

    pub fn test_label(&self, i: usize) -> Result<usize, JsError> {
        Ok(self.test.label(self.test_index(i)?))
    }
}

const CONFIG_KEYS: [&str; 9] = [
    "sizes",
    "alpha",
    "seed",
    "optimizer",
    "step",
    "mu",
    "lambda",
    "white",
    "fast",
];

/// The page's run configuration (`lambda`: "eq65", "eq65+eq68" or [lambda_0..lambda_n]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsConfig {
    sizes: Vec<usize>,
    #[serde(default = "default_alpha")]
    alpha: f64,
    #[serde(default)]
    seed: u32,
    optimizer: String,
    step: f64,
    #[serde(default)]
    mu: Option<f64>,
    #[serde(default)]
    lambda: Option<LambdaSpec>,
    #[serde(default = "default_white")]
    white: bool,
    /// The fused f32 kernel (default) or the f64 reference path.
    #[serde(default = "default_fast")]
    fast: bool,
}

fn default_fast() -> bool {
    true
}

fn default_alpha() -> f64 {
    0.01
}
fn default_white() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LambdaSpec {
    Name(String),
    Values(Vec<f64>),
}

impl JsConfig {
    fn into_config(self) -> Result<TrainConfig, Error> {
        let method = Method::from_name(&self.optimizer, self.mu)?;
        let n = self.sizes.len().saturating_sub(1).max(1);
        let lambda = match self.lambda {
            None => LambdaPolicy::Eq65 {
                white: self.white,
                eq68: false,
            },
            Some(LambdaSpec::Name(s)) => LambdaPolicy::parse(&s, self.white, n)?,
            Some(LambdaSpec::Values(v)) => LambdaPolicy::Fixed(crate::cost::Lambdas::new(v, n)?),
        };
        Ok(TrainConfig {
            sizes: self.sizes,
            alpha: self.alpha,
            seed: u64::from(self.seed),
            method,
            step_size: self.step,
            lambda,
            fast: self.fast,
        })
    }
}

/// One training run on a [`Data`].
#[wasm_bindgen]
pub struct Session {
    trainer: Trainer,
}

fn pixels_f64(pixels: &[f32], expected: usize) -> Result<Vec<f64>, JsError> {
    if pixels.len() != expected {
        return Err(JsError::new(&format!(
            "pixels: expected {expected} values, found {}",
            pixels.len()
        )));
    }
    if let Some(i) = pixels.iter().position(|p| !p.is_finite()) {
        return Err(JsError::new(&format!(
            "pixels[{i}]: {} is not a finite number",
            pixels[i]
        )));
    }
    Ok(pixels.iter().map(|&p| f64::from(p)).collect())
}

#[wasm_bindgen]
impl Session {
    /// `config`: `{sizes, alpha, seed, optimizer, step, mu, lambda, white}` (see README).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, data: &Data) -> Result<Session, JsError> {
        // serde-wasm-bindgen only reads the named fields, so unknown keys (typos) are caught here.
        if let Some(obj) = config.dyn_ref::<js_sys::Object>() {
            for key in js_sys::Object::keys(obj)
                .iter()
                .filter_map(|k| k.as_string())
            {
                if !CONFIG_KEYS.contains(&key.as_str()) {
                    return Err(JsError::new(&format!(
                        "config: unknown key {key:?} (expected one of {CONFIG_KEYS:?})"
                    )));
                }
            }
        }
        let raw: JsConfig = serde_wasm_bindgen::from_value(config)
            .map_err(|e| JsError::new(&format!("config: {e}")))?;
        let config = raw.into_config().map_err(js)?;
        let trainer =
            Trainer::new(config, Rc::clone(&data.train), Rc::clone(&data.test)).map_err(js)?;
        Ok(Session { trainer })
    }

    /// Trains on the next `n` patterns: `{steps, samples_seen, epoch, mean_loss, accuracy, diverged, lambda}`.
    pub fn step(&mut self, n: u32) -> Result<JsValue, JsError> {
        to_js(&self.trainer.step(n as usize).map_err(js)?)
    }

    /// Accuracy on test patterns `start..start + count`: `{count, correct, loss_sum}`.
    pub fn validate(&mut self, start: u32, count: u32) -> Result<JsValue, JsError> {
        if start as usize >= self.trainer.test_set().len() {
            return Err(JsError::new(&format!(
                "start: {start} is past the last test pattern ({})",
                self.trainer.test_set().len() - 1
            )));
        }
        to_js(&self.trainer.evaluate(start as usize, count as usize))
    }

    /// 784 pixels in [0, 1] -> 10 probabilities (the outputs clipped at 0 and normalised).
    pub fn predict(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        let x = pixels_f64(pixels, self.trainer.network().sizes()[0])?;
        let out = self.trainer.predict(&x).map_err(js)?;
        Ok(probabilities(&out).iter().map(|&p| p as f32).collect())
    }

    /// The raw outputs `x_n` for 784 pixels in [0, 1] (what `predict` clips and normalises).
    pub fn predict_outputs(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        let x = pixels_f64(pixels, self.trainer.network().sizes()[0])?;
        let out = self.trainer.predict(&x).map_err(js)?;
        Ok(out.iter().map(|&v| v as f32).collect())
    }

    /// One optimizer step on a drawn digit with its label.
    pub fn teach(&mut self, pixels: &[f32], label: u32) -> Result<JsValue, JsError> {
        let x = pixels_f64(pixels, self.trainer.network().sizes()[0])?;
        to_js(&self.trainer.teach(&x, label as usize).map_err(js)?)
    }

    /// The model as a versioned, checksummed file.
    pub fn export_model(&self) -> Vec<u8> {
        model_file::export(self.trainer.network())
    }

    /// Replaces the parameters by a model file's (same architecture required).
    pub fn import_model(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let net = model_file::import(bytes).map_err(js)?;
        let ours = self.trainer.network().sizes();
        if net.sizes() != ours {
            return Err(JsError::new(&format!(
                "model file: its network is {:?}, this session's is {ours:?}; choose that architecture first",
                net.sizes()
            )));
        }
        self.trainer.set_params(&net.params).map_err(js)
    }

    pub fn set_step(&mut self, step: f64) -> Result<(), JsError> {
        self.trainer.set_step_size(step).map_err(js)
    }

    pub fn samples_seen(&self) -> f64 {
        self.trainer.samples_seen() as f64
    }

    /// FNV-1a 64 of the parameters' bits (determinism checks).
    pub fn params_hash(&self) -> String {
        model_file::params_hash(&self.trainer.network().params)
    }
}

/// What the lab is asked for: a hidden layer, a pattern, lambda_k (default: the policy's).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LabRequest {
    layer: usize,
    /// "current" (the last training pattern), "train", "test" (with `index`) or "drawn" (with
    /// `pixels` and `label`).
    source: String,
    #[serde(default)]
    index: usize,
    #[serde(default)]
    pixels: Option<Vec<f32>>,
    #[serde(default)]
    label: Option<usize>,
    #[serde(default)]
    lambda: Option<f64>,
    #[serde(default)]
    mu: Option<f64>,
    #[serde(default)]
    step: Option<f64>,
}

#[wasm_bindgen]
impl Session {
    /// The Sifrian lab for one pattern: Figure 5's curves, the exact spectrum, Eq. 62's counts and
    /// values, the radius formulas, a verdict and the directions table (see `lab::report::LabReport`).
    /// Costs one exact spectrum: run it in a worker for big nets.
    pub fn lab(&self, request: JsValue) -> Result<JsValue, JsError> {
        let r: LabRequest = serde_wasm_bindgen::from_value(request)
            .map_err(|e| JsError::new(&format!("lab request: {e}")))?;
        let t = &self.trainer;
        let s0 = t.network().sizes()[0];
        let mut x0 = vec![0.0; s0];
        let mut d = vec![0.0; Dataset::CLASSES];
        // Which pattern the report is about: the training index for "current".
        let index = match r.source.as_str() {
            "current" => t.last_pattern(),
            "train" | "test" => Some(r.index),
            _ => None,
        };
        let from = |set: &Dataset, i: usize, what: &str, x0: &mut [f64], d: &mut [f64]| {
            if i >= set.len() {
                return Err(JsError::new(&format!(
                    "index: {i} is past the last {what} pattern ({})",
                    set.len() - 1
                )));
            }
            set.input_into(i, x0);
            set.target_into(i, d);
            Ok(())
        };
        match r.source.as_str() {
            "current" => {
                let i = t.last_pattern().ok_or_else(|| {
                    JsError::new("source: no training pattern yet (take a step first)")
                })?;
                from(t.train_set(), i, "training", &mut x0, &mut d)?
            }
            "train" => from(t.train_set(), r.index, "training", &mut x0, &mut d)?,
            "test" => from(t.test_set(), r.index, "test", &mut x0, &mut d)?,
            "drawn" => {
                let pixels = r
                    .pixels
                    .as_deref()
                    .ok_or_else(|| JsError::new("pixels: needed for a drawn digit"))?;
                x0 = pixels_f64(pixels, s0)?;
                let label = r
                    .label
                    .ok_or_else(|| JsError::new("label: needed for a drawn digit (its target)"))?;
                if label >= Dataset::CLASSES {
                    return Err(JsError::new(&format!("label: must be 0..9, got {label}")));
                }
                d[label] = 1.0;
            }
            other => {
                return Err(JsError::new(&format!(
                    "source: unknown {other:?} (expected current, train, test or drawn)"
                )))
            }
        }
        let base = t.lambdas_for(&x0, &d).map_err(js)?;
        let eq68 = matches!(t.config().lambda, LambdaPolicy::Eq65 { eq68: true, .. });
        let mu = r.mu.unwrap_or(1.0);
        let step = r.step.unwrap_or(t.config().step_size);
        if let Some(l) = r.lambda {
            if !(l.is_finite() && l > 0.0) {
                return Err(JsError::new(&format!(
                    "lambda: must be a finite number > 0, got {l}"
                )));
            }
        }
        let report = crate::lab::report::lab_report(
            t.network(),
            &x0,
            &d,
            r.layer,
            &base,
            r.lambda,
            eq68,
            mu,
            step,
        )
        .map_err(js)?;
        let label = d.iter().position(|&v| v == 1.0).unwrap_or(0);
        to_js(&LabAnswer {
            report,
            pattern: PatternInfo {
                source: r.source.clone(),
                index,
                label,
            },
        })
    }
}

/// The pattern a lab report is about.
#[derive(serde::Serialize)]
struct PatternInfo {
    source: String,
    index: Option<usize>,
    label: usize,
}

/// A lab report and the pattern it is about (`pattern` next to the report's own keys).
#[derive(serde::Serialize)]
struct LabAnswer {
    #[serde(flatten)]
    report: crate::lab::report::LabReport,
    pattern: PatternInfo,
}

/// Draws Figure 5 (the `figure5` object of a lab report) on a canvas. Main thread only.
#[wasm_bindgen]
pub fn draw_figure5(canvas: web_sys::HtmlCanvasElement, figure5: JsValue) -> Result<(), JsError> {
    let fig: crate::lab::figure5::Figure5 = serde_wasm_bindgen::from_value(figure5)
        .map_err(|e| JsError::new(&format!("figure5: {e}")))?;
    let backend = plotters_canvas::CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| JsError::new("canvas: no 2D context"))?;
    use plotters::prelude::IntoDrawingArea;
    crate::plot::draw_figure5(&backend.into_drawing_area(), "", &fig).map_err(|e| JsError::new(&e))
}

/// The layer sizes a model file declares (to pick the architecture before importing it).
#[wasm_bindgen]
pub fn model_sizes(bytes: &[u8]) -> Result<Vec<u32>, JsError> {
    let (sizes, _) = model_file::read_header(bytes).map_err(js)?;
    Ok(sizes.iter().map(|&s| s as u32).collect())
}

#[derive(Deserialize)]
struct JsSeries {
    label: String,
    points: Vec<CurvePoint>,
}

/// Draws the training curves (cost, training accuracy, validation accuracy) on a canvas.
/// Main thread only: plotters measures text through the DOM.
#[wasm_bindgen]
pub fn draw_curves(
    canvas: web_sys::HtmlCanvasElement,
    series: JsValue,
    x_axis: &str,
) -> Result<(), JsError> {
    let series: Vec<JsSeries> = serde_wasm_bindgen::from_value(series)
        .map_err(|e| JsError::new(&format!("series: {e}")))?;
    let x = match x_axis {
        "samples" => XAxis::Samples,
        "seconds" => XAxis::Seconds,
        other => {
            return Err(JsError::new(&format!(
                "x_axis: unknown {other:?} (expected samples or seconds)"
            )))
        }
    };
    let backend = plotters_canvas::CanvasBackend::with_canvas_object(canvas)
        .ok_or_else(|| JsError::new("canvas: no 2D context"))?;
    let views: Vec<Series> = series
        .iter()
        .map(|s| Series {
            label: &s.label,
            points: &s.points,
        })
        .collect();
    use plotters::prelude::IntoDrawingArea;
    draw(&backend.into_drawing_area(), "", &views, x).map_err(|e| JsError::new(&e))
}

/// The memory-streaming probe of the benchmark (www/bench.html): an f32 buffer of a given size.
#[wasm_bindgen]
pub struct StreamProbe(crate::bench::StreamProbe);

#[wasm_bindgen]
impl StreamProbe {
    /// A probe over `bytes` bytes (64 ..= 2^30).
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: f64) -> Result<StreamProbe, JsError> {
        if !(bytes.is_finite() && bytes >= 0.0 && bytes.fract() == 0.0) {
            return Err(JsError::new(&format!(
                "bytes: must be a whole number, got {bytes}"
            )));
        }
        Ok(StreamProbe(
            crate::bench::StreamProbe::new(bytes.min(1e12) as usize).map_err(js)?,
        ))
    }
    /// Bytes per pass.
    pub fn bytes(&self) -> usize {
        self.0.bytes()
    }
    /// Reads the buffer `reps` times (returns the sum).
    pub fn read(&self, reps: u32) -> f32 {
        self.0.read(reps as usize)
    }
    /// Reads and writes the buffer `reps` times.
    pub fn read_write(&mut self, reps: u32) -> f32 {
        self.0.read_write(reps as usize)
    }
}

/// Exact per-pattern HVPs and the exact spectrum for the benchmark (www/bench.html), on the first
/// `count` training patterns of `data`, lambdas by Eq. 65 with the white layer (the page's default).
#[wasm_bindgen]
pub struct CurvatureBench(crate::bench::CurvatureWorkload);

#[wasm_bindgen]
impl CurvatureBench {
    #[wasm_bindgen(constructor)]
    pub fn new(
        sizes: Vec<usize>,
        data: &Data,
        count: u32,
        seed: u32,
    ) -> Result<CurvatureBench, JsError> {
        let net = crate::network::Network::new(&sizes, 0.01, u64::from(seed)).map_err(js)?;
        let policy = LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        };
        Ok(CurvatureBench(
            crate::bench::CurvatureWorkload::new(
                net,
                policy,
                &data.train,
                count as usize,
                u64::from(seed),
            )
            .map_err(js)?,
        ))
    }
    /// `H_i v` for the next `n` patterns with the fused f32 kernel; sum of `v . H_i v`.
    pub fn hvps(&mut self, n: u32) -> f64 {
        self.0.fast_hvps(n as usize)
    }
    /// The same with the f64 reference (forward, lambdas, adjoint, tetrad in separate passes).
    pub fn hvps_f64(&mut self, n: u32) -> Result<f64, JsError> {
        self.0.hvps(n as usize).map_err(js)
    }
    /// The exact nonzero spectrum of pattern `i`: the number of nonzero eigenvalues.
    pub fn spectrum(&self, i: u32) -> Result<usize, JsError> {
        let s = self.0.spectrum(i as usize).map_err(js)?;
        Ok(s.eigenvalues.len())
    }
}

/// Computes one exact spectrum of a small fixed network (order 458) and returns its number of
/// nonzero eigenvalues. V8 runs wasm first in a baseline tier and a running call never switches
/// tiers, so the page's first exact spectrum of a big net would run entirely in the slow tier; the
/// worker calls this once while the data downloads, so that the hot loops are optimised by then.
#[wasm_bindgen]
pub fn warm_up() -> Result<usize, JsError> {
    let net = crate::network::Network::new(&[64, 128, 96, 10], 0.01, 1).map_err(js)?;
    let x0: Vec<f64> = (0..64).map(|i| f64::from((i * 37) % 101) / 100.0).collect();
    let mut d = vec![0.0; 10];
    d[3] = 1.0;
    let lambda = crate::cost::Lambdas::new(vec![0.5, 0.5, 0.5, 1.0], 3).map_err(js)?;
    let fw = net.forward(&x0);
    let b = crate::backprop::adjoint(&net, &fw, &d, &lambda);
    let s = crate::spectrum::exact_spectrum(&net, &fw, &b, &lambda).map_err(js)?;
    Ok(s.eigenvalues.len())
}
