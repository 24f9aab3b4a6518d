//! The page's face: the only file with `#[wasm_bindgen]`. Thin: it reads every JS object through
//! [`request::from_js`] (one deserializer, [`de::JsDe`], under which an unknown key is an error
//! naming it), calls the library, and turns every error into a JS `Error` whose message names the
//! bad value (`crate::Error` becomes a `JsError` through `?`).
//! JS owns the clock and the loop; everything here does a bounded amount of work.
//!
//! The benchmark's workloads (`StreamProbe`, `CurvatureBench`) are in the bench build only
//! (`--features bench`, www/pkg-bench/, `make bench`), not in the page's wasm.

mod canvas;
mod de;
mod request;

use crate::error::Error;
use crate::io::data::Dataset;
use crate::io::model_file;
use crate::plot::{draw_curves as draw, CurvesStyle, Series, Theme, XAxis};
use crate::regularisation::LambdaPolicy;
use crate::train::{probabilities, Trainer};
use request::{from_js, pixels_f64, JsConfig, JsCurvesOptions, JsSeries, LabRequest, Pattern};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
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

/// The facts the page shows and checks, from `crate::catalog`: `{presets: [{name, sizes}],
/// optimizers: [{name, label, short, about, default_step_size, uses_mu}], datasets: [{name,
/// label, about}], default_mu, classes, input_size, max_layer_size, max_step_size, max_mu,
/// max_leak_slope, max_seed, max_params, max_spectrum_order, max_eigenpair_order}`.
#[wasm_bindgen]
pub fn catalog() -> Result<JsValue, JsError> {
    to_js(&crate::catalog::catalog())
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
        let train = Dataset::from_idx(train_images, train_labels)
            .map_err(|e| e.context("training split"))?;
        let test =
            Dataset::from_idx(test_images, test_labels).map_err(|e| e.context("test split"))?;
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

    /// The pixels (0..255) of test image `i`.
    pub fn test_pixels(&self, i: usize) -> Result<Vec<u8>, JsError> {
        let i = self.test.check_index("test index", i, "test")?;
        Ok(self.test.pixels(i).to_vec())
    }

    pub fn test_label(&self, i: usize) -> Result<usize, JsError> {
        let i = self.test.check_index("test index", i, "test")?;
        Ok(self.test.label(i))
    }
}

/// One training run on a [`Data`].
#[wasm_bindgen]
pub struct Session {
    trainer: Trainer,
}

