//! The exact spectrum (2S x 2S reduction) against a dense eigendecomposition of the full Hessian,
//! and the paper's Eq. 62 / 65 / 66 / 69 / 70 as printed.
mod common;
use common::*;
use sifrian::backprop::adjoint;
use sifrian::cost::Lambdas;
use sifrian::network::Network;
use sifrian::paper_spectrum::{eq62_families, paper_radius, Figure5Curves};
use sifrian::pattern::Pattern;
use sifrian::regularisation::{optimal_lambdas, plain_adjoint};
use sifrian::spectrum::{exact_spectrum, reduced_matrix, reduced_order, ExactSpectrum};

fn exact(c: &Case) -> ExactSpectrum {
    c.pattern().exact_spectrum().unwrap()
}

/// Nonzero eigenvalues of the dense AD Hessian by Jacobi; zero = below 1e-10 of the radius.
fn dense_nonzero(c: &Case) -> (Vec<f64>, f64) {
    let all = jacobi_eigenvalues(&c.hessian_ad());
    let radius = all.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    (
        all.into_iter()
            .filter(|v| v.abs() > 1e-10 * radius)
            .collect(),
        radius,
    )
}

#[test]
fn exact_spectrum_matches_dense_eigendecomposition_of_the_hessian() {
    let mut worst: f64 = 0.0;
    for c in cases(2) {
        let ours = exact(&c);
        let (dense, radius) = dense_nonzero(&c);
        assert_eq!(
            ours.eigenvalues.len(),
            dense.len(),
            "nonzero count on {:?}: ours {:?} dense {:?}",
            c.sizes(),
            ours.eigenvalues,
            dense
        );
        let e = ours
            .eigenvalues
            .iter()
            .zip(&dense)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
            / radius;
        assert!(
            e <= 1e-10,
            "eigenvalues differ by {e:e} of the radius on {:?}:\n ours  {:?}\n dense {:?}",
            c.sizes(),
            ours.eigenvalues,
            dense
        );
        assert!(
            (ours.radius - radius).abs() <= 1e-12 * radius,
            "radius {} vs dense {radius}",
            ours.radius
        );
        worst = worst.max(e);
    }
    eprintln!("exact spectrum vs dense Jacobi eigenvalues of the AD Hessian: max error {worst:e} x radius");
}

#[test]
fn inertia_is_s_positive_s_minus_s_n_negative_and_the_rest_zero() {
    for c in cases(2) {
        let sp = exact(&c);
        let sizes = c.sizes();
        let s: usize = sizes[1..].iter().sum();
        let s_n = sizes[sizes.len() - 1];
        let p = c.net.num_params();
        assert_eq!(
            (sp.positive, sp.negative, sp.zero),
            (s, s - s_n, p - 2 * s + s_n),
            "inertia on {sizes:?}"
        );
        let (dense, _) = dense_nonzero(&c);
        let pos = dense.iter().filter(|&&v| v > 0.0).count();
        assert_eq!(
            (pos, dense.len() - pos),
            (sp.positive, sp.negative),
            "dense inertia on {sizes:?}"
        );
    }
}

#[test]
fn one_layer_net_has_eigenvalues_fprime_squared_times_one_plus_input_norm() {
    // n = 1: H = lambda_1 D^2 (x) [x0; 1][x0; 1]^T, nonzero eigenvalues lambda_1 F'(a)_i^2 (1 + ||x0||^2).
    let c = Case::random(&[4, 3], 0.1, 5, 1.0, 0.8);
    let fw = c.net.forward(&c.x0);
    let xx = dot(&c.x0, &c.x0);
    let mut expected: Vec<f64> = fw.fprime[1]
        .iter()
        .map(|d| 0.8 * d * d * (1.0 + xx))
        .collect();
    expected.sort_by(f64::total_cmp);
    assert_close(
        "n = 1 eigenvalues",
        &exact(&c).eigenvalues,
        &expected,
        1e-13,
    );
    // Family 1 says lambda_1 F'(a)_i^2: off by exactly the factor 1 + ||x0||^2.
    let b = adjoint(&c.net, &fw, &c.d, &c.lambda);
    let fam = eq62_families(&fw, &b, &c.lambda).unwrap();
    let ratio = expected[2] / fam.family1[2];
    assert!(
        (ratio - (1.0 + xx)).abs() < 1e-12,
        "ratio {ratio} vs 1 + ||x0||^2 = {}",
        1.0 + xx
    );
}

