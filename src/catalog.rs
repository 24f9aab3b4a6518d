//! The facts the page and the command line share, written once: the architecture presets, the
//! optimizer table (name, labels, default step size, whether the damping mu applies), the data
//! sets (key and display name) and the size limits. The command line reads them directly; the
//! page reads them from the wasm export `catalog()` (src/wasm.rs), so neither keeps a copy.

use crate::network::MAX_PARAMS;
use crate::spectrum::{MAX_EIGENPAIR_ORDER, MAX_SPECTRUM_ORDER};
use serde::Serialize;

/// A named architecture s_0..s_n.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Preset {
    /// The key the page's URL and `sifrian bench --presets` use.
    pub name: &'static str,
    pub sizes: &'static [usize],
}

/// The page's architecture presets, smallest first; `paper` is the paper's MNIST network (section 6).
pub const PRESETS: [Preset; 3] = [
    Preset {
        name: "small",
        sizes: &[784, 64, 10],
    },
    Preset {
        name: "medium",
        sizes: &[784, 128, 64, 10],
    },
    Preset {
        name: "paper",
        sizes: &[784, 512, 256, 32, 10],
    },
];

/// The preset called `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// One optimizer as the page and the command line offer it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OptimizerInfo {
    /// The name `train::Method::from_name`, `--optimizer` and the page use.
    pub name: &'static str,
    /// Its label in the page's menu.
    pub label: &'static str,
    /// Its short label in legends and readouts.
    pub short: &'static str,
    /// The step size the page starts it with (and `sifrian bench` measures it at), chosen by the
    /// scan `tests/experiments/defaults.sh` (README, "Default step sizes"): the best mean held-out
    /// accuracy after one epoch over 784-64-10 and 784-128-64-10, seeds 0 and 1, among the scanned
    /// steps that diverged in none of those runs (Newton: all did; the one that lasted longest).
    /// `newton-pinv` and `saddle-free`: the shorter scan `tests/experiments/spectral_defaults.sh`
    /// (784-64-10 only, 5,000 patterns), the same rule.
    pub default_step_size: f64,
    /// Whether the damping mu of Eq. 42 applies (default 1).
    pub uses_mu: bool,
    /// What it does and what its default run did in that scan (`sifrian train --help` lists it).
    pub about: &'static str,
}

/// Every optimizer, in the order the page lists them.
pub const OPTIMIZERS: [OptimizerInfo; 7] = [
    OptimizerInfo {
        name: "sgd",
        label: "SGD",
        short: "SGD",
        default_step_size: 0.01,
        uses_mu: false,
        about: "Plain SGD on 1/2 ||d - x_n||^2; at step 0.01 it reached 96.0-96.5 % held-out \
                accuracy after one epoch on 784-64-10 and 784-128-64-10, 97.1-97.2 % after five on 784-64-10",
    },
    OptimizerInfo {
        name: "mk",
        label: "MK as printed (Eq. 40)",
        short: "MK",
        default_step_size: 0.0003,
        uses_mu: false,
        about: "MK as printed (Eq. 40, mu = 0), regularised gradient; at step 0.0003 it reached 69-80 % \
                held-out accuracy after one epoch on 784-64-10 (42-63 % on 784-128-64-10) and 74-80 % \
                after five; at 0.001 it diverged after 134,065-173,661 patterns (784-64-10)",
    },
    OptimizerInfo {
        name: "mk-damped",
        label: "damped MK (Eq. 42)",
        short: "MK damped",
        default_step_size: 0.01,
        uses_mu: true,
        about: "Damped MK (Eq. 42), regularised gradient; at mu = 1, step 0.01 it reached 79-89 % \
                held-out accuracy after one epoch, then fell to 83-86 % after five on 784-64-10; at \
                0.03 it diverged after 105,849-111,656 patterns",
    },
    OptimizerInfo {
        name: "mk-unreg",
        label: "MK, unregularised-gradient variant",
        short: "MK unreg. variant",
        default_step_size: 0.03,
        uses_mu: true,
        about: "The unregularised-gradient variant of (damped) MK: not the paper's formula; at mu = 1, \
                step 0.03 it trained like SGD: 95.6-96.5 % held-out accuracy after one epoch, \
                96.9-97.2 % after five on 784-64-10",
    },
    OptimizerInfo {
        name: "newton",
        label: "Newton (Eq. 35)",
        short: "Newton",
        default_step_size: 0.0001,
        uses_mu: false,
        about: "The closed-form Newton step (Eq. 35, sign corrected), for teaching: it diverged at every \
                scanned step, at 0.0001 after 8,922-14,423 patterns (it overshoots, docs/maths.md \
                section 3)",
    },
    OptimizerInfo {
        name: "newton-pinv",
        label: "minimum-norm Newton H⁺∇J_R (small nets)",
        short: "Newton H⁺",
        default_step_size: 0.0003,
        uses_mu: false,
        about: "Minimum-norm Newton H⁺∇J_R over the nonzero spectrum of each pattern's exact Hessian \
                of J_R (f64 eigenpairs; nets of reduced order 2S - s_n <= 512 only); in a short scan \
                (784-64-10, 5,000 patterns, seeds 0 and 1) at step 0.0003 it reached 11.7-16.5 % \
                held-out accuracy, at 0.0001 9.5-12.6 %; at 0.001 it diverged after 4,020-4,894 \
                patterns",
    },
    OptimizerInfo {
        name: "saddle-free",
        label: "saddle-free Newton |H|⁺∇J_R (small nets)",
        short: "saddle-free",
        default_step_size: 0.01,
        uses_mu: false,
        about: "Saddle-free Newton |H|⁺∇J_R (every curvature of each pattern's exact Hessian of J_R \
                counted positive; f64 eigenpairs; nets of reduced order 2S - s_n <= 512 only); in a \
                short scan (784-64-10, 5,000 patterns, seeds 0 and 1) at step 0.01 it reached \
                14.2-18.6 % held-out accuracy, at 0.001-0.003 9.5-14.1 %; larger steps were not \
                scanned",
    },
];

