//! The Sifrian lab's numbers for one pattern: every direction compared (norms, cosines, Newton
//! residuals, the cost after one step against the quadratic model), and a plain-words verdict on
//! the paper's eigenvalue claims generated from the exact spectrum.
//!
//! Quadratic model of a cost J after `w <- w - t v`: `J - t g.v + t^2/2 v.Hv`, with g and Hv exact
//! (backprop and the tetrad). It is given for both the plain loss `1/2||d - x_n||^2` (what training
//! lowers) and J_R at the pattern's lambdas (what MK's and Newton's formulas are derived from).

use crate::cost::{cost, loss, Lambdas};
use crate::directions::{check_damping, relative_residual, GradientSource, NewtonSign};
use crate::error::Result;
use crate::lab::figure5::Figure5;
use crate::linalg::{cosine, dot, norm2, norm_inf};
use crate::network::Network;
use crate::paper_spectrum::{Eq62Families, PaperRadius};
use crate::pattern::Pattern;
use crate::spectrum::eigenpairs::Eigenpairs;
use crate::spectrum::{reduced_order, ExactSpectrum, MAX_LAB_EIGENPAIR_ORDER};
use serde::Serialize;

/// One direction's row of the comparison table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectionRow {
    /// The direction's key: `inspect`'s name for it (`gradient`, `mk`, `newton`, `pinv_newton`, ..).
    pub key: &'static str,
    pub name: String,
    pub norm: f64,
    /// Cosine with the plain loss's gradient (SGD's direction); > 0 means descent for the loss.
    pub cosine_with_gradient: f64,
    /// `||H_R v - g_R|| / ||g_R||` (J_R at the lambdas): 0 for an exact Newton solve.
    pub newton_residual: f64,
    /// Plain loss after `w - step v`, actual and by the quadratic model.
    pub loss_after: f64,
    pub loss_model: f64,
    /// J_R after `w - step v`, actual and by the quadratic model.
    pub jr_after: f64,
    pub jr_model: f64,
    /// The step along v that minimises J_R's quadratic model, and the change of J_R it gives.
    pub along: AlongDirection,
}

/// J_R along one direction v at the pattern's lambdas (docs/maths.md section 5.6): curvature
/// `kappa = v.H_R v / ||v||^2`, slope `s = grad J_R . v`, and when `v.H_R v > 0` the step
/// `t* = s / v.H_R v` minimising the model `J_R - t s + t^2/2 v.H_R v`, whose predicted change is
/// `-s^2 / (2 v.H_R v)`, beside the actual change of J_R after `w <- w - t* v`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AlongDirection {
    pub curvature: f64,
    pub slope: f64,
    /// `t*`, or None when the curvature is not positive (the model has no minimum).
    pub model_step: Option<f64>,
    pub predicted_change: Option<f64>,
    pub actual_change: Option<f64>,
}

impl AlongDirection {
    /// The curvature, slope and model-minimising step of `v` (with `hv = H_R v`) on `p`.
    pub fn of(p: &Pattern, g: &[f64], v: &[f64], hv: &[f64]) -> AlongDirection {
        let (vhv, vv, slope) = (dot(v, hv), dot(v, v), dot(g, v));
        let curvature = if vv > 0.0 { vhv / vv } else { 0.0 };
        let model_step = (vhv > 0.0).then(|| slope / vhv);
        let actual = model_step.map(|t| cost(&p.forward_after(v, t), p.d(), p.lambda()) - p.cost());
        AlongDirection {
            curvature,
            slope,
            model_step,
            predicted_change: model_step.map(|t| -0.5 * t * slope),
            actual_change: actual,
        }
    }
}

