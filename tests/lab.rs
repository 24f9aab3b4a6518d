//! The lab panel's numbers against the independent references.
mod common;
use common::*;
use sifrian::backprop::adjoint;
use sifrian::cost::Lambdas;
use sifrian::lab::figure5::{log_grid, pattern_at_layer, plain_loss_at_layer, Figure5};
use sifrian::lab::report::{
    compare_directions, paper_radius_for, sig3, verdict, DirectionsReport, LabReport, RadiusClaim,
};
use sifrian::network::Network;
use sifrian::pattern::Pattern;
use sifrian::regularisation::plain_adjoint;

/// The lab report of case `c`, hidden layer `layer`, lambda_k = `now` (default: `base`'s).
#[allow(clippy::too_many_arguments)]
fn report(
    c: &Case,
    layer: usize,
    base: &Lambdas,
    now: Option<f64>,
    eq68: bool,
    mu: f64,
    step_size: f64,
) -> sifrian::Result<LabReport> {
    let now = now.unwrap_or_else(|| base.get(layer.min(base.n())));
    let p = pattern_at_layer(&c.net, &c.x0, &c.d, layer, base, now, &[])?;
    LabReport::of(&p, layer, eq68, mu, step_size)
}

/// Eq. 63: the larger of the two Eq. 62 families' extreme magnitudes.
fn eq63(fam: &sifrian::paper_spectrum::Eq62Families) -> f64 {
    fam.family1
        .iter()
        .chain(&fam.family2)
        .fold(0.0, |m: f64, v| m.max(v.abs()))
}

#[test]
fn directions_report_matches_ad_gradients_hessians_and_the_newton_facts() {
    for c in cases(1).into_iter().filter(|c| c.sizes().len() > 2) {
        let step = 0.05;
        let r = compare_directions(&c.net, &c.x0, &c.d, &c.lambda, 1.0, step).unwrap();
        assert_eq!(r.rows.len(), 9);
        assert!(
            (r.rows[0].cosine_with_gradient - 1.0).abs() < 1e-12,
            "SGD is the gradient"
        );
        // The unregularised-gradient variant rescales the plain gradient per layer: descent for the loss.
        assert!(
            r.rows[3].cosine_with_gradient > 0.0,
            "{}: cos {}",
            r.rows[3].name,
            r.rows[3].cosine_with_gradient
        );
        assert!(
            r.rows[4].newton_residual < 1e-9,
            "corrected Newton residual {}",
            r.rows[4].newton_residual
        );
        assert!(
            r.rows[5].newton_residual > 1e-3,
            "printed Newton residual {}",
            r.rows[5].newton_residual
        );
        for i in 0..9 {
            assert!(
                (r.cosines[i][i] - 1.0).abs() < 1e-12
                    && (r.cosines[i][0] - r.cosines[0][i]).abs() < 1e-15
            );
        }
        // The J_R quadratic model with the AD gradient and Hessian, for the MK direction.
        let fw = c.net.forward(&c.x0);
        let b = adjoint(&c.net, &fw, &c.d, &c.lambda);
        let v = sifrian::directions::mk(&c.net, &fw, &b, &c.d, &c.lambda, 0.0);
        let (g, h) = (c.gradient_ad(), c.hessian_ad());
        let j = c.cost_at(&c.net.params);
        let model = j - step * dot(&g, &v) + 0.5 * step * step * dot(&v, &mat_vec(&h, &v));
        assert!(
            (model - r.rows[1].jr_model).abs() <= 1e-12 * model.abs().max(1.0),
            "J_R model {} vs AD {model}",
            r.rows[1].jr_model
        );
        let moved: Vec<f64> = c
            .net
            .params
            .iter()
            .zip(&v)
            .map(|(w, vi)| w - step * vi)
            .collect();
        assert!(
            (c.cost_at(&moved) - r.rows[1].jr_after).abs() <= 1e-12,
            "J_R after the step"
        );
    }
}

