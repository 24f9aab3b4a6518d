//! What the page sends the engine, as typed requests, and the one way every JS value is read:
//! [`from_js`], through [`super::de::JsDe`], which shows serde every key so that each type's
//! `#[serde(deny_unknown_fields)]` rejects a misspelt one by name.

use super::de::JsDe;
use crate::cost::Lambdas;
use crate::error::Error;
use crate::io::data::Dataset;
use crate::plot::CurvePoint;
use crate::regularisation::LambdaPolicy;
use crate::train::{Method, TrainConfig, Trainer};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::JsValue;

/// Reads `what` (`"config"`, `"lab request"`, ...) from a JS value; an unknown key, a missing one
/// or a wrong type is an error naming it.
pub fn from_js<T: DeserializeOwned>(what: &str, value: &JsValue) -> Result<T, Error> {
    T::deserialize(JsDe(value.clone())).map_err(|e| Error::invalid(what, e.0))
}

/// The page's run configuration (`lambda`: "eq65", "eq65+eq68" or [lambda_0..lambda_n]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsConfig {
    sizes: Vec<usize>,
    #[serde(default = "default_alpha")]
    alpha: f64,
    #[serde(default)]
    seed: u32,
    optimizer: String,
    step_size: f64,
    #[serde(default)]
    mu: Option<f64>,
    #[serde(default)]
    lambda: Option<LambdaSpec>,
    #[serde(default = "yes")]
    white: bool,
    /// The fused f32 kernel (default) or the f64 reference path.
    #[serde(default = "yes")]
    fast: bool,
}

fn default_alpha() -> f64 {
    0.01
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LambdaSpec {
    Name(String),
    Values(Vec<f64>),
}

impl JsConfig {
    /// The trainer's configuration (validated by `Trainer::new`).
    pub fn into_config(self) -> Result<TrainConfig, Error> {
        let method = Method::from_name(&self.optimizer, self.mu)?;
        let n = self.sizes.len().saturating_sub(1).max(1);
        let lambda = match self.lambda {
            None => LambdaPolicy::Eq65 {
                white: self.white,
                eq68: false,
            },
            Some(LambdaSpec::Name(s)) => LambdaPolicy::parse(&s, self.white, n)?,
            Some(LambdaSpec::Values(v)) => LambdaPolicy::Fixed(Lambdas::new(v, n)?),
        };
        Ok(TrainConfig {
            sizes: self.sizes,
            alpha: self.alpha,
            seed: u64::from(self.seed),
            method,
            step_size: self.step_size,
            lambda,
            fast: self.fast,
        })
    }
}

/// What the lab is asked for: a hidden layer, a pattern, lambda_k (default: the policy's; > 0) or
/// `plain_loss` (every hidden lambda 0 and lambda_n = 1: the plain loss, lambda_k = 0), and mu and
/// the step size of the directions table (defaults: 1 and the run's).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabRequest {
    pub layer: usize,
    pub pattern: PatternSource,
    #[serde(default)]
    pub lambda: Option<f64>,
    #[serde(default)]
    pub plain_loss: bool,
    #[serde(default)]
    pub mu: Option<f64>,
    #[serde(default)]
    pub step_size: Option<f64>,
}

/// The pattern a lab report is about, tagged by `source`.
#[derive(Deserialize)]
#[serde(tag = "source", rename_all = "lowercase", deny_unknown_fields)]
pub enum PatternSource {
    /// The training pattern of the last step (a struct variant: serde would let a unit variant
    /// carry unknown keys).
    Current {},
    /// Training pattern `index`.
    Train {
        #[serde(default)]
        index: usize,
    },
    /// Test pattern `index`.
    Test {
        #[serde(default)]
        index: usize,
    },
    /// A drawn digit (784 values in [0, 1]) with its label as the target.
    Drawn { pixels: Vec<f32>, label: usize },
}

impl PatternSource {
    /// The name the reply's `pattern.source` gives.
    pub fn name(&self) -> &'static str {
        match self {
            PatternSource::Current {} => "current",
            PatternSource::Train { .. } => "train",
            PatternSource::Test { .. } => "test",
            PatternSource::Drawn { .. } => "drawn",
        }
    }
}

/// A pattern as the lab reads it: its training or test index (none for a drawing), x_0 and the
/// one-hot target d.
pub struct Pattern {
    pub index: Option<usize>,
    pub x0: Vec<f64>,
    pub d: Vec<f64>,
}

