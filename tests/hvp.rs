//! The Sifrian tetrad Hessian-vector product (Eq. 30-31) checked four ways.
mod common;
use common::*;

#[test]
fn hvp_matches_the_dense_hessian_from_automatic_differentiation() {
    let mut worst: f64 = 0.0;
    for (i, c) in cases(2).into_iter().enumerate() {
        let h = c.hessian_ad();
        for s in 0..3 {
            let v = random_vector(c.net.num_params(), 100 * i as u64 + s);
            worst = worst.max(assert_close(
                "Hv vs dense AD Hessian",
                &c.hvp(&v),
                &mat_vec(&h, &v),
                1e-12,
            ));
        }
    }
    eprintln!("HVP vs hyper-dual dense Hessian: max relative error {worst:e}");
}

#[test]
fn hessian_built_column_by_column_from_hvp_equals_the_ad_hessian() {
    let mut worst: f64 = 0.0;
    for c in cases(1) {
        let p = c.net.num_params();
        let h = c.hessian_ad();
        for j in 0..p {
            let mut e = vec![0.0; p];
            e[j] = 1.0;
            let col = c.hvp(&e);
            let reference: Vec<f64> = h.iter().map(|row| row[j]).collect();
            if reference.iter().any(|&v| v != 0.0) {
                worst = worst.max(assert_close("H e_j vs AD column", &col, &reference, 1e-12));
            } else {
                assert!(
                    col.iter().all(|&v| v.abs() < 1e-15),
                    "column {j} should be zero, got {col:?}"
                );
            }
        }
    }
    eprintln!("dense Hessian (columns H e_j) vs AD: max relative error {worst:e}");
}

#[test]
fn hvp_matches_central_differences_of_the_gradient() {
    let h = 1e-6;
    let mut worst: f64 = 0.0;
    for (i, c) in cases(2).into_iter().enumerate() {
        let v = random_vector(c.net.num_params(), i as u64);
        let plus: Vec<f64> = c
            .net
            .params
            .iter()
            .zip(&v)
            .map(|(w, vi)| w + h * vi)
            .collect();
        let minus: Vec<f64> = c
            .net
            .params
            .iter()
            .zip(&v)
            .map(|(w, vi)| w - h * vi)
            .collect();
        let fd: Vec<f64> = c
            .gradient_at(&plus)
            .iter()
            .zip(c.gradient_at(&minus))
            .map(|(a, b)| (a - b) / (2.0 * h))
            .collect();
        worst = worst.max(assert_close("Hv vs FD of gradient", &c.hvp(&v), &fd, 1e-7));
    }
    eprintln!("HVP vs central differences of the gradient: max relative error {worst:e}");
}

#[test]
fn hvp_is_symmetric() {
    let mut worst: f64 = 0.0;
    for (i, c) in cases(3).into_iter().enumerate() {
        let u = random_vector(c.net.num_params(), 2 * i as u64);
        let v = random_vector(c.net.num_params(), 2 * i as u64 + 1);
        let (uhv, vhu) = (dot(&u, &c.hvp(&v)), dot(&v, &c.hvp(&u)));
        let e = (uhv - vhu).abs() / uhv.abs().max(vhu.abs());
        assert!(e <= 1e-13, "u.Hv = {uhv} but v.Hu = {vhu}");
        worst = worst.max(e);
    }
    eprintln!("HVP symmetry u.Hv vs v.Hu: max relative difference {worst:e}");
}

#[test]
fn hvp_is_linear() {
    let mut worst: f64 = 0.0;
    for (i, c) in cases(3).into_iter().enumerate() {
        let u = random_vector(c.net.num_params(), 3 * i as u64);
        let v = random_vector(c.net.num_params(), 3 * i as u64 + 1);
        let (a, b) = (1.7, -0.6);
        let combo: Vec<f64> = u.iter().zip(&v).map(|(x, y)| a * x + b * y).collect();
        let expected: Vec<f64> = c
            .hvp(&u)
            .iter()
            .zip(c.hvp(&v))
            .map(|(x, y)| a * x + b * y)
            .collect();
        worst = worst.max(assert_close(
            "H(au+bv) vs aHu+bHv",
            &c.hvp(&combo),
            &expected,
            1e-13,
        ));
    }
    eprintln!("HVP linearity: max relative error {worst:e}");
}