/// Every direction on one pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DirectionsReport {
    /// The step size of the one step each direction is tried with.
    pub step_size: f64,
    pub loss_before: f64,
    pub jr_before: f64,
    pub rows: Vec<DirectionRow>,
    /// `cosines[i][j]` between rows i and j.
    pub cosines: Vec<Vec<f64>>,
    /// Which rows do best and worst by three measures ([`DirectionMarks`]).
    pub marks: DirectionMarks,
    /// Why the minimum-norm and saddle-free Newton rows are missing (no eigenpairs were
    /// computed: the reduced order is over [`MAX_LAB_EIGENPAIR_ORDER`]); `None` when they are there.
    pub without_eigenpairs: Option<String>,
}

/// The rows (by key) with the lowest and the highest value of one measure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BestWorst {
    pub best: &'static str,
    pub worst: &'static str,
}

/// The best and worst direction by each measure the table can rank; `None` where fewer than two
/// rows have a finite value or all values are equal. Lower is better for all three:
/// - `loss_after`: the plain loss `1/2||d - x_n||^2` after `w - step v` (what training lowers);
/// - `jr_after`: J_R after `w - step v` (what MK and Newton are derived for);
/// - `actual_change`: the actual change of J_R after the model-minimising step `w - t* v`, over
///   the rows whose curvature is positive (the others have no t*).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DirectionMarks {
    pub loss_after: Option<BestWorst>,
    pub jr_after: Option<BestWorst>,
    pub actual_change: Option<BestWorst>,
}