#[wasm_bindgen]
impl Session {
    /// `config`: `{sizes, alpha, seed, optimizer, step_size, mu, lambda, white, fast}` (the
    /// fields of `request::JsConfig`, which documents each); any other key is an error naming it.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, data: &Data) -> Result<Session, JsError> {
        let config = from_js::<JsConfig>("config", &config)?.into_config()?;
        let trainer = Trainer::new(config, Rc::clone(&data.train), Rc::clone(&data.test))?;
        Ok(Session { trainer })
    }

    /// Trains on the next `n` patterns: `{steps, samples_seen, epoch, mean_loss, accuracy, diverged, lambda,
    /// divergence}` (`divergence`: null, or why the run stopped, `train::Divergence`).
    pub fn step(&mut self, n: u32) -> Result<JsValue, JsError> {
        to_js(&self.trainer.step(n as usize)?)
    }

    /// Samples the instruments (src/train/instruments.rs) from the next step on, on the engine's
    /// default schedule for the net: `{every, spectrum_every}` in patterns, returned.
    pub fn start_instruments(&mut self) -> Result<JsValue, JsError> {
        let s = crate::train::Schedule::for_sizes(&self.trainer.config().sizes);
        self.trainer.set_instruments(Some(s));
        to_js(&s)
    }

    /// The instruments' samples since the last call, oldest first: `[{samples, pattern, loss,
    /// curvature, edge, lambda, leaky_share, penalty, error, spectrum}]` (`train::Sample`;
    /// `spectrum`: null or `{radius, positive, negative, zero}`).
    pub fn take_instruments(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.trainer.take_samples())
    }

    /// Accuracy on test patterns `start..start + count`: `{count, correct, loss_sum}`.
    pub fn validate(&mut self, start: u32, count: u32) -> Result<JsValue, JsError> {
        let start = self
            .trainer
            .test_set()
            .check_index("start", start as usize, "test")?;
        to_js(&self.trainer.evaluate(start, count as usize))
    }

    /// 784 pixels in [0, 1] -> 10 probabilities (the outputs clipped at 0 and normalised).
    pub fn predict(&self, pixels: &[f32]) -> Result<Vec<f32>, JsError> {
        let x = pixels_f64(pixels, self.trainer.network().sizes()[0])?;
        let out = self.trainer.predict(&x)?;
        Ok(probabilities(&out).iter().map(|&p| p as f32).collect())
    }

    /// One optimizer step on a drawn digit with its label.
    pub fn teach(&mut self, pixels: &[f32], label: u32) -> Result<JsValue, JsError> {
        let x = pixels_f64(pixels, self.trainer.network().sizes()[0])?;
        to_js(&self.trainer.teach(&x, label as usize)?)
    }

    /// The model as a versioned, checksummed file.
    pub fn export_model(&self) -> Vec<u8> {
        model_file::export(self.trainer.network())
    }

    /// Replaces the parameters by a model file's (same architecture required).
    pub fn import_model(&mut self, bytes: &[u8]) -> Result<(), JsError> {
        let net = model_file::import(bytes)?;
        let ours = self.trainer.network().sizes();
        if net.sizes() != ours {
            return Err(JsError::new(&format!(
                "model file: its network is {:?}, this session's is {ours:?}; choose that architecture first",
                net.sizes()
            )));
        }
        Ok(self.trainer.set_params(&net.params)?)
    }

    /// The step size from the next pattern on (> 0).
    pub fn set_step_size(&mut self, step_size: f64) -> Result<(), JsError> {
        Ok(self.trainer.set_step_size(step_size)?)
    }

    pub fn samples_seen(&self) -> f64 {
        self.trainer.samples_seen() as f64
    }

    /// FNV-1a 64 of the parameters' bits (determinism checks).
    pub fn params_hash(&self) -> String {
        model_file::params_hash(&self.trainer.network().params)
    }

    /// The Sifrian lab for one pattern: Figure 5's curves, the exact spectrum, Eq. 62's counts and
    /// values, the radius formulas, a verdict and the directions table (see `lab::report::LabReport`),
    /// with `pattern: {source, index, label}`. `request`: `{layer, pattern: {source: "current"} |
    /// {source: "train" | "test", index} | {source: "drawn", pixels, label}, lambda, plain_loss,
    /// mu, step_size}`; `plain_loss: true` (without `lambda`) is the plain loss, lambda_k = 0.
    /// Costs one exact spectrum: run it in a worker for big nets.
    pub fn lab(&self, request: JsValue) -> Result<JsValue, JsError> {
        let r: LabRequest = from_js("lab request", &request)?;
        let t = &self.trainer;
        let Pattern { index, x0, d } = r.pattern.resolve(t)?;
        // One forward pass and plain adjoint: the policy's lambdas, then the report at lambda_k
        // (`at_layer` refuses a lambda that is not a finite number > 0, naming it).
        let plain = crate::pattern::Pattern::plain(t.network(), &x0, &d)?;
        let base = t.config().lambda.lambdas(plain.fw(), plain.b0())?;
        let p = if r.plain_loss {
            if let Some(l) = r.lambda {
                return Err(Error::invalid(
                    "lab request.lambda",
                    format!("{l} was given with plain_loss: true, whose lambda_k is 0: give one of the two"),
                )
                .into());
            }
            crate::lab::figure5::plain_loss_at_layer(plain, r.layer)?
        } else {
            let now = r.lambda.unwrap_or_else(|| base.get(r.layer.min(base.n())));
            crate::lab::figure5::at_layer(plain, r.layer, &base, now, &[])?
        };
        let eq68 = matches!(t.config().lambda, LambdaPolicy::Eq65 { eq68: true, .. });
        let report = crate::lab::report::LabReport::of(
            &p,
            r.layer,
            eq68,
            r.mu.unwrap_or(crate::catalog::DEFAULT_MU),
            r.step_size.unwrap_or(t.config().step_size),
        )?;
        to_js(&LabAnswer {
            report,
            pattern: PatternInfo {
                source: r.pattern.name(),
                index,
                label: d.iter().position(|&v| v == 1.0).unwrap_or(0),
            },
        })
    }
}

