//! `inspect`: the paper's claims, checkable on any network. One JSON case in, one JSON report out.
//!
//! Input (`params[k-1]` is layer k, `W` has s_k rows of s_{k-1} numbers):
//! `{"sizes": [s_0..s_n], "alpha": a, "lambda": [lambda_0..lambda_n], "params": [{"W": [[..]..], "beta": [..]}, ..],
//!   "x0": [..], "d": [..], "v": [like params] (optional), "mu": m (optional), "white": bool (optional)}`
//!
//! Output keys: `loss` (J_R at the given lambdas: Eq. 43/67, the states x_1..x_{n-1} regularised;
//! with `"white": true` the white layer's lambda_0/2 ||x_0||^2 is included too), `plain_loss`
//! (`1/2||d - x_n||^2`), `gradient`, `hvp` (when v is given), `newton` (Eq. 35 corrected; N_1 = 0,
//! or N_1 from lambda_0 when `"white": true`), `mk` (Eq. 40), `mk_damped` (Eq. 42, when mu is
//! given), `pinv_newton` (`H^+ grad J_R`, the minimum-norm solution of H v = grad J_R) and
//! `saddle_free_newton` (`|H|^+ grad J_R`) over the nonzero spectrum (docs/maths.md section 5.5) —
//! each shaped like `params`; `curvature` (`{"gradient", "newton", "pinv_newton",
//! "saddle_free_newton", "mk"}`: `v.Hv / ||v||^2` of grad J_R, Eq. 35, the two above and Eq. 40);
//! `newton_residual`; `eigenvalues` (all nonzero eigenvalues
//! of H, ascending); `gauss_newton_eigenvalues` (those of its Gauss-Newton part
//! `sum_k lambda_k J_k^T J_k`, ascending, docs/maths.md section 5.7); `inertia` ([positive, negative, zero]); `spectral_radius`; `eq62`
//! (`{"family1", "family2"}` as printed, at the given lambdas; `null` when a hidden lambda is 0, with
//! the reason in `eq62_undefined`); `optimal_lambda` (Eq. 65, lambda_0 for a white layer, Eq. 68
//! for lambda_n, from the non-regularised adjoint); `paper_radius` (`{"eq66", "eq69", "eq70"}`,
//! from that same adjoint).

use crate::cost::{cost, Lambdas};
use crate::directions::{check_damping, relative_residual, GradientSource, NewtonSign};
use crate::error::{check_finite, Error, Result};
use crate::linalg::{dot, ratio};
use crate::network::{validate_architecture, Network};
use crate::pattern::Pattern;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One layer's parameters as they appear in a case file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerParams {
    #[serde(rename = "W")]
    pub w: Vec<Vec<f64>>,
    pub beta: Vec<f64>,
}

/// A case file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub sizes: Vec<usize>,
    pub alpha: f64,
    pub lambda: Vec<f64>,
    pub params: Vec<LayerParams>,
    pub x0: Vec<f64>,
    pub d: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<Vec<LayerParams>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub white: Option<bool>,
}

