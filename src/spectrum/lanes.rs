//! Two f64 lanes for the eigensolver's inner loop ([`super::symeig`]): wasm simd128, SSE2 on
//! x86_64, plain arrays elsewhere. Element-wise add, subtract and multiply only, never a fused
//! multiply-add, so every target computes the same bits as the scalar loop would.

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
mod imp {
    #[derive(Clone, Copy)]
    pub(crate) struct F2([f64; 2]);
    impl F2 {
        #[inline(always)]
        pub fn splat(x: f64) -> F2 {
            F2([x; 2])
        }
        #[inline(always)]
        pub fn load(c: &[f64]) -> F2 {
            F2([c[0], c[1]])
        }
        #[inline(always)]
        pub fn store(self, c: &mut [f64]) {
            c[..2].copy_from_slice(&self.0);
        }
        #[inline(always)]
        pub fn add(self, b: F2) -> F2 {
            F2([self.0[0] + b.0[0], self.0[1] + b.0[1]])
        }
        #[inline(always)]
        pub fn sub(self, b: F2) -> F2 {
            F2([self.0[0] - b.0[0], self.0[1] - b.0[1]])
        }
        #[inline(always)]
        pub fn mul(self, b: F2) -> F2 {
            F2([self.0[0] * b.0[0], self.0[1] * b.0[1]])
        }
        pub fn lanes(self) -> [f64; 2] {
            self.0
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;
    #[derive(Clone, Copy)]
    pub(crate) struct F2(v128);
    impl F2 {
        #[inline(always)]
        pub fn splat(x: f64) -> F2 {
            F2(f64x2_splat(x))
        }
        #[inline(always)]
        pub fn load(c: &[f64]) -> F2 {
            assert!(c.len() >= 2);
            // SAFETY: c holds at least 2 f64; v128_load has no alignment requirement.
            F2(unsafe { v128_load(c.as_ptr() as *const v128) })
        }
        #[inline(always)]
        pub fn store(self, c: &mut [f64]) {
            assert!(c.len() >= 2);
            // SAFETY: c holds at least 2 f64; v128_store has no alignment requirement.
            unsafe { v128_store(c.as_mut_ptr() as *mut v128, self.0) }
        }
        #[inline(always)]
        pub fn add(self, b: F2) -> F2 {
            F2(f64x2_add(self.0, b.0))
        }
        #[inline(always)]
        pub fn sub(self, b: F2) -> F2 {
            F2(f64x2_sub(self.0, b.0))
        }
        #[inline(always)]
        pub fn mul(self, b: F2) -> F2 {
            F2(f64x2_mul(self.0, b.0))
        }
        pub fn lanes(self) -> [f64; 2] {
            [
                f64x2_extract_lane::<0>(self.0),
                f64x2_extract_lane::<1>(self.0),
            ]
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use core::arch::x86_64::*;
    #[derive(Clone, Copy)]
    pub(crate) struct F2(__m128d);
    impl F2 {
        #[inline(always)]
        pub fn splat(x: f64) -> F2 {
            // SAFETY: SSE2 is part of x86_64.
            F2(unsafe { _mm_set1_pd(x) })
        }
        #[inline(always)]
        pub fn load(c: &[f64]) -> F2 {
            assert!(c.len() >= 2);
            // SAFETY: SSE2 is part of x86_64; c holds at least 2 f64 (unaligned load).
            F2(unsafe { _mm_loadu_pd(c.as_ptr()) })
        }
        #[inline(always)]
        pub fn store(self, c: &mut [f64]) {
            assert!(c.len() >= 2);
            // SAFETY: SSE2 is part of x86_64; c holds at least 2 f64 (unaligned store).
            unsafe { _mm_storeu_pd(c.as_mut_ptr(), self.0) }
        }
        #[inline(always)]
        pub fn add(self, b: F2) -> F2 {
            // SAFETY: SSE2 is part of x86_64.
            F2(unsafe { _mm_add_pd(self.0, b.0) })
        }
        #[inline(always)]
        pub fn sub(self, b: F2) -> F2 {
            // SAFETY: SSE2 is part of x86_64.
            F2(unsafe { _mm_sub_pd(self.0, b.0) })
        }
        #[inline(always)]
        pub fn mul(self, b: F2) -> F2 {
            // SAFETY: SSE2 is part of x86_64.
            F2(unsafe { _mm_mul_pd(self.0, b.0) })
        }
        pub fn lanes(self) -> [f64; 2] {
            let mut out = [0f64; 2];
            // SAFETY: out holds 2 f64.
            unsafe { _mm_storeu_pd(out.as_mut_ptr(), self.0) };
            out
        }
    }
}

pub(crate) use imp::F2;