#[wasm_bindgen]
impl Session {
    /// The curvature of the data on a snapshot of this run's network and `data`'s training set: a
    /// [`BatchCurvatureRun`] to advance in bounded calls. `request`: the fields of
    /// `request::BatchCurvatureJs` (all optional; an unknown key or a value out of range is an
    /// error naming it).
    pub fn batch_curvature(
        &self,
        request: JsValue,
        data: &Data,
    ) -> Result<BatchCurvatureRun, JsError> {
        let t = &self.trainer;
        let req = from_js::<request::BatchCurvatureJs>("batch curvature request", &request)?
            .into_request(&t.config().lambda)?;
        let train = Rc::clone(&data.train);
        let run = crate::lab::batch_curvature::BatchCurvature::new(t.network(), train, req)?;
        Ok(BatchCurvatureRun(run))
    }
}

/// A run of `lab::batch_curvature` (the page's "Curvature of the data").
#[wasm_bindgen]
pub struct BatchCurvatureRun(crate::lab::batch_curvature::BatchCurvature);

#[wasm_bindgen]
impl BatchCurvatureRun {
    /// About `budget` patterns' work (one exact spectrum in the last phase); returns the phase
    /// reached: "prepare", "lanczos", "exact" or "done".
    pub fn advance(&mut self, budget: u32) -> Result<String, JsError> {
        Ok(self.0.advance(budget as usize)?.name().to_string())
    }
    /// The report so far (`lab::batch_curvature::BatchCurvatureReport`).
    pub fn report(&self) -> Result<JsValue, JsError> {
        to_js(&self.0.report())
    }
}

/// The look inside the network (the page's "inside" panel).
#[wasm_bindgen]
impl Session {
    /// 784 pixels in [0, 1] -> the network's reading of them: `{outputs, probabilities, softmax,
    /// hidden, hidden_max}` (`train::Reading`; `probabilities` is what [`Session::predict`] returns).
    pub fn read(&self, pixels: &[f32]) -> Result<JsValue, JsError> {
        let x = pixels_f64(pixels, self.trainer.network().sizes()[0])?;
        to_js(&self.trainer.read(&x)?)
    }

    /// One step on the next training pattern, explained: `{stats, index, label, pixels,
    /// predicted_before, predicted_after, cost_before, cost_after}` (`train::OneStep`; `stats` is
    /// what `step(1)` returns).
    pub fn step_explained(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.trainer.step_explained()?)
    }

    /// The confusion matrix of the latest validation of each test image: `{counts, count, correct,
    /// misclassified}` (`train::Confusion`; call it after a validation of the whole test set).
    pub fn confusion(&self) -> Result<JsValue, JsError> {
        to_js(&self.trainer.confusion())
    }

    /// The first layer's weights of the first `units` (1..=64) hidden units: `{units, inputs,
    /// weights, max_abs}` (`train::FirstLayer`); other counts are an error naming them.
    pub fn first_layer(&self, units: u32) -> Result<JsValue, JsError> {
        let net = self.trainer.network();
        to_js(&crate::train::first_layer(net, units as usize)?)
    }
}

/// The pattern a lab report is about.
#[derive(serde::Serialize)]
struct PatternInfo {
    source: &'static str,
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

/// How `draw_figure5` draws: the canvas's device pixels per CSS pixel, and the colours.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsFigure5Options {
    #[serde(default = "unit_scale")]
    scale: f64,
    #[serde(default = "request::light")]
    theme: String,
}

