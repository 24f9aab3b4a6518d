//! The curvature of the data: the top eigenvalues of the Hessian averaged over a batch of training
//! patterns, `H̄ = (1/N) sum_p H_p`, by Lanczos ([`crate::spectrum::lanczos`]) on the batched f32
//! product ([`crate::fast::hvp_batch`]), beside the mean per-pattern exact spectral radius over a
//! subset ([`crate::spectrum`]) and the paper's radius formula (Eq. 66, or Eq. 69 with Eq. 68's
//! lambda_n) over the same subset.
//!
//! Which Hessian: [`BatchHessian::Plain`] is the Hessian of the plain loss `½‖d − x_n‖²` (Eq. 2:
//! J_R with lambda_k = 0 for k < n and lambda_n = 1), what PyHessian measures;
//! [`BatchHessian::JR`] is each pattern's Hessian of J_R at its own lambdas by the policy (Eq. 65:
//! what MK sees). Eq. 66/69 is the paper's claim for J_R at Eq. 65's lambdas (docs/maths.md
//! section 6), whatever Hessian is averaged. By the triangle inequality the radius of H̄ is at most
//! the mean of the per-pattern radii over the same patterns.
//!
//! A [`BatchCurvature`] advances in bounded calls ([`BatchCurvature::advance`]): the caller owns the
//! clock and may stop between calls. Patterns: `N` distinct training indices from a seeded
//! shuffle ([`crate::rng::Rng`]); the subset is their first `M`.

use crate::cost::Lambdas;
use crate::error::{Error, Result};
use crate::fast::hvp_batch::{BatchHvp, BLOCK};
use crate::io::data::Dataset;
use crate::lab::report::paper_radius_for;
use crate::network::Network;
use crate::pattern::Pattern;
use crate::regularisation::LambdaPolicy;
use crate::rng::Rng;
use crate::spectrum::lanczos::{Lanczos, Ritz};
use serde::Serialize;

/// Which Hessian is averaged (module doc).
#[derive(Debug, Clone, PartialEq)]
pub enum BatchHessian {
    /// The plain loss ½‖d − x_n‖².
    Plain,
    /// J_R at each pattern's lambdas by this policy.
    JR(LambdaPolicy),
}

impl BatchHessian {
    fn policy(&self, n: usize) -> LambdaPolicy {
        match self {
            BatchHessian::Plain => LambdaPolicy::Fixed(Lambdas::plain(n)),
            BatchHessian::JR(p) => p.clone(),
        }
    }
    fn name(&self) -> &'static str {
        match self {
            BatchHessian::Plain => "plain",
            BatchHessian::JR(_) => "j_r",
        }
    }
}

/// What to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchCurvatureRequest {
    /// N, training patterns averaged (1..=the training set's size).
    pub patterns: usize,
    /// M, the first M of them get an exact spectrum (0..=N).
    pub subset: usize,
    /// k, eigenvalues wanted (1..=20).
    pub top: usize,
    /// Seeds the choice of patterns and Lanczos's start vector.
    pub seed: u64,
    /// Lanczos steps at most (k..=200).
    pub max_steps: usize,
    /// The convergence criterion's relative tolerance ([`crate::spectrum::lanczos`]).
    pub tol: f64,
    pub hessian: BatchHessian,
    /// Eq. 69 (lambda_n by Eq. 68) instead of Eq. 66 as the paper's radius.
    pub eq68: bool,
}

impl BatchCurvatureRequest {
    /// The defaults: 1,000 patterns, 5 exact spectra, top 5, seed 0, at most 40 steps, tol 1e-3.
    pub fn new(hessian: BatchHessian, eq68: bool) -> Self {
        BatchCurvatureRequest {
            patterns: 1000,
            subset: 5,
            top: 5,
            seed: 0,
            max_steps: 40,
            tol: 1e-3,
            hessian,
            eq68,
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Forward passes and adjoints of the N patterns.
    Prepare,
    /// Lanczos steps, one batched product each.
    Lanczos,
    /// The subset's exact spectra.
    Exact,
    Done,
}

impl Phase {
    /// `"prepare"`, `"lanczos"`, `"exact"` or `"done"` (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            Phase::Prepare => "prepare",
            Phase::Lanczos => "lanczos",
            Phase::Exact => "exact",
            Phase::Done => "done",
        }
    }
}

