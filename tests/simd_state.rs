//! The exact spectrum leaves the CPU's vector state clean (x86_64 with AVX only).
//!
//! faer's x86 matrix kernels can return with the upper halves of the AVX registers in use; after
//! that every SSE instruction of the f32 kernel carries a false dependency on them (measured:
//! SGD on the paper's net 4x slower for the rest of the process; `faer_call` in src/spectrum.rs).
//! The state is read directly, not timed: `XGETBV` with ECX = 1 returns XINUSE, whose bit 2 says
//! whether the upper halves of the YMM registers may be in use (zero after `vzeroupper`). The
//! eigenpairs now use the project's own solver (src/spectrum/symeig.rs) and the spectrum faer's
//! eigenvalues behind `faer_call`; the test keeps both from regressing.

#![cfg(target_arch = "x86_64")]

use sifrian::network::Network;
use sifrian::pattern::Pattern;

/// XINUSE's AVX bit, or None when the CPU cannot report it (no AVX or no XGETBV with ECX = 1).
fn upper_halves_in_use() -> Option<bool> {
    if !std::arch::is_x86_feature_detected!("avx") || !std::arch::is_x86_feature_detected!("xsave")
    {
        return None;
    }
    // CPUID.(EAX = 0Dh, ECX = 1):EAX bit 2: XGETBV with ECX = 1 is supported.
    let leaf = std::arch::x86_64::__cpuid_count(0xD, 1);
    if leaf.eax & 4 == 0 {
        return None;
    }
    let xinuse = unsafe { xinuse() };
    Some(xinuse & 4 != 0)
}

#[target_feature(enable = "xsave")]
unsafe fn xinuse() -> u64 {
    std::arch::x86_64::_xgetbv(1)
}

/// The paper's net (784-512-256-32-10, reduced order 1,610: the size at which faer's kernels
/// left the state dirty) at its seeded initialisation, on a fixed synthetic digit-like input.
fn paper_pattern_net() -> (Network, Vec<f64>, Vec<f64>) {
    let net = Network::new(&[784, 512, 256, 32, 10], 0.01, 3).unwrap();
    let x0: Vec<f64> = (0..784)
        .map(|i| if (i / 28 + i % 28) % 7 < 3 { 0.9 } else { 0.0 })
        .collect();
    let mut d = vec![0.0; 10];
    d[4] = 1.0;
    (net, x0, d)
}

#[test]
fn the_eigenpairs_and_the_spectrum_leave_the_avx_upper_halves_clean() {
    let Some(_) = upper_halves_in_use() else {
        eprintln!("this CPU does not report XINUSE: nothing to check");
        return;
    };
    let (net, x0, d) = paper_pattern_net();
    let p = Pattern::plain(&net, &x0, &d).unwrap();
    let pairs = p.eigenpairs().unwrap();
    let after_pairs = upper_halves_in_use().unwrap();
    let spectrum = p.exact_spectrum().unwrap();
    let after_spectrum = upper_halves_in_use().unwrap();
    assert_eq!(
        pairs.spectrum().positive + pairs.spectrum().negative,
        spectrum.positive + spectrum.negative,
        "the two solves disagree on the nonzero count"
    );
    assert!(
        !after_pairs && !after_spectrum,
        "upper halves in use after eigenpairs: {after_pairs}, after the spectrum: {after_spectrum} (expected false, false)"
    );
}