/// A hand-computed 2-2-1 net (alpha = 0.5): every number below is worked out in the comments.
fn hand_net() -> (Network, Vec<f64>, Vec<f64>, Lambdas) {
    // W1 = [[1, 0], [0, -1]], beta1 = [0, 0]; W2 = [[2, 1]], beta2 = [0].
    let params = vec![1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 2.0, 1.0, 0.0];
    let net = Network::from_params(&[2, 2, 1], 0.5, params).unwrap();
    // x0 = [1, 1] -> a1 = [1, -1], x1 = [1, -0.5], d1 = [1, 0.5]
    // a2 = 2 - 0.5 = 1.5, x2 = 1.5, d2 = [1]; target d = [0.5].
    (
        net,
        vec![1.0, 1.0],
        vec![0.5],
        Lambdas::new(vec![0.3, 2.0, 1.0], 2).unwrap(),
    )
}

#[test]
fn eq62_families_reproduce_the_printed_formulas_on_a_hand_computed_net() {
    let (net, x0, d, lambda) = hand_net();
    let fw = net.forward(&x0);
    let b = adjoint(&net, &fw, &d, &lambda);
    // b2 = lambda_2 (d - x2) = -1 ; d2 .* b2 = [-1], ||.||^2 = 1.
    assert_eq!(b[2], vec![-1.0]);
    let fam = eq62_families(&fw, &b, &lambda).unwrap();
    // family 1: lambda_1 d1^2 = 2 * [1, 0.25] = [2, 0.5]; lambda_2 d2^2 = [1].
    assert_eq!(fam.family1, vec![0.5, 1.0, 2.0]);
    // family 2: -||d2 .* b2||^2 / lambda_1 = -1/2, repeated s_1 = 2 times.
    assert_eq!(fam.family2, vec![-0.5, -0.5]);
    // The exact spectrum has the same counts (3 positive, 2 negative) but other values.
    let sp = exact_spectrum(&net, &fw, &b, &lambda).unwrap();
    assert_eq!((sp.positive, sp.negative, sp.zero), (3, 2, 4));
    let positives: Vec<f64> = sp
        .eigenvalues
        .iter()
        .copied()
        .filter(|&v| v > 0.0)
        .collect();
    let diff = rel_err(&positives, &fam.family1);
    assert!(
        diff > 0.1,
        "family 1 {:?} should differ from the exact positive eigenvalues {positives:?}",
        fam.family1
    );
}

#[test]
fn eq62_family_values_differ_from_the_exact_eigenvalues_while_counts_agree() {
    let mut smallest_gap = f64::INFINITY;
    for c in cases(2).into_iter().filter(|c| c.sizes().len() > 2) {
        let p = c.pattern();
        let fam = p.eq62_families().unwrap();
        let sp = p.exact_spectrum().unwrap();
        assert_eq!(
            (fam.family1.len(), fam.family2.len()),
            (sp.positive, sp.negative),
            "counts on {:?}",
            c.sizes()
        );
        let neg: Vec<f64> = sp
            .eigenvalues
            .iter()
            .copied()
            .filter(|&v| v < 0.0)
            .collect();
        let pos: Vec<f64> = sp
            .eigenvalues
            .iter()
            .copied()
            .filter(|&v| v > 0.0)
            .collect();
        smallest_gap =
            smallest_gap.min(rel_err(&pos, &fam.family1).max(rel_err(&neg, &fam.family2)));
    }
    eprintln!(
        "Eq. 62 families vs exact eigenvalues: smallest relative difference {smallest_gap:e}"
    );
    assert!(
        smallest_gap > 1e-2,
        "the families matched the exact spectrum to {smallest_gap:e}"
    );
}