#[test]
fn the_quadratic_model_error_shrinks_like_the_cube_of_the_step() {
    let c = (0..100)
        .map(|seed| Case::random(&[6, 7, 5, 4, 3], 0.1, seed, 1.0, 1.0))
        .find(|c| c.kink_margin() > 2e-2)
        .expect("a case away from the kink");
    let err = |t: f64| {
        let r = compare_directions(&c.net, &c.x0, &c.d, &c.lambda, 1.0, t).unwrap();
        (r.rows[0].loss_after - r.rows[0].loss_model).abs()
    };
    // The quadratic model with the exact H v is wrong by O(t^3): the least-squares slope of
    // log(error) against log(t) over three step sizes must be near 3 (a wrong H v gives 2).
    let steps: [f64; 3] = [4e-3, 2e-3, 1e-3];
    let pts: Vec<(f64, f64)> = steps.iter().map(|&t| (t.ln(), err(t).ln())).collect();
    let (mx, my) = (
        pts.iter().map(|p| p.0).sum::<f64>() / 3.0,
        pts.iter().map(|p| p.1).sum::<f64>() / 3.0,
    );
    let slope = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
        / pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
    let errors: Vec<f64> = steps.iter().map(|&t| err(t)).collect();
    assert!(
        slope >= 2.7,
        "model errors {errors:?} at steps {steps:?}: fitted slope {slope:.3}, expected >= 2.7 (~3)"
    );
}

#[test]
fn verdict_says_counts_agree_values_differ_and_the_radius_fails() {
    let c = Case::random(&[4, 5, 3, 2], 0.1, 0, 1.0, 1.0);
    let p = c.pattern();
    let sp = p.exact_spectrum().unwrap();
    let fam = p.eq62_families().unwrap();
    let (value, formula) = paper_radius_for(&p.paper_radius(), false);
    let claim = RadiusClaim { formula, value };
    let text = verdict(&sp, &fam, &claim);
    assert!(
        text.starts_with("Counts agree: the Hessian has 10 positive and 8 negative"),
        "{text}"
    );
    assert!(text.contains("Values differ"), "{text}");
    // The ratio and the values, each to three significant digits.
    let (hi, fam_hi) = (
        *sp.eigenvalues.last().unwrap(),
        *fam.family1.last().unwrap(),
    );
    let ratio = format!(
        "{} times family 1's largest ({})",
        sig3(hi / fam_hi),
        sig3(fam_hi)
    );
    assert!(text.contains(&ratio), "{text} lacks {ratio}");
    assert!(
        text.contains("Eq. 66 gives") && text.contains("Eq. 66 underestimates it."),
        "{text}"
    );
    assert!(text.contains(&sig3(sp.radius)), "{text}");
    // A verdict that must report disagreement when the counts do not match.
    let mut wrong = fam.clone();
    wrong.family2.pop();
    assert!(verdict(&sp, &wrong, &claim).starts_with("Counts differ"));
    // A radius formula above the exact radius holds as a bound; an equal one agrees.
    let above = RadiusClaim {
        formula,
        value: sp.radius * 2.0,
    };
    assert!(verdict(&sp, &fam, &above).contains("here it holds as an upper bound"));
    let equal = RadiusClaim {
        formula,
        value: sp.radius,
    };
    assert!(verdict(&sp, &fam, &equal).ends_with("they agree."));
}

/// Three significant digits, hand-checked: what the verdict prints.
#[test]
fn sig3_keeps_three_significant_digits_and_drops_trailing_zeros() {
    for (v, want) in [
        (29.2334, "29.2"),
        (1.0, "1"),
        (0.421_49, "0.421"),
        (-5.675, "-5.67"), // -5.675 is -5.67499.. in binary
        (12_345.0, "12300"),
        (999.6, "1000"),
        (0.001_234_5, "0.00123"),
        (4.554e27, "4.55e27"),
        (1.2e-5, "1.2e-5"),
        (0.0, "0"),
    ] {
        assert_eq!(sig3(v), want, "sig3({v})");
    }
}

