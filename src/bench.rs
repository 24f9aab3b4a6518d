//! Bounded units of work for the benchmark (`sifrian bench` natively, `www/bench.html` in the
//! browser). Nothing here reads a clock: the caller times `run(n)` (JavaScript owns the clock in
//! the page; the command line uses `std::time`). Training throughput is measured on
//! [`crate::train::Trainer`] itself, exactly as the page and the command line train.
//!
//! - [`StreamProbe`]: the memory-streaming limit. A batch-1 step must read the weights once forward
//!   and read and write them once backward (fused), so with read bandwidth `B_r` and read+write
//!   bandwidth `B_rw` over a buffer of the weights' size `W` bytes, no step can take less than
//!   `W / B_r + 2 W / B_rw` ([`roofline_patterns_per_s`]).
//! - [`CurvatureWorkload`]: exact per-pattern Hessian-vector products (forward pass, Eq. 65 lambdas,
//!   adjoint of J_R, the Sifrian tetrad of Eq. 30-31), fused in f32 ([`FastHvp`]) and in the f64
//!   reference, the exact nonzero spectrum of one pattern, and its eigenpairs with the minimum-norm
//!   and saddle-free Newton steps.

use crate::backprop::{adjoint, gradient};
use crate::cost::Lambdas;
use crate::error::{Error, Result};
use crate::fast::hvp::FastHvp;
use crate::hvp::hvp;
use crate::io::data::Dataset;
use crate::linalg::dot;
use crate::network::{Forward, Network};
use crate::regularisation::{plain_adjoint, LambdaPolicy};
use crate::rng::Rng;
use crate::spectrum::eigenpairs::Eigenpairs;
use crate::spectrum::{exact_spectrum, ExactSpectrum};

/// Largest buffer a probe may stream (1 GiB).
pub const MAX_PROBE_BYTES: usize = 1 << 30;

/// An f32 buffer of a given size, streamed from memory.
#[derive(Debug, Clone)]
pub struct StreamProbe {
    buf: Vec<f32>,
}

impl StreamProbe {
    /// A probe over `bytes` bytes (rounded down to whole blocks of 16 f32, at least one block).
    pub fn new(bytes: usize) -> Result<Self> {
        if !(64..=MAX_PROBE_BYTES).contains(&bytes) {
            return Err(Error::invalid(
                "bytes",
                format!("must be 64..={MAX_PROBE_BYTES}, got {bytes}"),
            ));
        }
        let len = bytes / 4 / 16 * 16;
        Ok(StreamProbe {
            buf: (0..len).map(|i| (i % 7) as f32 * 0.125).collect(),
        })
    }

    /// The bytes one pass reads (and, for [`StreamProbe::read_write`], also writes).
    pub fn bytes(&self) -> usize {
        self.buf.len() * 4
    }

    /// Reads the whole buffer `reps` times: sixteen independent lanes, which LLVM turns into four
    /// f32x4 accumulators (simd128 / SSE). Returns the sum so that the reads cannot be elided.
    pub fn read(&self, reps: usize) -> f32 {
        (0..reps).map(|_| read_pass(&self.buf)).sum()
    }

    /// Reads and writes the whole buffer `reps` times (`v <- v * 0.5 + 0.25`, which stays in
    /// [0, 1]); returns one value so the writes cannot be elided.
    pub fn read_write(&mut self, reps: usize) -> f32 {
        for _ in 0..reps {
            read_write_pass(&mut self.buf);
        }
        self.buf[self.buf.len() / 2]
    }
}

/// One pass of [`StreamProbe::read`] (portable: LLVM vectorises the sixteen lanes).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn read_pass(buf: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    for c in buf.chunks_exact(16) {
        for l in 0..16 {
            acc[l] += c[l];
        }
    }
    acc.iter().sum()
}

/// One pass of [`StreamProbe::read`] with four explicit f32x4 accumulators.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn read_pass(buf: &[f32]) -> f32 {
    use core::arch::wasm32::*;
    let mut acc = [f32x4_splat(0.0); 4];
    for c in buf.chunks_exact(16) {
        for (l, a) in acc.iter_mut().enumerate() {
            // SAFETY: c has 16 f32, so lanes 4l..4l+4 are inside it; v128_load needs no alignment.
            let v = unsafe { v128_load(c.as_ptr().add(4 * l) as *const v128) };
            *a = f32x4_add(*a, v);
        }
    }
    let s = f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3]));
    f32x4_extract_lane::<0>(s)
        + f32x4_extract_lane::<1>(s)
        + f32x4_extract_lane::<2>(s)
        + f32x4_extract_lane::<3>(s)
}

