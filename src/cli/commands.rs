//! `inspect`, `make-case`, `plot`, `figure5` and `batch-curvature`: each reads its flags, asks the library, and
//! returns what `main` prints (JSON for `inspect`, `make-case` and `figure5`).

use crate::args::{BatchCurvatureArgs, Figure5Args, InspectArgs, MakeCaseArgs, NetArgs, PlotArgs};
use crate::curves::{read_csv, runs_svg, Run};
use crate::error::{fs, CliError, Result};
use crate::run::load;
use serde_json::json;
use sifrian::io::data::Dataset;
use sifrian::lab::figure5::{at_layer, log_grid, Figure5};
use sifrian::lab::inspect::{inspect_json, Case};
use sifrian::paper_spectrum::check_hidden_layer;
use sifrian::pattern::Pattern;
use sifrian::plot::figure5_svg;
use sifrian::regularisation::LambdaPolicy;
use sifrian::train::{Method, TrainConfig, Trainer};
use std::path::Path;
use std::rc::Rc;

/// `sifrian inspect`: the report on one case file (or standard input for `-`).
pub fn inspect(args: &InspectArgs) -> Result<String> {
    let text = if args.case == "-" {
        fs::read_stdin()?
    } else {
        fs::read_to_string(Path::new(&args.case))?
    };
    Ok(inspect_json(&text)?.to_string())
}

/// `sifrian make-case`: a random case file.
pub fn make_case(args: &MakeCaseArgs) -> Result<String> {
    let n = args.sizes.len().saturating_sub(1);
    let lambda = args
        .lambda
        .clone()
        .unwrap_or_else(|| (0..=n).map(|k| if k == n { 1.0 } else { 0.5 }).collect());
    let case = Case::random(&args.sizes, args.alpha, lambda, args.seed)?;
    Ok(serde_json::to_string(&case)?)
}

/// `sifrian plot`: the runs of the CSV files (those whose label contains an `--only` text),
/// each run's points in file order, drawn into one SVG.
pub fn plot(args: &PlotArgs) -> Result<String> {
    let mut runs: Vec<Run> = Vec::new();
    for path in &args.csv {
        for (label, point) in read_csv(path)? {
            if !args.only.is_empty() && !args.only.iter().any(|o| label.contains(o.as_str())) {
                continue;
            }
            match runs.iter_mut().find(|(l, _)| *l == label) {
                Some((_, points)) => points.push(point),
                None => runs.push((label, vec![point])),
            }
        }
    }
    if runs.is_empty() {
        return Err(CliError::usage("plot", "no curve points to draw"));
    }
    fs::write(&args.svg, runs_svg(&args.title, &runs)?)?;
    Ok(format!(
        "wrote {} ({} curves)",
        args.svg.display(),
        runs.len()
    ))
}

/// `sifrian figure5`: Figure 5's two families of one hidden layer and one test pattern, beside
/// the exact spectrum, after `--train-steps` SGD steps; writes the SVG, returns a JSON summary.
pub fn figure5(args: &Figure5Args) -> Result<String> {
    let Figure5Args {
        data,
        net: NetArgs { sizes, alpha, seed },
        train_steps,
        layer,
        pattern,
        lambda_now,
        sweep_points,
        out,
    } = args;
    let (train, test, set) = load(data)?;
    let config = TrainConfig {
        sizes: sizes.clone(),
        alpha: *alpha,
        seed: *seed,
        method: Method::Sgd,
        step_size: 0.01,
        lambda: LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        },
        fast: false,
    };
    let mut trainer = Trainer::new(config, train, Rc::clone(&test))?;
    if *train_steps > 0 {
        trainer.step(*train_steps)?;
    }
    let pattern = test.check_index("--pattern", *pattern, "test")?;
    let mut x0 = vec![0.0; test.input_size()];
    let mut d = vec![0.0; Dataset::CLASSES];
    test.input_into(pattern, &mut x0);
    test.target_into(pattern, &mut d);
    let net = trainer.network();
    // One forward pass and plain adjoint: Eq. 65's lambdas, then Figure 5 at lambda_k = now.
    let p = Pattern::plain(net, &x0, &d)?;
    let base = p.optimal_lambdas(true, false)?;
    let layer = *layer;
    check_hidden_layer(net.n(), layer).map_err(CliError::Flag)?;
    let now = lambda_now.unwrap_or(base.get(layer));
    let sweep = if *sweep_points >= 2 {
        log_grid(1e-4, 1e4, *sweep_points)
    } else {
        Vec::new()
    };
    let p = at_layer(p, layer, &base, now, &sweep)?;
    let fig = Figure5::of(&p, layer, &sweep)?;
    let title = format!(
        "Figure 5, {} test pattern {pattern}, {sizes:?}, layer {layer}, after {train_steps} SGD steps",
        set.label
    );
    let svg = figure5_svg((900, 600), &title, &fig).map_err(CliError::chart)?;
    fs::create_dir_all(out)?;
    let path = out.join(format!(
        "figure5-{}-layer{layer}-pattern{pattern}-steps{train_steps}.svg",
        set.label.to_lowercase()
    ));
    fs::write(&path, svg)?;
    Ok(figure5_summary(&path, layer, now, &fig).to_string())
}

