//! Small dense linear algebra on flat `f64` slices, shared by the mathematics and the trainer.
//! Row-major matrices; every reduction has a fixed order, so the same bits on every target.

/// `W v` for row-major W with `v.len()` columns.
pub fn matvec(w: &[f64], v: &[f64]) -> Vec<f64> {
    w.chunks_exact(v.len()).map(|row| dot(row, v)).collect()
}

/// `W^T u` for row-major W with `u.len()` rows of `cols` columns.
pub fn transpose_times(w: &[f64], u: &[f64], cols: usize) -> Vec<f64> {
    let mut out = vec![0.0; cols];
    for (i, &ui) in u.iter().enumerate() {
        for (o, &wij) in out.iter_mut().zip(&w[i * cols..(i + 1) * cols]) {
            *o += wij * ui;
        }
    }
    out
}

/// `a . b` with four interleaved partial sums (lanes i mod 4), added as `(s0 + s1) + (s2 + s3)`,
/// then the tail: a fixed order, so the same bits on every target, and it lets the compiler use
/// SIMD registers.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a4, b4) = (a[..n].chunks_exact(4), b[..n].chunks_exact(4));
    let (ta, tb) = (a4.remainder(), b4.remainder());
    let mut s = [0.0f64; 4];
    for (x, y) in a4.zip(b4) {
        for l in 0..4 {
            s[l] += x[l] * y[l];
        }
    }
    let mut total = (s[0] + s[1]) + (s[2] + s[3]);
    for (x, y) in ta.iter().zip(tb) {
        total += x * y;
    }
    total
}

/// `||a||^2`.
pub fn norm2_sq(a: &[f64]) -> f64 {
    dot(a, a)
}

/// `||a||_2`.
pub fn norm2(a: &[f64]) -> f64 {
    norm2_sq(a).sqrt()
}

/// The cosine of the angle between `a` and `b`, `a.b / (||a|| ||b||)`, or 0 when either is zero.
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let den = (norm2_sq(a) * norm2_sq(b)).sqrt();
    if den > 0.0 {
        dot(a, b) / den
    } else {
        0.0
    }
}

/// `||a||_inf`.
pub fn norm_inf(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Element-wise product `u .* v`.
pub fn hadamard(u: &[f64], v: &[f64]) -> Vec<f64> {
    u.iter().zip(v).map(|(a, b)| a * b).collect()
}

/// `num / den`, or 0 when `den` is 0 (a layer whose gradient is exactly zero gets a zero
/// direction: README, "Choices where the paper is silent").
pub fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// Index of the largest entry: the first one on ties; a NaN is never chosen, unless it is entry 0
/// (then entry 0 is returned, as every comparison with it is false).
pub fn argmax<T: PartialOrd + Copy>(v: &[T]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}