/// One pass of [`StreamProbe::read_write`] (portable: LLVM vectorises it).
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn read_write_pass(buf: &mut [f32]) {
    for v in buf.iter_mut() {
        *v = *v * 0.5 + 0.25;
    }
}

/// One pass of [`StreamProbe::read_write`] with explicit f32x4 loads and stores.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn read_write_pass(buf: &mut [f32]) {
    use core::arch::wasm32::*;
    let (half, quarter) = (f32x4_splat(0.5), f32x4_splat(0.25));
    for c in buf.chunks_exact_mut(16) {
        for l in 0..4 {
            // SAFETY: c has 16 f32, so lanes 4l..4l+4 are inside it; no alignment needed.
            unsafe {
                let p = c.as_mut_ptr().add(4 * l) as *mut v128;
                v128_store(p, f32x4_add(f32x4_mul(v128_load(p), half), quarter));
            }
        }
    }
}

/// A copy of an IDX image file (16-byte header) with every 0 pixel set to 1 (1/255 in [0, 1]):
/// no pixel is zero, so the kernel's layer 1 must stream all of `W_1` ([`crate::fast`] skips
/// zero pixels). The benchmark's `*_dense` rows train on it, to compare with the dense roofline.
pub fn without_zero_pixels(images_idx: &[u8]) -> Vec<u8> {
    let mut out = images_idx.to_vec();
    for p in out.iter_mut().skip(16) {
        if *p == 0 {
            *p = 1;
        }
    }
    out
}

/// Patterns/s that the streaming limit allows a batch-1 step over `weight_bytes` of weights: the
/// weights read once (at `read_bps` bytes/s) and read and written once (at `read_write_bps`,
/// counting bytes read plus bytes written), i.e. `1 / (W / B_r + 2 W / B_rw)`.
pub fn roofline_patterns_per_s(weight_bytes: f64, read_bps: f64, read_write_bps: f64) -> f64 {
    1.0 / (weight_bytes / read_bps + 2.0 * weight_bytes / read_write_bps)
}

/// A network, a few real patterns and one fixed direction: exact HVPs pattern after pattern.
#[derive(Debug, Clone)]
pub struct CurvatureWorkload {
    net: Network,
    policy: LambdaPolicy,
    inputs: Vec<Vec<f64>>,
    targets: Vec<Vec<f64>>,
    /// A seeded unit direction in parameter space.
    v: Vec<f64>,
    next: usize,
    /// The same in f32 for the fused product (direction set in it), and its output.
    fast: FastHvp,
    inputs32: Vec<Vec<f32>>,
    labels: Vec<usize>,
    out32: Vec<f32>,
}

impl CurvatureWorkload {
    /// The first `count` (>= 1) training patterns of `set`, the network `net`, lambdas by `policy`
    /// (the page's default is Eq. 65 with the white layer), direction from `seed`.
    pub fn new(
        net: Network,
        policy: LambdaPolicy,
        set: &Dataset,
        count: usize,
        seed: u64,
    ) -> Result<Self> {
        if count == 0 || count > set.len() {
            return Err(Error::invalid(
                "count",
                format!(
                    "must be 1..={} (patterns in the set), got {count}",
                    set.len()
                ),
            ));
        }
        if set.input_size() != net.sizes()[0] {
            return Err(Error::invalid(
                "sizes[0]",
                format!(
                    "the data has {} pixels, the network takes {}",
                    set.input_size(),
                    net.sizes()[0]
                ),
            ));
        }
        policy.validate(net.n())?;
        let (mut inputs, mut targets) = (Vec::new(), Vec::new());
        for i in 0..count {
            let mut x0 = vec![0.0; set.input_size()];
            let mut d = vec![0.0; Dataset::CLASSES];
            set.input_into(i, &mut x0);
            set.target_into(i, &mut d);
            inputs.push(x0);
            targets.push(d);
        }
        let mut rng = Rng::new(seed);
        let mut v: Vec<f64> = (0..net.num_params()).map(|_| rng.normal()).collect();
        let norm = dot(&v, &v).sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        let mut fast = FastHvp::from_network(&net, policy.clone())?;
        let inputs32 = inputs
            .iter()
            .map(|x| x.iter().map(|&p| p as f32).collect())
            .collect();
        let labels = (0..count).map(|i| set.label(i)).collect();
        let v32: Vec<f32> = v.iter().map(|&p| p as f32).collect();
        fast.set_direction(&v32);
        let out32 = vec![0.0; net.num_params()];
        Ok(CurvatureWorkload {
            net,
            policy,
            inputs,
            targets,
            v,
            next: 0,
            fast,
            inputs32,
            labels,
            out32,
        })
    }

