//! Backprop with state regularisation (Eq. 19-20, corrected) against independent references.
mod common;
use common::*;
use sifrian::cost::{cost, Lambdas};
use sifrian::network::Network;

#[test]
fn cost_matches_its_definition_evaluated_independently() {
    let mut worst: f64 = 0.0;
    for c in cases(3) {
        let fw = c.net.forward(&c.x0);
        let ours = cost(&fw, &c.d, &c.lambda);
        let reference = c.cost_at(&c.net.params);
        worst = worst.max(((ours - reference) / reference).abs());
    }
    eprintln!("cost: max relative error {worst:e}");
    assert!(
        worst <= 1e-14,
        "cost differs from the independent definition by {worst:e}"
    );
}

#[test]
fn gradient_matches_automatic_differentiation() {
    let mut worst: f64 = 0.0;
    for c in cases(4) {
        worst = worst.max(assert_close(
            "gradient vs AD",
            &c.gradient(),
            &c.gradient_ad(),
            1e-12,
        ));
    }
    eprintln!("gradient vs hyper-dual AD: max relative error {worst:e}");
}

#[test]
fn gradient_matches_central_finite_differences() {
    let h = 1e-6;
    let mut worst: f64 = 0.0;
    for c in cases(3) {
        let mut fd = vec![0.0; c.net.num_params()];
        for (i, slot) in fd.iter_mut().enumerate() {
            let mut p = c.net.params.clone();
            p[i] += h;
            let up = c.cost_at(&p);
            p[i] -= 2.0 * h;
            let down = c.cost_at(&p);
            *slot = (up - down) / (2.0 * h);
        }
        worst = worst.max(assert_close(
            "gradient vs central differences",
            &c.gradient(),
            &fd,
            1e-7,
        ));
    }
    eprintln!("gradient vs central differences (h = 1e-6): max relative error {worst:e}");
}

#[test]
fn plain_lambdas_give_the_ordinary_least_squares_gradient() {
    // With lambda_k = 0 (k < n), lambda_n = 1 the adjoint must be minus the usual backprop delta.
    let c = Case::random(&[4, 5, 3, 2], 0.1, 7, 1.0, 1.0);
    let plain = Case {
        lambda: Lambdas::plain(3),
        ..c.clone()
    };
    assert_close(
        "plain gradient vs AD",
        &plain.gradient(),
        &plain.gradient_ad(),
        1e-12,
    );
    let fw = plain.net.forward(&plain.x0);
    let b0 = sifrian::backprop::adjoint(&plain.net, &fw, &plain.d, &plain.lambda);
    let expected: Vec<f64> = plain
        .d
        .iter()
        .zip(fw.output())
        .map(|(t, x)| t - x)
        .collect();
    assert_eq!(b0[3], expected, "b0_n must be d - x_n");
}

#[test]
fn same_seed_gives_the_same_network_and_numbers() {
    let a = Network::new(&[6, 7, 5, 4, 3], 0.01, 42).unwrap();
    let b = Network::new(&[6, 7, 5, 4, 3], 0.01, 42).unwrap();
    let other = Network::new(&[6, 7, 5, 4, 3], 0.01, 43).unwrap();
    assert_eq!(
        a.params, b.params,
        "same seed must give bit-identical parameters"
    );
    assert_ne!(
        a.params, other.params,
        "a different seed must give different parameters"
    );
    let x0 = random_vector(6, 1);
    let lam = Lambdas::uniform(0.5, 4).unwrap();
    let d = vec![0.0, 1.0, 0.0];
    let (ja, ga) = sifrian::backprop::cost_and_gradient(&a, &x0, &d, &lam);
    let (jb, gb) = sifrian::backprop::cost_and_gradient(&b, &x0, &d, &lam);
    assert_eq!(ja.to_bits(), jb.to_bits(), "cost {ja} vs {jb}");
    assert_eq!(ga, gb, "gradients must be bit-identical");
}

#[test]
fn he_initialisation_has_the_right_scale_and_zero_biases() {
    let net = Network::new(&[400, 300, 10], 0.01, 3).unwrap();
    let w1 = net.w(1);
    let var = w1.iter().map(|v| v * v).sum::<f64>() / w1.len() as f64;
    let expected = 2.0 / 400.0;
    assert!(
        (var / expected - 1.0).abs() < 0.02,
        "weight variance {var} vs He {expected}"
    );
    assert!(
        net.beta(1).iter().chain(net.beta(2)).all(|&b| b == 0.0),
        "biases start at zero"
    );
}