impl PatternSource {
    /// The pattern this names in `t`'s data; the error names a bad index, pixel or label.
    pub fn resolve(&self, t: &Trainer) -> Result<Pattern, Error> {
        let from = |set: &Dataset, i: usize, split: &str| {
            let i = set.check_index("index", i, split)?;
            let mut x0 = vec![0.0; set.input_size()];
            let mut d = vec![0.0; Dataset::CLASSES];
            set.input_into(i, &mut x0);
            set.target_into(i, &mut d);
            Ok(Pattern {
                index: Some(i),
                x0,
                d,
            })
        };
        match self {
            PatternSource::Current {} => {
                let i = t.last_pattern().ok_or_else(|| {
                    Error::invalid("source", "no training pattern yet (take a step first)")
                })?;
                from(t.train_set(), i, "training")
            }
            PatternSource::Train { index } => from(t.train_set(), *index, "training"),
            PatternSource::Test { index } => from(t.test_set(), *index, "test"),
            PatternSource::Drawn { pixels, label } => {
                let x0 = pixels_f64(pixels, t.network().sizes()[0])?;
                Dataset::check_label(*label)?;
                let mut d = vec![0.0; Dataset::CLASSES];
                d[*label] = 1.0;
                Ok(Pattern { index: None, x0, d })
            }
        }
    }
}

/// One run's curve for `draw_curves`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsSeries {
    pub label: String,
    pub points: Vec<CurvePoint>,
    /// An earlier run, drawn faint.
    #[serde(default)]
    pub faint: bool,
    /// Where the run was paused for diverging (patterns seen).
    #[serde(default)]
    pub diverged_at: Option<u64>,
}

/// How `draw_curves` draws: a log x axis, the canvas's device pixels per CSS pixel, and the
/// colours (`"light"` or `"dark"`, read by `crate::plot::Theme::parse`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsCurvesOptions {
    #[serde(default)]
    pub log_x: bool,
    #[serde(default = "one")]
    pub scale: f64,
    #[serde(default = "light")]
    pub theme: String,
}

fn one() -> f64 {
    1.0
}

/// The default chart theme's name.
pub fn light() -> String {
    "light".to_string()
}

/// 784 pixels in [0, 1] as f64 (the engine's input); the error names a wrong count or value.
pub fn pixels_f64(pixels: &[f32], expected: usize) -> Result<Vec<f64>, Error> {
    if pixels.len() != expected {
        return Err(Error::shape("pixels", expected, pixels.len()));
    }
    if let Some(i) = pixels.iter().position(|p| !p.is_finite()) {
        return Err(Error::NonFinite {
            what: format!("pixels[{i}]"),
            value: f64::from(pixels[i]),
        });
    }
    Ok(pixels.iter().map(|&p| f64::from(p)).collect())
}

/// The page's "Curvature of the data" request (`lab::batch_curvature`); every field optional:
/// `{patterns: 1000, subset: 5, top: 5, seed: 0, max_steps: 40, tol: 1e-3, hessian: "plain" | "j_r"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchCurvatureJs {
    patterns: Option<usize>,
    subset: Option<usize>,
    top: Option<usize>,
    seed: Option<u32>,
    max_steps: Option<usize>,
    tol: Option<f64>,
    hessian: Option<String>,
}

impl BatchCurvatureJs {
    /// The request for a run whose lambdas are by `policy` ("j_r" averages J_R at them; Eq. 69
    /// instead of Eq. 66 under Eq. 68).
    pub fn into_request(
        self,
        policy: &LambdaPolicy,
    ) -> Result<crate::lab::batch_curvature::BatchCurvatureRequest, Error> {
        use crate::lab::batch_curvature::{BatchCurvatureRequest, BatchHessian};
        let hessian = match self.hessian.as_deref().unwrap_or("plain") {
            "plain" => BatchHessian::Plain,
            "j_r" => BatchHessian::JR(policy.clone()),
            other => {
                return Err(Error::invalid(
                    "hessian",
                    format!("{other:?}: must be \"plain\" or \"j_r\""),
                ))
            }
        };
        let eq68 = matches!(policy, LambdaPolicy::Eq65 { eq68: true, .. });
        let mut r = BatchCurvatureRequest::new(hessian, eq68);
        r.patterns = self.patterns.unwrap_or(r.patterns);
        r.subset = self.subset.unwrap_or(r.subset);
        r.top = self.top.unwrap_or(r.top);
        r.seed = self.seed.map_or(r.seed, u64::from);
        r.max_steps = self.max_steps.unwrap_or(r.max_steps);
        r.tol = self.tol.unwrap_or(r.tol);
        Ok(r)
    }
}
