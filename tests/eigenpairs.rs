//! Eigenvectors of H through the reduced matrix T (`spectrum::eigenpairs`), the pseudo-inverse
//! H^+ and |H|^+ against a Jacobi eigendecomposition (with vectors) of the dense AD Hessian.
mod common;
use common::*;

/// Every eigenpair of a dense symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan,
/// Algorithm 8.5.3), accumulating the rotations: (eigenvalues, eigenvectors as rows), ascending.
/// Independent of the engine's eigensolver (faer) and of the reduction.
fn jacobi_eigenpairs(h: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = h.len();
    let mut a = h.to_vec();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let total: f64 = a.iter().flatten().map(|x| x * x).sum();
        if off <= 1e-30 * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = if theta == 0.0 {
                    1.0
                } else {
                    theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt())
                };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vp, vq) = (row[p], row[q]);
                    row[p] = c * vp - s * vq;
                    row[q] = s * vp + c * vq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[i][i].total_cmp(&a[j][j]));
    let values = order.iter().map(|&i| a[i][i]).collect();
    let vectors = order
        .iter()
        .map(|&i| (0..n).map(|r| v[r][i]).collect())
        .collect();
    (values, vectors)
}

/// `sum_i u_i (u_i . g) f(mu_i)` over the dense eigenpairs with `|mu| > 1e-10 radius`.
fn dense_apply(h: &[Vec<f64>], g: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
    let (mu, u) = jacobi_eigenpairs(h);
    let radius = mu.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut out = vec![0.0; g.len()];
    for (m, ui) in mu.iter().zip(&u) {
        if m.abs() > 1e-10 * radius {
            let c = dot(ui, g) * f(*m);
            out.iter_mut().zip(ui).for_each(|(o, x)| *o += c * x);
        }
    }
    out
}

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
