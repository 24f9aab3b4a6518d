//! The `sifrian` command line: a thin face over the library (no mathematics here).
//! Native only: the wasm build of the crate is the library (the page's face is src/wasm.rs).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod bench;

#[cfg(not(target_arch = "wasm32"))]
mod cli {

    use clap::{Args, Parser, Subcommand, ValueEnum};
    use indicatif::{ProgressBar, ProgressStyle};
    use sifrian::io::data::Dataset;
    use sifrian::lab::figure5::{figure5, log_grid};
    use sifrian::lab::inspect::{inspect_json, Case};
    use sifrian::plot::{curves_svg, figure5_svg, CurvePoint, Series};
    use sifrian::regularisation::{optimal_lambdas, plain_adjoint, LambdaPolicy};
    use sifrian::train::{Method, TrainConfig, Trainer};
    use std::fmt::Write as _;
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::rc::Rc;
    use std::time::Instant;

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
        /// Measure patterns/s of every optimiser, HVPs/s, the exact spectrum's time and the
        /// memory-streaming limit on real MNIST (the native half of `make bench`).
        Bench(crate::bench::BenchArgs),
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
            #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
            alpha: f64,
            /// lambda_0..lambda_n, comma-separated (default: 0.5 for k < n, 1 for lambda_n).
            #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
            lambda: Option<Vec<f64>>,
            /// Seed of the weights and the pattern.
            #[arg(long, default_value_t = 0)]
            seed: u64,
        },
        /// Train one network on MNIST or Fashion-MNIST, one pattern per step; writes a CSV and an SVG.
        Train {
            #[command(flatten)]
            common: Common,
            #[command(flatten)]
            opt: Opt,
        },
        /// SGD against an MK variant from the same initial weights and sample order (Figures 6/7).
        Compare {
            #[command(flatten)]
            common: Common,
            /// The step size of SGD.
            #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
            sgd_step: f64,
            #[command(flatten)]
            opt: Opt,
        },
        /// Figure 5 for one hidden layer and pattern, with the exact Hessian spectrum beside it (SVG + JSON).
        /// Draw curves from CSV files written by `train` or `compare`, overlaid, into one SVG.
        Plot {
            /// CSV files (columns run,samples,seconds,cost,train_accuracy,validation_accuracy).
            #[arg(required = true)]
            csv: Vec<PathBuf>,
            /// Chart title.
            #[arg(long, default_value = "")]
            title: String,
            /// Only runs whose label contains this text (repeatable); default all.
            #[arg(long)]
            only: Vec<String>,
            /// The SVG to write.
            #[arg(long)]
            svg: PathBuf,
        },
        Figure5 {
            #[command(flatten)]
            data: DataArgs,
            #[command(flatten)]
            net: NetArgs,
            /// SGD steps (step 0.01) before drawing, to look at a trained network.
            #[arg(long, default_value_t = 0)]
            train_steps: usize,
            /// The hidden layer k (1..n-1).
            #[arg(long, default_value_t = 1)]
            layer: usize,
            /// Index of the test pattern.
            #[arg(long, default_value_t = 0)]
            pattern: usize,
            /// lambda_k to mark and to compute the full exact spectrum at (default: Eq. 65).
            #[arg(long, allow_negative_numbers = true)]
            lambda_now: Option<f64>,
            /// Exact spectra along the lambda axis (1e-4 .. 1e4); 0 skips the sweep.
            #[arg(long, default_value_t = 9)]
            sweep_points: usize,
            /// Where the SVG goes.
            #[arg(long, default_value = "target/runs")]
            out: PathBuf,
        },
    }

    #[derive(Clone, Copy, ValueEnum)]
    enum DatasetName {
        Mnist,
        Fashion,
    }

    #[derive(Args)]
    struct DataArgs {
        /// Which data set.
        #[arg(long, value_enum, default_value = "mnist")]
        dataset: DatasetName,
        /// The folder holding `mnist/` and `fashion/` with the official IDX file names (`make data`).
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
    }

    /// The network: sizes, leak slope, seed.
    #[derive(Args)]
    struct NetArgs {
        /// Layer sizes s_0..s_n, comma-separated (s_0 = 784, s_n = 10).
        #[arg(long, value_delimiter = ',', default_value = "784,128,64,10")]
        sizes: Vec<usize>,
        /// Leak slope of the leaky ReLU.
        #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
        alpha: f64,
        /// Seed of the initial weights (and of the sample order).
        #[arg(long, default_value_t = 0)]
        seed: u64,
    }

    #[derive(Args)]
    struct Common {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        net: NetArgs,
        /// Epochs over the training set.
        #[arg(long, default_value_t = 1.0)]
        epochs: f64,
        /// Use only the first N training patterns (0: all).
        #[arg(long, default_value_t = 0)]
        train_limit: usize,
        /// Record a curve point every N patterns.
        #[arg(long, default_value_t = 10_000)]
        eval_every: usize,
        /// Test patterns used for each validation (0: the whole test split).
        #[arg(long, default_value_t = 0)]
        eval_budget: usize,
        /// Output folder for the CSV and SVG.
        #[arg(long, default_value = "target/runs")]
        out: PathBuf,
        /// Train with the fused f32 kernel (about 2.4x faster) instead of the f64 reference path.
        #[arg(long)]
        f32: bool,
        /// File name stem (default: derived from the settings).
        #[arg(long)]
        name: Option<String>,
    }

    #[derive(Clone, Copy, PartialEq, ValueEnum)]
    enum OptName {
        Sgd,
        /// MK as printed (Eq. 40, mu = 0), regularised gradient.
        Mk,
        /// Damped MK (Eq. 42), regularised gradient.
        MkDamped,
        /// The unregularised-gradient variant of (damped) MK: not the paper's formula.
        MkUnreg,
        /// The closed-form Newton step (Eq. 35, sign corrected).
        Newton,
    }

    #[derive(Args)]
    struct Opt {
        /// The optimiser.
        #[arg(long, value_enum, default_value = "mk")]
        optimizer: OptName,
        /// Its constant step.
        #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
        step: f64,
        /// Damping mu of Eq. 42 (mk-damped and mk-unreg; default 1).
        #[arg(long, allow_negative_numbers = true)]
        mu: Option<f64>,
        /// lambda policy: `eq65`, `eq65+eq68`, or lambda_0..lambda_n comma-separated.
        #[arg(long, default_value = "eq65")]
        lambda: String,
        /// No white input layer: lambda_0 = 0 under Eq. 65, so MK leaves layer 1's weights alone.
        #[arg(long)]
        no_white: bool,
    }

    impl Opt {
        fn method(&self) -> Result<Method, String> {
            let name = self
                .optimizer
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default();
            Method::from_name(&name, self.mu).map_err(|e| format!("--{e}"))
        }

        fn policy(&self, n: usize) -> Result<LambdaPolicy, String> {
            LambdaPolicy::parse(&self.lambda, !self.no_white, n).map_err(|e| format!("--{e}"))
        }

        fn slug(&self) -> String {
            let name = self
                .optimizer
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default();
            format!("{name}-step{}", self.step)
        }
    }

    fn load(data: &DataArgs) -> Result<(Rc<Dataset>, Rc<Dataset>, &'static str), String> {
        let (sub, label) = match data.dataset {
            DatasetName::Mnist => ("mnist", "MNIST"),
            DatasetName::Fashion => ("fashion", "Fashion-MNIST"),
        };
        let dir = data.data_dir.join(sub);
        let train = Dataset::load(&dir, "train").map_err(|e| e.to_string())?;
        let test = Dataset::load(&dir, "t10k").map_err(|e| e.to_string())?;
        Ok((Rc::new(train), Rc::new(test), label))
    }

    fn config(
        common: &Common,
        opt: &Opt,
        step: f64,
        method: Method,
    ) -> Result<TrainConfig, String> {
        let n = common.net.sizes.len().saturating_sub(1);
        Ok(TrainConfig {
            sizes: common.net.sizes.clone(),
            alpha: common.net.alpha,
            seed: common.net.seed,
            method,
            step_size: step,
            lambda: opt.policy(n.max(1))?,
            fast: common.f32,
        })
    }

    /// Runs one trainer for the requested epochs, recording a point every `eval_every` patterns.
    fn run(
        trainer: &mut Trainer,
        common: &Common,
        label: &str,
    ) -> Result<(Vec<CurvePoint>, Option<u64>), String> {
        if common.eval_every == 0 {
            return Err("--eval-every: must be at least 1".into());
        }
        if !(common.epochs.is_finite() && common.epochs > 0.0) {
            return Err(format!(
                "--epochs: must be a number > 0, got {}",
                common.epochs
            ));
        }
        let total = (common.epochs * trainer.train_set().len() as f64)
            .round()
            .max(1.0) as u64;
        let budget = if common.eval_budget == 0 {
            trainer.test_set().len()
        } else {
            common.eval_budget
        };
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>28} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}",
            )
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        let start = Instant::now();
        let mut points = Vec::new();
        let mut diverged_at = None;
        while trainer.samples_seen() < total {
            let n = (common.eval_every as u64).min(total - trainer.samples_seen()) as usize;
            let stats = trainer.step(n).map_err(|e| e.to_string())?;
            let val = trainer.evaluate(0, budget).accuracy();
            points.push(CurvePoint {
                samples: stats.samples_seen,
                seconds: start.elapsed().as_secs_f64(),
                cost: stats.mean_loss,
                train_accuracy: stats.accuracy,
                validation_accuracy: Some(val),
            });
            bar.set_position(stats.samples_seen);
            bar.set_message(format!(
                "cost {:.4} val {:.2}%",
                stats.mean_loss,
                100.0 * val
            ));
            if stats.diverged {
                diverged_at = Some(stats.samples_seen);
                break;
            }
        }
        bar.finish_and_clear();
        Ok((points, diverged_at))
    }

    /// Reads the curve CSV that `write_outputs` writes: `(run label, point)` per row.
    fn read_csv(path: &Path) -> Result<Vec<(String, CurvePoint)>, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut lines = text.lines();
        if lines.next() != Some("run,samples,seconds,cost,train_accuracy,validation_accuracy") {
            return Err(format!(
                "{}: not a curve CSV (unexpected header)",
                path.display()
            ));
        }
        lines
            .enumerate()
            .map(|(i, line)| {
                let bad = || format!("{} line {}: malformed row {line:?}", path.display(), i + 2);
                let f: Vec<&str> = line.rsplitn(6, ',').collect();
                if f.len() != 6 {
                    return Err(bad());
                }
                let num = |s: &str| s.parse::<f64>().map_err(|_| bad());
                Ok((
                    f[5].to_string(),
                    CurvePoint {
                        samples: f[4].parse().map_err(|_| bad())?,
                        seconds: num(f[3])?,
                        cost: num(f[2])?,
                        train_accuracy: num(f[1])?,
                        validation_accuracy: if f[0].is_empty() {
                            None
                        } else {
                            Some(num(f[0])?)
                        },
                    },
                ))
            })
            .collect()
    }

    /// The Figures 6/7 chart of labelled runs as an SVG string.
    fn runs_svg(title: &str, runs: &[(String, Vec<CurvePoint>)]) -> Result<String, String> {
        let series: Vec<Series> = runs
            .iter()
            .map(|(l, p)| Series {
                label: l,
                points: p,
            })
            .collect();
        curves_svg((1200, 400), title, &series)
    }

    fn write_outputs(
        out: &Path,
        name: &str,
        title: &str,
        runs: &[(String, Vec<CurvePoint>)],
    ) -> Result<String, String> {
        std::fs::create_dir_all(out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
        let mut csv = String::from("run,samples,seconds,cost,train_accuracy,validation_accuracy\n");
        for (label, points) in runs {
            for p in points {
                let val = p
                    .validation_accuracy
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                writeln!(
                    csv,
                    "{label},{},{:.3},{},{},{val}",
                    p.samples, p.seconds, p.cost, p.train_accuracy
                )
                .expect("writing to a String");
            }
        }
        let svg = runs_svg(title, runs)?;
        let (csv_path, svg_path) = (
            out.join(format!("{name}.csv")),
            out.join(format!("{name}.svg")),
        );
        std::fs::write(&csv_path, csv)
            .map_err(|e| format!("cannot write {}: {e}", csv_path.display()))?;
        std::fs::write(&svg_path, svg)
            .map_err(|e| format!("cannot write {}: {e}", svg_path.display()))?;
        let mut summary = String::new();
        for (label, points) in runs {
            if let Some(p) = points.last() {
                writeln!(summary, "{label}: {} patterns, cost {:.4}, training accuracy {:.2}%, validation accuracy {:.2}%, {:.1} s", p.samples, p.cost, 100.0 * p.train_accuracy, 100.0 * p.validation_accuracy.unwrap_or(f64::NAN), p.seconds).expect("writing to a String");
            }
        }
        writeln!(
            summary,
            "wrote {} and {}",
            csv_path.display(),
            svg_path.display()
        )
        .expect("writing to a String");
        Ok(summary)
    }

    fn subset(set: Rc<Dataset>, limit: usize) -> Rc<Dataset> {
        if limit == 0 || limit >= set.len() {
            set
        } else {
            Rc::new(set.head(limit))
        }
    }

    fn note_divergence(label: &str, at: Option<u64>, summary: &mut String) {
        if let Some(at) = at {
            writeln!(summary, "{label}: a step diverged (NaN/Inf) after {at} patterns; the parameters before it were kept and the run stopped. Try a smaller --step.").expect("writing to a String");
        }
    }

    fn cli(cli: Cli) -> Result<String, String> {
        match cli.command {
            Command::Bench(args) => crate::bench::run(&args),
            Command::Inspect { case } => {
                let text = if case == "-" {
                    std::io::read_to_string(std::io::stdin())
                        .map_err(|e| format!("cannot read standard input: {e}"))?
                } else {
                    std::fs::read_to_string(&case)
                        .map_err(|e| format!("cannot read {case}: {e}"))?
                };
                Ok(inspect_json(&text).map_err(|e| e.to_string())?.to_string())
            }
            Command::MakeCase {
                sizes,
                alpha,
                lambda,
                seed,
            } => {
                let n = sizes.len().saturating_sub(1);
                let lambda = lambda
                    .unwrap_or_else(|| (0..=n).map(|k| if k == n { 1.0 } else { 0.5 }).collect());
                let case = Case::random(&sizes, alpha, lambda, seed).map_err(|e| e.to_string())?;
                serde_json::to_string(&case).map_err(|e| e.to_string())
            }
            Command::Train { common, opt } => {
                let (train, test, set) = load(&common.data)?;
                let train = subset(train, common.train_limit);
                let method = opt.method()?;
                let label = method.label();
                let mut trainer =
                    Trainer::new(config(&common, &opt, opt.step, method)?, train, test)
                        .map_err(|e| e.to_string())?;
                let (points, diverged) = run(&mut trainer, &common, &label)?;
                let name = common.name.clone().unwrap_or_else(|| {
                    format!(
                        "train-{}-{}-seed{}",
                        set.to_lowercase(),
                        opt.slug(),
                        common.net.seed
                    )
                });
                let title = format!("{set}, {:?}, {label}, step {}", common.net.sizes, opt.step);
                let mut summary =
                    write_outputs(&common.out, &name, &title, &[(label.clone(), points)])?;
                note_divergence(&label, diverged, &mut summary);
                Ok(summary)
            }
            Command::Compare {
                common,
                sgd_step,
                opt,
            } => {
                let (train, test, set) = load(&common.data)?;
                let train = subset(train, common.train_limit);
                let method = opt.method()?;
                let mk_label = format!("{} step {}", method.label(), opt.step);
                let sgd_label = format!("SGD step {sgd_step}");
                let mut sgd = Trainer::new(
                    config(&common, &opt, sgd_step, Method::Sgd)?,
                    Rc::clone(&train),
                    Rc::clone(&test),
                )
                .map_err(|e| e.to_string())?;
                let mut other = Trainer::new(config(&common, &opt, opt.step, method)?, train, test)
                    .map_err(|e| e.to_string())?;
                // Same seed: identical initial weights and sample order; checked, not assumed.
                if sgd.network().params != other.network().params {
                    return Err("internal: the two runs do not start from the same weights".into());
                }
                let (sgd_points, sgd_div) = run(&mut sgd, &common, &sgd_label)?;
                let (mk_points, mk_div) = run(&mut other, &common, &mk_label)?;
                let name = common.name.clone().unwrap_or_else(|| {
                    format!(
                        "compare-{}-sgd{}-{}-seed{}",
                        set.to_lowercase(),
                        sgd_step,
                        opt.slug(),
                        common.net.seed
                    )
                });
                let title = format!("{set}, {:?}, seed {}", common.net.sizes, common.net.seed);
                let mut summary = write_outputs(
                    &common.out,
                    &name,
                    &title,
                    &[
                        (sgd_label.clone(), sgd_points),
                        (mk_label.clone(), mk_points),
                    ],
                )?;
                note_divergence(&sgd_label, sgd_div, &mut summary);
                note_divergence(&mk_label, mk_div, &mut summary);
                Ok(summary)
            }
            Command::Plot {
                csv,
                title,
                only,
                svg,
            } => {
                let mut runs: Vec<(String, Vec<CurvePoint>)> = Vec::new();
                for path in &csv {
                    for (label, point) in read_csv(path)? {
                        if !only.is_empty() && !only.iter().any(|o| label.contains(o.as_str())) {
                            continue;
                        }
                        match runs.iter_mut().find(|(l, _)| *l == label) {
                            Some((_, points)) => points.push(point),
                            None => runs.push((label, vec![point])),
                        }
                    }
                }
                if runs.is_empty() {
                    return Err("plot: no curve points to draw".into());
                }
                let text = runs_svg(&title, &runs)?;
                std::fs::write(&svg, text)
                    .map_err(|e| format!("cannot write {}: {e}", svg.display()))?;
                Ok(format!("wrote {} ({} curves)", svg.display(), runs.len()))
            }
            Command::Figure5 {
                data,
                net: NetArgs { sizes, alpha, seed },
                train_steps,
                layer,
                pattern,
                lambda_now,
                sweep_points,
                out,
            } => {
                let (train, test, set) = load(&data)?;
                let config = TrainConfig {
                    sizes: sizes.clone(),
                    alpha,
                    seed,
                    method: Method::Sgd,
                    step_size: 0.01,
                    lambda: LambdaPolicy::Eq65 {
                        white: true,
                        eq68: false,
                    },
                    fast: false,
                };
                let mut trainer =
                    Trainer::new(config, train, Rc::clone(&test)).map_err(|e| e.to_string())?;
                if train_steps > 0 {
                    trainer.step(train_steps).map_err(|e| e.to_string())?;
                }
                if pattern >= test.len() {
                    return Err(format!(
                        "--pattern: {pattern} is past the last test pattern ({})",
                        test.len() - 1
                    ));
                }
                let mut x0 = vec![0.0; test.input_size()];
                let mut d = vec![0.0; Dataset::CLASSES];
                test.input_into(pattern, &mut x0);
                test.target_into(pattern, &mut d);
                let net = trainer.network();
                let fw = net.forward(&x0);
                let base = optimal_lambdas(&fw, &plain_adjoint(net, &fw, &d), true, false)
                    .map_err(|e| e.to_string())?;
                if !(1..net.n()).contains(&layer) {
                    return Err(format!(
                        "--layer: Figure 5 needs a hidden layer k in 1..={}, got {layer}",
                        net.n() - 1
                    ));
                }
                let now = lambda_now.unwrap_or(base.get(layer));
                let sweep = if sweep_points >= 2 {
                    log_grid(1e-4, 1e4, sweep_points)
                } else {
                    Vec::new()
                };
                let fig =
                    figure5(net, &x0, &d, layer, &base, now, &sweep).map_err(|e| e.to_string())?;
                let title = format!("Figure 5, {set} test pattern {pattern}, {sizes:?}, layer {layer}, after {train_steps} SGD steps");
                let svg = figure5_svg((900, 600), &title, &fig)?;
                std::fs::create_dir_all(&out)
                    .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
                let path = out.join(format!(
                    "figure5-{}-layer{layer}-pattern{pattern}-steps{train_steps}.svg",
                    set.to_lowercase()
                ));
                std::fs::write(&path, svg)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                let fam1_max = fig.curves.linear(now);
                let summary = serde_json::json!({
                    "svg": path.display().to_string(),
                    "layer": layer,
                    "eq65_crossing": fig.curves.crossing(),
                    "lambda_now": now,
                    "family1_at_lambda_now": fam1_max,
                    "family2_at_lambda_now": fig.curves.hyperbolic(now),
                    "exact_inertia": [fig.spectrum.positive, fig.spectrum.negative, fig.spectrum.zero],
                    "exact_radius": fig.spectrum.radius,
                    "sweep": fig.sweep.iter().map(|p| serde_json::json!({"lambda": p.lambda, "max_positive": p.max_positive, "max_negative": p.max_negative})).collect::<Vec<_>>(),
                });
                Ok(summary.to_string())
            }
        }
    }

    pub fn main() -> ExitCode {
        match cli(Cli::parse()) {
            Ok(out) => {
                // A closed pipe (`sifrian inspect case.json | head`) is not worth a panic.
                use std::io::Write;
                let _ = writeln!(std::io::stdout(), "{}", out.trim_end());
                ExitCode::SUCCESS
            }
            Err(msg) => {
                eprintln!("error: {}", msg.replace('\n', " "));
                ExitCode::from(2)
            }
        }
    }
}
