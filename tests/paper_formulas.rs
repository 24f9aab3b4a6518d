//! Fixed values for the paper's lambda rules (Eq. 65, Eq. 68) and radius formulas (Eq. 66, 69, 70)
//! from a hand-computed 2-2-2 network, and the scale of the white layer's Newton block N_1.
//!
//! The forward pass and the plain adjoint are written out here from Eq. 1 and Eq. 19 (lambda_k = 0
//! for k < n, lambda_n = 1), checked against the hand derivation, and the engine's
//! `optimal_lambdas` / `paper_radius` are compared with the formulas evaluated on those states.
mod common;
use common::*;
use sifrian::backprop::{adjoint, gradient};
use sifrian::directions::{newton, NewtonSign};
use sifrian::network::Network;
use sifrian::paper_spectrum::paper_radius;
use sifrian::regularisation::{optimal_lambdas, plain_adjoint};

const TOL: f64 = 1e-12;
const ALPHA: f64 = 0.25; // 1 - alpha = 0.75 and alpha^2 = 0.0625 differ from alpha: a mix-up shows
const SIZES: [usize; 3] = [2, 2, 2];
const X0: [f64; 2] = [1.0, 2.0];

/// The flat parameters, layout W_1 (row-major), beta_1, W_2, beta_2:
/// ```text
/// W_1 = [[1, -1], [0.5, 1]]   beta_1 = [0.5, -3]
/// W_2 = [[2, -1], [-1, 3]]    beta_2 = [1, -1]
/// ```
fn params() -> Vec<f64> {
    vec![
        1.0, -1.0, 0.5, 1.0, // W_1
        0.5, -3.0, // beta_1
        2.0, -1.0, -1.0, 3.0, // W_2
        1.0, -1.0, // beta_2
    ]
}

/// The forward pass (Eq. 1) by hand, x_0 = [1, 2], alpha = 1/4:
/// ```text
/// a_1 = [1 - 2 + 0.5, 0.5 + 2 - 3]             = [-1/2, -1/2]    both leaky: F'(a_1) = [1/4, 1/4]
/// x_1 = [-1/8, -1/8]
/// a_2 = [-2/8 + 1/8 + 1, 1/8 - 3/8 - 1]        = [7/8, -5/4]     F'(a_2) = [1, 1/4]
/// x_2 = [7/8, -5/16]
/// ```
/// No pre-activation is closer than 1/2 to the kink (a = 0).
const A1: [f64; 2] = [-0.5, -0.5];
const X1: [f64; 2] = [-1.0 / 8.0, -1.0 / 8.0];
const D1: [f64; 2] = [0.25, 0.25];
const A2: [f64; 2] = [7.0 / 8.0, -5.0 / 4.0];
const X2: [f64; 2] = [7.0 / 8.0, -5.0 / 16.0];
const D2: [f64; 2] = [1.0, 0.25];

/// One target with its plain adjoint and the paper's values, all derived by hand.
struct Golden {
    what: &'static str,
    d: [f64; 2],
    b0_2: [f64; 2],
    b0_1: [f64; 2],
    /// [lambda_0 (white, Eq. 65 with ||F'||_inf = 1), lambda_1 (Eq. 65), lambda_2 (Eq. 68)].
    lambdas: [f64; 3],
    eq66: f64,
    eq69: f64,
    eq70: f64,
}

