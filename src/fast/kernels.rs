//! The inner loops of the f32 kernels ([`crate::fast`], [`crate::fast::hvp`]): row sweeps,
//! dot products and the sparse layer-1 passes, with explicit wasm simd128 / SSE paths where
//! LLVM's auto-vectorisation falls short. Every path keeps the same lanes and the same order of
//! operations, and never fuses a multiply-add, so native and wasm builds give the same bits.

/// Four f32 lanes: wasm simd128, SSE on x86_64, plain arrays elsewhere (same lanes, same order,
/// mul then add — no FMA — so every target computes the same bits).
#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
mod lanes {
    #[derive(Clone, Copy)]
    pub(crate) struct F4([f32; 4]);
    impl F4 {
        pub const ZERO: F4 = F4([0.0; 4]);
        #[inline(always)]
        pub fn load(c: &[f32]) -> F4 {
            F4([c[0], c[1], c[2], c[3]])
        }
        /// `self + a * b`.
        #[inline(always)]
        pub fn mul_add(self, a: F4, b: F4) -> F4 {
            F4([0, 1, 2, 3].map(|l| self.0[l] + a.0[l] * b.0[l]))
        }
        pub fn lanes(self) -> [f32; 4] {
            self.0
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::*;
    #[derive(Clone, Copy)]
    pub(crate) struct F4(v128);
    impl F4 {
        pub const ZERO: F4 = F4(f32x4(0.0, 0.0, 0.0, 0.0));
        #[inline(always)]
        pub fn load(c: &[f32]) -> F4 {
            assert!(c.len() >= 4);
            // SAFETY: c holds at least 4 f32; v128_load has no alignment requirement.
            F4(unsafe { v128_load(c.as_ptr() as *const v128) })
        }
        #[inline(always)]
        pub fn mul_add(self, a: F4, b: F4) -> F4 {
            F4(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }
        pub fn lanes(self) -> [f32; 4] {
            [
                f32x4_extract_lane::<0>(self.0),
                f32x4_extract_lane::<1>(self.0),
                f32x4_extract_lane::<2>(self.0),
                f32x4_extract_lane::<3>(self.0),
            ]
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod lanes {
    use core::arch::x86_64::*;
    #[derive(Clone, Copy)]
    pub(crate) struct F4(__m128);
    impl F4 {
        // SAFETY: SSE is part of x86_64.
        pub const ZERO: F4 = F4(unsafe { core::mem::transmute::<[f32; 4], __m128>([0.0; 4]) });
        #[inline(always)]
        pub fn load(c: &[f32]) -> F4 {
            assert!(c.len() >= 4);
            // SAFETY: SSE is part of x86_64; c holds at least 4 f32 (unaligned load).
            F4(unsafe { _mm_loadu_ps(c.as_ptr()) })
        }
        #[inline(always)]
        pub fn mul_add(self, a: F4, b: F4) -> F4 {
            // SAFETY: SSE is part of x86_64.
            F4(unsafe { _mm_add_ps(self.0, _mm_mul_ps(a.0, b.0)) })
        }
        pub fn lanes(self) -> [f32; 4] {
            let mut out = [0f32; 4];
            // SAFETY: out holds 4 f32.
            unsafe { _mm_storeu_ps(out.as_mut_ptr(), self.0) };
            out
        }
    }
}

pub(crate) use lanes::F4;

impl F4 {
    /// `(l0 + l1) + (l2 + l3)`.
    pub(crate) fn sum(self) -> f32 {
        let l = self.lanes();
        (l[0] + l[1]) + (l[2] + l[3])
    }
}

/// `a = sum_{j in nz} x[j] wt[j,:]` for `wt` with rows of `a.len()`: four such rows at a time,
/// `a += (x_p wt_p + x_q wt_q) + (x_r wt_r + x_s wt_s)`, then the rest one by one (element-wise,
/// left to auto-vectorisation; the same order on every target).
pub(crate) fn sparse_columns(wt: &[f32], nz: &[usize], x: &[f32], a: &mut [f32]) {
    let rows = a.len();
    a.fill(0.0);
    let row = |j: usize| &wt[j * rows..(j + 1) * rows];
    let mut blocks = nz.chunks_exact(4);
    for q in blocks.by_ref() {
        let (c0, c1, c2, c3) = (row(q[0]), row(q[1]), row(q[2]), row(q[3]));
        let (x0, x1, x2, x3) = (x[q[0]], x[q[1]], x[q[2]], x[q[3]]);
        for i in 0..rows {
            a[i] += (x0 * c0[i] + x1 * c1[i]) + (x2 * c2[i] + x3 * c3[i]);
        }
    }
    for &j in blocks.remainder() {
        let (c, xj) = (row(j), x[j]);
        for i in 0..rows {
            a[i] += xj * c[i];
        }
    }
}

/// `wt[j,:] -= r x[j]` for j in `nz` (`W_1[i,j] -= r_i x_0[j]` on the transposed store).
pub(crate) fn sparse_update(wt: &mut [f32], nz: &[usize], x: &[f32], r: &[f32]) {
    let rows = r.len();
    for &j in nz {
        let xj = x[j];
        for (w, &ri) in wt[j * rows..(j + 1) * rows].iter_mut().zip(r) {
            *w -= ri * xj;
        }
    }
}

/// For the rows i of `w` (`cols` wide), in order: `acc[c] += w[i,:] e[c][i]` (c < NACC, old
/// values), then `w[i,:] -= r[i] x` (if UPD). Four rows per block, each accumulator entry updated
/// row after row: the same sums as one row at a time. Element-wise, so left to auto-vectorisation.
pub(crate) fn sweep<const NACC: usize, const UPD: bool>(
    w: &mut [f32],
    cols: usize,
    e: [&[f32]; 2],
    acc: [&mut [f32]; 2],
    r: &[f32],
    x: &[f32],
) {
    let len = |on: bool| if on { cols } else { 0 };
    let [acc0, acc1] = acc;
    let (a0, a1, x) = (
        &mut acc0[..len(NACC >= 1)],
        &mut acc1[..len(NACC >= 2)],
        &x[..len(UPD)],
    );
    let full = w.len() / cols / 4 * 4;
    let (head, tail) = w.split_at_mut(full * cols);
    let pick = |v: &[f32], i: usize, on: bool| {
        if on {
            [v[i], v[i + 1], v[i + 2], v[i + 3]]
        } else {
            [0.0; 4]
        }
    };
    for (blk, rows) in head.chunks_exact_mut(4 * cols).enumerate() {
        let i = 4 * blk;
        let (c0, c1, s) = (
            pick(e[0], i, NACC >= 1),
            pick(e[1], i, NACC >= 2),
            pick(r, i, UPD),
        );
        let (w0, rest) = rows.split_at_mut(cols);
        let (w1, rest) = rest.split_at_mut(cols);
        let (w2, w3) = rest.split_at_mut(cols);
        for j in 0..cols {
            let v = [w0[j], w1[j], w2[j], w3[j]];
            if NACC >= 1 {
                a0[j] = (((a0[j] + v[0] * c0[0]) + v[1] * c0[1]) + v[2] * c0[2]) + v[3] * c0[3];
            }
            if NACC >= 2 {
                a1[j] = (((a1[j] + v[0] * c1[0]) + v[1] * c1[1]) + v[2] * c1[2]) + v[3] * c1[3];
            }
            if UPD {
                let xj = x[j];
                (w0[j], w1[j], w2[j], w3[j]) = (
                    v[0] - s[0] * xj,
                    v[1] - s[1] * xj,
                    v[2] - s[2] * xj,
                    v[3] - s[3] * xj,
                );
            }
        }
    }
    sweep_rows::<NACC, UPD>(tail, full, cols, e, [a0, a1], r, x);
}

/// The rows of `w` (`cols` wide; row t is row `first + t` of the matrix) one at a time, as
/// [`sweep`] describes: the rows after its last block of four.
#[inline(always)]
fn sweep_rows<const NACC: usize, const UPD: bool>(
    w: &mut [f32],
    first: usize,
    cols: usize,
    e: [&[f32]; 2],
    acc: [&mut [f32]; 2],
    r: &[f32],
    x: &[f32],
) {
    let [a0, a1] = acc;
    for (t, row) in w.chunks_exact_mut(cols).enumerate() {
        let i = first + t;
        for j in 0..cols {
            let v = row[j];
            if NACC >= 1 {
                a0[j] += v * e[0][i];
            }
            if NACC >= 2 {
                a1[j] += v * e[1][i];
            }
            if UPD {
                row[j] = v - r[i] * x[j];
            }
        }
    }
}

/// The 4 lane sums of `row . x` over the first `cols / 4 * 4` entries (lane = j mod 4).
pub(crate) fn reduce_lanes(row: &[f32], x: &[f32]) -> [f32; 4] {
    let q = row.len() / 4 * 4;
    let mut s = [0f32; 4];
    for (a, b) in row[..q].chunks_exact(4).zip(x[..q].chunks_exact(4)) {
        for l in 0..4 {
            s[l] += a[l] * b[l];
        }
    }
    s
}

/// `(l0 + l1) + (l2 + l3)`, then the tail entries in order, for R rows of `w`.
pub(crate) fn finish<const R: usize>(
    lanes: [[f32; 4]; R],
    w: &[f32],
    cols: usize,
    x: &[f32],
) -> [f32; R] {
    let q = cols / 4 * 4;
    let mut out = [0f32; R];
    for (r, l) in lanes.iter().enumerate() {
        let mut t = (l[0] + l[1]) + (l[2] + l[3]);
        for j in q..cols {
            t += w[r * cols + j] * x[j];
        }
        out[r] = t;
    }
    out
}

/// Four dot products `w[r,:] . x`, r = 0..3 (`w` holds 4 rows of `cols`): portable lanes.
#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
pub(crate) fn dot4(w: &[f32], cols: usize, x: &[f32]) -> [f32; 4] {
    let lanes = [0, 1, 2, 3].map(|r| reduce_lanes(&w[r * cols..(r + 1) * cols], x));
    finish(lanes, w, cols, x)
}

/// Four dot products `w[r,:] . x` with wasm simd128 (the same lanes and order as the portable one).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) fn dot4(w: &[f32], cols: usize, x: &[f32]) -> [f32; 4] {
    use core::arch::wasm32::*;
    assert!(w.len() >= 4 * cols && x.len() >= cols);
    let q = cols / 4 * 4;
    let mut acc = [f32x4_splat(0.0); 4];
    for j in (0..q).step_by(4) {
        // SAFETY: j + 4 <= q <= cols, so row r's load ends at r * cols + j + 4 <= 4 * cols <= w.len()
        // and x's at j + 4 <= x.len(); v128_load has no alignment requirement.
        unsafe {
            let xv = v128_load(x.as_ptr().add(j) as *const v128);
            for (r, a) in acc.iter_mut().enumerate() {
                let wv = v128_load(w.as_ptr().add(r * cols + j) as *const v128);
                *a = f32x4_add(*a, f32x4_mul(wv, xv));
            }
        }
    }
    let lanes = acc.map(|a| {
        [
            f32x4_extract_lane::<0>(a),
            f32x4_extract_lane::<1>(a),
            f32x4_extract_lane::<2>(a),
            f32x4_extract_lane::<3>(a),
        ]
    });
    finish(lanes, w, cols, x)
}

/// Four dot products `w[r,:] . x` with SSE (baseline on x86_64; LLVM transposes the portable loop).
#[cfg(target_arch = "x86_64")]
pub(crate) fn dot4(w: &[f32], cols: usize, x: &[f32]) -> [f32; 4] {
    use core::arch::x86_64::*;
    assert!(w.len() >= 4 * cols && x.len() >= cols);
    let q = cols / 4 * 4;
    let mut lanes = [[0f32; 4]; 4];
    // SAFETY: SSE is part of x86_64; every load is inside w or x as in the wasm version.
    unsafe {
        let mut acc = [_mm_setzero_ps(); 4];
        for j in (0..q).step_by(4) {
            let xv = _mm_loadu_ps(x.as_ptr().add(j));
            for (r, a) in acc.iter_mut().enumerate() {
                *a = _mm_add_ps(
                    *a,
                    _mm_mul_ps(_mm_loadu_ps(w.as_ptr().add(r * cols + j)), xv),
                );
            }
        }
        for (l, a) in lanes.iter_mut().zip(acc) {
            _mm_storeu_ps(l.as_mut_ptr(), a);
        }
    }
    finish(lanes, w, cols, x)
}

/// `dst[j * rows + i] = f(src[i * cols + j])`: the row-major `rows x cols` matrix `src`, transposed
/// into `dst`, in 16 x 16 tiles (cache-friendly both ways). Layer 1's weights are kept transposed.
pub(crate) fn transpose_map<S: Copy, D>(
    src: &[S],
    rows: usize,
    cols: usize,
    dst: &mut [D],
    f: impl Fn(S) -> D,
) {
    assert!(
        src.len() == rows * cols && dst.len() == rows * cols,
        "matrix sizes"
    );
    const T: usize = 16;
    for i0 in (0..rows).step_by(T) {
        for j0 in (0..cols).step_by(T) {
            for i in i0..(i0 + T).min(rows) {
                for j in j0..(j0 + T).min(cols) {
                    dst[j * rows + i] = f(src[i * cols + j]);
                }
            }
        }
    }
}