impl DirectionMarks {
    /// The marks of `rows` (first row wins a tie).
    pub fn of(rows: &[DirectionRow]) -> DirectionMarks {
        let rank = |value: fn(&DirectionRow) -> Option<f64>| {
            let scored: Vec<(&'static str, f64)> = rows
                .iter()
                .filter_map(|r| value(r).filter(|v| v.is_finite()).map(|v| (r.key, v)))
                .collect();
            let best = scored
                .iter()
                .copied()
                .reduce(|a, b| if b.1 < a.1 { b } else { a })?;
            let worst = scored
                .iter()
                .copied()
                .reduce(|a, b| if b.1 > a.1 { b } else { a })?;
            (best.1 < worst.1).then_some(BestWorst {
                best: best.0,
                worst: worst.0,
            })
        };
        DirectionMarks {
            loss_after: rank(|r| Some(r.loss_after)),
            jr_after: rank(|r| Some(r.jr_after)),
            actual_change: rank(|r| r.along.actual_change),
        }
    }
}

/// The quadratic model of a cost `j` after `w <- w - t v`: `j - t g.v + t^2/2 v.Hv` (module doc).
fn quadratic_model(j: f64, g: &[f64], v: &[f64], hv: &[f64], t: f64) -> f64 {
    j - t * dot(g, v) + 0.5 * t * t * dot(v, hv)
}

impl DirectionsReport {
    /// Compares SGD, MK, damped MK (mu), the unregularised-gradient variant (mu), the corrected
    /// and the printed-sign Newton step (Eq. 35, with the white layer's N_1), the gradient of J_R,
    /// the minimum-norm Newton step `H^+ grad J_R` and the saddle-free one `|H|^+ grad J_R` (from
    /// `eig`, the pattern's eigenpairs; without them those two rows are left out and
    /// `without_eigenpairs` says why) on pattern `p` at its lambdas, each taken with `step`.
    pub fn of(
        p: &Pattern,
        eig: Option<&Eigenpairs>,
        mu: f64,
        step_size: f64,
    ) -> Result<DirectionsReport> {
        check_damping(mu)?;
        let (g0, g) = (p.plain_gradient(), p.gradient());
        let mut dirs: Vec<(&'static str, String, Vec<f64>)> = vec![
            ("sgd", "SGD (plain gradient)".into(), g0.clone()),
            (
                "mk",
                "MK (Eq. 40)".into(),
                p.mk(0.0, GradientSource::Regularised),
            ),
            (
                "mk_damped",
                format!("damped MK (Eq. 42, mu = {mu})"),
                p.mk(mu, GradientSource::Regularised),
            ),
            (
                "mk_unreg",
                format!("MK unregularised-gradient variant (mu = {mu}; not the paper's)"),
                p.mk(mu, GradientSource::Unregularised),
            ),
            (
                "newton",
                "Newton (Eq. 35, sign corrected)".into(),
                p.newton(true, NewtonSign::Corrected),
            ),
            (
                "newton_printed",
                "Newton (Eq. 35 as printed)".into(),
                p.newton(true, NewtonSign::Printed),
            ),
            ("gradient", "gradient of J_R".into(), g.clone()),
        ];
        let without_eigenpairs = match eig {
            Some(eig) => {
                dirs.push((
                    "pinv_newton",
                    "minimum-norm Newton H⁺∇J_R".into(),
                    eig.pinv(&g),
                ));
                dirs.push((
                    "saddle_free_newton",
                    "saddle-free Newton |H|⁺∇J_R".into(),
                    eig.abs_pinv(&g),
                ));
                None
            }
            None => Some(format!(
                "the minimum-norm and saddle-free Newton steps need H's eigenvectors, which the \
                 lab computes only up to a reduced order 2S - s_n of {MAX_LAB_EIGENPAIR_ORDER}; this \
                 network's is {}",
                reduced_order(p.net())?
            )),
        };
        let (loss_before, jr_before) = (p.loss(), p.cost());
        let rows: Vec<DirectionRow> = dirs
            .iter()
            .map(|(key, name, v)| {
                let hv = p.hvp(v);
                let after = p.forward_after(v, step_size);
                DirectionRow {
                    key,
                    along: AlongDirection::of(p, &g, v, &hv),
                    name: name.clone(),
                    norm: norm2(v),
                    cosine_with_gradient: cosine(v, &g0),
                    newton_residual: relative_residual(&hv, &g),
                    loss_after: loss(&after, p.d()),
                    loss_model: quadratic_model(loss_before, &g0, v, &p.plain_hvp(v), step_size),
                    jr_after: cost(&after, p.d(), p.lambda()),
                    jr_model: quadratic_model(jr_before, &g, v, &hv, step_size),
                }
            })
            .collect();
        let cosines = dirs
            .iter()
            .map(|(_, _, a)| dirs.iter().map(|(_, _, b)| cosine(a, b)).collect())
            .collect();
        Ok(DirectionsReport {
            step_size,
            loss_before,
            jr_before,
            marks: DirectionMarks::of(&rows),
            rows,
            cosines,
            without_eigenpairs,
        })
    }
}

/// [`DirectionsReport::of`] for pattern (x0, d) at `lambda`.
pub fn compare_directions(
    net: &Network,
    x0: &[f64],
    d: &[f64],
    lambda: &Lambdas,
    mu: f64,
    step_size: f64,
) -> Result<DirectionsReport> {
    let p = Pattern::new(net, x0, d, lambda.clone())?;
    DirectionsReport::of(&p, Some(&p.eigenpairs()?), mu, step_size)
}

/// `v` to about three significant digits (the verdict's numbers): "29.2", "0.421", "1", "12300",
/// exponent form from 1e6 and below 1e-3 ("4.55e7", "1.2e-5"); trailing zeros dropped.
pub fn sig3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        let s = format!("{v:.2e}");
        let (m, e) = s.split_once('e').expect("exponent form");
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        return format!("{m}e{e}");
    }
    let e = a.log10().floor() as i32;
    let decimals = (2 - e).max(0) as usize;
    let r = if e > 2 {
        let q = 10f64.powi(e - 2);
        (v / q).round() * q
    } else {
        v
    };
    let s = format!("{r:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The verdict's sentences, in plain words, comparing the paper's claims with the exact spectrum:
/// the counts (Eq. 62's family sizes against H's inertia), the values (the extreme eigenvalues
/// against the families' extremes) and the radius (`claim`: Eq. 66/69 at Eq. 65's lambdas, Eq. 63
/// elsewhere, [`RadiusClaim::at`]). Numbers to about three significant digits ([`sig3`]).
pub fn verdict(exact: &ExactSpectrum, families: &Eq62Families, claim: &RadiusClaim) -> String {
    let (p, n) = (families.family1.len(), families.family2.len());
    let mut out = if (exact.positive, exact.negative) == (p, n) {
        format!(
            "Counts agree: the Hessian has {} positive and {} negative eigenvalues, as many as Eq. 62's two families have values. That much a congruence keeps: the inertia (how many eigenvalues are positive, negative and zero; Sylvester's law).",
            exact.positive, exact.negative
        )
    } else {
        format!(
            "Counts differ: the Hessian has {} positive and {} negative eigenvalues, while Eq. 62's families have {p} and {n} values (the count claim needs every λₖ > 0 and F′(aₖ) ⊙ bₖ ≠ 0).",
            exact.positive, exact.negative
        )
    };
    let max_exact = exact.eigenvalues.last().copied().unwrap_or(0.0);
    let min_exact = exact.eigenvalues.first().copied().unwrap_or(0.0);
    let max_fam = families.family1.last().copied().unwrap_or(0.0);
    let min_fam = families.family2.first().copied().unwrap_or(0.0);
    let values_match = norm_inf(&[max_exact - max_fam, min_exact - min_fam])
        <= 1e-9 * exact.radius.max(f64::MIN_POSITIVE);
    if values_match {
        out.push_str(&format!(
            " Values agree here: the largest eigenvalue is {} and the most negative {}, the families' extremes.",
            sig3(max_exact),
            sig3(min_exact)
        ));
    } else {
        let times = if max_fam > 0.0 {
            format!(
                ", {} times family 1's largest ({})",
                sig3(max_exact / max_fam),
                sig3(max_fam)
            )
        } else {
            format!(" against family 1's largest, {}", sig3(max_fam))
        };
        out.push_str(&format!(
            " Values differ: the largest eigenvalue is {}{times}; the most negative is {} against family 2's {}. A congruence keeps signs, not values.",
            sig3(max_exact),
            sig3(min_exact),
            sig3(min_fam),
        ));
    }
    let (name, paper, rho) = (claim.formula, claim.value, exact.radius);
    let said = if name == "Eq. 63" {
        format!(
            " Radius: away from Eq. 65's λ the paper's prediction is {name}, the largest family value in magnitude, {};",
            sig3(paper)
        )
    } else {
        format!(
            " Radius: at Eq. 65's λ the paper's {name} gives {};",
            sig3(paper)
        )
    };
    out.push_str(&said);
    out.push_str(&format!(
        " the exact spectral radius (the largest |eigenvalue|) is {}",
        sig3(rho)
    ));
    if rho > paper * (1.0 + 1e-9) {
        out.push_str(&if paper > 0.0 {
            format!(
                ", {} times as large: {name} underestimates it.",
                sig3(rho / paper)
            )
        } else {
            format!(": {name} underestimates it.")
        });
    } else if rho >= paper * (1.0 - 1e-9) {
        out.push_str(": they agree.");
    } else {
        out.push_str(&format!(
            ": {name} is larger, so here it holds as an upper bound."
        ));
    }
    out
}

/// The verdict where Eq. 62's family 2 is undefined (a hidden lambda_k = 0; `plain`: every hidden
/// lambda is 0 and lambda_n = 1, the plain loss): the paper's factorisation (Eq. 59-61, with
/// Lambda^-1), family 2 and Eq. 63 divide by lambda_k, so the paper claims nothing; the sentences
/// give the exact spectrum alone.
pub fn verdict_without_family2(exact: &ExactSpectrum, plain: bool) -> String {
    let lead = if plain {
        "λ = 0: this is the plain loss ½‖d − xₙ‖² that SGD minimises (λₖ = 0 for every hidden layer, λₙ = 1)."
    } else {
        "A hidden λₖ is 0 here."
    };
    let max_exact = exact.eigenvalues.last().copied().filter(|v| *v > 0.0);
    let min_exact = exact.eigenvalues.first().copied().filter(|v| *v < 0.0);
    let extremes = match (max_exact, min_exact) {
        (Some(hi), Some(lo)) => format!(
            "the largest is {} and the most negative {}",
            sig3(hi),
            sig3(lo)
        ),
        (Some(hi), None) => format!("the largest is {} and none is negative", sig3(hi)),
        (None, Some(lo)) => format!("none is positive and the most negative is {}", sig3(lo)),
        (None, None) => "all are zero".to_string(),
    };
    format!(
        "{lead} The paper makes no claim here: its factorisation of H (Eq. 59-61) divides by λ, so Eq. 62's family 2 is undefined, its counts need every λₖ > 0, and Eq. 63 divides by λₖ too. The exact Hessian has {} positive, {} negative and {} zero eigenvalues; {extremes}; its spectral radius (the largest |eigenvalue|) is {}.",
        exact.positive,
        exact.negative,
        exact.zero,
        sig3(exact.radius)
    )
}

/// The radius formula that goes with a lambda_n choice: Eq. 69 with Eq. 68, else Eq. 66.
pub fn paper_radius_for(radius: &PaperRadius, eq68: bool) -> (f64, &'static str) {
    if eq68 {
        (radius.eq69, "Eq. 69")
    } else {
        (radius.eq66, "Eq. 66")
    }
}

/// The paper's radius claim the verdict compares against, by name: `"Eq. 66"` or `"Eq. 69"` at
/// Eq. 65's lambdas, `"Eq. 63"` elsewhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RadiusClaim {
    pub formula: &'static str,
    pub value: f64,
}

