//! The `inspect` command: the report on the example case, and clear errors (status 2, one line)
//! for malformed cases.
mod common;
use common::*;
use serde_json::Value;
use sifrian::lab::inspect::{flatten, Case as CaseFile};
use std::io::Write;
use std::process::{Command, Stdio};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/example.json");

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sifrian"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn flat(v: &Value, sizes: &[usize]) -> Vec<f64> {
    let layers: Vec<sifrian::lab::inspect::LayerParams> =
        serde_json::from_value(v.clone()).unwrap();
    flatten("output", sizes, &layers).unwrap()
}

#[test]
fn inspect_reports_every_quantity_of_the_example_case_consistently() {
    let (code, out, err) = run(&["inspect", EXAMPLE], None);
    assert_eq!(code, 0, "stderr: {err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    let case: CaseFile = serde_json::from_str(&std::fs::read_to_string(EXAMPLE).unwrap()).unwrap();
    for key in [
        "loss",
        "gradient",
        "hvp",
        "newton",
        "mk",
        "mk_damped",
        "newton_residual",
        "eigenvalues",
        "inertia",
        "spectral_radius",
        "eq62",
        "optimal_lambda",
        "paper_radius",
    ] {
        assert!(
            r.get(key).is_some_and(|v| !v.is_null()),
            "missing key {key} in {out}"
        );
    }
    // Cross-check against an independent reference: the hyper-dual AD gradient and Hessian.
    let params = flatten("params", &case.sizes, &case.params).unwrap();
    let c = Case {
        net: sifrian::network::Network::from_params(&case.sizes, case.alpha, params).unwrap(),
        x0: case.x0.clone(),
        d: case.d.clone(),
        lambda: sifrian::cost::Lambdas::new(case.lambda.clone(), case.sizes.len() - 1).unwrap(),
    };
    assert_close(
        "gradient",
        &flat(&r["gradient"], &case.sizes),
        &c.gradient_ad(),
        1e-12,
    );
    let v = flatten("v", &case.sizes, case.v.as_ref().unwrap()).unwrap();
    let h = c.hessian_ad();
    assert_close(
        "hvp",
        &flat(&r["hvp"], &case.sizes),
        &mat_vec(&h, &v),
        1e-12,
    );
    assert!(
        r["newton_residual"].as_f64().unwrap() <= 1e-9,
        "newton residual {}",
        r["newton_residual"]
    );
    // Without the white layer, J_R is Eq. 43's: no lambda_0/2 ||x_0||^2 term.
    assert_ne!(
        case.white,
        Some(true),
        "the example case has no white layer"
    );
    let loss = r["loss"].as_f64().unwrap();
    let x0_term = 0.5 * case.lambda[0] * case.x0.iter().map(|v| v * v).sum::<f64>();
    let expected = c.cost_at(&c.net.params) - x0_term;
    assert!(
        (loss - expected).abs() <= 1e-14 * expected.abs().max(1.0),
        "loss {loss} vs AD J_R without the lambda_0 term {expected}"
    );
    // With the white layer, x_0 is a regularised state: the lambda_0 term is included.
    let mut white: Value =
        serde_json::from_str(&std::fs::read_to_string(EXAMPLE).unwrap()).unwrap();
    white["white"] = Value::Bool(true);
    let (code, out, err) = run(&["inspect", "-"], Some(&white.to_string()));
    assert_eq!(code, 0, "stderr: {err}");
    let with_white: Value = serde_json::from_str(&out).unwrap();
    let loss_white = with_white["loss"].as_f64().unwrap();
    let full = c.cost_at(&c.net.params);
    assert!(
        (loss_white - full).abs() <= 1e-14 * full.abs().max(1.0),
        "loss with the white layer {loss_white} vs AD J_R {full}"
    );
    let inertia: Vec<usize> = serde_json::from_value(r["inertia"].clone()).unwrap();
    assert_eq!(inertia, vec![9, 7, 39 - 16], "inertia of 3-4-3-2 (P = 39)");
    let ev: Vec<f64> = serde_json::from_value(r["eigenvalues"].clone()).unwrap();
    let dense: Vec<f64> = jacobi_eigenvalues(&h)
        .into_iter()
        .filter(|v| v.abs() > 1e-12)
        .collect();
    assert_close("eigenvalues", &ev, &dense, 1e-12);
    assert!(ev.windows(2).all(|w| w[0] <= w[1]), "eigenvalues ascending");
    let fam1: Vec<f64> = serde_json::from_value(r["eq62"]["family1"].clone()).unwrap();
    assert_eq!(fam1.len(), 9, "family 1 has S entries");
}

#[test]
fn make_case_output_is_a_valid_case_for_inspect() {
    let (code, case, err) = run(&["make-case", "--sizes", "5,4,3", "--seed", "2"], None);
    assert_eq!(code, 0, "stderr: {err}");
    let (code, out, err) = run(&["inspect", "-"], Some(&case));
    assert_eq!(code, 0, "stderr: {err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["inertia"], serde_json::json!([7, 4, 39 - 11]));
}

fn expect_error(case: &str, needle: &str) {
    let (code, out, err) = run(&["inspect", "-"], Some(case));
    assert_eq!(
        code, 2,
        "exit status for {case}: stdout {out}, stderr {err}"
    );
    assert!(out.is_empty(), "nothing on stdout, got {out}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line, got {err:?}");
    assert!(err.contains(needle), "error {err:?} should name {needle:?}");
    assert!(!err.contains("panicked"), "no panic: {err}");
}

fn example_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(EXAMPLE).unwrap()).unwrap();
    edit(&mut v);
    v.to_string()
}

