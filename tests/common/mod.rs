//! Independent references for the engine's tests: hyper-dual automatic differentiation (exact first
//! and second derivatives of J_R, computed without any of the engine's backprop or tetrad code),
//! central finite differences, and a cyclic Jacobi eigensolver for dense symmetric matrices.
#![allow(dead_code)]

pub mod golden;
use sifrian::cost::Lambdas;
use sifrian::io::data::Dataset;
use sifrian::network::Network;
use sifrian::pattern::Pattern;
use sifrian::rng::Rng;
use std::ops::{Add, Mul, Sub};

/// A hyper-dual number `a + b e1 + c e2 + d e1 e2` with `e1^2 = e2^2 = 0`: evaluating f at
/// `w + e1 u + e2 v` gives `f`, `grad.u`, `grad.v` and `u^T H v` exactly (Fike & Alonso 2011).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HyperDual {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
}

impl HyperDual {
    pub fn constant(a: f64) -> Self {
        HyperDual {
            a,
            b: 0.0,
            c: 0.0,
            d: 0.0,
        }
    }
    fn scale(self, s: f64) -> Self {
        HyperDual {
            a: s * self.a,
            b: s * self.b,
            c: s * self.c,
            d: s * self.d,
        }
    }
}

impl Add for HyperDual {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        HyperDual {
            a: self.a + o.a,
            b: self.b + o.b,
            c: self.c + o.c,
            d: self.d + o.d,
        }
    }
}
impl Sub for HyperDual {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        HyperDual {
            a: self.a - o.a,
            b: self.b - o.b,
            c: self.c - o.c,
            d: self.d - o.d,
        }
    }
}
impl Mul for HyperDual {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        HyperDual {
            a: self.a * o.a,
            b: self.a * o.b + self.b * o.a,
            c: self.a * o.c + self.c * o.a,
            d: self.a * o.d + self.b * o.c + self.c * o.b + self.d * o.a,
        }
    }
}

/// J_R = lambda_n/2 ||d - x_n||^2 + sum_{k<n} lambda_k/2 ||x_k||^2, written from the definition
/// (Eq. 1 and Eq. 43/67) over hyper-dual parameters; layout as the engine's (W_k row-major, beta_k).
pub fn cost_ad(
    sizes: &[usize],
    alpha: f64,
    params: &[HyperDual],
    x0: &[f64],
    d: &[f64],
    lambda: &[f64],
) -> HyperDual {
    let n = sizes.len() - 1;
    let mut x: Vec<HyperDual> = x0.iter().map(|&v| HyperDual::constant(v)).collect();
    let mut total = HyperDual::constant(0.0);
    let mut off = 0;
    for k in 1..=n {
        let (rows, cols) = (sizes[k], sizes[k - 1]);
        // lambda_{k-1}/2 ||x_{k-1}||^2
        for xi in &x {
            total = total + (*xi * *xi).scale(0.5 * lambda[k - 1]);
        }
        let mut next = Vec::with_capacity(rows);
        for i in 0..rows {
            let mut a = params[off + rows * cols + i];
            for j in 0..cols {
                a = a + params[off + i * cols + j] * x[j];
            }
            next.push(if a.a > 0.0 { a } else { a.scale(alpha) });
        }
        off += rows * cols + rows;
        x = next;
    }
    for (xi, &t) in x.iter().zip(d) {
        let e = HyperDual::constant(t) - *xi;
        total = total + (e * e).scale(0.5 * lambda[n]);
    }
    total
}

fn seeded(params: &[f64], i: Option<usize>, j: Option<usize>) -> Vec<HyperDual> {
    let mut p: Vec<HyperDual> = params.iter().map(|&v| HyperDual::constant(v)).collect();
    if let Some(i) = i {
        p[i].b = 1.0;
    }
    if let Some(j) = j {
        p[j].c = 1.0;
    }
    p
}

/// A small test case: a network, one pattern, lambdas.
#[derive(Debug, Clone)]
pub struct Case {
    pub net: Network,
    pub x0: Vec<f64>,
    pub d: Vec<f64>,
    pub lambda: Lambdas,
}

impl Case {
    /// Random net of `sizes` (He-normal weights, random biases so they matter), random input in
    /// [-1, 1] scaled by `input_scale`, a one-hot-ish target, lambdas in [0.2, 1.5] and lambda_n.
    pub fn random(sizes: &[usize], alpha: f64, seed: u64, input_scale: f64, lambda_n: f64) -> Case {
        let mut net = Network::new(sizes, alpha, seed).unwrap();
        let mut rng = Rng::new(seed ^ 0xA5A5);
        for k in 1..=net.n() {
            let range = net.layer(k).b.clone();
            for v in &mut net.params[range] {
                *v = rng.uniform_in(-0.3, 0.3);
            }
        }
        let x0 = (0..sizes[0])
            .map(|_| input_scale * rng.uniform_in(-1.0, 1.0))
            .collect();
        let s_n = sizes[sizes.len() - 1];
        let hot = rng.below(s_n);
        let d = (0..s_n).map(|i| if i == hot { 1.0 } else { 0.0 }).collect();
        let mut l: Vec<f64> = (0..sizes.len()).map(|_| rng.uniform_in(0.2, 1.5)).collect();
        *l.last_mut().unwrap() = lambda_n;
        let lambda = Lambdas::new(l, sizes.len() - 1).unwrap();
        Case { net, x0, d, lambda }
    }

    pub fn sizes(&self) -> &[usize] {
        self.net.sizes()
    }