#[test]
fn a_pattern_re_derives_only_the_adjoint_when_a_lambda_changes() {
    for c in cases(1).into_iter().filter(|c| c.sizes().len() > 2) {
        let plain = Pattern::plain(&c.net, &c.x0, &c.d).unwrap();
        assert_eq!(plain.b(), plain.b0(), "at the plain lambdas b is b0");
        assert_eq!(plain.b0(), &plain_adjoint(&c.net, plain.fw(), &c.d)[..]);
        let p = c.pattern();
        let fw = c.net.forward(&c.x0);
        assert_eq!(p.b(), &adjoint(&c.net, &fw, &c.d, &c.lambda)[..]);
        for k in 0..=c.net.n() {
            let moved = p.with_lambda_k(k, 0.123).unwrap();
            let mut l = c.lambda.as_slice().to_vec();
            l[k] = 0.123;
            let fresh =
                Pattern::new(&c.net, &c.x0, &c.d, Lambdas::new(l, c.net.n()).unwrap()).unwrap();
            assert_eq!(
                moved.lambda(),
                fresh.lambda(),
                "lambdas after setting lambda_{k}"
            );
            assert_eq!(moved.b(), fresh.b(), "b after setting lambda_{k}");
            assert_eq!(moved.fw().x, p.fw().x, "the forward pass stays");
            assert_eq!(moved.b0(), p.b0(), "b0 stays");
        }
    }
}

#[test]
fn a_pattern_refuses_lambdas_for_another_network() {
    let c = Case::random(&[4, 5, 3, 2], 0.1, 0, 1.0, 1.0);
    let e = Pattern::new(&c.net, &c.x0, &c.d, Lambdas::plain(2))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("lambda") && e.contains('4') && e.contains('3'),
        "{e}"
    );
    let e = c.pattern().with_lambda_k(4, 1.0).unwrap_err().to_string();
    assert!(e.contains("lambda_4") && e.contains("lambda_3"), "{e}");
    let e = Pattern::plain(&c.net, &c.x0[..3], &c.d)
        .unwrap_err()
        .to_string();
    assert!(e.contains("x_0"), "{e}");
}

#[test]
fn figure5_sweep_points_are_the_exact_spectra_at_those_lambdas() {
    let c = Case::random(&[4, 5, 3, 2], 0.1, 3, 1.0, 1.0);
    let sweep = log_grid(1e-2, 1e2, 5);
    let p = pattern_at_layer(&c.net, &c.x0, &c.d, 2, &c.lambda, 0.4, &sweep).unwrap();
    assert_eq!(p.lambda().get(2), 0.4);
    let fig = Figure5::of(&p, 2, &sweep).unwrap();
    for point in &fig.sweep {
        let mut l = c.lambda.as_slice().to_vec();
        l[2] = point.lambda;
        let at = Pattern::new(&c.net, &c.x0, &c.d, Lambdas::new(l, 3).unwrap())
            .unwrap()
            .exact_spectrum()
            .unwrap();
        let max_positive = at.eigenvalues.iter().copied().fold(0.0, f64::max);
        let max_negative = at.eigenvalues.iter().map(|v| -v).fold(0.0, f64::max);
        assert_eq!(
            (point.max_positive, point.max_negative),
            (max_positive, max_negative),
            "sweep at lambda_2 = {}",
            point.lambda
        );
    }
}