fn unit_scale() -> f64 {
    1.0
}

/// Draws Figure 5 (the `figure5` object of a lab report) on a canvas; `options` (or undefined):
/// `{scale?, theme?}`: the canvas's device pixels per CSS pixel (> 0, at most 8; fonts and lines
/// are multiplied by it, so a backing store of CSS size x devicePixelRatio is sharp) and
/// `"light"` (the default) or `"dark"` (src/plot/theme.rs). Main thread only.
#[wasm_bindgen]
pub fn draw_figure5(
    canvas: web_sys::HtmlCanvasElement,
    figure5: JsValue,
    options: JsValue,
) -> Result<(), JsError> {
    let fig: crate::lab::figure5::Figure5 = from_js("figure5", &figure5)?;
    let options = if options.is_undefined() || options.is_null() {
        JsFigure5Options {
            scale: 1.0,
            theme: request::light(),
        }
    } else {
        from_js("options", &options)?
    };
    check_scale(options.scale)?;
    let theme = Theme::parse("options.theme", &options.theme)?;
    let backend = canvas::Canvas::new(canvas).map_err(|e| JsError::new(&e))?;
    use plotters::prelude::IntoDrawingArea;
    crate::plot::draw_figure5(&backend.into_drawing_area(), "", &fig, options.scale, theme)
        .map_err(|e| JsError::new(&e))
}

/// A canvas's device pixels per CSS pixel, as `draw_curves` and `draw_figure5` accept it: > 0, at
/// most 8; other values are an error naming `options.scale`.
fn check_scale(scale: f64) -> Result<(), JsError> {
    if scale > 0.0 && scale <= 8.0 {
        return Ok(());
    }
    let why = format!("{scale} (expected a number > 0, at most 8)");
    Err(Error::invalid("options.scale", why).into())
}

/// The colours every chart of the page draws with in `theme` (`"light"` or `"dark"`; another
/// value is an error naming it): `{background, ink, muted, grid, zero, earlier, hot, cold}` as
/// CSS colours, `series` (6 CSS colours) and `rgb` (`{background, hot, cold}` as `[r, g, b]`, for
/// pixel images) (src/plot/theme.rs). The lab's spectrum strip and the first layer's images use
/// them; the engine's own charts take the theme by name.
#[wasm_bindgen]
pub fn chart_colors(theme: &str) -> Result<JsValue, JsError> {
    use plotters::style::RGBColor;
    #[derive(serde::Serialize)]
    struct Rgb {
        background: [u8; 3],
        hot: [u8; 3],
        cold: [u8; 3],
    }
    #[derive(serde::Serialize)]
    struct Colors {
        background: String,
        ink: String,
        muted: String,
        grid: String,
        zero: String,
        earlier: String,
        hot: String,
        cold: String,
        series: Vec<String>,
        rgb: Rgb,
    }
    let p = Theme::parse("theme", theme)?.palette();
    let css = crate::plot::theme::css;
    let rgb = |c: RGBColor| [c.0, c.1, c.2];
    to_js(&Colors {
        background: css(p.background),
        ink: css(p.ink),
        muted: css(p.muted),
        grid: css(p.grid),
        zero: css(p.zero),
        earlier: css(p.earlier),
        hot: css(p.hot),
        cold: css(p.cold),
        series: p.series.iter().map(|&c| css(c)).collect(),
        rgb: Rgb {
            background: rgb(p.background),
            hot: rgb(p.hot),
            cold: rgb(p.cold),
        },
    })
}

/// The layer sizes a model file declares (to pick the architecture before importing it).
#[wasm_bindgen]
pub fn model_sizes(bytes: &[u8]) -> Result<Vec<u32>, JsError> {
    let (sizes, _) = model_file::read_header(bytes)?;
    Ok(sizes.iter().map(|&s| s as u32).collect())
}