impl RadiusClaim {
    /// The claim that applies at pattern `p`'s lambdas. Eq. 66 (lambda_n = 1) and Eq. 69 (lambda_n
    /// by Eq. 68, `eq68`) are the paper's radius only at Eq. 65's lambdas for every hidden layer
    /// (compared within 1e-9, relative; lambda_0 plays no part in H); at any other lambdas its
    /// prediction is Eq. 63, the larger of the two Eq. 62 families' extreme magnitudes,
    /// `max(max family 1, max |family 2|)`.
    pub fn at(
        p: &Pattern,
        radius: &PaperRadius,
        families: &Eq62Families,
        eq68: bool,
    ) -> Result<Self> {
        let eq65 = p.optimal_lambdas(false, eq68)?;
        let n = p.net().n();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
        let at_crossing = (1..=n).all(|k| close(p.lambda().get(k), eq65.get(k)));
        Ok(if at_crossing {
            let (value, formula) = paper_radius_for(radius, eq68);
            RadiusClaim { formula, value }
        } else {
            let top1 = families
                .family1
                .iter()
                .fold(0.0, |m: f64, v| m.max(v.abs()));
            let top2 = families
                .family2
                .iter()
                .fold(0.0, |m: f64, v| m.max(v.abs()));
            RadiusClaim {
                formula: "Eq. 63",
                value: top1.max(top2),
            }
        })
    }
}

