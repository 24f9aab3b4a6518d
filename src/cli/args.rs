//! The command line's flags, as clap reads them. The optimizers and the data sets a flag accepts
//! are the catalog's ([`sifrian::catalog`]), not a copy.

use crate::error::{CliError, Result};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use sifrian::catalog::{self, DatasetInfo, OptimizerInfo};
use sifrian::regularisation::LambdaPolicy;
use sifrian::train::Method;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "sifrian",
    version,
    about = "Exact per-pattern second-order maths of leaky-ReLU MLPs (Mehouachi & Kasmi 2021)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Measure patterns/s of every optimizer, HVPs/s, the exact spectrum's time and the
    /// memory-streaming limit on real MNIST (the native half of `make bench`).
    Bench(crate::bench::BenchArgs),
    /// Read one case (JSON) and print the paper's quantities and the exact spectrum as one JSON object.
    Inspect(InspectArgs),
    /// Print a random case file: He-normal weights, a 0/1-ish input, a one-hot target.
    MakeCase(MakeCaseArgs),
    /// Train one network on MNIST or Fashion-MNIST, one pattern per step; writes a CSV and an SVG.
    Train(TrainArgs),
    /// SGD against an MK variant from the same initial weights and sample order (Figures 6/7).
    Compare(CompareArgs),
    /// Draw curves from CSV files written by `train` or `compare`, overlaid, into one SVG.
    Plot(PlotArgs),
    /// Figure 5 for one hidden layer and pattern, with the exact Hessian spectrum beside it (SVG + JSON).
    Figure5(Figure5Args),
    /// Curvature over training: per-pattern spectral radius and inertia, g'Hg/|g|^2 against
    /// 2/step, Eq. 65's lambdas, leaky shares and |lambda_k x_k| against the back-propagated
    /// error, sampled while each optimizer trains (CSV).
    Curvature(CurvatureArgs),
    /// The curvature of the data: the top eigenvalues of the Hessian averaged over N training
    /// patterns (Lanczos on the batched f32 HVP), the mean exact per-pattern radius over a subset
    /// and the paper's Eq. 66/69 on it (JSON).
    BatchCurvature(BatchCurvatureArgs),
}

#[derive(Args)]
pub struct CurvatureArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub net: NetArgs,
    /// A preset of the page (small, medium, paper) instead of --sizes.
    #[arg(long)]
    pub preset: Option<String>,
    /// The optimizers, comma-separated: one run each, same seed (same weights and order).
    #[arg(long, value_parser = optimizer_parser(), value_delimiter = ',', default_value = "sgd,mk")]
    pub optimizer: Vec<&'static OptimizerInfo>,
    /// Their step sizes, comma-separated (default: each optimizer's default step size).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub step: Vec<f64>,
    #[command(flatten)]
    pub damping: DampingArgs,
    /// No white input layer.
    #[arg(long)]
    pub no_white: bool,
    /// Patterns each run trains on.
    #[arg(long, default_value_t = 60_000)]
    pub patterns: u64,
    /// A sample every N patterns (default: the engine's, 2,048).
    #[arg(long)]
    pub every: Option<u64>,
    /// The exact spectrum every N patterns, a multiple of --every; 0: never (default: the
    /// engine's for the net, growing with the cube of its order 2S - s_n).
    #[arg(long)]
    pub spectrum_every: Option<u64>,
    /// Train with the f64 reference engine instead of the f32 kernel.
    #[arg(long)]
    pub f64: bool,
    /// The CSV to write.
    #[arg(long, default_value = "target/runs/curvature.csv")]
    pub csv: PathBuf,
}

#[derive(Args)]
pub struct BatchCurvatureArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub net: NetArgs,
    /// A model file (the page's "save"; replaces --sizes, --alpha and --seed's weights).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Training patterns averaged (chosen by a shuffle seeded by --sample-seed).
    #[arg(long, default_value_t = 1000)]
    pub patterns: usize,
    /// Patterns (the first of the N) whose exact spectrum gives the mean per-pattern radius.
    #[arg(long, default_value_t = 5)]
    pub subset: usize,
    /// Eigenvalues wanted.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Seed of the choice of patterns and of Lanczos's start vector.
    #[arg(long, default_value_t = 0)]
    pub sample_seed: u64,
    /// Lanczos steps at most.
    #[arg(long, default_value_t = 40)]
    pub max_steps: usize,
    /// Relative tolerance of the convergence criterion (residual bound / largest |Ritz value|).
    #[arg(long, default_value_t = 1e-3)]
    pub tol: f64,
    /// `plain`: the Hessian of ½‖d − x_n‖² (what PyHessian measures); `j-r`: of J_R at each
    /// pattern's lambdas by --lambda.
    #[arg(long, default_value = "plain", value_parser = ["plain", "j-r"])]
    pub hessian: String,
    /// lambda policy of `--hessian j-r` and of the paper's radius (`eq65+eq68`: Eq. 69).
    #[arg(long, default_value = "eq65")]
    pub lambda: String,
}