/// Draws the training curves (cost, training accuracy, validation accuracy) on a canvas;
/// `series`: `[{label, points: [{samples, seconds, cost, train_accuracy, validation_accuracy}],
/// faint?, diverged_at?}]`; `options` (or undefined): `{log_x?, scale?, theme?}` with `scale` the
/// canvas's device pixels per CSS pixel (> 0, at most 8) and `theme` `"light"` (the default) or
/// `"dark"`. Returns where each panel and point was drawn, in
/// CSS pixels: `[{caption, left, top, width, height, points: [[[index, x, y]...] per series]}]`.
/// Main thread only (a canvas of the page; text measured by the canvas, src/wasm/canvas.rs).
#[wasm_bindgen]
pub fn draw_curves(
    canvas: web_sys::HtmlCanvasElement,
    series: JsValue,
    x_axis: &str,
    options: JsValue,
) -> Result<JsValue, JsError> {
    let series: Vec<JsSeries> = from_js("series", &series)?;
    let x = match x_axis {
        "samples" => XAxis::Samples,
        "seconds" => XAxis::Seconds,
        other => {
            let why = format!("unknown {other:?} (expected samples or seconds)");
            return Err(Error::invalid("x_axis", why).into());
        }
    };
    let options = if options.is_undefined() || options.is_null() {
        JsCurvesOptions {
            log_x: false,
            scale: 1.0,
            theme: request::light(),
        }
    } else {
        from_js("options", &options)?
    };
    check_scale(options.scale)?;
    let theme = Theme::parse("options.theme", &options.theme)?;
    let backend = canvas::Canvas::new(canvas).map_err(|e| JsError::new(&e))?;
    let views: Vec<Series> = series
        .iter()
        .map(|s| Series {
            label: &s.label,
            points: &s.points,
            faint: s.faint,
            diverged_at: s.diverged_at,
        })
        .collect();
    let style = CurvesStyle {
        x_axis: x,
        log_x: options.log_x,
        scale: options.scale,
        theme,
    };
    use plotters::prelude::IntoDrawingArea;
    let maps =
        draw(&backend.into_drawing_area(), "", &views, style).map_err(|e| JsError::new(&e))?;
    to_js(&maps)
}

/// Draws small multiples (`crate::plot::multiples`) on `canvas`: `panels` is `[{caption, log_y?,
/// lines: [{label, color, dashed?, points: [[x, y]...]}]}]`, x described as `x_desc`, in a grid of
/// `columns` (1..=12), `scale` the canvas's device pixels per CSS pixel (> 0, at most 8), in the
/// colours of `theme` (`"light"` or `"dark"`). Main thread only.
#[wasm_bindgen]
pub fn draw_multiples(
    canvas: web_sys::HtmlCanvasElement,
    panels: JsValue,
    x_desc: &str,
    columns: u32,
    scale: f64,
    theme: &str,
) -> Result<(), JsError> {
    let theme = crate::plot::theme::Theme::parse("theme", theme)?;
    let panels: Vec<crate::plot::multiples::Panel> = from_js("panels", &panels)?;
    if !(1..=12).contains(&columns) {
        let why = format!("must be 1..=12, got {columns}");
        return Err(Error::invalid("columns", why).into());
    }
    check_scale(scale)?;
    let backend = canvas::Canvas::new(canvas).map_err(|e| JsError::new(&e))?;
    use plotters::prelude::IntoDrawingArea;
    let area = backend.into_drawing_area();
    crate::plot::multiples::draw_multiples(&area, &panels, x_desc, columns as usize, scale, theme)
        .map_err(|e| JsError::new(&e))
}

/// Computes one exact spectrum of a small fixed network (order 458) and returns its number of
/// nonzero eigenvalues. V8 runs wasm first in a baseline tier and a running call never switches
/// tiers, so the page's first exact spectrum of a big net would run entirely in the slow tier; the
/// worker calls this once while the data downloads, so that the hot loops are optimised by then.
#[wasm_bindgen]
pub fn warm_up() -> Result<usize, JsError> {
    let net = crate::network::Network::new(&[64, 128, 96, 10], 0.01, 1)?;
    let x0: Vec<f64> = (0..64).map(|i| f64::from((i * 37) % 101) / 100.0).collect();
    let mut d = vec![0.0; 10];
    d[3] = 1.0;
    let lambda = crate::cost::Lambdas::new(vec![0.5, 0.5, 0.5, 1.0], 3)?;
    let s = crate::pattern::Pattern::new(&net, &x0, &d, lambda)?.exact_spectrum()?;
    Ok(s.eigenvalues.len())
}

