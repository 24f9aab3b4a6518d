//! The golden f32 runs, in one place: their set-up and their expected hashes. tests/fast.rs checks
//! them natively, tests/wasm.rs in the browser (it includes this file by `#[path]`): the same
//! bits on every target is what the fixed lanes and order of src/fast/kernels.rs promise.
//!
//! How the hashes were made: the f32 kernel [`FastNet`] from `Network::new(&[784, 32, 16, 10],
//! 0.01, 1)`, one `train_step` on each of the fixture training patterns 0..200 in file order
//! (tests/fixtures/mnist-train-*-500-*, input by `pixels_to_input`), lambdas by Eq. 65 with the
//! white layer (lambda_n = 1, [`LAMBDAS`]), the fused schedule; the hash is FNV-1a 64
//! (`sifrian::io::model_file::fnv1a64`) of the final parameters' f32 bits, little-endian, in
//! `Network`'s layout (`FastNet::params`). The three runs: [`GOLDEN`].
//!
//! To regenerate them (only after a deliberate change of the kernel's arithmetic: they are what
//! "same bits natively and in wasm" is measured against), run
//! `cargo test --test fast golden_hashes_of_the_f32_parameters -- --nocapture`: it prints
//! `golden: sgd 0x... mk 0x... mk_damped 0x...`; paste the three values into [`GOLDEN`] and check
//! the browser with `cargo test --target wasm32-unknown-unknown --test wasm`.
#![allow(dead_code)]

use sifrian::fast::{pixels_to_input, FastLambdas, FastMethod, FastNet};
use sifrian::io::data::Dataset;
use sifrian::io::model_file::fnv1a64;
use sifrian::network::Network;

/// The f64 saddle-free run (`newton-pinv`'s engine, src/train/spectral.rs): the hash
/// (`sifrian::io::model_file::params_hash` of the f64 parameters) after 30 steps of `saddle-free`
/// at step 0.001 on 784-16-10 (`Network` seed 3, alpha 0.01, Eq. 65 with the white layer) on the
/// fixture training patterns in file order. Made by tests/spectral.rs
/// `the_same_seed_gives_the_same_spectral_run_and_the_golden_hash` (`-- --nocapture` prints it)
/// on 2026-12-02 after the eigensolver became the fixed-order `spectrum::symeig`; tests/wasm.rs
/// checks the same value in Chromium. (With faer and nalgebra's products it was ffa0199e6ceaf23e
/// natively and 29c6be72bbece48b in Chromium.)
pub const SADDLE_FREE_HASH: &str = "cc61884578b9e106";

/// One golden run: its method and step size, and the hash of the parameters it ends with.
pub struct Golden {
    pub name: &'static str,
    pub method: FastMethod,
    pub step: f32,
    pub hash: u64,
}

/// Eq. 65 with the white layer, lambda_n = 1: the lambdas of every golden run.
pub const LAMBDAS: FastLambdas = FastLambdas::Eq65 {
    white: true,
    eq68: false,
};

/// SGD, MK as printed (Eq. 40) and damped MK (Eq. 42), at the page's default step sizes.
pub const GOLDEN: [Golden; 3] = [
    Golden {
        name: "SGD step 0.01",
        method: FastMethod::Sgd,
        step: 0.01,
        hash: 0xf8d3_4343_e521_17d9,
    },
    Golden {
        name: "MK mu=0 Eq.65 white step 0.001",
        method: FastMethod::Mk {
            mu: 0.0,
            unregularised: false,
        },
        step: 0.001,
        hash: 0xceb9_b1dc_d525_fa66,
    },
    Golden {
        name: "MK mu=1 Eq.65 white step 0.03",
        method: FastMethod::Mk {
            mu: 1.0,
            unregularised: false,
        },
        step: 0.03,
        hash: 0xbe03_e706_6ba8_b7ef,
    },
];

/// The committed training fixture (the first 500 MNIST training digits), compiled in so that
/// the browser test needs no file system.
pub fn train_fixture() -> Dataset {
    Dataset::from_idx(
        include_bytes!("../fixtures/mnist-train-images-500-idx3-ubyte"),
        include_bytes!("../fixtures/mnist-train-labels-500-idx1-ubyte"),
    )
    .unwrap()
}

/// The golden set-up with any method, lambdas, step size and schedule (`two_pass`): the f32
/// kernel after one step on each of the fixture's training patterns 0..200.
pub fn golden_run(method: FastMethod, lambdas: FastLambdas, step: f32, two_pass: bool) -> FastNet {
    let train = train_fixture();
    let net = Network::new(&[784, 32, 16, 10], 0.01, 1).unwrap();
    let mut fast = FastNet::from_network(&net).unwrap();
    fast.set_two_pass(two_pass);
    let mut x0 = vec![0f32; 784];
    for i in 0..200 {
        pixels_to_input(train.pixels(i), &mut x0);
        let out = fast.train_step(&x0, train.label(i), &method, &lambdas, step);
        assert!(!out.diverged, "{method:?}: step {i} rejected");
    }
    fast
}

/// FNV-1a 64 of the parameters' f32 bits, little-endian.
pub fn params_hash(params: &[f32]) -> u64 {
    let bytes: Vec<u8> = params.iter().flat_map(|p| p.to_le_bytes()).collect();
    fnv1a64(&bytes)
}