/// Everything known so far (the page's readout, the CLI's JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchCurvatureReport {
    pub phase: Phase,
    /// `"plain"` or `"j_r"` ([`BatchHessian`]).
    pub hessian: &'static str,
    pub patterns: usize,
    pub seed: u64,
    /// The first few training indices averaged (the rest follow from the seed).
    pub first_indices: Vec<usize>,
    pub prepared: usize,
    /// Single-pattern products so far (Lanczos steps x N, plus the current step's share).
    pub hvps: usize,
    pub max_steps: usize,
    /// The Ritz values (top k descending, their bounds, the lowest, steps, converged).
    pub ritz: Ritz,
    /// `max(|top_1|, |lowest|)` once Lanczos is done: at most the spectral radius of H̄ (Ritz
    /// values lie within H̄'s spectrum), equal to it when top_1 is H̄'s largest-magnitude eigenvalue.
    pub radius_of_mean: Option<f64>,
    /// M, and the exact per-pattern radii (same Hessian as H̄) computed so far.
    pub subset: usize,
    pub subset_radii: Vec<f64>,
    pub mean_radius: Option<f64>,
    /// "Eq. 66" or "Eq. 69", its values on the subset's patterns and their mean.
    pub paper_formula: &'static str,
    pub paper_radii: Vec<f64>,
    pub mean_paper_radius: Option<f64>,
}

/// A run in progress (module doc).
#[derive(Debug, Clone)]
pub struct BatchCurvature {
    req: BatchCurvatureRequest,
    train: std::rc::Rc<Dataset>,
    indices: Vec<usize>,
    hvp: BatchHvp,
    lanczos: Lanczos,
    phase: Phase,
    hvps: usize,
    out: Vec<f64>,
    subset_radii: Vec<f64>,
    paper_radii: Vec<f64>,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

impl BatchCurvature {
    /// A run on `net` over `train`; fails on a request out of range or a network that does not
    /// take `train`'s images and classes, each naming the value.
    pub fn new(
        net: &Network,
        train: std::rc::Rc<Dataset>,
        req: BatchCurvatureRequest,
    ) -> Result<BatchCurvature> {
        let (sizes, n) = (net.sizes(), net.n());
        if sizes[0] != train.input_size() || sizes[n] != Dataset::CLASSES {
            return Err(Error::invalid(
                "sizes",
                format!(
                    "{sizes:?}: the data need {} inputs and {} outputs",
                    train.input_size(),
                    Dataset::CLASSES
                ),
            ));
        }
        if req.patterns == 0 || req.patterns > train.len() {
            return Err(Error::invalid(
                "patterns",
                format!("{}: must be 1..={}", req.patterns, train.len()),
            ));
        }
        if req.subset > req.patterns {
            return Err(Error::invalid(
                "subset",
                format!(
                    "{}: must be 0..={} (the patterns)",
                    req.subset, req.patterns
                ),
            ));
        }
        if req.top == 0 || req.top > 20 {
            return Err(Error::invalid(
                "top",
                format!("{}: must be 1..=20", req.top),
            ));
        }
        if req.max_steps < req.top || req.max_steps > 200 {
            return Err(Error::invalid(
                "max_steps",
                format!("{}: must be {}..=200", req.max_steps, req.top),
            ));
        }
        if !(req.tol.is_finite() && req.tol > 0.0 && req.tol < 1.0) {
            return Err(Error::invalid(
                "tol",
                format!("{}: must be in (0, 1)", req.tol),
            ));
        }
        let hvp = BatchHvp::new(net, req.hessian.policy(n))?;
        let p = hvp.num_params();
        let mut rng = Rng::new(req.seed);
        let mut indices: Vec<usize> = (0..train.len()).collect();
        rng.shuffle(&mut indices);
        indices.truncate(req.patterns);
        let top = req.top.min(p);
        let lanczos = Lanczos::new(p, top, req.max_steps, req.tol, req.seed ^ 0x001A_2C05)?;
        Ok(BatchCurvature {
            req,
            train,
            indices,
            hvp,
            lanczos,
            phase: Phase::Prepare,
            hvps: 0,
            out: vec![0.0; p],
            subset_radii: Vec::new(),
            paper_radii: Vec::new(),
        })
    }