#[test]
fn figure5_curves_cross_at_the_eq65_lambda() {
    for c in cases(1).into_iter().filter(|c| c.sizes().len() > 2) {
        let fw = c.net.forward(&c.x0);
        let b0 = plain_adjoint(&c.net, &fw, &c.d);
        let opt = optimal_lambdas(&fw, &b0, true, true).unwrap();
        let p = Pattern::plain(&c.net, &c.x0, &c.d).unwrap();
        assert_eq!(
            p.optimal_lambdas(true, true).unwrap(),
            opt,
            "the pattern's Eq. 65"
        );
        for k in 1..c.net.n() {
            let curves = Figure5Curves::new(&fw, &b0, k).unwrap();
            assert_eq!(p.figure5_curves(k).unwrap(), curves, "the pattern's curves");
            let l = curves.crossing();
            assert!(
                (l - opt.get(k)).abs() <= 1e-14 * l,
                "crossing {l} vs Eq. 65 lambda_{k} = {}",
                opt.get(k)
            );
            let (lin, hyp) = (curves.linear(l), curves.hyperbolic(l));
            assert!(
                (lin - hyp).abs() <= 1e-12 * lin,
                "at the crossing {lin} vs {hyp}"
            );
        }
        assert!(
            Figure5Curves::new(&fw, &b0, c.net.n()).is_err(),
            "the output layer is not a hidden layer"
        );
    }
}

#[test]
fn paper_radius_bounds_underestimate_the_exact_radius() {
    let mut smallest: f64 = f64::INFINITY;
    for c in cases(2) {
        let mut p = c.pattern();
        let rad = p.paper_radius();
        assert_eq!(rad, paper_radius(p.fw(), p.b0()), "the pattern's radii");
        for eq68 in [false, true] {
            p.set_lambdas(p.optimal_lambdas(true, eq68).unwrap())
                .unwrap();
            let sp = p.exact_spectrum().unwrap();
            let paper = if eq68 { rad.eq69 } else { rad.eq66 };
            smallest = smallest.min(sp.radius / paper);
        }
    }
    eprintln!("exact radius / paper radius (Eq. 66 or 69): smallest ratio {smallest}");
    assert!(
        smallest > 1.0,
        "a paper radius was not exceeded: ratio {smallest}"
    );
}

#[test]
fn a_network_too_wide_for_the_dense_reduction_is_refused_with_its_order() {
    // S = 3000 + 1100 + 2 = 4102 neurons: order 2S - s_n = 8202 > 4096 (few parameters though).
    let net = Network::new(&[2, 3000, 1100, 2], 0.01, 0).unwrap();
    let x0 = [0.5, -0.25];
    let d = [1.0, 0.0];
    let lambda = Lambdas::uniform(0.5, net.n()).unwrap();
    let e = Pattern::new(&net, &x0, &d, lambda)
        .unwrap()
        .exact_spectrum()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("8202") && e.contains("4096"),
        "error should name the order 8202 and the cap 4096: {e}"
    );
}