#[derive(Args)]
pub struct InspectArgs {
    /// The case file (format in README.md); `-` reads standard input.
    pub case: String,
}

#[derive(Args)]
pub struct MakeCaseArgs {
    /// Layer sizes s_0..s_n, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "4,5,3,2")]
    pub sizes: Vec<usize>,
    /// Leak slope of the leaky ReLU.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub alpha: f64,
    /// lambda_0..lambda_n, comma-separated (default: 0.5 for k < n, 1 for lambda_n).
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub lambda: Option<Vec<f64>>,
    /// Seed of the weights and the pattern.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub opt: Opt,
}

#[derive(Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub common: Common,
    /// The step size of SGD.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub sgd_step: f64,
    #[command(flatten)]
    pub opt: Opt,
}

#[derive(Args)]
pub struct PlotArgs {
    /// CSV files (columns run,samples,seconds,cost,train_accuracy,validation_accuracy).
    #[arg(required = true)]
    pub csv: Vec<PathBuf>,
    /// Chart title.
    #[arg(long, default_value = "")]
    pub title: String,
    /// Only runs whose label contains this text (repeatable); default all.
    #[arg(long)]
    pub only: Vec<String>,
    /// The SVG to write.
    #[arg(long)]
    pub svg: PathBuf,
}

#[derive(Args)]
pub struct Figure5Args {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub net: NetArgs,
    /// SGD steps (step size 0.01) before drawing, to look at a trained network.
    #[arg(long, default_value_t = 0)]
    pub train_steps: usize,
    /// The hidden layer k (1..n-1).
    #[arg(long, default_value_t = 1)]
    pub layer: usize,
    /// Index of the test pattern.
    #[arg(long, default_value_t = 0)]
    pub pattern: usize,
    /// lambda_k to mark and to compute the full exact spectrum at (default: Eq. 65).
    #[arg(long, allow_negative_numbers = true)]
    pub lambda_now: Option<f64>,
    /// Exact spectra along the lambda axis (1e-4 .. 1e4); 0 skips the sweep.
    #[arg(long, default_value_t = 9)]
    pub sweep_points: usize,
    /// Where the SVG goes.
    #[arg(long, default_value = "target/runs")]
    pub out: PathBuf,
}

// Which data set and where it is.
#[derive(Args)]
pub struct DataArgs {
    /// Which data set.
    #[arg(long, value_parser = dataset_parser(), default_value = "mnist")]
    pub dataset: &'static DatasetInfo,
    /// The folder holding `mnist/` and `fashion/` with the official IDX file names (`make data`).
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
}