/// Flattens `layers` into the engine's layout, checking every shape against `sizes`.
pub fn flatten(what: &str, sizes: &[usize], layers: &[LayerParams]) -> Result<Vec<f64>> {
    let n = sizes.len() - 1;
    if layers.len() != n {
        return Err(Error::invalid(
            what,
            format!(
                "expected {n} layers (one per k = 1..n), found {}",
                layers.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(crate::network::param_count(sizes));
    for (i, layer) in layers.iter().enumerate() {
        let k = i + 1;
        let (rows, cols) = (sizes[k], sizes[k - 1]);
        if layer.w.len() != rows {
            return Err(Error::shape(
                format!("{what}[{i}].W rows (s_{k})"),
                rows,
                layer.w.len(),
            ));
        }
        for (r, row) in layer.w.iter().enumerate() {
            if row.len() != cols {
                return Err(Error::shape(
                    format!("{what}[{i}].W[{r}] (s_{})", k - 1),
                    cols,
                    row.len(),
                ));
            }
            check_finite(&format!("{what}[{i}].W[{r}]"), row)?;
            out.extend_from_slice(row);
        }
        if layer.beta.len() != rows {
            return Err(Error::shape(
                format!("{what}[{i}].beta (s_{k})"),
                rows,
                layer.beta.len(),
            ));
        }
        check_finite(&format!("{what}[{i}].beta"), &layer.beta)?;
        out.extend_from_slice(&layer.beta);
    }
    Ok(out)
}

/// The inverse of [`flatten`]: a flat vector as a list shaped like `params`.
pub fn unflatten(net: &Network, flat: &[f64]) -> Vec<LayerParams> {
    (1..=net.n())
        .map(|k| {
            let layer = net.layer(k);
            LayerParams {
                w: flat[layer.w.clone()]
                    .chunks_exact(layer.cols)
                    .map(<[f64]>::to_vec)
                    .collect(),
                beta: flat[layer.b.clone()].to_vec(),
            }
        })
        .collect()
}

impl Case {
    /// A random case: He-normal weights from `seed`, biases 0, a 0/1-ish input (pixels that are 0
    /// or near 1, like a binarised digit), a one-hot target, the given lambdas.
    pub fn random(sizes: &[usize], alpha: f64, lambda: Vec<f64>, seed: u64) -> Result<Case> {
        let net = Network::new(sizes, alpha, seed)?;
        let mut rng = crate::rng::Rng::new(seed.wrapping_add(1));
        let x0 = (0..sizes[0])
            .map(|_| {
                if rng.uniform() < 0.2 {
                    rng.uniform_in(0.7, 1.0)
                } else {
                    0.0
                }
            })
            .collect();
        let s_n = sizes[sizes.len() - 1];
        let hot = rng.below(s_n);
        let d = (0..s_n).map(|i| if i == hot { 1.0 } else { 0.0 }).collect();
        Ok(Case {
            sizes: sizes.to_vec(),
            alpha,
            lambda,
            params: unflatten(&net, &net.params),
            x0,
            d,
            v: None,
            mu: None,
            white: None,
        })
    }
}

/// Parses and runs a case given as JSON text.
pub fn inspect_json(text: &str) -> Result<Value> {
    let case: Case = serde_json::from_str(text)
        .map_err(|e| Error::invalid("case file", one_line(&e.to_string())))?;
    inspect(&case)
}

/// serde quotes an unknown key as it is, and a key may hold a newline or other control
/// characters: they are escaped, so that the error stays one line.
fn one_line(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    for c in msg.chars() {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn layers_json(net: &Network, flat: &[f64]) -> Value {
    serde_json::to_value(unflatten(net, flat)).expect("plain numbers serialise")
}

/// Validates the case and computes the report (module doc).
pub fn inspect(case: &Case) -> Result<Value> {
    validate_architecture(&case.sizes, case.alpha)?;
    let params = flatten("params", &case.sizes, &case.params)?;
    let net = Network::from_params(&case.sizes, case.alpha, params)?;
    net.check_input(&case.x0)?;
    net.check_target(&case.d)?;
    let lambda = Lambdas::new(case.lambda.clone(), net.n())?;
    if let Some(mu) = case.mu {
        check_damping(mu)?;
    }
    let v = case
        .v
        .as_ref()
        .map(|v| flatten("v", &case.sizes, v))
        .transpose()?;
    let white = case.white.unwrap_or(false);

    let p = Pattern::new(&net, &case.x0, &case.d, lambda)?;
    // Eq. 43 sums k = 1..n-1; only a white layer makes x_0 a regularised state (lambda_0 term).
    let j = if white {
        p.cost()
    } else {
        let mut l = p.lambda().as_slice().to_vec();
        l[0] = 0.0;
        cost(p.fw(), &case.d, &Lambdas::new(l, net.n())?)
    };
    let grad = p.gradient();
    if !j.is_finite() || grad.iter().any(|g| !g.is_finite()) {
        return Err(Error::Numerical(format!(
            "the case overflows f64: J_R = {j}"
        )));
    }
    let newton = p.newton(white, NewtonSign::Corrected);
    let residual = relative_residual(&p.hvp(&newton), &grad);
    let eig = p.eigenpairs()?;
    let spectrum = eig.spectrum();
    let (pinv, saddle_free) = (eig.pinv(&grad), eig.abs_pinv(&grad));
    let mk = p.mk(0.0, GradientSource::Regularised);
    // v.Hv / ||v||^2 of each direction (docs/maths.md section 5.6).
    let curvature = |v: &[f64]| ratio(dot(v, &p.hvp(v)), dot(v, v));
    let optimal = p.optimal_lambdas(true, true)?;
    let radius = p.paper_radius();

    let mut out = json!({
        "loss": j,
        "plain_loss": p.loss(),
        "gradient": layers_json(&net, &grad),
        "newton": layers_json(&net, &newton),
        "newton_residual": residual,
        "mk": layers_json(&net, &mk),
        "pinv_newton": layers_json(&net, &pinv),
        "saddle_free_newton": layers_json(&net, &saddle_free),
        "curvature": {
            "gradient": curvature(&grad),
            "newton": curvature(&newton),
            "pinv_newton": curvature(&pinv),
            "saddle_free_newton": curvature(&saddle_free),
            "mk": curvature(&mk),
        },
        "eigenvalues": spectrum.eigenvalues,
        "gauss_newton_eigenvalues": p.gauss_newton_eigenvalues()?,
        "inertia": [spectrum.positive, spectrum.negative, spectrum.zero],
        "spectral_radius": spectrum.radius,
        "optimal_lambda": optimal.as_slice(),
        "paper_radius": {"eq66": radius.eq66, "eq69": radius.eq69, "eq70": radius.eq70},
    });
    match p.eq62_families() {
        Ok(f) => out["eq62"] = json!({"family1": f.family1, "family2": f.family2}),
        Err(e) => {
            out["eq62"] = Value::Null;
            out["eq62_undefined"] = json!(e.to_string());
        }
    }
    if let Some(v) = v {
        out["hvp"] = layers_json(&net, &p.hvp(&v));
    }
    if let Some(mu) = case.mu {
        out["mk_damped"] = layers_json(&net, &p.mk(mu, GradientSource::Regularised));
    }
    Ok(out)
}