/// Far target d = [8, 0]:
/// ```text
/// b0_2 = d - x_2 = [57/8, 5/16]          F'(a_2) .* b0_2 = [57/8, 5/64], ||.||^2 = 207961/4096
/// b0_1 = W_2^T (F'(a_2) .* b0_2) = [2*57/8 - 5/64, -57/8 + 3*5/64] = [907/64, -441/64]
///        F'(a_1) .* b0_1 = [907/256, -441/256], ||.||^2 = 508565/32768;  ||b0_1||^2 = 508565/2048
/// ||b0_2||^2 = 13021/256;  ||F'(a_1)||_inf = 1/4;  ||F'(a_2)||_inf = 1
/// lambda_0 = ||F'(a_1) .* b0_1||                        = sqrt(508565/32768)
/// lambda_1 = ||F'(a_2) .* b0_2|| / ||F'(a_1)||_inf        = 4 sqrt(207961)/64 = sqrt(207961)/16
/// lambda_2 = ||b0_2|| / ||F'(a_2)||_inf                  = sqrt(13021)/16
/// hidden   = ||F'(a_2) .* b0_2|| ||F'(a_1)||_inf          = sqrt(207961)/256 ~ 1.781
/// Eq. 66 = max{ ||F'(a_2)||_inf^2 = 1, hidden }         = sqrt(207961)/256  (hidden term wins)
/// Eq. 69 = max{ hidden, ||b0_2|| ||F'(a_2)||_inf }       = sqrt(13021)/16 ~ 7.13  (output term wins)
/// Eq. 70 = max{ ||b0_1||, ||b0_2|| }                     = sqrt(508565/2048) ~ 15.76
/// ```
fn far() -> Golden {
    Golden {
        what: "d = [8, 0]",
        d: [8.0, 0.0],
        b0_2: [57.0 / 8.0, 5.0 / 16.0],
        b0_1: [907.0 / 64.0, -441.0 / 64.0],
        lambdas: [
            (508565.0f64 / 32768.0).sqrt(),
            207961.0f64.sqrt() / 16.0,
            13021.0f64.sqrt() / 16.0,
        ],
        eq66: 207961.0f64.sqrt() / 256.0,
        eq69: 13021.0f64.sqrt() / 16.0,
        eq70: (508565.0f64 / 2048.0).sqrt(),
    }
}

/// Near target d = [1, -3/8]:
/// ```text
/// b0_2 = [1/8, -1/16]                    F'(a_2) .* b0_2 = [1/8, -1/64], ||.||^2 = 65/4096
/// b0_1 = [2/8 + 1/64, -1/8 - 3/64]       = [17/64, -11/64]
///        F'(a_1) .* b0_1 = [17/256, -11/256], ||.||^2 = 205/32768;  ||b0_1||^2 = 205/2048
/// ||b0_2||^2 = 5/256
/// lambda_0 = sqrt(205/32768);  lambda_1 = 4 sqrt(65)/64 = sqrt(65)/16;  lambda_2 = sqrt(5)/16
/// hidden = sqrt(65)/256 ~ 0.031
/// Eq. 66 = max{ 1, hidden } = 1  (output term wins);  Eq. 69 = max{ hidden, sqrt(5)/16 } = sqrt(5)/16
/// Eq. 70 = max{ sqrt(205/2048), sqrt(5)/16 } = sqrt(205/2048)
/// ```
fn near() -> Golden {
    Golden {
        what: "d = [1, -3/8]",
        d: [1.0, -3.0 / 8.0],
        b0_2: [1.0 / 8.0, -1.0 / 16.0],
        b0_1: [17.0 / 64.0, -11.0 / 64.0],
        lambdas: [
            (205.0f64 / 32768.0).sqrt(),
            65.0f64.sqrt() / 16.0,
            5.0f64.sqrt() / 16.0,
        ],
        eq66: 1.0,
        eq69: 5.0f64.sqrt() / 16.0,
        eq70: (205.0f64 / 2048.0).sqrt(),
    }
}

/// The test's own states: forward pass (Eq. 1) and plain adjoint (Eq. 19 with lambda = (0, 0, 1)).
struct Hand {
    x: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    fp: Vec<Vec<f64>>,
    b0: Vec<Vec<f64>>,
}

fn by_hand(p: &[f64], x0: &[f64], d: &[f64]) -> Hand {
    let leaky = |a: f64| if a > 0.0 { a } else { ALPHA * a };
    let slope = |a: f64| if a > 0.0 { 1.0 } else { ALPHA };
    let (mut x, mut a, mut fp) = (vec![x0.to_vec()], vec![vec![]], vec![vec![]]);
    let mut ws = vec![vec![]];
    let mut off = 0;
    for k in 1..SIZES.len() {
        let (rows, cols) = (SIZES[k], SIZES[k - 1]);
        let w = p[off..off + rows * cols].to_vec();
        let beta = &p[off + rows * cols..off + rows * cols + rows];
        let ak: Vec<f64> = (0..rows)
            .map(|i| {
                (0..cols)
                    .map(|j| w[i * cols + j] * x[k - 1][j])
                    .sum::<f64>()
                    + beta[i]
            })
            .collect();
        x.push(ak.iter().map(|&v| leaky(v)).collect());
        fp.push(ak.iter().map(|&v| slope(v)).collect());
        a.push(ak);
        ws.push(w);
        off += rows * cols + rows;
    }
    let n = SIZES.len() - 1;
    let mut b0 = vec![vec![]; n + 1];
    b0[n] = d.iter().zip(&x[n]).map(|(t, v)| t - v).collect();
    for k in (1..n).rev() {
        // b0_k = W_{k+1}^T (F'(a_{k+1}) .* b0_{k+1}) - 0 * x_k
        let (rows, cols) = (SIZES[k + 1], SIZES[k]);
        b0[k] = (0..cols)
            .map(|j| {
                (0..rows)
                    .map(|i| ws[k + 1][i * cols + j] * fp[k + 1][i] * b0[k + 1][i])
                    .sum()
            })
            .collect();
    }
    Hand { x, a, fp, b0 }
}

