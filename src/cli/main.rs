//! The `sifrian` command line: a thin face over the library (no mathematics here).
//! Native only: the wasm build of the crate is the library (the page's face is src/wasm.rs).
//!
//! - [`args`]: the flags, as clap reads them (the optimizers and data sets from the catalog);
//! - [`commands`]: `inspect`, `make-case`, `plot`, `figure5`;
//! - [`run`]: `train` and `compare`, the training runs;
//! - [`curvature`]: `curvature`, the instruments sampled over training (CSV);
//! - [`curves`]: the curve CSV they write and `plot` reads, and the chart;
//! - [`bench`]: `bench`, the native half of `make bench`;
//! - [`error`]: the one error type; every failure is one line on standard error and status 2.

#[cfg(not(target_arch = "wasm32"))]
mod args;
#[cfg(not(target_arch = "wasm32"))]
mod bench;
#[cfg(not(target_arch = "wasm32"))]
mod commands;
#[cfg(not(target_arch = "wasm32"))]
mod curvature;
#[cfg(not(target_arch = "wasm32"))]
mod curves;
#[cfg(not(target_arch = "wasm32"))]
mod error;
#[cfg(not(target_arch = "wasm32"))]
mod run;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    use std::io::Write;
    use std::process::ExitCode;
    match dispatch(args::Cli::parse().command) {
        Ok(out) => {
            // A closed pipe (`sifrian inspect case.json | head`) is not worth a panic.
            let _ = writeln!(std::io::stdout(), "{}", out.trim_end());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", e.to_string().replace('\n', " "));
            ExitCode::from(e.exit_status())
        }
    }
}

/// Runs one subcommand; returns what goes to standard output.
#[cfg(not(target_arch = "wasm32"))]
fn dispatch(command: args::Command) -> error::Result<String> {
    use args::Command;
    match command {
        Command::Bench(args) => bench::run(&args),
        Command::Inspect(args) => commands::inspect(&args),
        Command::MakeCase(args) => commands::make_case(&args),
        Command::Train(args) => run::train(&args),
        Command::Compare(args) => run::compare(&args),
        Command::Plot(args) => commands::plot(&args),
        Command::Figure5(args) => commands::figure5(&args),
        Command::Curvature(args) => curvature::run(&args),
        Command::BatchCurvature(args) => commands::batch_curvature(&args),
    }
}