/// Everything the lab panel shows for one pattern and hidden layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabReport {
    /// Figure 5's curves, the current lambda_k and the exact spectrum there (no sweep).
    pub figure5: Figure5,
    /// lambda_0..lambda_n used (the base with lambda_k replaced by the current value).
    pub lambdas: Vec<f64>,
    /// Eq. 62's families; family 2 is empty when it is undefined (`family2_undefined`).
    pub families: Eq62Families,
    /// Why Eq. 62's family 2 is undefined (a hidden lambda is 0, as for the plain loss); `None`
    /// when it is defined.
    pub family2_undefined: Option<String>,
    /// Whether the lambdas are the plain loss's (lambda_k = 0 for k < n, lambda_n = 1).
    pub plain_loss: bool,
    /// `[positive, negative, zero]` as Eq. 62 counts them (zero = P - the two families); `None`
    /// where family 2 is undefined (the count claim needs every lambda_k > 0).
    pub inertia_paper: Option<[usize; 3]>,
    pub paper_radius: PaperRadius,
    /// The lambda_k where Figure 5's two curves cross: Eq. 65's choice for this layer.
    pub crossing: f64,
    /// The paper's radius claim at these lambdas ([`RadiusClaim::at`]) and its value; `None` where
    /// family 2 is undefined (Eq. 63 divides by lambda_k: the paper claims nothing there).
    pub radius_claim: Option<RadiusClaim>,
    pub verdict: String,
    pub directions: DirectionsReport,
    /// The Gauss-Newton part of H ([`GaussNewton::of`]).
    pub gauss_newton: GaussNewton,
}

