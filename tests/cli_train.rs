//! Smoke tests of `train`, `compare` and `figure5` on the committed fixtures.
use std::path::{Path, PathBuf};
use std::process::Command;

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

/// A data folder with the official file names, made from the fixtures.
fn data_dir(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let dir = root.join("mnist");
    std::fs::create_dir_all(&dir).unwrap();
    for (from, to) in [
        (
            "mnist-train-images-500-idx3-ubyte",
            "train-images-idx3-ubyte",
        ),
        (
            "mnist-train-labels-500-idx1-ubyte",
            "train-labels-idx1-ubyte",
        ),
        ("mnist-t10k-images-100-idx3-ubyte", "t10k-images-idx3-ubyte"),
        ("mnist-t10k-labels-100-idx1-ubyte", "t10k-labels-idx1-ubyte"),
    ] {
        std::fs::copy(format!("{FIX}{from}"), dir.join(to)).unwrap();
    }
    root
}

fn sifrian(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sifrian"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `train` of SGD (step size 0.02) on 784-16-10 over the fixture folder `root`, writing
/// `root/out/<name>.csv` and `.svg`, with `extra` flags.
fn sgd_784_16_10(root: &Path, name: &str, extra: &[&str]) -> (i32, String, String) {
    let (dir, out) = (root.to_str().unwrap(), root.join("out"));
    let out = out.to_str().unwrap();
    let mut args = vec![
        "train",
        "--data-dir",
        dir,
        "--sizes",
        "784,16,10",
        "--optimizer",
        "sgd",
    ];
    args.extend(["--step", "0.02", "--out", out, "--name", name]);
    args.extend(extra);
    sifrian(&args)
}

fn assert_svg(path: &Path, min_texts: usize) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not well-formed XML: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts = doc.descendants().filter(|n| n.has_tag_name("text")).count();
    assert!(
        texts >= min_texts,
        "{} has {texts} <text> elements",
        path.display()
    );
}

