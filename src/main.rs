//! The `sifrian` command line: a thin face over the library (no mathematics here).

use clap::{Parser, Subcommand};
use sifrian::inspect::{inspect_json, Case};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "sifrian",
    version,
    about = "Exact per-pattern second-order maths of leaky-ReLU MLPs (Mehouachi & Kasmi 2021)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read one case (JSON) and print the paper's quantities and the exact spectrum as one JSON object.
    Inspect {
        /// The case file (format in README.md); `-` reads standard input.
        case: String,
    },
    /// Print a random case file: He-normal weights, a 0/1-ish input, a one-hot target.
    MakeCase {
        /// Layer sizes s_0..s_n, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "4,5,3,2")]
        sizes: Vec<usize>,
        /// Leak slope of the leaky ReLU.
        #[arg(long, default_value_t = 0.01)]
        alpha: f64,
        /// lambda_0..lambda_n, comma-separated (default: 0.5 for k < n, 1 for lambda_n).
        #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
        lambda: Option<Vec<f64>>,
        /// Seed of the weights and the pattern.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

fn run(cli: Cli) -> Result<String, String> {
    match cli.command {
        Command::Inspect { case } => {
            let text = if case == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| format!("cannot read standard input: {e}"))?
            } else {
                std::fs::read_to_string(&case).map_err(|e| format!("cannot read {case}: {e}"))?
            };
            let report = inspect_json(&text).map_err(|e| e.to_string())?;
            Ok(report.to_string())
        }
        Command::MakeCase {
            sizes,
            alpha,
            lambda,
            seed,
        } => {
            let n = sizes.len().saturating_sub(1);
            let lambda =
                lambda.unwrap_or_else(|| (0..=n).map(|k| if k == n { 1.0 } else { 0.5 }).collect());
            let case = Case::random(&sizes, alpha, lambda, seed).map_err(|e| e.to_string())?;
            serde_json::to_string(&case).map_err(|e| e.to_string())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("error: {}", msg.replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