#[test]
fn the_lab_report_is_what_its_pattern_derives() {
    let c = Case::random(&[6, 7, 5, 4, 3], 0.1, 2, 1.0, 1.0);
    let report = report(&c, 2, &c.lambda, Some(0.8), true, 0.5, 0.01).unwrap();
    let p = pattern_at_layer(&c.net, &c.x0, &c.d, 2, &c.lambda, 0.8, &[]).unwrap();
    assert_eq!(report.lambdas, p.lambda().as_slice());
    assert_eq!(report.families, p.eq62_families().unwrap());
    // The report's spectrum comes with the eigenvectors (one eigensolve); the eigenvalues-only
    // solve agrees to rounding.
    let (ours, alone) = (&report.figure5.spectrum, p.exact_spectrum().unwrap());
    assert_eq!(
        (ours.positive, ours.negative, ours.zero),
        (alone.positive, alone.negative, alone.zero)
    );
    let gap = ours
        .eigenvalues
        .iter()
        .zip(&alone.eigenvalues)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        gap <= 1e-12 * alone.radius,
        "eigenvalues with vectors vs alone differ by {gap:e} (radius {})",
        alone.radius
    );
    assert_eq!(report.paper_radius, p.paper_radius());
    assert_eq!(report.crossing, p.figure5_curves(2).unwrap().crossing());
    // lambda_2 = 0.8 and the case's lambdas are not Eq. 65's: the paper's prediction there is Eq. 63.
    let claim = report
        .radius_claim
        .clone()
        .expect("a radius claim at lambdas > 0");
    assert_eq!(
        (claim.formula, claim.value),
        ("Eq. 63", eq63(&p.eq62_families().unwrap()))
    );
    assert_eq!(
        (report.family2_undefined.clone(), report.plain_loss),
        (None, false)
    );
    assert_eq!(
        report.directions,
        DirectionsReport::of(&p, Some(&p.eigenpairs().unwrap()), 0.5, 0.01).unwrap()
    );
    // The Gauss-Newton part is positive semidefinite of rank S (every lambda_k > 0 here).
    let s_states: usize = p.net().sizes()[1..].iter().sum();
    assert_eq!(
        report.gauss_newton.inertia,
        [s_states, 0, p.net().num_params() - s_states]
    );
    let gn = p.gauss_newton_eigenvalues().unwrap();
    assert_eq!(report.gauss_newton.largest, *gn.last().unwrap());
    let counted = report.families.family1.len() + report.families.family2.len();
    assert_eq!(
        report.inertia_paper,
        Some([
            report.families.family1.len(),
            report.families.family2.len(),
            c.net.num_params() - counted
        ])
    );
}

#[test]
fn the_lab_refuses_a_non_positive_lambda_and_the_output_layer() {
    let c = Case::random(&[4, 5, 3, 2], 0.1, 0, 1.0, 1.0);
    let lab = |layer, now| report(&c, layer, &c.lambda, now, false, 1.0, 0.1);
    let e = lab(1, Some(0.0)).unwrap_err().to_string();
    assert!(e.contains("finite number > 0, got 0"), "{e}");
    let e = lab(1, Some(-2.5)).unwrap_err().to_string();
    assert!(e.contains("lambda") && e.contains("got -2.5"), "{e}");
    let plain = Pattern::plain(&c.net, &c.x0, &c.d).unwrap();
    let e = plain_loss_at_layer(plain, 3).unwrap_err().to_string();
    assert!(e.contains("hidden layer k in 1..=2, got 3"), "{e}");
    let e = lab(3, None).unwrap_err().to_string();
    assert!(e.contains("hidden layer k in 1..=2, got 3"), "{e}");
    let e = lab(7, None).unwrap_err().to_string();
    assert!(e.contains("hidden layer k in 1..=2, got 7"), "{e}");
}

/// Eq. 66 / Eq. 69 are the paper's radius only at Eq. 65's lambdas; moving one lambda_k away from
/// its crossing makes the claim Eq. 63 (the larger family extreme), with its value.
#[test]
fn the_radius_claim_is_eq66_or_eq69_at_the_crossing_and_eq63_elsewhere() {
    let c = Case::random(&[6, 7, 5, 4, 3], 0.1, 3, 1.0, 1.0);
    for eq68 in [false, true] {
        let plain = Pattern::plain(&c.net, &c.x0, &c.d).unwrap();
        let base = plain.optimal_lambdas(true, eq68).unwrap();
        let crossing = base.get(2);
        let at = report(&c, 2, &base, None, eq68, 1.0, 0.01).unwrap();
        let (value, name) = paper_radius_for(&plain.paper_radius(), eq68);
        let claim = at.radius_claim.clone().unwrap();
        assert_eq!(
            (claim.formula, claim.value),
            (name, value),
            "at Eq. 65's lambdas (eq68 {eq68})"
        );
        assert!(at.verdict.contains(name), "{}", at.verdict);
        let away = report(&c, 2, &base, Some(crossing * 3.0), eq68, 1.0, 0.01).unwrap();
        let claim = away.radius_claim.clone().unwrap();
        assert_eq!(
            (claim.formula, claim.value),
            ("Eq. 63", eq63(&away.families)),
            "lambda_2 = 3 x the crossing {crossing}"
        );
        assert!(away.verdict.contains("Eq. 63"), "{}", away.verdict);
    }
}

