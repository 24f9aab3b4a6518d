//! Closed-form directions: Newton (Eq. 35 corrected), MK (Eq. 40), damped MK (Eq. 42).
mod common;
use common::*;
use sifrian::backprop::adjoint;
use sifrian::cost::Lambdas;
use sifrian::directions::{mk, mk_scales, relative_residual, GradientSource, NewtonSign};

fn newton_of(c: &Case, white: bool, sign: NewtonSign) -> Vec<f64> {
    c.pattern().newton(white, sign)
}

fn mk_of(c: &Case, mu: f64) -> Vec<f64> {
    c.pattern().mk(mu, GradientSource::Regularised)
}

/// `c_k = lambda_{k-1} ||x_{k-1}||^2 + [k = n] lambda_n ||d - x_n||^2`, written out from Eq. 40/42.
fn c_k(c: &Case, fw: &sifrian::network::Forward, k: usize) -> f64 {
    let n = c.net.n();
    let mut ck = c.lambda.get(k - 1) * dot(&fw.x[k - 1], &fw.x[k - 1]);
    if k == n {
        let err: f64 =
            c.d.iter()
                .zip(fw.output())
                .map(|(t, x)| (t - x) * (t - x))
                .sum();
        ck += c.lambda.get(n) * err;
    }
    ck
}

#[test]
fn corrected_newton_direction_solves_h_d_equals_gradient() {
    let mut worst: f64 = 0.0;
    for c in cases(4) {
        let grad = c.gradient_ad();
        for white in [false, true] {
            let dir = newton_of(&c, white, NewtonSign::Corrected);
            let h = c.hessian_ad();
            let r = relative_residual(&mat_vec(&h, &dir), &grad);
            assert!(
                r <= 1e-9,
                "Newton residual ||Hd - g||/||g|| = {r:e} (white layer {white}) on {:?}",
                c.sizes()
            );
            worst = worst.max(r);
        }
    }
    eprintln!("corrected Newton: max residual ||Hd - grad||/||grad|| = {worst:e}");
}

#[test]
fn newton_with_the_printed_sign_of_eq35_does_not_solve_the_system() {
    let mut best: f64 = f64::INFINITY;
    for c in cases(3) {
        let dir = newton_of(&c, false, NewtonSign::Printed);
        let r = relative_residual(&c.hvp(&dir), &c.gradient());
        best = best.min(r);
    }
    eprintln!("printed-sign Newton: smallest residual {best:e}");
    assert!(
        best > 1e-3,
        "the printed sign of Eq. 35 gave a residual of only {best:e}"
    );
}

#[test]
fn newton_direction_is_descent_with_gradient_product_lambda_n_times_error() {
    for c in cases(2) {
        let dir = newton_of(&c, false, NewtonSign::Corrected);
        let fw = c.net.forward(&c.x0);
        let err: f64 =
            c.d.iter()
                .zip(fw.output())
                .map(|(t, x)| (t - x) * (t - x))
                .sum();
        let expected = c.lambda.get(c.net.n()) * err;
        let got = dot(&c.gradient(), &dir);
        assert!(
            (got - expected).abs() <= 1e-12 * expected,
            "grad.d = {got} vs lambda_n ||d - x_n||^2 = {expected}"
        );
    }
}

#[test]
fn mk_and_damped_mk_are_descent_directions() {
    for c in cases(3) {
        let grad = c.gradient();
        for mu in [0.0, 0.1, 1.0, 10.0] {
            let gd = dot(&grad, &mk_of(&c, mu));
            assert!(
                gd > 0.0,
                "grad . MK(mu = {mu}) = {gd} is not positive on {:?}",
                c.sizes()
            );
        }
    }
}