#[test]
fn train_writes_a_csv_of_the_curves_and_an_svg_chart() {
    let root = data_dir("cli-train");
    let out = root.join("out");
    let (code, stdout, stderr) =
        sgd_784_16_10(&root, "t", &["--epochs", "2", "--eval-every", "250"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains("validation accuracy"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("t.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "run,samples,seconds,cost,train_accuracy,validation_accuracy"
    );
    assert_eq!(lines.len(), 1 + 4, "1000 patterns at 250 per point: {csv}");
    assert!(lines[4].starts_with("SGD,1000,"), "{}", lines[4]);
    assert_svg(&out.join("t.svg"), 6);
}

#[test]
fn compare_runs_sgd_and_mk_and_draws_both() {
    let root = data_dir("cli-compare");
    let out = root.join("out");
    let (code, stdout, stderr) = sifrian(&[
        "compare",
        "--data-dir",
        root.to_str().unwrap(),
        "--sizes",
        "784,16,8,10",
        "--optimizer",
        "mk-unreg",
        "--step",
        "0.03",
        "--epochs",
        "1",
        "--eval-every",
        "500",
        "--out",
        out.to_str().unwrap(),
        "--name",
        "c",
    ]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let csv = std::fs::read_to_string(out.join("c.csv")).unwrap();
    assert!(
        csv.contains("\nSGD step 0.01,500,")
            && csv.contains("\nMK unregularised-gradient variant mu=1 step 0.03,500,"),
        "{csv}"
    );
    assert!(stdout.lines().count() >= 3, "{stdout}");
    assert_svg(&out.join("c.svg"), 6);
}

#[test]
fn figure5_draws_the_families_and_reports_the_exact_spectrum() {
    let root = data_dir("cli-figure5");
    let out = root.join("out");
    let (code, stdout, stderr) = sifrian(&[
        "figure5",
        "--data-dir",
        root.to_str().unwrap(),
        "--sizes",
        "784,12,6,10",
        "--layer",
        "2",
        "--pattern",
        "3",
        "--sweep-points",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        r["exact_inertia"][0], 28,
        "S = 12 + 6 + 10 positive eigenvalues: {r}"
    );
    assert_eq!(r["exact_inertia"][1], 18, "S - s_n negative: {r}");
    assert_eq!(r["sweep"].as_array().unwrap().len(), 3);
    let (cross, now) = (
        r["eq65_crossing"].as_f64().unwrap(),
        r["lambda_now"].as_f64().unwrap(),
    );
    assert!(
        (cross - now).abs() <= 1e-12 * cross,
        "default lambda is Eq. 65's: {cross} vs {now}"
    );
    assert_svg(Path::new(r["svg"].as_str().unwrap()), 5);
}

#[test]
fn bad_flags_and_missing_data_are_clear_errors() {
    let root = data_dir("cli-bad");
    let dir = root.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["train", "--data-dir", dir, "--step", "-1"], "step"),
        (
            &["train", "--data-dir", dir, "--sizes", "784,0,10"],
            "sizes[1]",
        ),
        (
            &["train", "--data-dir", dir, "--lambda", "0.5,x"],
            "--lambda",
        ),
        (
            &["train", "--data-dir", dir, "--optimizer", "mk", "--mu", "2"],
            "mk-damped",
        ),
        (&["train", "--data-dir", "/nonexistent"], "make data"),
        (
            &[
                "figure5",
                "--data-dir",
                dir,
                "--sizes",
                "784,10,10",
                "--layer",
                "2",
            ],
            "--layer",
        ),
    ];
    for (args, needle) in cases {
        let (code, _, stderr) = sifrian(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?}: {stderr:?} should mention {needle:?}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let (code, _, stderr) = sifrian(&["train", "--optimizer", "adam"]);
    assert_eq!(code, 2, "clap rejects unknown optimizers: {stderr}");
    assert!(stderr.contains("adam"), "{stderr}");
}

/// `--holdout N` trains on all but the last N training patterns and validates on those N (not on
/// the test split): the fixture has 500 training and 100 test images, so with N = 150 the run
/// trains on 350 and every validation accuracy is a multiple of 1/150 (these are not multiples of
/// 1/100, which the test split would give).
#[test]
fn holdout_validates_on_the_last_training_patterns() {
    let root = data_dir("cli-holdout");
    let out = root.join("out");
    let dir = root.to_str().unwrap();
    let (code, _, stderr) = sgd_784_16_10(&root, "h", &["--eval-every", "200", "--holdout", "150"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    let csv = std::fs::read_to_string(out.join("h.csv")).unwrap();
    let last = csv.lines().last().unwrap();
    assert!(
        last.starts_with("SGD,350,"),
        "one epoch of 500 - 150: {csv}"
    );
    for line in csv.lines().skip(1) {
        let acc: f64 = line.rsplit(',').next().unwrap().parse().unwrap();
        let correct = acc * 150.0;
        assert!(
            (correct - correct.round()).abs() < 1e-9,
            "validation accuracy {acc} is not k/150: {line}"
        );
    }
    let (code, _, stderr) = sifrian(&["train", "--data-dir", dir, "--holdout", "500"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--holdout: 500 must be below the 500 training patterns"),
        "{stderr}"
    );
}

#[test]
fn train_runs_the_spectral_methods_and_refuses_them_above_the_eigenpair_cap() {
    let root = data_dir("spectral");
    let (dir, out) = (root.to_str().unwrap(), root.join("out"));
    let out = out.to_str().unwrap();
    for name in ["newton-pinv", "saddle-free"] {
        let common = [
            "train",
            "--data-dir",
            dir,
            "--optimizer",
            name,
            "--step",
            "0.001",
            "--epochs",
            "0.1",
            "--out",
            out,
        ];
        let mut args = common.to_vec();
        args.extend(["--sizes", "784,16,10", "--name", name]);
        let (code, stdout, stderr) = sifrian(&args);
        assert_eq!(code, 0, "{name}: stdout {stdout}\nstderr {stderr}");
        let csv = std::fs::read_to_string(root.join("out").join(format!("{name}.csv"))).unwrap();
        assert!(csv.lines().count() >= 2, "{name}: {csv}");
        let mut args = common.to_vec();
        args.extend(["--sizes", "784,512,256,32,10"]);
        let (code, _, stderr) = sifrian(&args);
        assert_ne!(code, 0, "{name} on the paper's net must be refused");
        assert!(
            stderr.contains(&format!("optimizer: {name} solves for the eigenpairs"))
                && stderr.contains("2S - s_n = 1610")
                && stderr.contains("at most 512"),
            "{name}: {stderr}"
        );
    }
}

/// `curvature` of SGD and MK on 784-16-10 over the fixtures: one CSV, a header naming every column
/// (lambda_0..2, leaky_1..2, penalty_1, error_1 for two layers), one row per sample of each run,
/// the spectrum on every other sample; a bad interval is an error naming the flag.
#[test]
fn curvature_writes_one_csv_row_per_sample_of_each_run() {
    let root = data_dir("curvature");
    let csv = root.join("out/curvature.csv");
    let (dir, path) = (root.to_str().unwrap(), csv.to_str().unwrap());
    let (code, stdout, stderr) = sifrian(&[
        "curvature",
        "--data-dir",
        dir,
        "--sizes",
        "784,16,10",
        "--optimizer",
        "sgd,mk",
        "--step",
        "0.01,0.0003",
        "--patterns",
        "300",
        "--every",
        "50",
        "--spectrum-every",
        "100",
        "--csv",
        path,
    ]);
    assert_eq!(code, 0, "stdout {stdout}\nstderr {stderr}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let expected = "run,samples,pattern,loss,curvature,edge,radius,positive,negative,lambda_0,\
                    lambda_1,lambda_2,leaky_1,leaky_2,penalty_1,error_1";
    assert_eq!(header.join(","), expected, "header");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows.len(),
        12,
        "6 samples per run over 300 patterns: {text}"
    );
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.len(), header.len(), "row {i}: {r:?}");
        assert_eq!(r[0], if i < 6 { "sgd" } else { "mk" }, "row {i}");
        assert_eq!(r[1], ((i % 6) * 50).to_string(), "row {i}: samples");
        let has_spectrum = (i % 6) % 2 == 0;
        assert_eq!(!r[6].is_empty(), has_spectrum, "row {i}: radius {:?}", r[6]);
        let edge: f64 = r[5].parse().unwrap();
        let step = if i < 6 { 0.01 } else { 0.0003 };
        assert!(
            (edge - 2.0 / step).abs() < 1e-9 * edge,
            "row {i}: edge {edge}"
        );
        for (c, v) in r.iter().enumerate().skip(3).filter(|(_, v)| !v.is_empty()) {
            let x: f64 = v.parse().unwrap_or(f64::NAN);
            assert!(x.is_finite(), "row {i} column {}: {v:?}", header[c]);
        }
    }
    assert!(stdout.contains("wrote"), "{stdout}");
    let (code, _, stderr) = sifrian(&[
        "curvature",
        "--data-dir",
        dir,
        "--sizes",
        "784,16,10",
        "--every",
        "50",
        "--spectrum-every",
        "75",
        "--csv",
        path,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("spectrum_every") && stderr.contains("75"),
        "{stderr}"
    );
}