/// What `figure5` prints: the SVG's path, the Eq. 65 crossing, both families at lambda_now, the
/// exact inertia and radius, and the sweep.
fn figure5_summary(svg: &Path, layer: usize, now: f64, fig: &Figure5) -> serde_json::Value {
    let sweep: Vec<serde_json::Value> = fig
        .sweep
        .iter()
        .map(|p| {
            json!({"lambda": p.lambda, "max_positive": p.max_positive, "max_negative": p.max_negative})
        })
        .collect();
    let s = &fig.spectrum;
    json!({
        "svg": svg.display().to_string(),
        "layer": layer,
        "eq65_crossing": fig.curves.crossing(),
        "lambda_now": now,
        "family1_at_lambda_now": fig.curves.linear(now),
        "family2_at_lambda_now": fig.curves.hyperbolic(now),
        "exact_inertia": [s.positive, s.negative, s.zero],
        "exact_radius": s.radius,
        "sweep": sweep,
    })
}

/// `sifrian batch-curvature`: the report of [`sifrian::lab::batch_curvature`] as JSON, with the
/// wall times measured here (the engine has no clock): `lanczos_ms` to the top eigenvalues
/// (patterns prepared and Lanczos done), `ms` with the subset's exact spectra.
pub fn batch_curvature(args: &BatchCurvatureArgs) -> Result<String> {
    use sifrian::lab::batch_curvature::{BatchCurvature, BatchCurvatureRequest, BatchHessian};
    let (train, _, _) = load(&args.data)?;
    let NetArgs { sizes, alpha, seed } = &args.net;
    let net = match &args.model {
        Some(path) => sifrian::io::model_file::import(&fs::read(path)?)?,
        None => sifrian::network::Network::new(sizes, *alpha, *seed)?,
    };
    let policy = LambdaPolicy::parse(&args.lambda, true, net.n()).map_err(CliError::Flag)?;
    let eq68 = matches!(policy, LambdaPolicy::Eq65 { eq68: true, .. });
    let hessian = if args.hessian == "plain" {
        BatchHessian::Plain
    } else {
        BatchHessian::JR(policy)
    };
    let mut req = BatchCurvatureRequest::new(hessian, eq68);
    req.patterns = args.patterns;
    req.subset = args.subset;
    req.top = args.top;
    req.seed = args.sample_seed;
    req.max_steps = args.max_steps;
    req.tol = args.tol;
    use sifrian::lab::batch_curvature::Phase;
    let started = std::time::Instant::now();
    let mut run = BatchCurvature::new(&net, train, req)?;
    while matches!(run.phase(), Phase::Prepare | Phase::Lanczos) {
        run.advance(1 << 20)?;
    }
    let lanczos_ms = started.elapsed().as_secs_f64() * 1e3;
    let report = run.run()?;
    let mut out = serde_json::to_value(&report)?;
    out["lanczos_ms"] = json!(lanczos_ms);
    out["ms"] = json!(started.elapsed().as_secs_f64() * 1e3);
    Ok(out.to_string())
}