#[test]
fn minimum_norm_and_saddle_free_newton_rows_solve_and_descend_with_their_curvatures() {
    for c in cases(1).into_iter().filter(|c| c.sizes().len() > 2) {
        let r = compare_directions(&c.net, &c.x0, &c.d, &c.lambda, 1.0, 0.05).unwrap();
        let row = |key: &str| r.rows.iter().find(|row| row.key == key).unwrap();
        let (newton, pinv, sfn) = (row("newton"), row("pinv_newton"), row("saddle_free_newton"));
        // grad J_R is in the range of H (Eq. 35 solves H v = grad J_R): H^+ solves it too, and is
        // the solution of least norm.
        assert!(
            pinv.newton_residual < 1e-8,
            "H^+ grad residual {} on {:?}",
            pinv.newton_residual,
            c.sizes()
        );
        assert!(
            pinv.norm <= newton.norm * (1.0 + 1e-9),
            "||H^+ g|| = {} > ||Eq. 35|| = {} on {:?}",
            pinv.norm,
            newton.norm,
            c.sizes()
        );
        // |H|^+ is positive semidefinite and g lies in its range: a strict descent direction.
        assert!(
            sfn.along.slope > 0.0,
            "saddle-free slope {} on {:?}",
            sfn.along.slope,
            c.sizes()
        );
        // Curvature and slope against the AD gradient and Hessian.
        let (h, g) = (c.hessian_ad(), c.gradient_ad());
        for row in &r.rows {
            let v = match row.key {
                "gradient" => g.clone(),
                "pinv_newton" => c.pattern().eigenpairs().unwrap().pinv(&c.gradient()),
                _ => continue,
            };
            let vhv = dot(&v, &mat_vec(&h, &v));
            let kappa = vhv / dot(&v, &v);
            assert!(
                (row.along.curvature - kappa).abs() <= 1e-9 * kappa.abs().max(1e-12),
                "{}: curvature {} vs AD {kappa}",
                row.key,
                row.along.curvature
            );
            assert!(
                (row.along.slope - dot(&g, &v)).abs() <= 1e-9 * dot(&g, &v).abs(),
                "{}: slope {} vs AD {}",
                row.key,
                row.along.slope,
                dot(&g, &v)
            );
            if vhv > 0.0 {
                let t = dot(&g, &v) / vhv;
                let predicted = -0.5 * t * dot(&g, &v);
                let (ms, pc) = (
                    row.along.model_step.unwrap(),
                    row.along.predicted_change.unwrap(),
                );
                assert!(
                    (ms - t).abs() <= 1e-9 * t.abs()
                        && (pc - predicted).abs() <= 1e-9 * predicted.abs(),
                    "{}: step {ms} vs {t}, predicted change {pc} vs {predicted}",
                    row.key
                );
                assert!(row.along.actual_change.unwrap().is_finite());
            } else {
                assert_eq!(row.along.model_step, None, "{}: no model minimum", row.key);
            }
        }
    }
}