#[test]
fn reduced_matrix_is_symmetric_with_the_trace_and_frobenius_norm_of_the_hessian() {
    // T = R K R^T and H = P K P^T share their nonzero spectrum, so tr T = tr H and
    // ||T||_F^2 = tr T^2 = tr H^2 = ||H||_F^2; the zeta-zeta block of T is zero.
    for c in cases(1) {
        let p = c.pattern();
        let t = reduced_matrix(&c.net, p.fw(), p.b(), &c.lambda).unwrap();
        let sizes = c.sizes();
        let s: usize = sizes[1..].iter().sum();
        let m = 2 * s - sizes[sizes.len() - 1];
        assert_eq!((t.nrows(), t.ncols()), (m, m), "order on {sizes:?}");
        assert_eq!(reduced_order(&c.net).unwrap(), m);
        let asym = (&t - t.transpose()).amax();
        assert!(
            asym <= 1e-14 * t.amax(),
            "T - T^T has an entry {asym:e} (largest |T| {:e}) on {sizes:?}",
            t.amax()
        );
        let zeta = t.view((s, s), (m - s, m - s)).amax();
        assert!(zeta == 0.0, "zeta-zeta block entry {zeta:e} on {sizes:?}");
        let h = c.hessian_ad();
        let trace_h: f64 = (0..h.len()).map(|i| h[i][i]).sum();
        let frob_h: f64 = h.iter().flatten().map(|v| v * v).sum::<f64>().sqrt();
        let scale = frob_h.max(f64::MIN_POSITIVE);
        assert!(
            (t.trace() - trace_h).abs() <= 1e-11 * scale,
            "tr T = {} vs tr H = {trace_h} on {sizes:?}",
            t.trace()
        );
        assert!(
            (t.norm() - frob_h).abs() <= 1e-11 * scale,
            "||T||_F = {} vs ||H||_F = {frob_h} on {sizes:?}",
            t.norm()
        );
    }
}

/// `J_k = dx_k/dtheta` (s_k x P) by central differences, for k = 1..n (index 0 empty).
fn state_jacobians(c: &Case) -> Vec<Vec<Vec<f64>>> {
    let h = 1e-6;
    let n = c.net.n();
    let p = c.net.num_params();
    let mut jac: Vec<Vec<Vec<f64>>> = (0..=n)
        .map(|k| vec![vec![0.0; p]; if k == 0 { 0 } else { c.sizes()[k] }])
        .collect();
    for j in 0..p {
        let (mut up, mut down) = (c.net.clone(), c.net.clone());
        up.params[j] += h;
        down.params[j] -= h;
        let (fu, fd) = (up.forward(&c.x0), down.forward(&c.x0));
        for k in 1..=n {
            for i in 0..c.sizes()[k] {
                jac[k][i][j] = (fu.x[k][i] - fd.x[k][i]) / (2.0 * h);
            }
        }
    }
    jac
}

#[test]
fn gauss_newton_spectrum_matches_a_dense_one_from_finite_difference_jacobians() {
    for c in cases(1) {
        let jac = state_jacobians(&c);
        let p = c.net.num_params();
        let mut g = vec![vec![0.0; p]; p];
        for k in 1..=c.net.n() {
            let lk = c.lambda.get(k);
            for row in &jac[k] {
                for a in 0..p {
                    for b in 0..p {
                        g[a][b] += lk * row[a] * row[b];
                    }
                }
            }
        }
        let all = jacobi_eigenvalues(&g);
        let radius = all.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let dense: Vec<f64> = all
            .into_iter()
            .filter(|v| v.abs() > 1e-7 * radius)
            .collect();
        let ours = c.pattern().gauss_newton_eigenvalues().unwrap();
        assert_eq!(
            ours.len(),
            dense.len(),
            "nonzero count on {:?}: ours {ours:?} dense {dense:?}",
            c.sizes()
        );
        for (a, b) in ours.iter().zip(&dense) {
            assert!(
                (a - b).abs() <= 1e-6 * radius,
                "Gauss-Newton eigenvalue {a} vs dense {b} on {:?} (radius {radius})",
                c.sizes()
            );
        }
        // G is positive semidefinite of rank S (one direction per state through its bias).
        let s: usize = c.sizes()[1..].iter().sum();
        assert!(ours.iter().all(|&v| v > 0.0), "G is PSD: {ours:?}");
        assert_eq!(ours.len(), s, "rank of G on {:?}", c.sizes());
    }
}