fn close(what: &str, actual: f64, expected: f64) {
    let err = (actual - expected).abs() / expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        err <= TOL,
        "{what}: engine {actual:e} vs hand {expected:e} (relative error {err:e})"
    );
}

fn close_all(what: &str, actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let err = (a - e).abs();
        assert!(
            err <= TOL * e.abs(),
            "{what}[{i}]: {a:e} vs {e:e} (error {err:e}, relative limit {TOL:e})"
        );
    }
}

fn l2(v: &[f64]) -> f64 {
    v.iter().map(|t| t * t).sum::<f64>().sqrt()
}

fn linf(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, t| m.max(t.abs()))
}

fn times(u: &[f64], v: &[f64]) -> Vec<f64> {
    u.iter().zip(v).map(|(a, b)| a * b).collect()
}

#[test]
fn hand_states_of_the_2_2_2_net_match_the_derivation_and_the_engine() {
    let net = Network::from_params(&SIZES, ALPHA, params()).unwrap();
    let fw = net.forward(&X0);
    for g in [far(), near()] {
        let h = by_hand(&params(), &X0, &g.d);
        // The test's own arithmetic against the derivation in the comments.
        close_all("a_1 (test)", &h.a[1], &A1);
        close_all("x_1 (test)", &h.x[1], &X1);
        close_all("F'(a_1) (test)", &h.fp[1], &D1);
        close_all("a_2 (test)", &h.a[2], &A2);
        close_all("x_2 (test)", &h.x[2], &X2);
        close_all("F'(a_2) (test)", &h.fp[2], &D2);
        close_all("b0_2 (test)", &h.b0[2], &g.b0_2);
        close_all("b0_1 (test)", &h.b0[1], &g.b0_1);
        // The engine's states on the same net.
        let b0 = plain_adjoint(&net, &fw, &g.d);
        for k in 1..=2 {
            close_all(&format!("{}: engine a_{k}", g.what), &fw.a[k], &h.a[k]);
            close_all(&format!("{}: engine x_{k}", g.what), &fw.x[k], &h.x[k]);
            close_all(
                &format!("{}: engine F'(a_{k})", g.what),
                &fw.fprime[k],
                &h.fp[k],
            );
            close_all(&format!("{}: engine b0_{k}", g.what), &b0[k], &h.b0[k]);
        }
    }
}

#[test]
fn eq65_and_eq68_lambdas_equal_the_hand_computed_values() {
    let net = Network::from_params(&SIZES, ALPHA, params()).unwrap();
    let fw = net.forward(&X0);
    for g in [far(), near()] {
        let h = by_hand(&params(), &X0, &g.d);
        // Eq. 65 / 68 on the test's own states.
        let l0 = l2(&times(&h.fp[1], &h.b0[1])); // white layer: ||F'||_inf = 1
        let l1 = l2(&times(&h.fp[2], &h.b0[2])) / linf(&h.fp[1]);
        let l2n = l2(&h.b0[2]) / linf(&h.fp[2]);
        close_all(
            &format!("{}: formulas vs derivation", g.what),
            &[l0, l1, l2n],
            &g.lambdas,
        );
        let b0 = plain_adjoint(&net, &fw, &g.d);
        for (white, eq68) in [(true, true), (true, false), (false, true), (false, false)] {
            let got = optimal_lambdas(&fw, &b0, white, eq68).unwrap();
            let expect = [
                if white { g.lambdas[0] } else { 0.0 },
                g.lambdas[1],
                if eq68 { g.lambdas[2] } else { 1.0 },
            ];
            let what = format!("{} white {white} eq68 {eq68}", g.what);
            for k in 0..3 {
                if expect[k] == 0.0 {
                    assert_eq!(got.get(k), 0.0, "{what}: lambda_{k} {} vs 0", got.get(k));
                } else {
                    close(&format!("{what}: lambda_{k}"), got.get(k), expect[k]);
                }
            }
        }
    }
}