/// The optimizer called `name`.
pub fn optimizer(name: &str) -> Option<&'static OptimizerInfo> {
    OPTIMIZERS.iter().find(|o| o.name == name)
}

/// A data set the page and the command line offer (both in the MNIST layout, see
/// [`crate::io::data`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DatasetInfo {
    /// The key `--dataset` and the page's URL use, and the folder under `data/` (`make data`).
    pub name: &'static str,
    /// Its display name.
    pub label: &'static str,
    /// What its images show, for the page's menu.
    pub about: &'static str,
    /// The name of each class 0..CLASSES-1 (the page's prediction, bars, labels, matrix axes).
    pub classes: [&'static str; CLASSES],
    /// One image of it, for the page's sentences ("Draw a digit").
    pub item: &'static str,
}

/// Every data set, in the order the page lists them.
pub const DATASETS: [DatasetInfo; 2] = [
    DatasetInfo {
        name: "mnist",
        label: "MNIST",
        about: "handwritten digits",
        classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        item: "a digit",
    },
    DatasetInfo {
        name: "fashion",
        label: "Fashion-MNIST",
        about: "clothing",
        // The class names of Fashion-MNIST's own description of its labels.
        classes: [
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ],
        item: "a piece of clothing",
    },
];

/// The data set called `name`.
pub fn dataset(name: &str) -> Option<&'static DatasetInfo> {
    DATASETS.iter().find(|d| d.name == name)
}

/// The default damping mu of Eq. 42 for the optimizers that use it.
pub const DEFAULT_MU: f64 = 1.0;

/// The number of classes (s_n) of both data sets; labels are 0..CLASSES-1.
pub const CLASSES: usize = 10;

/// Pixels per image (s_0) of both data sets: 28 x 28.
pub const INPUT_SIZE: usize = 784;

/// The largest layer the page's custom sizes accept (the engine itself limits only the
/// parameter count, [`MAX_PARAMS`]).
pub const MAX_LAYER_SIZE: usize = 4096;

/// The largest step size the page's fields and address accept (the engine takes any finite
/// number > 0).
pub const MAX_STEP_SIZE: f64 = 100.0;

/// The largest damping mu the page's fields and address accept (the engine takes any finite
/// number >= 0).
pub const MAX_MU: f64 = 1e6;

/// The leak slope alpha of `F` the page's field and address accept: `0 < alpha < MAX_LEAK_SLOPE`
/// (the engine refuses alpha <= 0, `network::validate_architecture`; below 1 the unit leaks less
/// than it passes, the paper's leaky ReLU).
pub const MAX_LEAK_SLOPE: f64 = 1.0;

/// The largest seed the page's field and address accept: the wasm configuration's seed is a u32.
pub const MAX_SEED: u32 = u32::MAX;

/// Everything above as one value, for the page.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub presets: &'static [Preset],
    pub optimizers: &'static [OptimizerInfo],
    pub datasets: &'static [DatasetInfo],
    pub default_mu: f64,
    pub classes: usize,
    pub input_size: usize,
    pub max_layer_size: usize,
    pub max_step_size: f64,
    pub max_mu: f64,
    pub max_leak_slope: f64,
    pub max_seed: u32,
    pub max_params: usize,
    pub max_spectrum_order: usize,
    /// Largest reduced order for which the lab computes eigenvectors (src/spectrum.rs).
    pub max_eigenpair_order: usize,
}

/// The catalog the page reads at start-up.
pub fn catalog() -> Catalog {
    Catalog {
        presets: &PRESETS,
        optimizers: &OPTIMIZERS,
        datasets: &DATASETS,
        default_mu: DEFAULT_MU,
        classes: CLASSES,
        input_size: INPUT_SIZE,
        max_layer_size: MAX_LAYER_SIZE,
        max_step_size: MAX_STEP_SIZE,
        max_mu: MAX_MU,
        max_leak_slope: MAX_LEAK_SLOPE,
        max_seed: MAX_SEED,
        max_params: MAX_PARAMS,
        max_spectrum_order: MAX_SPECTRUM_ORDER,
        max_eigenpair_order: MAX_EIGENPAIR_ORDER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::Method;

    #[test]
    fn every_optimizer_name_parses_as_a_method() {
        for o in OPTIMIZERS {
            let mu = o.uses_mu.then_some(DEFAULT_MU);
            assert!(
                Method::from_name(o.name, mu).is_ok(),
                "{} does not parse",
                o.name
            );
        }
    }

    #[test]
    fn every_preset_has_the_data_sets_input_and_output_sizes() {
        for p in PRESETS {
            assert_eq!(p.sizes[0], INPUT_SIZE, "{}: s_0", p.name);
            assert_eq!(p.sizes[p.sizes.len() - 1], CLASSES, "{}: s_n", p.name);
        }
    }
}
