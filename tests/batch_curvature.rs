//! The curvature of the data: the batched f32 Hessian-vector product (src/fast/hvp_batch.rs)
//! against the sum of the f64 tetrad's single-pattern products (src/hvp.rs, itself checked against
//! automatic differentiation in tests/hvp.rs), and Lanczos (src/spectrum/lanczos.rs) against the
//! eigenvalues of the dense mean Hessian (hyper-dual AD, tests/common, then Jacobi).
mod common;
use common::*;
use sifrian::cost::Lambdas;
use sifrian::fast::hvp_batch::BatchHvp;
use sifrian::lab::batch_curvature::{BatchCurvature, BatchCurvatureRequest, BatchHessian};
use sifrian::network::Network;
use sifrian::pattern::Pattern;
use sifrian::regularisation::LambdaPolicy;
use sifrian::spectrum::lanczos::Lanczos;
use std::rc::Rc;

fn rounded(net: &Network) -> Network {
    let params = net.params.iter().map(|&p| f64::from(p as f32)).collect();
    Network::from_params(net.sizes(), net.alpha(), params).unwrap()
}

/// `sum_p H_p v` by the f64 tetrad, each pattern at its own lambdas by `policy`.
fn reference_sum(
    net: &Network,
    pats: &[(Vec<f64>, Vec<f64>)],
    policy: &LambdaPolicy,
    v: &[f64],
) -> Vec<f64> {
    let mut sum = vec![0.0; net.num_params()];
    for (x0, d) in pats {
        let mut p = Pattern::plain(net, x0, d).unwrap();
        p.set_lambdas(policy.lambdas(p.fw(), p.b0()).unwrap())
            .unwrap();
        for (s, h) in sum.iter_mut().zip(p.hvp(v)) {
            *s += h;
        }
    }
    sum
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

fn label(d: &[f64]) -> usize {
    d.iter().position(|&v| v == 1.0).unwrap()
}

fn digits(n: usize) -> Vec<(Vec<f64>, Vec<f64>)> {
    let (train, _) = mnist_fixtures();
    (0..n)
        .map(|i| {
            let (mut x0, mut d) = (vec![0.0; 784], vec![0.0; 10]);
            train.input_into(i, &mut x0);
            train.target_into(i, &mut d);
            (x0.iter().map(|&v| f64::from(v as f32)).collect(), d)
        })
        .collect()
}

/// Relative error bound of the f32 batch against f64: 1e-4 (the single-pattern kernel's bound,
/// tests/fast_hvp.rs; measured about 1e-6).
#[test]
fn batched_f32_hvp_matches_the_sum_of_f64_single_pattern_products() {
    let net = rounded(&Network::new(&[784, 40, 24, 10], 0.01, 3).unwrap());
    let pats = digits(37); // two full blocks of 16 and a partial one
    let v: Vec<f64> = random_vector(net.num_params(), 11)
        .iter()
        .map(|&x| f64::from(x as f32))
        .collect();
    let plain = LambdaPolicy::Fixed(Lambdas::plain(net.n()));
    let eq65 = LambdaPolicy::Eq65 {
        white: true,
        eq68: false,
    };
    let eq68 = LambdaPolicy::Eq65 {
        white: false,
        eq68: true,
    };
    for policy in [plain, eq65, eq68] {
        let expect = reference_sum(&net, &pats, &policy, &v);
        let mut b = BatchHvp::new(&net, policy.clone()).unwrap();
        for (x0, d) in &pats {
            b.push(&f32s(x0), label(d)).unwrap();
        }
        b.set_direction(&v).unwrap();
        // Two uneven calls: the sum does not depend on how the range is split.
        b.add(0..5).unwrap();
        b.add(5..37).unwrap();
        let mut got = vec![0.0; net.num_params()];
        b.sum_into(1.0, &mut got);
        let e = assert_close(
            &format!("batched f32 sum H_p v vs f64 tetrad, {policy:?}"),
            &got,
            &expect,
            1e-4,
        );
        eprintln!("batched f32 HVP vs f64 sum of 37 digits, {policy:?}: relative error {e:e}");
    }
}

#[test]
fn batched_hvp_rejects_a_range_past_the_patterns_and_a_wrong_direction() {
    let net = Network::new(&[4, 3, 2], 0.1, 1).unwrap();
    let mut b = BatchHvp::new(&net, LambdaPolicy::Fixed(Lambdas::plain(2))).unwrap();
    b.push(&[0.5, 0.0, 1.0, 0.2], 0).unwrap();
    let e = b.push(&[0.5, 0.0, 1.0], 0).unwrap_err().to_string();
    assert!(
        e.contains("has 3 values"),
        "error names the input length: {e}"
    );
    let e = b.push(&[0.5, 0.0, 1.0, 0.2], 2).unwrap_err().to_string();
    assert!(e.contains("label"), "error names the label: {e}");
    let e = b.add(0..2).unwrap_err().to_string();
    assert!(e.contains("0..2"), "error names the range: {e}");
    let e = b.set_direction(&[1.0; 3]).unwrap_err().to_string();
    assert!(e.contains("has 3 values"), "error names the length: {e}");
}

/// The dense mean Hessian of the plain loss over `cases` (same net), by hyper-dual AD.
fn dense_mean_hessian(cases: &[Case]) -> Vec<Vec<f64>> {
    let p = cases[0].net.num_params();
    let mut h = vec![vec![0.0; p]; p];
    for c in cases {
        for (row, r) in h.iter_mut().zip(c.hessian_ad()) {
            for (a, b) in row.iter_mut().zip(r) {
                *a += b / cases.len() as f64;
            }
        }
    }
    h
}

/// Tiny nets: the `k` largest Lanczos values of the mean Hessian within their residual bounds
/// (plus 1e-6 of the radius for the f32 basis) of the dense Jacobi eigenvalues, for an exact
/// (dense f64) operator and for the batched f32 product.
#[test]
fn lanczos_matches_the_dense_mean_hessian_eigenvalues() {
    for (shape, seed) in [
        (&[6usize, 7, 5, 4, 3][..], 1u64),
        (&[5, 8, 3][..], 2),
        (&[4, 5, 3, 2][..], 3),
    ] {
        let base = Case::random(shape, 0.1, seed, 1.0, 1.0);
        let net = rounded(&base.net);
        // 12 patterns on one net, plain loss (lambda_k = 0, lambda_n = 1), away from the kinks.
        let cases: Vec<Case> = (0..40)
            .map(|s| {
                let mut c = Case::random(shape, 0.1, 100 + s, 1.0, 1.0);
                c.net = net.clone();
                c.x0 = c.x0.iter().map(|&v| f64::from(v as f32)).collect();
                c.lambda = Lambdas::plain(net.n());
                c
            })
            .filter(|c| c.kink_margin() > 1e-3)
            .take(12)
            .collect();
        assert_eq!(
            cases.len(),
            12,
            "enough cases away from the kink on {shape:?}"
        );
        let h = dense_mean_hessian(&cases);
        let mut ev = jacobi_eigenvalues(&h);
        ev.sort_by(|a, b| b.total_cmp(a));
        let radius = ev.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let k = 3;
        let p = net.num_params();
        // Exact operator: the dense matrix.
        let mut lz = Lanczos::new(p, k, p, 1e-8, seed).unwrap();
        while let Some(q) = lz.direction() {
            let hq = mat_vec(&h, q);
            lz.absorb(&hq).unwrap();
        }
        let r = lz.ritz();
        assert!(r.converged, "{shape:?}: converged after {} steps", r.steps);
        for i in 0..k {
            let err = (r.top[i] - ev[i]).abs();
            assert!(
                err <= r.top_bounds[i] + 1e-6 * radius,
                "{shape:?} top {i}: Lanczos {} vs dense {} (bound {})",
                r.top[i],
                ev[i],
                r.top_bounds[i]
            );
        }
        // The smallest Ritz value is not waited for; it lies within the spectrum.
        let lowest = *ev.last().unwrap();
        assert!(
            r.lowest >= lowest - 1e-6 * radius,
            "{shape:?} lowest: Lanczos {} vs dense {lowest}",
            r.lowest
        );
        // The batched f32 product as the operator (what the page runs).
        let mut b = BatchHvp::new(&net, LambdaPolicy::Fixed(Lambdas::plain(net.n()))).unwrap();
        for c in &cases {
            b.push(&f32s(&c.x0), label(&c.d)).unwrap();
        }
        let mut lz = Lanczos::new(p, k, p, 1e-4, seed).unwrap();
        let mut out = vec![0.0; p];
        while let Some(q) = lz.direction() {
            let q = q.to_vec();
            b.set_direction(&q).unwrap();
            b.add(0..cases.len()).unwrap();
            b.sum_into(cases.len() as f64, &mut out);
            lz.absorb(&out).unwrap();
        }
        let r = lz.ritz();
        for i in 0..k {
            let err = (r.top[i] - ev[i]).abs();
            assert!(
                err <= r.top_bounds[i] + 1e-5 * radius,
                "{shape:?} top {i} (f32 batch): Lanczos {} vs dense {} (bound {})",
                r.top[i],
                ev[i],
                r.top_bounds[i]
            );
        }
        eprintln!(
            "{shape:?}: P = {p}, top {:?} vs dense {:?} in {} steps",
            r.top,
            &ev[..k],
            r.steps
        );
    }
}

#[test]
fn lanczos_rejects_bad_parameters_naming_them() {
    for (p, k, m, tol, what) in [
        (0, 1, 1, 1e-3, "order"),
        (5, 0, 3, 1e-3, "top"),
        (5, 6, 3, 1e-3, "top"),
        (5, 2, 0, 1e-3, "max_steps"),
        (5, 2, 3, f64::NAN, "tol"),
    ] {
        let e = Lanczos::new(p, k, m, tol, 0).unwrap_err().to_string();
        assert!(
            e.contains(what),
            "({p}, {k}, {m}, {tol}): error {e:?} names {what}"
        );
    }
}

/// The whole run on MNIST digits: same seed, same numbers; the radius of the mean is at most the
/// mean radius when the subset is the whole batch (triangle inequality); bad requests are named.
#[test]
fn batch_curvature_is_deterministic_and_bounded_by_the_mean_radius() {
    let (train, _) = mnist_fixtures();
    let train = Rc::new(train);
    let net = Network::new(&[784, 20, 10], 0.01, 4).unwrap();
    let mut req = BatchCurvatureRequest::new(BatchHessian::Plain, false);
    req.patterns = 30;
    req.subset = 30;
    req.max_steps = 60;
    let a = BatchCurvature::new(&net, Rc::clone(&train), req.clone())
        .unwrap()
        .run()
        .unwrap();
    // The same run in small bounded steps.
    let mut run = BatchCurvature::new(&net, Rc::clone(&train), req.clone()).unwrap();
    let mut calls = 0;
    while run.advance(7).unwrap() != sifrian::lab::batch_curvature::Phase::Done {
        calls += 1;
    }
    let b = run.report();
    assert_eq!(
        a, b,
        "one call and {calls} bounded calls give the same report"
    );
    assert!(a.ritz.converged, "converged in {} steps", a.ritz.steps);
    let top = &a.ritz.top;
    assert_eq!(top.len(), 5);
    assert!(top.windows(2).all(|w| w[0] >= w[1]), "descending: {top:?}");
    let (rm, mr) = (a.radius_of_mean.unwrap(), a.mean_radius.unwrap());
    assert!(
        rm <= mr * (1.0 + 1e-3),
        "radius of the mean {rm} <= mean radius {mr}"
    );
    eprintln!(
        "784-20-10, 30 digits: top {top:?}, radius of mean {rm}, mean radius {mr}, {} {}",
        a.paper_formula,
        a.mean_paper_radius.unwrap()
    );
    for (f, what) in [
        (
            Box::new(|r: &mut BatchCurvatureRequest| r.patterns = 0)
                as Box<dyn Fn(&mut BatchCurvatureRequest)>,
            "patterns",
        ),
        (Box::new(|r| r.patterns = 10_000), "patterns"),
        (Box::new(|r| r.subset = 31), "subset"),
        (Box::new(|r| r.top = 0), "top"),
        (Box::new(|r| r.max_steps = 2), "max_steps"),
        (Box::new(|r| r.tol = 0.0), "tol"),
    ] {
        let mut bad = req.clone();
        f(&mut bad);
        let e = BatchCurvature::new(&net, Rc::clone(&train), bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains(what), "error {e:?} names {what}");
    }
}
