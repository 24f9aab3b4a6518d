//! Eigenvectors of H through the reduced matrix T (`spectrum::eigenpairs`), the pseudo-inverse
//! H^+ and |H|^+ against a Jacobi eigendecomposition (with vectors) of the dense AD Hessian.
mod common;
use common::*;

#[test]
fn eigenvectors_from_the_reduced_matrix_are_unit_eigenvectors_of_the_dense_hessian() {
    let mut worst: f64 = 0.0;
    for c in cases(2) {
        let h = c.hessian_ad();
        let p = c.pattern();
        let eig = p.eigenpairs().unwrap();
        let mu = eig.eigenvalues().to_vec();
        let radius = mu.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let all: Vec<usize> = (0..mu.len()).collect();
        let u = eig.eigenvectors(&all).unwrap();
        for (i, ui) in u.iter().enumerate() {
            let hu = mat_vec(&h, ui);
            let residual: f64 = hu
                .iter()
                .zip(ui)
                .map(|(a, b)| (a - mu[i] * b).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(
                residual <= 1e-9 * radius,
                "||H u - mu u|| = {residual:e} for mu_{i} = {} on {:?} (radius {radius})",
                mu[i],
                c.sizes()
            );
            assert!(
                (norm(ui) - 1.0).abs() <= 1e-9,
                "||u_{i}|| = {} on {:?}",
                norm(ui),
                c.sizes()
            );
            for (j, uj) in u.iter().enumerate().take(i) {
                assert!(
                    dot(ui, uj).abs() <= 1e-8,
                    "u_{i} . u_{j} = {:e} on {:?}",
                    dot(ui, uj),
                    c.sizes()
                );
            }
            worst = worst.max(residual / radius);
        }
        // The projector onto the nonzero eigenspace is the dense one.
        let g = c.gradient();
        let proj: Vec<f64> = u.iter().fold(vec![0.0; g.len()], |mut acc, ui| {
            let cg = dot(ui, &g);
            acc.iter_mut().zip(ui).for_each(|(a, x)| *a += cg * x);
            acc
        });
        assert_close(
            "projection of the gradient",
            &proj,
            &dense_apply(&h, &g, |_| 1.0),
            1e-8,
        );
        let coords = eig.project(&g);
        for (i, ui) in u.iter().enumerate() {
            assert!(
                (coords[i] - dot(ui, &g)).abs() <= 1e-9 * norm(&g),
                "coordinate {i}: {} vs {}",
                coords[i],
                dot(ui, &g)
            );
        }
    }
    eprintln!("eigenvectors from T: max ||H u - mu u|| = {worst:e} x radius");
}

#[test]
fn only_the_eigenvectors_asked_for_are_returned_and_bad_indices_are_named() {
    let c = &cases(1)[1];
    let p = c.pattern();
    let eig = p.eigenpairs().unwrap();
    let last = eig.eigenvalues().len() - 1;
    let u = eig.eigenvectors(&[0, last]).unwrap();
    assert_eq!(u.len(), 2, "asked for two, got {}", u.len());
    assert_eq!(u[0].len(), c.net.num_params());
    let err = eig.eigenvectors(&[last + 1]).unwrap_err().to_string();
    assert!(
        err.contains(&format!("index {}", last + 1)),
        "the error names the index: {err}"
    );
}

#[test]
fn pseudo_inverse_and_absolute_pseudo_inverse_match_the_dense_eigendecomposition() {
    for c in cases(2) {
        let h = c.hessian_ad();
        let p = c.pattern();
        let eig = p.eigenpairs().unwrap();
        let g = c.gradient();
        assert_close(
            &format!("H^+ g on {:?}", c.sizes()),
            &eig.pinv(&g),
            &dense_apply(&h, &g, |m| 1.0 / m),
            1e-7,
        );
        assert_close(
            &format!("|H|^+ g on {:?}", c.sizes()),
            &eig.abs_pinv(&g),
            &dense_apply(&h, &g, |m| 1.0 / m.abs()),
            1e-7,
        );
        // H H^+ g is the projection of g on the nonzero eigenspace.
        let hhg = c.hvp(&eig.pinv(&g));
        assert_close(
            &format!("H H^+ g on {:?}", c.sizes()),
            &hhg,
            &dense_apply(&h, &g, |_| 1.0),
            1e-7,
        );
    }
}