    /// Smallest |a_k,i| over all pre-activations: the distance to the leaky-ReLU kink.
    pub fn kink_margin(&self) -> f64 {
        let fw = self.net.forward(&self.x0);
        fw.a.iter()
            .flatten()
            .fold(f64::INFINITY, |m, v| m.min(v.abs()))
    }

    pub fn cost_at(&self, params: &[f64]) -> f64 {
        cost_ad(
            self.sizes(),
            self.net.alpha(),
            &seeded(params, None, None),
            &self.x0,
            &self.d,
            self.lambda.as_slice(),
        )
        .a
    }

    /// The gradient of J_R by forward-mode AD (one evaluation per parameter).
    pub fn gradient_ad(&self) -> Vec<f64> {
        (0..self.net.num_params())
            .map(|i| {
                cost_ad(
                    self.sizes(),
                    self.net.alpha(),
                    &seeded(&self.net.params, Some(i), None),
                    &self.x0,
                    &self.d,
                    self.lambda.as_slice(),
                )
                .b
            })
            .collect()
    }

    /// The dense Hessian of J_R by hyper-dual AD, row-major P x P.
    pub fn hessian_ad(&self) -> Vec<Vec<f64>> {
        let p = self.net.num_params();
        let mut h = vec![vec![0.0; p]; p];
        for i in 0..p {
            for j in i..p {
                let v = cost_ad(
                    self.sizes(),
                    self.net.alpha(),
                    &seeded(&self.net.params, Some(i), Some(j)),
                    &self.x0,
                    &self.d,
                    self.lambda.as_slice(),
                )
                .d;
                h[i][j] = v;
                h[j][i] = v;
            }
        }
        h
    }

    /// The engine's context for this pattern at the case's lambdas (forward pass and adjoints).
    pub fn pattern(&self) -> Pattern<'_> {
        Pattern::new(&self.net, &self.x0, &self.d, self.lambda.clone()).unwrap()
    }

    /// The engine's gradient of J_R.
    pub fn gradient(&self) -> Vec<f64> {
        self.pattern().gradient()
    }

    /// The engine's Hessian-vector product.
    pub fn hvp(&self, v: &[f64]) -> Vec<f64> {
        self.pattern().hvp(v)
    }

    /// The engine's gradient at other parameters (for finite differences).
    pub fn gradient_at(&self, params: &[f64]) -> Vec<f64> {
        let mut c = self.clone();
        c.net.params = params.to_vec();
        c.gradient()
    }
}

/// The standard test shapes: 1 to 3 hidden layers, square and not.
pub const SHAPES: &[&[usize]] = &[&[3, 2], &[4, 5, 3, 2], &[6, 7, 5, 4, 3], &[5, 3, 6]];

/// Cases over shapes x seeds x (lambda_n = 1, lambda_n = 0.37, input x3), with a kink margin.
pub fn cases(seeds: u64) -> Vec<Case> {
    let mut out = Vec::new();
    for shape in SHAPES {
        for seed in 0..seeds {
            for (scale, ln) in [(1.0, 1.0), (1.0, 0.37), (3.0, 1.0)] {
                let c = Case::random(shape, 0.1, 1000 * seed + shape.len() as u64, scale, ln);
                if c.kink_margin() > 1e-3 {
                    out.push(c);
                }
            }
        }
    }
    assert!(
        out.len() >= 3 * SHAPES.len() * seeds as usize / 2,
        "too few cases away from the kink: {}",
        out.len()
    );
    out
}

pub fn random_vector(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..len).map(|_| rng.uniform_in(-1.0, 1.0)).collect()
}

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// `||a - b|| / ||b||`.
pub fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    diff.sqrt() / norm(b).max(f64::MIN_POSITIVE)
}

/// Asserts `rel_err(actual, expected) <= tol`, printing both vectors' first entries on failure.
pub fn assert_close(what: &str, actual: &[f64], expected: &[f64], tol: f64) -> f64 {
    let e = rel_err(actual, expected);
    assert!(
        e <= tol,
        "{what}: relative error {e:e} > {tol:e}\n  actual   {:?}\n  expected {:?}",
        &actual[..actual.len().min(6)],
        &expected[..expected.len().min(6)]
    );
    e
}

pub fn mat_vec(h: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    h.iter().map(|row| dot(row, v)).collect()
}

/// Every eigenpair of a dense symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan,
/// Algorithm 8.5.3), accumulating the rotations: (eigenvalues, eigenvectors as rows), ascending.
/// Independent of the engine's eigensolver (faer) and of the reduction.
pub fn jacobi_eigenpairs(h: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
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

/// All eigenvalues of a dense symmetric matrix, ascending ([`jacobi_eigenpairs`] without its
/// vectors), independent of the engine's eigensolver.
pub fn jacobi_eigenvalues(h: &[Vec<f64>]) -> Vec<f64> {
    jacobi_eigenpairs(h).0
}

/// The committed MNIST fixtures: the first 500 training and the first 100 test digits.
pub fn mnist_fixtures() -> (Dataset, Dataset) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let read = |name: &str| std::fs::read(format!("{dir}{name}")).unwrap();
    let train = Dataset::from_idx(
        &read("mnist-train-images-500-idx3-ubyte"),
        &read("mnist-train-labels-500-idx1-ubyte"),
    )
    .unwrap();
    let test = Dataset::from_idx(
        &read("mnist-t10k-images-100-idx3-ubyte"),
        &read("mnist-t10k-labels-100-idx1-ubyte"),
    )
    .unwrap();
    (train, test)
}

/// `sum_i u_i (u_i . g) f(mu_i)` over the Jacobi eigenpairs of the dense `h` with `|mu| > 1e-10 radius`.
pub fn dense_apply(h: &[Vec<f64>], g: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
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
