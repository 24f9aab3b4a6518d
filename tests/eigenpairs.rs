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

/// Seeded symmetric test matrices (row-major) of order m: random; T-shaped `[[A, B], [B^T, 0]]`
/// (the reduced matrix's zero zeta-zeta block); a diagonal one with a triple eigenvalue; and an
/// already tridiagonal one with zeros on the subdiagonal (split blocks).
fn symmetric_cases() -> Vec<(String, Vec<Vec<f64>>)> {
    let random = |m: usize, seed: u64| {
        let r = random_vector(m * m, seed);
        (0..m)
            .map(|i| {
                (0..m)
                    .map(|j| r[i.min(j) * m + i.max(j)])
                    .collect::<Vec<f64>>()
            })
            .collect::<Vec<_>>()
    };
    let mut out: Vec<(String, Vec<Vec<f64>>)> = [1usize, 2, 3, 5, 17, 64]
        .iter()
        .map(|&m| (format!("random {m}"), random(m, m as u64 + 10)))
        .collect();
    let mut t = random(30, 7);
    for i in 20..30 {
        for j in 20..30 {
            t[i][j] = 0.0;
        }
    }
    out.push(("T-shaped 30 (zero 10 x 10 block)".into(), t));
    let diag = [3.0, -1.0, 3.0, 0.0, 3.0, 2.5];
    out.push((
        "diagonal with a triple eigenvalue".into(),
        (0..6)
            .map(|i| (0..6).map(|j| if i == j { diag[i] } else { 0.0 }).collect())
            .collect(),
    ));
    let mut tri = vec![vec![0.0; 8]; 8];
    for i in 0..8 {
        tri[i][i] = i as f64 - 3.5;
        if i + 1 < 8 && i != 3 {
            tri[i][i + 1] = 0.5 + i as f64 * 0.1;
            tri[i + 1][i] = tri[i][i + 1];
        }
    }
    out.push(("tridiagonal, split at 3".into(), tri));
    out
}

#[test]
fn the_fixed_order_eigensolver_matches_jacobi_and_applies_orthonormal_eigenvectors() {
    use sifrian::spectrum::symeig::SymEig;
    for (name, h) in symmetric_cases() {
        let m = h.len();
        let flat: Vec<f64> = h.iter().flatten().copied().collect();
        let eig = SymEig::new(&flat, m, true).unwrap();
        let mut got = eig.values().to_vec();
        got.sort_by(f64::total_cmp);
        let want = jacobi_eigenvalues(&h);
        let radius = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-12 * radius,
                "{name}: eigenvalue {g} vs Jacobi {w} (radius {radius})"
            );
        }
        for (i, &mu) in eig.values().iter().enumerate() {
            let mut e = vec![0.0; m];
            e[i] = 1.0;
            let y = eig.from_eigen(&e);
            let n = norm(&y);
            assert!((n - 1.0).abs() <= 1e-12, "{name}: ||y_{i}|| = {n}");
            let hy = mat_vec(&h, &y);
            let res = hy
                .iter()
                .zip(&y)
                .map(|(a, b)| (a - mu * b).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(
                res <= 1e-12 * radius.max(1.0),
                "{name}: ||T y - mu y|| = {res} for mu = {mu} (radius {radius})"
            );
            // V^T V = I: the coordinates of y_i are e_i.
            let back = eig.to_eigen(&y);
            let err = back
                .iter()
                .zip(&e)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                err <= 1e-12,
                "{name}: V^T y_{i} differs from e_{i} by {err}"
            );
        }
    }
}

#[test]
fn the_fixed_order_eigensolver_names_bad_input() {
    use sifrian::spectrum::symeig::SymEig;
    let e = SymEig::new(&[1.0, 2.0, 3.0], 2, false)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("matrix") && e.contains("3 entries for order 2"),
        "{e}"
    );
    let e = SymEig::new(&[1.0, f64::NAN, f64::NAN, 1.0], 2, false)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("NaN/Inf"), "{e}");
}