#[test]
fn inspect_reports_the_true_second_order_steps_and_every_curvature() {
    use sifrian::lab::inspect::{flatten, inspect, Case as InspectCase};
    let case = InspectCase::random(&[6, 5, 4, 3], 0.1, vec![0.0, 0.4, 0.7, 1.0], 7).unwrap();
    let out = inspect(&case).unwrap();
    let net = Network::from_params(
        &case.sizes,
        case.alpha,
        flatten("params", &case.sizes, &case.params).unwrap(),
    )
    .unwrap();
    let p = Pattern::new(
        &net,
        &case.x0,
        &case.d,
        Lambdas::new(case.lambda.clone(), 3).unwrap(),
    )
    .unwrap();
    let eig = p.eigenpairs().unwrap();
    let g = p.gradient();
    let layers = |key: &str| -> Vec<f64> {
        let l: Vec<sifrian::lab::inspect::LayerParams> =
            serde_json::from_value(out[key].clone()).unwrap();
        flatten(key, &case.sizes, &l).unwrap()
    };
    let gn: Vec<f64> = serde_json::from_value(out["gauss_newton_eigenvalues"].clone()).unwrap();
    assert_eq!(gn, p.gauss_newton_eigenvalues().unwrap());
    assert!(gn.windows(2).all(|w| w[0] <= w[1]), "ascending: {gn:?}");
    assert_eq!(layers("pinv_newton"), eig.pinv(&g));
    assert_eq!(layers("saddle_free_newton"), eig.abs_pinv(&g));
    for key in [
        "gradient",
        "newton",
        "pinv_newton",
        "saddle_free_newton",
        "mk",
    ] {
        let v = layers(key);
        let kappa = dot(&v, &p.hvp(&v)) / dot(&v, &v);
        let got = out["curvature"][key].as_f64().unwrap();
        assert!(
            (got - kappa).abs() <= 1e-12 * kappa.abs(),
            "curvature.{key} = {got} vs {kappa}"
        );
    }
}

#[test]
fn the_lab_leaves_out_the_eigenvector_rows_above_the_eigenpair_cap_and_says_why() {
    use sifrian::spectrum::{reduced_order, MAX_LAB_EIGENPAIR_ORDER};
    let keys = |r: &LabReport| -> Vec<&str> { r.directions.rows.iter().map(|r| r.key).collect() };
    // Under the cap (order 2S - s_n = 31): every row, and no reason.
    let small = Case::random(&[6, 7, 5, 4, 3], 0.1, 2, 1.0, 1.0);
    let under = report(&small, 2, &small.lambda, None, false, 0.5, 0.01).unwrap();
    assert!(keys(&under).contains(&"pinv_newton") && keys(&under).contains(&"saddle_free_newton"));
    assert_eq!(under.directions.without_eigenpairs, None);
    // Over it: the same spectrum from the eigenvalues-only solve, the two rows gone, the reason given.
    let big = Case::random(&[3, 1100, 4], 0.1, 5, 1.0, 1.0);
    let order = reduced_order(&big.net).unwrap();
    assert!(
        order > MAX_LAB_EIGENPAIR_ORDER,
        "order {order} vs cap {MAX_LAB_EIGENPAIR_ORDER}"
    );
    let over = report(&big, 1, &big.lambda, None, false, 0.5, 0.01).unwrap();
    assert!(
        !keys(&over)
            .iter()
            .any(|k| *k == "pinv_newton" || *k == "saddle_free_newton"),
        "rows {:?}",
        keys(&over)
    );
    assert_eq!(keys(&over).len(), 7, "rows {:?}", keys(&over));
    let why = over.directions.without_eigenpairs.clone().unwrap();
    assert!(
        why.contains(&order.to_string()) && why.contains(&MAX_LAB_EIGENPAIR_ORDER.to_string()),
        "{why}"
    );
    let p = pattern_at_layer(
        &big.net,
        &big.x0,
        &big.d,
        1,
        &big.lambda,
        big.lambda.get(1),
        &[],
    )
    .unwrap();
    assert_eq!(over.figure5.spectrum, p.exact_spectrum().unwrap());
}