/// The Gauss-Newton part `G = sum_k lambda_k J_k^T J_k` of one pattern's H (docs/maths.md
/// section 5.7): its inertia and largest eigenvalue, beside H's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GaussNewton {
    /// `[positive, negative, zero]` (negative is 0: G is positive semidefinite).
    pub inertia: [usize; 3],
    /// The largest eigenvalue (0 when G = 0).
    pub largest: f64,
}

impl GaussNewton {
    /// From the nonzero eigenvalues of G ([`Pattern::gauss_newton_eigenvalues`]).
    pub fn of(p: &Pattern) -> Result<GaussNewton> {
        let ev = p.gauss_newton_eigenvalues()?;
        let positive = ev.iter().filter(|&&v| v > 0.0).count();
        let negative = ev.len() - positive;
        Ok(GaussNewton {
            inertia: [positive, negative, p.net().num_params() - ev.len()],
            largest: ev.last().copied().unwrap_or(0.0).max(0.0),
        })
    }
}

impl LabReport {
    /// The lab for pattern `p` at its lambdas and hidden layer `layer`; `eq68` picks the radius
    /// formula; `mu` and `step` are for the directions table.
    pub fn of(p: &Pattern, layer: usize, eq68: bool, mu: f64, step_size: f64) -> Result<LabReport> {
        // Eigenvectors where they fit the page's time (MAX_LAB_EIGENPAIR_ORDER); else eigenvalues only.
        let eig = if reduced_order(p.net())? <= MAX_LAB_EIGENPAIR_ORDER {
            Some(p.eigenpairs()?)
        } else {
            None
        };
        let spectrum = match &eig {
            Some(eig) => eig.spectrum(),
            None => p.exact_spectrum()?,
        };
        let figure5 = Figure5::with_spectrum(p, layer, &[], spectrum)?;
        let paper_radius = p.paper_radius();
        let plain_loss = p.lambda() == &crate::cost::Lambdas::plain(p.net().n());
        let (families, family2_undefined, radius_claim, verdict) = match p.eq62_families() {
            Ok(families) => {
                let claim = RadiusClaim::at(p, &paper_radius, &families, eq68)?;
                let text = verdict(&figure5.spectrum, &families, &claim);
                (families, None, Some(claim), text)
            }
            Err(why) => {
                let families = Eq62Families {
                    family1: p.eq62_family1(),
                    family2: Vec::new(),
                };
                let text = verdict_without_family2(&figure5.spectrum, plain_loss);
                (families, Some(why.to_string()), None, text)
            }
        };
        Ok(LabReport {
            lambdas: p.lambda().as_slice().to_vec(),
            inertia_paper: family2_undefined
                .is_none()
                .then(|| families.inertia(p.net().num_params())),
            crossing: figure5.curves.crossing(),
            verdict,
            directions: DirectionsReport::of(p, eig.as_ref(), mu, step_size)?,
            gauss_newton: GaussNewton::of(p)?,
            figure5,
            families,
            family2_undefined,
            plain_loss,
            paper_radius,
            radius_claim,
        })
    }
}
