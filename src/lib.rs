//! # sifrian
//!
//! The mathematics of *Exact Stochastic Second Order Deep Learning* (Mehouachi & Kasmi 2021,
//! arXiv 2104.03804) for leaky-ReLU MLPs, one pattern at a time, in f64: the regularised cost
//! (Eq. 43/67), backprop with state regularisation (Eq. 19-20), exact Hessian-vector products through
//! the Sifrian tetrad (Eq. 30-31), the closed-form Newton step (Eq. 35, sign corrected), MK and
//! damped MK (Eq. 40/42), the lambda rules (Eq. 65/68), the paper's eigenvalue families and radius
//! bounds (Eq. 62/66/69/70) and the exact spectrum they are checked against.
//!
//! Where the paper's printed formulas are wrong the engine computes what is true and says so at the
//! formula (see the module docs); the printed versions are kept only where the product must show them.
//!
//! Layers, bottom up: [`network`] → [`cost`], [`backprop`] → [`hvp`], [`regularisation`],
//! [`directions`] → [`paper_spectrum`], [`spectrum`] → [`pattern`] (one pattern's forward pass
//! and adjoints, computed once, and every quantity derived from them) → [`lab`] (the lab's
//! report and `inspect`, the CLI's JSON case).
//!
//! Around the mathematics, also bottom up (nothing imports upward; only `wasm` touches web
//! types):
//! - [`linalg`], [`rng`], [`error`]: shared by everything;
//! - [`fast`]: the f32 path (one shared f32 network, the fused training step, the fused HVP);
//! - [`io`]: IDX files, data sets, the model file; [`catalog`]: presets, optimizers, limits;
//! - [`train`]: the step-wise trainer over one engine (the f64 reference or the f32 kernel);
//! - [`plot`]: charts of what [`train`] and [`lab`] give (plotters, any backend);
//!   [`bench`](mod@bench): the benchmark's workloads;
//! - two thin faces: `wasm` (the page, `src/wasm.rs`, the only `#[wasm_bindgen]` file) and the
//!   command line (the binary, `src/cli/`). The maths notes: `docs/maths.md`.

// The paper's mathematics, in f64, one module per formula.
pub mod backprop;
pub mod cost;
pub mod directions;
pub mod hvp;
pub mod linalg;
pub mod network;
pub mod paper_spectrum;
pub mod pattern;
pub mod regularisation;
pub mod spectrum;

// Around it: the fast f32 path, files and data, the trainer, the lab's reports, charts.
#[cfg(any(feature = "bench", not(target_arch = "wasm32")))]
pub mod bench;
pub mod catalog;
pub mod error;
pub mod fast;
pub mod io;
pub mod lab;
pub mod plot;
pub mod rng;
pub mod train;

// The page's face (the command line's is src/cli/).
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};