/// The plain loss (lambda_k = 0 for k < n, lambda_n = 1): the lab's spectrum is the dense AD
/// Hessian's of 1/2||d - x_n||^2 (hyper-dual AD, Jacobi; zero = below 1e-10 of the radius), Eq.
/// 62's family 2 is undefined and named, and the paper makes no count or radius claim.
#[test]
fn the_plain_loss_spectrum_is_the_dense_plain_loss_hessians_and_family_2_is_undefined() {
    for (sizes, seed) in [
        (&[4, 5, 3, 2][..], 0),
        (&[3, 4, 2][..], 5),
        (&[5, 3, 4, 3, 2][..], 2),
    ] {
        let mut c = Case::random(sizes, 0.1, seed, 1.0, 1.0);
        c.lambda = Lambdas::plain(c.net.n());
        let all = jacobi_eigenvalues(&c.hessian_ad());
        let radius = all.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let dense: Vec<f64> = all
            .into_iter()
            .filter(|v| v.abs() > 1e-10 * radius)
            .collect();
        for layer in 1..c.net.n() {
            let p =
                plain_loss_at_layer(Pattern::plain(&c.net, &c.x0, &c.d).unwrap(), layer).unwrap();
            let r = LabReport::of(&p, layer, false, 1.0, 0.01).unwrap();
            let ours = &r.figure5.spectrum.eigenvalues;
            assert_eq!(
                ours.len(),
                dense.len(),
                "nonzero count on {sizes:?}: ours {ours:?} dense {dense:?}"
            );
            let gap = ours
                .iter()
                .zip(&dense)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                gap <= 1e-9 * radius,
                "plain-loss eigenvalues differ by {gap:e} on {sizes:?} (radius {radius}): ours {ours:?} dense {dense:?}"
            );
            assert_eq!(r.figure5.current, 0.0);
            assert!(r.plain_loss);
            assert!(r.families.family2.is_empty(), "{:?}", r.families.family2);
            let why = r
                .family2_undefined
                .clone()
                .expect("family 2 undefined at lambda = 0");
            assert!(why.contains("lambda") && why.contains("undefined"), "{why}");
            // Family 1 as printed: 0 for the hidden layers, F'(a_n)_i^2 at the output.
            assert_eq!(r.families.family1, p.eq62_family1());
            let zeros = r.families.family1.iter().filter(|v| **v == 0.0).count();
            assert_eq!(zeros, sizes[1..sizes.len() - 1].iter().sum::<usize>());
            assert_eq!((r.inertia_paper, r.radius_claim.clone()), (None, None));
            assert!(
                r.verdict.starts_with("λ = 0: this is the plain loss")
                    && r.verdict.contains("The paper makes no claim here")
                    && r.verdict.contains(&format!(
                        "{} positive, {} negative",
                        r.figure5.spectrum.positive, r.figure5.spectrum.negative
                    ))
                    && r.verdict.contains(&sig3(r.figure5.spectrum.radius)),
                "{}",
                r.verdict
            );
        }
    }
}

/// The table's marks are the rows with the lowest and highest value of each measure.
#[test]
fn the_directions_marks_name_the_lowest_and_highest_row_of_each_measure() {
    let c = Case::random(&[6, 7, 5, 4, 3], 0.1, 2, 1.0, 1.0);
    let r = report(&c, 2, &c.lambda, None, false, 0.5, 0.01).unwrap();
    let d = &r.directions;
    type Measure = fn(&sifrian::lab::report::DirectionRow) -> Option<f64>;
    let measures: [(Measure, _); 3] = [
        (|r| Some(r.loss_after), d.marks.loss_after),
        (|r| Some(r.jr_after), d.marks.jr_after),
        (|r| r.along.actual_change, d.marks.actual_change),
    ];
    for (i, (value, marks)) in measures.into_iter().enumerate() {
        let scored: Vec<(&str, f64)> = d
            .rows
            .iter()
            .filter_map(|r| value(r).map(|v| (r.key, v)))
            .collect();
        let lo = scored.iter().fold(f64::INFINITY, |m, s| m.min(s.1));
        let hi = scored.iter().fold(f64::NEG_INFINITY, |m, s| m.max(s.1));
        let marks = marks.unwrap_or_else(|| panic!("measure {i}: no marks for {scored:?}"));
        let of = |key: &str| scored.iter().find(|s| s.0 == key).unwrap().1;
        assert_eq!(
            (of(marks.best), of(marks.worst)),
            (lo, hi),
            "measure {i}: marks {marks:?} over {scored:?}"
        );
    }
}