#[test]
fn mk_is_a_per_layer_rescaling_of_the_gradient_with_eq42_scalars() {
    let mut worst: f64 = 0.0;
    for c in cases(2) {
        let grad = c.gradient_ad();
        let fw = c.net.forward(&c.x0);
        let n = c.net.n();
        for mu in [0.0, 0.5, 3.0] {
            let dir = mk_of(&c, mu);
            for k in 1..=n {
                let layer = c.net.layer(k);
                let g = &grad[layer.b.clone()];
                let ng: f64 = dot(g, g);
                // Eq. 42, written out from the paper with the per-layer lambda_{k-1}.
                let l = c.lambda.get(k - 1);
                let ck = c_k(&c, &fw, k);
                let t = l / (mu * l + ng);
                let s = ck / (mu * ck + ng);
                let w_expected: Vec<f64> = grad[layer.w.clone()].iter().map(|v| t * v).collect();
                let b_expected: Vec<f64> = g.iter().map(|v| s * v).collect();
                worst = worst.max(assert_close(
                    "MK weights = t_k G_k",
                    &dir[layer.w.clone()],
                    &w_expected,
                    1e-13,
                ));
                worst = worst.max(assert_close(
                    "MK biases = s_k g_k",
                    &dir[layer.b.clone()],
                    &b_expected,
                    1e-13,
                ));
            }
        }
    }
    eprintln!("MK per-layer proportionality: max relative error {worst:e}");
}

#[test]
fn damped_mk_solves_the_sherman_morrison_system_of_eq41() {
    // Eq. 41: G_k = (mu I + g g^T / lambda_{k-1}) N_k ; g_k = (mu I + g g^T / c_k) eta_k.
    let mut worst: f64 = 0.0;
    for c in cases(2) {
        let fw = c.net.forward(&c.x0);
        let b = adjoint(&c.net, &fw, &c.d, &c.lambda);
        let grad = c.gradient();
        let n = c.net.n();
        for mu in [0.1, 1.0, 10.0] {
            let dir = mk(&c.net, &fw, &b, &c.d, &c.lambda, mu);
            for k in 1..=n {
                let layer = c.net.layer(k);
                let g = &grad[layer.b.clone()];
                let l = c.lambda.get(k - 1);
                let ck = c_k(&c, &fw, k);
                let eta = &dir[layer.b.clone()];
                let g_eta = dot(g, eta);
                let lhs: Vec<f64> = eta
                    .iter()
                    .zip(g)
                    .map(|(e, gi)| mu * e + gi * g_eta / ck)
                    .collect();
                worst = worst.max(assert_close("Eq. 41 bias line", &lhs, g, 1e-13));
                // Weight line, column by column: (mu I + g g^T / lambda) N[:, j] = G[:, j].
                let nw = &dir[layer.w.clone()];
                let gw = &grad[layer.w.clone()];
                for j in 0..layer.cols {
                    let col: Vec<f64> = (0..layer.rows).map(|i| nw[i * layer.cols + j]).collect();
                    let gcol: Vec<f64> = (0..layer.rows).map(|i| gw[i * layer.cols + j]).collect();
                    let g_col = dot(g, &col);
                    let lhs: Vec<f64> = col
                        .iter()
                        .zip(g)
                        .map(|(v, gi)| mu * v + gi * g_col / l)
                        .collect();
                    if gcol.iter().any(|&v| v != 0.0) {
                        worst = worst.max(assert_close("Eq. 41 weight line", &lhs, &gcol, 1e-12));
                    }
                }
            }
        }
    }
    eprintln!("Eq. 41 (Sherman-Morrison) residual: max relative error {worst:e}");
}

#[test]
fn mk_weights_equal_newton_weights_for_layers_after_the_first() {
    for c in cases(1) {
        let newton_dir = newton_of(&c, false, NewtonSign::Corrected);
        let mk_dir = mk_of(&c, 0.0);
        for k in 2..=c.net.n() {
            let w = c.net.layer(k).w.clone();
            assert_close(
                "MK vs Newton weights",
                &mk_dir[w.clone()],
                &newton_dir[w],
                1e-14,
            );
        }
    }
}

#[test]
fn mk_leaves_layer_one_alone_when_lambda_0_is_zero() {
    // lambda_0 = 0 without a white layer: layer 1's MK weight scale t_1 is 0 (docs/maths.md section 4).
    let c = Case::random(&[4, 5, 3, 2], 0.1, 11, 1.0, 1.0);
    let mut l = c.lambda.as_slice().to_vec();
    l[0] = 0.0;
    let lambda = Lambdas::new(l, 3).unwrap();
    let fw = c.net.forward(&c.x0);
    let b = adjoint(&c.net, &fw, &c.d, &lambda);
    let s = mk_scales(&fw, &b, &c.d, &lambda, 0.0);
    assert_eq!(s[1], (0.0, 0.0), "layer 1 with lambda_0 = 0 must not move");
    assert!(s[2].0 > 0.0 && s[3].1 > 0.0, "other layers move: {s:?}");
}