    /// `H_i v` for the next `n` patterns i (cycling), each from scratch: forward pass, lambdas,
    /// adjoint `b` of J_R (Eq. 19-20), then the tetrad (Eq. 30-31). Returns the sum of the first
    /// entry of each `H_i v`.
    pub fn hvps(&mut self, n: usize) -> Result<f64> {
        let mut total = 0.0;
        for _ in 0..n {
            let i = self.next;
            self.next = (self.next + 1) % self.inputs.len();
            let fw = self.net.forward(&self.inputs[i]);
            let b0 = plain_adjoint(&self.net, &fw, &self.targets[i]);
            let lambda = self.policy.lambdas(&fw, &b0)?;
            let b = adjoint(&self.net, &fw, &self.targets[i], &lambda);
            total += hvp(&self.net, &fw, &b, &lambda, &self.v)[0];
        }
        Ok(total)
    }

    /// The same products with the fused f32 kernel ([`FastHvp`]); returns the sum of the first
    /// entry of each `H_i v` (a cheap checksum: a full dot product would cost another pass).
    pub fn fast_hvps(&mut self, n: usize) -> f64 {
        let mut total = 0.0;
        for _ in 0..n {
            let i = self.next;
            self.next = (self.next + 1) % self.inputs32.len();
            self.fast
                .hvp(&self.inputs32[i], self.labels[i], &mut self.out32);
            total += f64::from(self.out32[0]);
        }
        total
    }

    /// The exact nonzero spectrum of pattern `i`'s Hessian of J_R (`spectrum::exact_spectrum`),
    /// from scratch (forward pass, lambdas, adjoint, reduction, one dense symmetric eigensolve).
    pub fn spectrum(&self, i: usize) -> Result<ExactSpectrum> {
        let (fw, b, lambda) = self.pattern(i)?;
        exact_spectrum(&self.net, &fw, &b, &lambda)
    }

    /// The nonzero eigenpairs of pattern `i`'s Hessian of J_R (`spectrum::eigenpairs`, one
    /// eigensolve with vectors) and the two true second-order steps `H^+ grad J_R` and
    /// `|H|^+ grad J_R` from them, from scratch: what the lab computes beyond the eigenvalues.
    /// Returns the number of nonzero eigenvalues.
    pub fn eigenpairs(&self, i: usize) -> Result<usize> {
        let (fw, b, lambda) = self.pattern(i)?;
        let eig = Eigenpairs::new(&self.net, &fw, &b, &lambda)?;
        let g = gradient(&self.net, &fw, &b);
        std::hint::black_box((eig.pinv(&g), eig.abs_pinv(&g)));
        Ok(eig.eigenvalues().len())
    }

    /// Pattern `i`'s reduced matrix T alone (forward pass, lambdas, adjoint, the reduction of
    /// docs/maths.md section 5.4), without the eigensolve: the part of [`CurvatureWorkload::spectrum`]
    /// before it. Returns the order of T.
    pub fn reduce(&self, i: usize) -> Result<usize> {
        let (fw, b, lambda) = self.pattern(i)?;
        Ok(crate::spectrum::reduced_matrix(&self.net, &fw, &b, &lambda)?.nrows())
    }