#[test]
fn malformed_cases_exit_2_with_one_line_naming_the_problem() {
    expect_error(
        &example_with(|v| v["params"][0]["W"][1] = serde_json::json!([1.0, 2.0])),
        "params[0].W[1]",
    );
    expect_error(
        &example_with(|v| v["params"][2]["beta"] = serde_json::json!([1.0])),
        "params[2].beta",
    );
    expect_error(
        &example_with(|v| v["sizes"] = serde_json::json!([3, 0, 3, 2])),
        "sizes[1]",
    );
    expect_error(
        &example_with(|v| v["sizes"] = serde_json::json!([3])),
        "sizes",
    );
    expect_error(
        &example_with(|v| v["lambda"][1] = serde_json::json!(-0.5)),
        "lambda[1]",
    );
    expect_error(
        &example_with(|v| v["lambda"] = serde_json::json!([1.0, 1.0])),
        "lambda",
    );
    expect_error(
        &example_with(|v| v["x0"] = serde_json::json!([1.0])),
        "input x_0",
    );
    expect_error(
        &example_with(|v| v["d"] = serde_json::json!([1.0, 0.0, 0.0])),
        "target d",
    );
    expect_error(
        &example_with(|v| v["alpha"] = serde_json::json!(0.0)),
        "alpha",
    );
    expect_error(&example_with(|v| v["mu"] = serde_json::json!(-1.0)), "mu");
    expect_error(&example_with(|v| v["v"] = serde_json::json!([])), "v");
    expect_error(
        &example_with(|v| v["sizes"] = serde_json::json!([4000, 4000, 10])),
        "limit of 10000000",
    );
    expect_error(
        &example_with(|v| v["extra"] = serde_json::json!(1)),
        "unknown field",
    );
    expect_error(
        &example_with(|v| v["params"][0]["beta"][0] = serde_json::json!("nan")),
        "case file",
    );
    expect_error(r#"{"sizes": [1e999]}"#, "case file");
    expect_error("not json", "case file");
    expect_error(
        &example_with(|v| v["params"][0]["W"][0][0] = serde_json::json!(1e308)),
        "overflow",
    );
}

#[test]
fn a_missing_case_file_is_a_clear_error() {
    let (code, _, err) = run(&["inspect", "/nonexistent/case.json"], None);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/case.json"), "{err}");
}

/// The one-line summary `sifrian --help` gives `command`.
fn summary_of(help: &str, command: &str) -> String {
    help.lines()
        .map(str::trim_start)
        .find_map(|l| l.strip_prefix(command).filter(|rest| rest.starts_with(' ')))
        .unwrap_or_else(|| panic!("{command} is not listed in {help}"))
        .trim()
        .to_string()
}

#[test]
fn each_subcommand_is_described_by_its_own_help() {
    let (code, help, err) = run(&["--help"], None);
    assert_eq!(code, 0, "stderr: {err}");
    for (command, start) in [
        ("bench", "Measure patterns/s of every optimizer"),
        ("inspect", "Read one case (JSON)"),
        ("make-case", "Print a random case file"),
        ("train", "Train one network"),
        ("compare", "SGD against an MK variant"),
        ("plot", "Draw curves from CSV files"),
        ("figure5", "Figure 5 for one hidden layer and pattern"),
        ("batch-curvature", "The curvature of the data"),
    ] {
        let summary = summary_of(&help, command);
        assert!(
            summary.starts_with(start),
            "{command}: {summary:?} should start with {start:?}"
        );
        let (code, own, err) = run(&[command, "--help"], None);
        assert_eq!(code, 0, "{command} --help: {err}");
        assert!(
            own.starts_with(start),
            "{command} --help: {own:?} should start with {start:?}"
        );
    }
}

#[test]
fn the_optimizer_and_data_set_flags_take_the_catalogs_names() {
    let (code, _, err) = run(&["train", "--optimizer", "adam"], None);
    assert_eq!(code, 2, "stderr: {err}");
    assert!(
        err.contains(
            "[possible values: sgd, mk, mk-damped, mk-unreg, newton, newton-pinv, saddle-free]"
        ),
        "{err}"
    );
    let (code, _, err) = run(&["figure5", "--dataset", "cifar"], None);
    assert_eq!(code, 2, "stderr: {err}");
    assert!(err.contains("[possible values: mnist, fashion]"), "{err}");
}

#[test]
fn batch_curvature_names_a_bad_hessian_and_a_missing_data_set() {
    let (code, _, err) = run(&["batch-curvature", "--hessian", "gauss"], None);
    assert_eq!(code, 2, "stderr: {err}");
    assert!(err.contains("gauss") && err.contains("plain"), "{err}");
    let (code, _, err) = run(
        &["batch-curvature", "--data-dir", "/nonexistent-sifrian"],
        None,
    );
    assert_ne!(code, 0, "stderr: {err}");
    assert!(err.contains("/nonexistent-sifrian"), "{err}");
}