    /// The phase reached.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Does about `budget` (>= 1) patterns' work: forward passes while preparing, single-pattern
    /// products during Lanczos (rounded up to whole blocks of [`BLOCK`]); one exact spectrum per call in the exact phase (about 1 s on the
    /// paper's net). Returns the phase reached.
    pub fn advance(&mut self, budget: usize) -> Result<Phase> {
        let budget = budget.max(1);
        let n = self.req.patterns;
        match self.phase {
            Phase::Prepare => {
                let mut x0 = vec![0f32; self.train.input_size()];
                let end = (self.hvp.len() + budget).min(n);
                for i in self.hvp.len()..end {
                    let index = self.indices[i];
                    crate::fast::pixels_to_input(self.train.pixels(index), &mut x0);
                    self.hvp.push(&x0, self.train.label(index))?;
                }
                if self.hvp.len() == n {
                    self.phase = Phase::Lanczos;
                }
            }
            Phase::Lanczos => {
                if self.hvp.added() == 0 {
                    let q = self.lanczos.direction().expect("Lanczos runs until done");
                    self.hvp.set_direction(q)?;
                }
                // Whole blocks from a block boundary: the f32 block sums, hence the bits of the
                // result, do not depend on the budget.
                let start = self.hvp.added();
                let end = (start + budget)
                    .div_ceil(BLOCK)
                    .saturating_mul(BLOCK)
                    .min(n);
                self.hvp.add(start..end)?;
                self.hvps += end - start;
                if end == n {
                    self.hvp.sum_into(n as f64, &mut self.out);
                    self.lanczos.absorb(&self.out)?;
                    if self.lanczos.done() {
                        self.phase = Phase::Exact;
                    } else {
                        let q = self.lanczos.direction().expect("not done");
                        self.hvp.set_direction(q)?;
                    }
                }
                if self.phase == Phase::Exact && self.req.subset == 0 {
                    self.phase = Phase::Done;
                }
            }
            Phase::Exact => {
                let i = self.subset_radii.len();
                let (radius, paper) = self.exact_radius(self.indices[i])?;
                self.subset_radii.push(radius);
                self.paper_radii.push(paper);
                if self.subset_radii.len() == self.req.subset {
                    self.phase = Phase::Done;
                }
            }
            Phase::Done => {}
        }
        Ok(self.phase)
    }

    /// Runs to the end (the command line).
    pub fn run(&mut self) -> Result<BatchCurvatureReport> {
        while self.phase != Phase::Done {
            self.advance(1 << 20)?;
        }
        Ok(self.report())
    }

    /// Pattern `index`'s exact spectral radius (the averaged Hessian's kind, at the rounded
    /// parameters) and the paper's radius formula for it.
    fn exact_radius(&self, index: usize) -> Result<(f64, f64)> {
        let net = self.hvp.network();
        let (mut x0, mut d) = (
            vec![0.0; self.train.input_size()],
            vec![0.0; Dataset::CLASSES],
        );
        self.train.input_into(index, &mut x0);
        self.train.target_into(index, &mut d);
        let mut p = Pattern::plain(net, &x0, &d)?;
        let (paper, _) = paper_radius_for(&p.paper_radius(), self.req.eq68);
        let lambda = self.req.hessian.policy(net.n()).lambdas(p.fw(), p.b0())?;
        p.set_lambdas(lambda)?;
        Ok((p.exact_spectrum()?.radius, paper))
    }

    /// The report so far.
    pub fn report(&self) -> BatchCurvatureReport {
        let ritz = self.lanczos.ritz().clone();
        let done = self.lanczos.done();
        let radius_of_mean =
            (done && !ritz.top.is_empty()).then(|| ritz.top[0].abs().max(ritz.lowest.abs()));
        let paper_formula = if self.req.eq68 { "Eq. 69" } else { "Eq. 66" };
        BatchCurvatureReport {
            phase: self.phase,
            hessian: self.req.hessian.name(),
            patterns: self.req.patterns,
            seed: self.req.seed,
            first_indices: self.indices.iter().copied().take(5).collect(),
            prepared: self.hvp.len(),
            hvps: self.hvps,
            max_steps: self.lanczos.max_steps(),
            ritz,
            radius_of_mean,
            subset: self.req.subset,
            mean_radius: mean(&self.subset_radii),
            subset_radii: self.subset_radii.clone(),
            paper_formula,
            mean_paper_radius: mean(&self.paper_radii),
            paper_radii: self.paper_radii.clone(),
        }
    }
}