// The network: sizes, leak slope, seed. (A `//` comment: a doc comment would become the `about`
// of the subcommands that flatten it.)
#[derive(Args)]
pub struct NetArgs {
    /// Layer sizes s_0..s_n, comma-separated (s_0 = 784, s_n = 10).
    #[arg(long, value_delimiter = ',', default_value = "784,128,64,10")]
    pub sizes: Vec<usize>,
    /// Leak slope of the leaky ReLU.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub alpha: f64,
    /// Seed of the initial weights (and of the sample order).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

// What `train` and `compare` share: the data, the network, the schedule and the outputs.
#[derive(Args)]
pub struct Common {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub net: NetArgs,
    /// Epochs over the training set.
    #[arg(long, default_value_t = 1.0)]
    pub epochs: f64,
    /// Use only the first N training patterns (0: all).
    #[arg(long, default_value_t = 0)]
    pub train_limit: usize,
    /// Hold out the last N training patterns as a validation split: train on the others and
    /// validate on these instead of the test split (0: validate on the test split). For choosing
    /// step sizes without looking at the test split.
    #[arg(long, default_value_t = 0)]
    pub holdout: usize,
    /// Record a curve point every N patterns.
    #[arg(long, default_value_t = 10_000)]
    pub eval_every: usize,
    /// Test patterns used for each validation (0: the whole test split).
    #[arg(long, default_value_t = 0)]
    pub eval_budget: usize,
    /// Output folder for the CSV and SVG.
    #[arg(long, default_value = "target/runs")]
    pub out: PathBuf,
    /// Train with the fused f32 kernel (about 2.4x faster) instead of the f64 reference path.
    #[arg(long)]
    pub f32: bool,
    /// File name stem (default: derived from the settings).
    #[arg(long)]
    pub name: Option<String>,
}

// The optimizer of `train` (and the MK side of `compare`) and its settings.
#[derive(Args)]
pub struct Opt {
    /// The optimizer.
    #[arg(long, value_parser = optimizer_parser(), default_value = "mk")]
    pub optimizer: &'static OptimizerInfo,
    /// Its constant step size.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub step: f64,
    #[command(flatten)]
    pub damping: DampingArgs,
    /// No white input layer: lambda_0 = 0 under Eq. 65, so MK leaves layer 1's weights alone.
    #[arg(long)]
    pub no_white: bool,
}

// The damping and the lambdas of `train`, `compare` and `curvature`: what an optimizer's name
// becomes a method and a lambda policy with.
#[derive(Args)]
pub struct DampingArgs {
    /// Damping mu of Eq. 42 (mk-damped and mk-unreg; default 1).
    #[arg(long, allow_negative_numbers = true)]
    pub mu: Option<f64>,
    /// lambda policy: `eq65`, `eq65+eq68`, or lambda_0..lambda_n comma-separated.
    #[arg(long, default_value = "eq65")]
    pub lambda: String,
}

impl DampingArgs {
    /// The method the optimizer `name` and `--mu` name.
    pub fn method(&self, name: &str) -> Result<Method> {
        Method::from_name(name, self.mu).map_err(CliError::Flag)
    }

    /// The lambda policy of `--lambda` for a network of `n` layers, with a white input layer or
    /// not (`--no-white`).
    pub fn policy(&self, white: bool, n: usize) -> Result<LambdaPolicy> {
        LambdaPolicy::parse(&self.lambda, white, n).map_err(CliError::Flag)
    }
}

impl Opt {
    /// The method `--optimizer` and `--mu` name.
    pub fn method(&self) -> Result<Method> {
        self.damping.method(self.optimizer.name)
    }

    /// The lambda policy of `--lambda` and `--no-white` for a network of `n` layers.
    pub fn policy(&self, n: usize) -> Result<LambdaPolicy> {
        self.damping.policy(!self.no_white, n)
    }

    /// The optimizer and step size as part of a file name: `mk-step0.01`.
    pub fn slug(&self) -> String {
        format!("{}-step{}", self.optimizer.name, self.step)
    }
}

/// `--optimizer`: one of the catalog's optimizer names, each listed with what it does.
fn optimizer_parser() -> impl TypedValueParser<Value = &'static OptimizerInfo> {
    PossibleValuesParser::new(
        catalog::OPTIMIZERS
            .iter()
            .map(|o| PossibleValue::new(o.name).help(o.about)),
    )
    .map(|name| catalog::optimizer(&name).expect("clap accepts only the catalog's names"))
}

/// `--dataset`: one of the catalog's data set names.
fn dataset_parser() -> impl TypedValueParser<Value = &'static DatasetInfo> {
    PossibleValuesParser::new(catalog::DATASETS.iter().map(|d| d.name))
        .map(|name| catalog::dataset(&name).expect("clap accepts only the catalog's names"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// The values clap offers for `--{flag}` of `sifrian {command}`.
    fn values(command: &str, flag: &str) -> Vec<String> {
        let cli = Cli::command();
        let sub = cli.find_subcommand(command).expect("the subcommand exists");
        let arg = sub
            .get_arguments()
            .find(|a| a.get_long() == Some(flag))
            .expect("the flag exists");
        arg.get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect()
    }

    #[test]
    fn the_flag_values_are_the_catalogs_names() {
        assert_eq!(
            values("train", "optimizer"),
            [
                "sgd",
                "mk",
                "mk-damped",
                "mk-unreg",
                "newton",
                "newton-pinv",
                "saddle-free"
            ],
            "--optimizer of train"
        );
        assert_eq!(
            values("compare", "optimizer"),
            values("train", "optimizer"),
            "--optimizer of compare and train"
        );
        assert_eq!(
            values("figure5", "dataset"),
            ["mnist", "fashion"],
            "--dataset of figure5"
        );
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