#[test]
fn eq66_eq69_and_eq70_radii_equal_the_hand_computed_values() {
    let net = Network::from_params(&SIZES, ALPHA, params()).unwrap();
    let fw = net.forward(&X0);
    for g in [far(), near()] {
        let h = by_hand(&params(), &X0, &g.d);
        let hidden = l2(&times(&h.fp[2], &h.b0[2])) * linf(&h.fp[1]);
        let dn = linf(&h.fp[2]);
        let eq66 = hidden.max(dn * dn);
        let eq69 = hidden.max(l2(&h.b0[2]) * dn);
        let eq70 = l2(&h.b0[1]).max(l2(&h.b0[2]));
        close_all(
            &format!("{}: formulas vs derivation [Eq. 66, 69, 70]", g.what),
            &[eq66, eq69, eq70],
            &[g.eq66, g.eq69, g.eq70],
        );
        let r = paper_radius(&fw, &plain_adjoint(&net, &fw, &g.d));
        close(&format!("{}: Eq. 66", g.what), r.eq66, g.eq66);
        close(&format!("{}: Eq. 69", g.what), r.eq69, g.eq69);
        close(&format!("{}: Eq. 70", g.what), r.eq70, g.eq70);
    }
}

/// With the white layer, N_1 = (lambda_0 / ||g_1||^2) G_1 and G_1 = g_1 x_0^T, so
/// `<G_1, N_1> = lambda_0 ||G_1||_F^2 / ||g_1||^2 = lambda_0 ||g_1||^2 ||x_0||^2 / ||g_1||^2
/// = lambda_0 ||x_0||^2` (docs/maths.md section 3.3). (N_1, -N_1 x_0) lies in null(H), so the
/// Newton residual cannot see this scale; this checks it directly, and that N_1 is parallel to G_1.
/// Without the white layer N_1 = 0.
#[test]
fn white_layer_newton_block_n1_has_inner_product_lambda0_norm_x0_squared_with_g1() {
    let mut checked = 0;
    for c in cases(2) {
        let fw = c.net.forward(&c.x0);
        let b = adjoint(&c.net, &fw, &c.d, &c.lambda);
        let grad = gradient(&c.net, &fw, &b);
        let w1 = c.net.layer(1).w.clone();
        let g1 = &grad[w1.clone()];
        let g1_sq = dot(g1, g1);
        assert!(g1_sq > 1e-12, "G_1 vanishes on {:?}", c.sizes());
        let expect = c.lambda.get(0) * dot(&c.x0, &c.x0);
        let dir = newton(
            &c.net,
            &fw,
            &b,
            &c.d,
            &c.lambda,
            true,
            NewtonSign::Corrected,
        );
        let n1 = &dir[w1.clone()];
        let got = dot(g1, n1);
        let err = (got - expect).abs() / expect;
        assert!(
            err <= 1e-12,
            "<G_1, N_1> = {got:e} vs lambda_0 ||x_0||^2 = {expect:e} (relative error {err:e}) on {:?}",
            c.sizes()
        );
        // N_1 - (<G_1, N_1> / ||G_1||^2) G_1 = 0: no component off G_1.
        let off: Vec<f64> = n1
            .iter()
            .zip(g1)
            .map(|(v, g)| v - got / g1_sq * g)
            .collect();
        assert!(
            norm(&off) <= 1e-12 * norm(n1),
            "N_1 not parallel to G_1: off-part {:e} vs ||N_1|| {:e} on {:?}",
            norm(&off),
            norm(n1),
            c.sizes()
        );
        let plain = newton(
            &c.net,
            &fw,
            &b,
            &c.d,
            &c.lambda,
            false,
            NewtonSign::Corrected,
        );
        assert!(
            plain[w1].iter().all(|&v| v == 0.0),
            "without the white layer N_1 must be 0 on {:?}",
            c.sizes()
        );
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} cases");
}
