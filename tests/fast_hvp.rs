//! The fused f32 Hessian-vector product (src/fast/hvp.rs) against the f64 tetrad (src/hvp.rs,
//! itself checked against automatic differentiation in tests/hvp.rs), on real MNIST digits and on
//! random nets, with Eq. 65, Eq. 65 + 68 and fixed lambdas.
mod common;
use common::*;
use sifrian::backprop::adjoint;
use sifrian::cost::Lambdas;
use sifrian::fast::hvp::FastHvp;
use sifrian::hvp::hvp;
use sifrian::network::Network;
use sifrian::regularisation::{plain_adjoint, LambdaPolicy};

/// The f64 reference at the f32-rounded parameters (so only the arithmetic differs).
fn reference(
    net: &Network,
    x0: &[f64],
    d: &[f64],
    policy: &LambdaPolicy,
    v: &[f64],
) -> (Vec<f64>, Lambdas) {
    let fw = net.forward(x0);
    let b0 = plain_adjoint(net, &fw, d);
    let lambda = policy.lambdas(&fw, &b0).unwrap();
    let b = adjoint(net, &fw, d, &lambda);
    (hvp(net, &fw, &b, &lambda, v), lambda)
}

fn rounded(net: &Network) -> Network {
    let params = net.params.iter().map(|&p| f64::from(p as f32)).collect();
    Network::from_params(net.sizes(), net.alpha(), params).unwrap()
}

fn check(net: &Network, x0: &[f64], label: usize, policy: LambdaPolicy, seed: u64) -> f64 {
    let net = rounded(net);
    let x0: Vec<f64> = x0.iter().map(|&v| f64::from(v as f32)).collect();
    let v: Vec<f64> = random_vector(net.num_params(), seed)
        .iter()
        .map(|&v| f64::from(v as f32))
        .collect();
    let mut d = vec![0.0; *net.sizes().last().unwrap()];
    d[label] = 1.0;
    let (expect, lambda) = reference(&net, &x0, &d, &policy, &v);
    let mut fast = FastHvp::from_network(&net, policy).unwrap();
    let x32: Vec<f32> = x0.iter().map(|&v| v as f32).collect();
    let v32: Vec<f32> = v.iter().map(|&v| v as f32).collect();
    let mut out = vec![0f32; net.num_params()];
    fast.set_direction(&v32);
    fast.hvp(&x32, label, &mut out);
    let got: Vec<f64> = out.iter().map(|&v| f64::from(v)).collect();
    for k in 1..=net.n() {
        let (a, b) = (f64::from(fast.last_lambdas()[k]), lambda.get(k));
        assert!(
            (a - b).abs() <= 1e-5 * b.abs().max(1e-30),
            "lambda_{k}: f32 {a} vs f64 {b}"
        );
    }
    assert_close("fused f32 Hv vs f64 tetrad", &got, &expect, 1e-4)
}

#[test]
fn fused_f32_hvp_matches_the_f64_tetrad_on_mnist_digits() {
    let (train, _) = mnist_fixtures();
    let net = Network::new(&[784, 40, 24, 10], 0.01, 3).unwrap();
    let mut worst: f64 = 0.0;
    for i in 0..8 {
        let mut x0 = vec![0.0; 784];
        train.input_into(i, &mut x0);
        for (p, policy) in [
            LambdaPolicy::Eq65 {
                white: true,
                eq68: false,
            },
            LambdaPolicy::Eq65 {
                white: false,
                eq68: true,
            },
        ]
        .into_iter()
        .enumerate()
        {
            worst = worst.max(check(
                &net,
                &x0,
                train.label(i),
                policy,
                10 * i as u64 + p as u64,
            ));
        }
    }
    eprintln!("fused f32 HVP vs f64 tetrad on MNIST digits: max relative error {worst:e}");
}

#[test]
fn fused_f32_hvp_matches_the_f64_tetrad_on_random_nets_with_fixed_lambdas() {
    let mut worst: f64 = 0.0;
    for c in cases(3) {
        let label = c.d.iter().position(|&v| v == 1.0).unwrap_or(0);
        let policy = LambdaPolicy::Fixed(c.lambda.clone());
        worst = worst.max(check(&c.net, &c.x0, label, policy, 7));
    }
    eprintln!("fused f32 HVP vs f64 tetrad on random nets: max relative error {worst:e}");
}

#[test]
fn fused_f32_hvp_is_linear_in_the_direction() {
    let (train, _) = mnist_fixtures();
    let net = Network::new(&[784, 30, 10], 0.01, 5).unwrap();
    let mut fast = FastHvp::from_network(
        &net,
        LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        },
    )
    .unwrap();
    let mut x0 = vec![0.0; 784];
    train.input_into(0, &mut x0);
    let x32: Vec<f32> = x0.iter().map(|&v| v as f32).collect();
    let p = fast.num_params();
    let (u, w): (Vec<f32>, Vec<f32>) = (
        random_vector(p, 1).iter().map(|&v| v as f32).collect(),
        random_vector(p, 2).iter().map(|&v| v as f32).collect(),
    );
    let sum: Vec<f32> = u.iter().zip(&w).map(|(a, b)| a + 2.0 * b).collect();
    let (mut hu, mut hw, mut hs) = (vec![0f32; p], vec![0f32; p], vec![0f32; p]);
    fast.set_direction(&u);
    fast.hvp(&x32, train.label(0), &mut hu);
    fast.set_direction(&w);
    fast.hvp(&x32, train.label(0), &mut hw);
    fast.set_direction(&sum);
    fast.hvp(&x32, train.label(0), &mut hs);
    let expect: Vec<f64> = hu
        .iter()
        .zip(&hw)
        .map(|(a, b)| f64::from(*a) + 2.0 * f64::from(*b))
        .collect();
    let got: Vec<f64> = hs.iter().map(|&v| f64::from(v)).collect();
    let err = assert_close("H(u + 2w) vs Hu + 2Hw", &got, &expect, 1e-5);
    // Symmetry: u . Hw = w . Hu.
    let (a, b) = (
        u.iter()
            .zip(&hw)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum::<f64>(),
        w.iter()
            .zip(&hu)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum::<f64>(),
    );
    assert!(
        (a - b).abs() <= 1e-4 * a.abs().max(b.abs()),
        "u.Hw {a} vs w.Hu {b}"
    );
    eprintln!(
        "fused f32 HVP linearity {err:e}, symmetry {:e}",
        (a - b).abs() / a.abs().max(b.abs())
    );
}
