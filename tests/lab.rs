//! The lab panel's numbers against the independent references.
mod common;
use common::*;
use sifrian::backprop::adjoint;
use sifrian::lab::report::{compare_directions, paper_radius_for, verdict};
use sifrian::paper_spectrum::{eq62_families, paper_radius};
use sifrian::regularisation::plain_adjoint;
use sifrian::spectrum::exact_spectrum;

#[test]
fn directions_report_matches_ad_gradients_hessians_and_the_newton_facts() {
    for c in cases(1).into_iter().filter(|c| c.sizes().len() > 2) {
        let step = 0.05;
        let r = compare_directions(&c.net, &c.x0, &c.d, &c.lambda, 1.0, step).unwrap();
        assert_eq!(r.rows.len(), 6);
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
        for i in 0..6 {
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
    let (e1, e2) = (err(2e-3), err(1e-3));
    assert!(
        e2 < e1 / 4.0,
        "model error {e1:e} at 2e-3, {e2:e} at 1e-3: should fall ~8x"
    );
}

#[test]
fn verdict_says_counts_agree_values_differ_and_the_radius_fails() {
    let c = Case::random(&[4, 5, 3, 2], 0.1, 0, 1.0, 1.0);
    let fw = c.net.forward(&c.x0);
    let b = adjoint(&c.net, &fw, &c.d, &c.lambda);
    let sp = exact_spectrum(&c.net, &fw, &b, &c.lambda).unwrap();
    let fam = eq62_families(&fw, &b, &c.lambda).unwrap();
    let rad = paper_radius(&fw, &plain_adjoint(&c.net, &fw, &c.d));
    let (r, name) = paper_radius_for(&rad, false);
    let text = verdict(&sp, &fam, r, name);
    assert!(
        text.starts_with("Counts agree: 10 positive and 8 negative"),
        "{text}"
    );
    assert!(text.contains("Values differ"), "{text}");
    assert!(
        text.contains("Eq. 66") && text.contains("underestimates"),
        "{text}"
    );
    // A verdict that must report disagreement when the counts do not match.
    let mut wrong = fam.clone();
    wrong.family2.pop();
    assert!(verdict(&sp, &wrong, r, name).starts_with("Counts differ"));
    // And a radius that holds is said to hold.
    assert!(verdict(&sp, &fam, sp.radius * 2.0, name).contains("here it holds"));
}