/// The memory-streaming probe of the benchmark (www/bench.html): an f32 buffer of a given size.
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub struct StreamProbe(crate::bench::StreamProbe);

#[cfg(feature = "bench")]
#[wasm_bindgen]
impl StreamProbe {
    /// A probe over `bytes` bytes (64 ..= 2^30).
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: f64) -> Result<StreamProbe, JsError> {
        if !(bytes.is_finite() && bytes >= 0.0 && bytes.fract() == 0.0) {
            let why = format!("must be a whole number, got {bytes}");
            return Err(Error::invalid("bytes", why).into());
        }
        Ok(StreamProbe(crate::bench::StreamProbe::new(
            bytes.min(1e12) as usize,
        )?))
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
#[cfg(feature = "bench")]
#[wasm_bindgen]
pub struct CurvatureBench(crate::bench::CurvatureWorkload);

#[cfg(feature = "bench")]
#[wasm_bindgen]
impl CurvatureBench {
    #[wasm_bindgen(constructor)]
    pub fn new(
        sizes: Vec<usize>,
        data: &Data,
        count: u32,
        seed: u32,
    ) -> Result<CurvatureBench, JsError> {
        let net = crate::network::Network::new(&sizes, 0.01, u64::from(seed))?;
        let policy = LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        };
        let (count, seed) = (count as usize, u64::from(seed));
        let work = crate::bench::CurvatureWorkload::new(net, policy, &data.train, count, seed)?;
        Ok(CurvatureBench(work))
    }
    /// `H_i v` for the next `n` patterns with the fused f32 kernel; sum of `v . H_i v`.
    pub fn hvps(&mut self, n: u32) -> f64 {
        self.0.fast_hvps(n as usize)
    }
    /// The same with the f64 reference (forward, lambdas, adjoint, tetrad in separate passes).
    pub fn hvps_f64(&mut self, n: u32) -> Result<f64, JsError> {
        Ok(self.0.hvps(n as usize)?)
    }
    /// The exact nonzero spectrum of pattern `i`: the number of nonzero eigenvalues.
    pub fn spectrum(&self, i: u32) -> Result<usize, JsError> {
        Ok(self.0.spectrum(i as usize)?.eigenvalues.len())
    }
    /// The eigenpairs of pattern `i` and H⁺∇J_R, |H|⁺∇J_R from them: the number of nonzero
    /// eigenvalues.
    pub fn spectrum_vectors(&self, i: u32) -> Result<usize, JsError> {
        Ok(self.0.eigenpairs(i as usize)?)
    }
    /// Pattern `i`'s nonzero eigenvalues by the fixed-order solver (`spectrum::symeig`): their count.
    pub fn spectrum_own(&self, i: u32) -> Result<usize, JsError> {
        Ok(self.0.spectrum_own(i as usize)?)
    }
    /// Pattern `i`'s reduced matrix T alone, no eigensolve: its order.
    pub fn reduce(&self, i: u32) -> Result<usize, JsError> {
        Ok(self.0.reduce(i as usize)?)
    }
    /// One faer f64 matrix product of order `n` (`2 n^3` flops): the trace of the product.
    pub fn matmul(n: u32, seed: u32) -> Result<f64, JsError> {
        Ok(crate::bench::f64_matmul(n as usize, u64::from(seed))?)
    }
    /// Pattern `i`'s reduced matrix eigensolved by nalgebra instead of faer (eigenvalues alone, or
    /// with the vectors): the number of eigenvalues.
    pub fn spectrum_nalgebra(&self, i: u32, vectors: bool) -> Result<usize, JsError> {
        Ok(self.0.spectrum_nalgebra(i as usize, vectors)?)
    }
}