    /// The same reduced matrix T of pattern `i` as [`CurvatureWorkload::spectrum`], its eigenvalues
    /// by the project's fixed-order solver (`spectrum::symeig`: Householder + implicit QL) instead
    /// of faer's. Returns the number of nonzero eigenvalues.
    pub fn spectrum_own(&self, i: usize) -> Result<usize> {
        let (fw, b, lambda) = self.pattern(i)?;
        let t = crate::spectrum::reduced_matrix(&self.net, &fw, &b, &lambda)?;
        let eig = crate::spectrum::symeig::SymEig::new(t.as_slice(), t.nrows(), false)?;
        let radius = eig.values().iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let tol = crate::spectrum::zero_tolerance(t.nrows(), radius);
        Ok(eig.values().iter().filter(|v| v.abs() > tol).count())
    }

    /// The same reduced matrix T of pattern `i` as [`CurvatureWorkload::spectrum`], eigensolved
    /// with nalgebra's `SymmetricEigen` instead (eigenvalues alone, or with the vectors when
    /// `vectors`): the measurement behind the choice of faer (docs/maths.md section 5.4).
    /// Returns the number of eigenvalues.
    pub fn spectrum_nalgebra(&self, i: usize, vectors: bool) -> Result<usize> {
        let (fw, b, lambda) = self.pattern(i)?;
        let t = crate::spectrum::reduced_matrix(&self.net, &fw, &b, &lambda)?;
        Ok(if vectors {
            t.symmetric_eigen().eigenvalues.len()
        } else {
            t.symmetric_eigenvalues().len()
        })
    }

    /// Pattern `i`'s forward pass, its lambdas by the policy and the adjoint of J_R at them.
    fn pattern(&self, i: usize) -> Result<(Forward, Vec<Vec<f64>>, Lambdas)> {
        let x0 = self.inputs.get(i).ok_or_else(|| {
            Error::invalid(
                "index",
                format!("must be < {} (patterns held), got {i}", self.inputs.len()),
            )
        })?;
        let fw = self.net.forward(x0);
        let b0 = plain_adjoint(&self.net, &fw, &self.targets[i]);
        let lambda = self.policy.lambdas(&fw, &b0)?;
        let b = adjoint(&self.net, &fw, &self.targets[i], &lambda);
        Ok((fw, b, lambda))
    }
}

/// One f64 matrix product `C = A B` of order `n` (1..=4096) by faer (sequential), on seeded
/// entries: `2 n^3` flops, the dense f64 rate this target reaches (the floor of a dense
/// eigensolver, docs/maths.md section 5.4). Returns the trace of C.
pub fn f64_matmul(n: usize, seed: u64) -> Result<f64> {
    if !(1..=4096).contains(&n) {
        return Err(Error::invalid("n", format!("must be 1..=4096, got {n}")));
    }
    let mut rng = Rng::new(seed);
    let a = faer::Mat::<f64>::from_fn(n, n, |_, _| rng.normal());
    let b = faer::Mat::<f64>::from_fn(n, n, |_, _| rng.normal());
    let mut c = faer::Mat::<f64>::zeros(n, n);
    faer::linalg::matmul::matmul(
        c.as_mut(),
        faer::Accum::Replace,
        a.as_ref(),
        b.as_ref(),
        1.0,
        faer::Par::Seq,
    );
    Ok((0..n).map(|i| c[(i, i)]).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_probe_sums_what_it_holds() {
        let mut p = StreamProbe::new(4096).unwrap();
        let expect: f32 = p.buf.iter().sum();
        let got = p.read(2);
        assert!(
            (got - 2.0 * expect).abs() <= 1e-3 * expect,
            "read {got} vs 2 x {expect}"
        );
        let before = p.buf[p.buf.len() / 2];
        assert_eq!(p.read_write(1), before * 0.5 + 0.25);
        assert_eq!(p.bytes(), 4096);
    }

    #[test]
    fn stream_probe_rejects_bad_sizes() {
        assert!(StreamProbe::new(0).is_err());
        assert!(StreamProbe::new(MAX_PROBE_BYTES + 1).is_err());
    }

    #[test]
    fn roofline_is_one_over_three_passes_at_equal_bandwidths() {
        let r = roofline_patterns_per_s(1e6, 1e9, 1e9);
        assert!((r - 1e9 / 3e6).abs() < 1e-6, "{r} vs {}", 1e9 / 3e6);
    }
}
