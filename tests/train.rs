//! The trainer on the committed fixtures (500 MNIST training digits, 100 test digits).
mod common;
use common::*;
use sifrian::backprop::adjoint;
use sifrian::directions::{mk, GradientSource};
use sifrian::io::data::Dataset;
use sifrian::regularisation::{plain_adjoint, LambdaPolicy};
use sifrian::train::{Method, TrainConfig, Trainer};
use std::rc::Rc;

fn fixtures() -> (Rc<Dataset>, Rc<Dataset>) {
    let (train, test) = mnist_fixtures();
    (Rc::new(train), Rc::new(test))
}

fn config(method: Method, step: f64) -> TrainConfig {
    TrainConfig {
        sizes: vec![784, 32, 10],
        alpha: 0.01,
        seed: 7,
        method,
        step_size: step,
        lambda: LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        },
        fast: false,
    }
}

const MK_UNREG: Method = Method::Mk {
    mu: 1.0,
    source: GradientSource::Unregularised,
};

#[test]
fn sgd_on_the_fixtures_lowers_the_cost_and_beats_chance() {
    let (train, test) = fixtures();
    let mut t = Trainer::new(config(Method::Sgd, 0.02), train, test).unwrap();
    let before = t.evaluate(0, 100);
    let first = t.step(500).unwrap();
    let mut last = first.clone();
    for _ in 0..4 {
        last = t.step(500).unwrap();
    }
    let after = t.evaluate(0, 100);
    assert!(!last.diverged);
    assert!(
        last.mean_loss < 0.6 * first.mean_loss,
        "epoch-5 cost {} vs epoch-1 cost {}",
        last.mean_loss,
        first.mean_loss
    );
    assert!(
        last.accuracy > 0.6,
        "training accuracy after 5 epochs {} (chance: 0.1)",
        last.accuracy
    );
    assert!(
        after.accuracy() > 0.5 && after.accuracy() > before.accuracy() + 0.3,
        "validation {} -> {}",
        before.accuracy(),
        after.accuracy()
    );
    assert_eq!(t.epoch(), 5, "2500 patterns = 5 complete passes over 500");
}

#[test]
fn mk_unregularised_variant_also_learns_on_the_fixtures() {
    let (train, test) = fixtures();
    let mut t = Trainer::new(config(MK_UNREG, 0.05), train, test).unwrap();
    for _ in 0..4 {
        t.step(500).unwrap();
    }
    let after = t.evaluate(0, 100);
    assert!(
        after.accuracy() > 0.5,
        "validation accuracy {}",
        after.accuracy()
    );
}

#[test]
fn sgd_and_mk_with_the_same_seed_start_identical_and_see_the_same_patterns() {
    let (train, test) = fixtures();
    let sgd = Trainer::new(
        config(Method::Sgd, 0.01),
        Rc::clone(&train),
        Rc::clone(&test),
    )
    .unwrap();
    let mk_paper = Trainer::new(
        config(
            Method::Mk {
                mu: 0.0,
                source: GradientSource::Regularised,
            },
            0.01,
        ),
        Rc::clone(&train),
        Rc::clone(&test),
    )
    .unwrap();
    assert_eq!(
        sgd.network().params,
        mk_paper.network().params,
        "identical initial parameters"
    );
    // Same order: with a zero-effect method the visited patterns show in the statistics. Train
    // both with a tiny step for a full epoch in chunks: the per-chunk accuracy of the untouched
    // network depends only on which patterns were visited.
    let mut a = Trainer::new(
        config(Method::Sgd, 1e-300),
        Rc::clone(&train),
        Rc::clone(&test),
    )
    .unwrap();
    let mut b = Trainer::new(config(MK_UNREG, 1e-300), train, test).unwrap();
    for _ in 0..10 {
        let (sa, sb) = (a.step(50).unwrap(), b.step(50).unwrap());
        assert_eq!(sa.accuracy, sb.accuracy, "same patterns in the same order");
        assert_eq!(
            sa.mean_loss.to_bits(),
            sb.mean_loss.to_bits(),
            "same patterns in the same order"
        );
    }
}

#[test]
fn the_same_seed_gives_a_bit_identical_run() {
    let (train, test) = fixtures();
    let run = || {
        let mut t = Trainer::new(
            config(
                Method::Mk {
                    mu: 1.0,
                    source: GradientSource::Regularised,
                },
                0.01,
            ),
            Rc::clone(&train),
            Rc::clone(&test),
        )
        .unwrap();
        t.step(300).unwrap();
        t.network().params.clone()
    };
    assert_eq!(run(), run());
}

#[test]
fn one_mk_step_moves_the_parameters_by_step_times_the_mk_direction() {
    let (train, test) = fixtures();
    let method = Method::Mk {
        mu: 0.5,
        source: GradientSource::Regularised,
    };
    let mut t = Trainer::new(config(method, 0.01), Rc::clone(&train), test).unwrap();
    let before = t.network().clone();
    // Find the pattern the trainer will visit: the one whose cost matches the reported loss.
    let stats = t.step(1).unwrap();
    let after = t.network().params.clone();
    let mut matched = 0;
    for i in 0..train.len() {
        let mut x0 = vec![0.0; 784];
        let mut d = vec![0.0; 10];
        train.input_into(i, &mut x0);
        train.target_into(i, &mut d);
        let fw = before.forward(&x0);
        if sifrian::cost::loss(&fw, &d).to_bits() != stats.mean_loss.to_bits() {
            continue;
        }
        let b0 = plain_adjoint(&before, &fw, &d);
        let lambda = LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        }
        .lambdas(&fw, &b0)
        .unwrap();
        assert_eq!(lambda.as_slice(), &stats.lambda[..], "reported lambdas");
        let b = adjoint(&before, &fw, &d, &lambda);
        let dir = mk(&before, &fw, &b, &d, &lambda, 0.5);
        let expected: Vec<f64> = before
            .params
            .iter()
            .zip(&dir)
            .map(|(w, v)| w - 0.01 * v)
            .collect();
        assert_close("params after one MK step", &after, &expected, 1e-15);
        matched += 1;
    }
    assert_eq!(matched, 1, "exactly one pattern has the reported loss");
}

#[test]
fn a_step_that_would_diverge_is_rejected_and_the_parameters_are_kept() {
    let (train, test) = fixtures();
    let mut t = Trainer::new(config(Method::Sgd, 1e305), train, test).unwrap();
    let before = t.network().params.clone();
    let stats = t.step(10).unwrap();
    assert!(
        stats.diverged,
        "a step of 1e305 must be rejected: {stats:?}"
    );
    assert_eq!(stats.steps, 0);
    assert_eq!(
        t.network().params,
        before,
        "parameters unchanged after the rejected step"
    );
    // A sane step size afterwards trains again.
    t.set_step_size(0.01).unwrap();
    let ok = t.step(10).unwrap();
    assert!(!ok.diverged && ok.steps == 10);
    assert_ne!(t.network().params, before);
}

#[test]
fn bad_configurations_are_rejected_with_the_value_named() {
    let (train, test) = fixtures();
    let bad = |c: TrainConfig, needle: &str| {
        let e = Trainer::new(c, Rc::clone(&train), Rc::clone(&test))
            .err()
            .expect("must be rejected")
            .to_string();
        assert!(e.contains(needle), "error {e:?} should name {needle:?}");
    };
    bad(
        TrainConfig {
            sizes: vec![100, 10],
            ..config(Method::Sgd, 0.1)
        },
        "sizes[0]",
    );
    bad(
        TrainConfig {
            sizes: vec![784, 32, 9],
            ..config(Method::Sgd, 0.1)
        },
        "sizes[2]",
    );
    bad(
        TrainConfig {
            sizes: vec![784, 0, 10],
            ..config(Method::Sgd, 0.1)
        },
        "sizes[1]",
    );
    bad(config(Method::Sgd, 0.0), "step");
    bad(config(Method::Sgd, f64::NAN), "step");
    bad(
        config(
            Method::Mk {
                mu: -1.0,
                source: GradientSource::Regularised,
            },
            0.1,
        ),
        "mu",
    );
    bad(
        TrainConfig {
            alpha: -0.1,
            ..config(Method::Sgd, 0.1)
        },
        "alpha",
    );
    let wrong = sifrian::cost::Lambdas::new(vec![1.0, 1.0], 1).unwrap();
    bad(
        TrainConfig {
            lambda: LambdaPolicy::Fixed(wrong),
            ..config(Method::Newton, 0.1)
        },
        "lambda",
    );
}

#[test]
fn bad_calls_are_rejected_with_the_value_named() {
    let (train, test) = fixtures();
    let mut t = Trainer::new(
        config(Method::Sgd, 0.1),
        Rc::clone(&train),
        Rc::clone(&test),
    )
    .unwrap();
    let e = t.step(0).unwrap_err().to_string();
    assert_eq!(
        e, "n: the number of steps must be at least 1, got 0",
        "step(0) must name n and the value 0"
    );
    let e = t.teach(&vec![0.0; 784], 10).unwrap_err().to_string();
    assert_eq!(
        e, "label: must be 0..9, got 10",
        "teach with label 10 must name the label and its value"
    );
    assert!(t
        .predict(&[0.0; 3])
        .unwrap_err()
        .to_string()
        .contains("input x_0"));
}

/// The f64 reference and the f32 kernel trainer of one method, from the same seed.
fn reference_and_fast(method: &Method, step: f64) -> (Trainer, Trainer) {
    let (train, test) = fixtures();
    let run = |fast: bool| {
        let config = TrainConfig {
            fast,
            ..config(method.clone(), step)
        };
        Trainer::new(config, Rc::clone(&train), Rc::clone(&test)).unwrap()
    };
    (run(false), run(true))
}

/// The f32 kernel's validation (forward in f32) against the f64 forward pass, at the same weights.
fn assert_same_validation(slow: &mut Trainer, fast: &mut Trainer, name: &str) {
    slow.set_params(&fast.network().params).unwrap();
    let (ef, es) = (fast.evaluate(0, 100), slow.evaluate(0, 100));
    assert_eq!(ef.correct, es.correct, "{name}: correct f32 vs f64");
    assert!(
        (ef.loss_sum - es.loss_sum).abs() <= 1e-5 * es.loss_sum,
        "{name}: validation loss f32 {} vs f64 {}",
        ef.loss_sum,
        es.loss_sum
    );
}

#[test]
fn the_fast_f32_trainer_follows_the_f64_reference() {
    for method in [
        Method::Sgd,
        Method::Mk {
            mu: 0.0,
            source: GradientSource::Regularised,
        },
        MK_UNREG,
    ] {
        let step = if method == Method::Sgd || method == MK_UNREG {
            0.02
        } else {
            0.001
        };
        let (mut slow, mut fast) = reference_and_fast(&method, step);
        let (a, b) = (slow.step(100).unwrap(), fast.step(100).unwrap());
        assert_eq!((a.steps, b.steps), (100, 100));
        let e = rel_err(&fast.network().params, &slow.network().params);
        let name = method.label();
        eprintln!("{name}: f32 vs f64 after 100 steps: relative difference {e:e}");
        assert!(
            e < 1e-4,
            "{name}: f32 path differs from the f64 reference by {e:e}"
        );
        assert!(
            (a.mean_loss - b.mean_loss).abs() < 1e-4 * a.mean_loss,
            "loss {} vs {}",
            a.mean_loss,
            b.mean_loss
        );
        let (p, q) = (
            fast.evaluate(0, 100).accuracy(),
            slow.evaluate(0, 100).accuracy(),
        );
        assert!(
            (p - q).abs() <= 0.02,
            "{name}: validation accuracy drifts: f32 {p} vs f64 {q}"
        );
        assert_same_validation(&mut slow, &mut fast, &name);
    }
}

#[test]
fn a_fast_step_that_would_diverge_is_rejected_too() {
    let (train, test) = fixtures();
    let mut t = Trainer::new(
        TrainConfig {
            fast: true,
            ..config(Method::Sgd, 1e36)
        },
        train,
        test,
    )
    .unwrap();
    let before = t.network().params.clone();
    let stats = t.step(5).unwrap();
    assert!(stats.diverged && stats.steps == 0, "{stats:?}");
    assert!(
        t.network().params == before,
        "the parameters changed after a rejected step"
    );
}

// ---- The divergence watch (src/train/divergence.rs) ----

use sifrian::catalog::preset;
use sifrian::train::{cost_bound, Cause, Divergence, StepStats};

/// Trains `epochs` passes over the fixtures in chunks, returning the first divergence.
fn first_divergence(t: &mut Trainer, patterns: usize) -> Option<(StepStats, u64)> {
    while (t.samples_seen() as usize) < patterns {
        let before = t.samples_seen();
        let s = t.step(1000).unwrap();
        if s.diverged {
            return Some((s, before));
        }
    }
    None
}

#[test]
fn healthy_sgd_and_unregularised_mk_runs_are_never_flagged() {
    let (train, test) = fixtures();
    for fast in [false, true] {
        for (method, steps) in [
            (Method::Sgd, [0.003, 0.01, 0.03, 0.1]),
            (MK_UNREG, [0.003, 0.01, 0.03, 0.1]),
        ] {
            for step in steps {
                let c = TrainConfig {
                    fast,
                    ..config(method.clone(), step)
                };
                let mut t = Trainer::new(c, Rc::clone(&train), Rc::clone(&test)).unwrap();
                // 10 epochs of the 500 fixtures: past two checkpoints (every 4,096 steps).
                let d = first_divergence(&mut t, 5000);
                assert!(
                    d.is_none(),
                    "{method:?} step {step} fast {fast}: flagged: {:?}",
                    d.map(|d| d.0.divergence)
                );
            }
        }
    }
}

/// The page's small preset with MK as printed at step 0.001 (the page's default before the scan of
/// tests/experiments/defaults.sh, which chose 0.0003; the setting issue 12 reports), on the real
/// training set (`make data`; skipped, not failed, when it is absent): flagged by the cost bound before any
/// NaN/Inf, the state before the offending update kept bit for bit, and the report's numbers.
#[test]
fn mk_as_printed_on_the_small_net_at_step_0_001_is_flagged_before_nan() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    if !root.join("train-images-idx3-ubyte").exists() {
        println!("skipped: run make data to train on the full MNIST training set");
        return;
    }
    let train = Rc::new(Dataset::load(&root, "train").unwrap());
    let test = Rc::new(Dataset::load(&root, "t10k").unwrap().head(100));
    let c = TrainConfig {
        sizes: preset("small").unwrap().sizes.to_vec(),
        seed: 0,
        fast: true,
        ..config(Method::from_name("mk", None).unwrap(), 0.001)
    };
    let mut t = Trainer::new(c.clone(), Rc::clone(&train), Rc::clone(&test)).unwrap();
    let (stats, before) = first_divergence(&mut t, 600_000).expect("MK as printed diverges");
    let d: Divergence = stats.divergence.clone().expect("a report");
    assert_eq!(d.cause, Cause::Cost, "{d:?}");
    assert!(
        d.cost > cost_bound(10) && d.bound == cost_bound(10),
        "{d:?}"
    );
    assert!(t.network().params.iter().all(|p| p.is_finite()));
    // The kept state is the one before the offending update: a twin trained for exactly that many
    // patterns has the same bits.
    assert_eq!(t.samples_seen(), d.samples, "samples_seen vs the report");
    assert!(
        d.samples + 1 >= before && d.samples <= before + 1000,
        "{} vs {before}",
        d.samples
    );
    let mut twin = Trainer::new(c, train, test).unwrap();
    let mut left = d.samples as usize;
    while left > 0 {
        let s = twin.step(left.min(5000)).unwrap();
        assert!(!s.diverged, "the twin diverged at {}", twin.samples_seen());
        left -= s.steps;
    }
    assert!(
        same_bits(&twin.network().params, &t.network().params),
        "the kept state differs from {} clean steps",
        d.samples
    );
    // The report: lambda_0..lambda_n, the leaky share per layer, a finite step norm, a smaller
    // step that stays under the bound.
    assert_eq!(d.lambda.len(), 3, "{d:?}");
    assert_eq!(d.leaky_share.len(), 2, "{d:?}");
    assert!(
        d.leaky_share.iter().all(|s| (0.0..=1.0).contains(s)),
        "{d:?}"
    );
    let norm = d.step_norm.expect("the offending update was finite");
    assert!(norm.is_finite() && norm > 0.0, "{d:?}");
    let safe = d
        .safe_step
        .expect("some smaller step stays under the bound");
    assert!(
        safe < d.step_size && d.safe_cost.unwrap() <= d.bound,
        "{d:?}"
    );
    assert!(
        d.cost_before <= d.bound,
        "the update started from a healthy cost: {d:?}"
    );
    // The run goes on from the kept state at the step the report found.
    t.set_step_size(safe).unwrap();
    let s = t.step(10).unwrap();
    assert!(s.steps > 0, "{s:?}");
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// On the fixtures (always present): a step size large enough for the cost to leave the bound
/// before any NaN/Inf. The flagged step leaves the parameters as they were before it (bit for
/// bit, as a twin trained one pattern at a time shows), and the report's numbers hang together.
#[test]
fn a_flagged_step_is_undone_and_explained_on_the_fixtures() {
    let (train, test) = fixtures();
    for fast in [false, true] {
        let c = TrainConfig {
            fast,
            ..config(Method::Sgd, 0.5)
        };
        let mut t = Trainer::new(c.clone(), Rc::clone(&train), Rc::clone(&test)).unwrap();
        let (stats, _) = first_divergence(&mut t, 20_000).expect("SGD at step 0.5 diverges");
        let d = stats.divergence.clone().expect("a report");
        assert_eq!(d.cause, Cause::Cost, "fast {fast}: {d:?}");
        assert!(d.cost > d.bound && d.cost.is_finite(), "fast {fast}: {d:?}");
        assert_eq!(t.samples_seen(), d.samples, "fast {fast}");
        assert!(t.network().params.iter().all(|p| p.is_finite()));
        let mut twin = Trainer::new(c, Rc::clone(&train), Rc::clone(&test)).unwrap();
        for _ in 0..d.samples {
            assert!(
                !twin.step(1).unwrap().diverged,
                "fast {fast}: the twin diverged early"
            );
        }
        assert!(
            same_bits(&twin.network().params, &t.network().params),
            "fast {fast}: the kept state differs from {} clean steps",
            d.samples
        );
        // The next step of the twin is the flagged one: flagged again, from the same state.
        let again = twin.step(1).unwrap();
        assert!(again.diverged && again.steps == 0, "fast {fast}: {again:?}");
        assert_eq!(again.divergence.as_ref().map(|x| x.cost), Some(d.cost));
        assert!(d.lambda.is_empty(), "SGD has no lambdas: {d:?}");
        assert_eq!(d.leaky_share.len(), 2, "{d:?}");
        assert!(
            d.step_norm.is_some_and(|v| v > 0.0) && d.param_norm > 0.0,
            "{d:?}"
        );
        if let Some(s) = d.safe_step {
            assert!(s < d.step_size && d.safe_cost.unwrap() <= d.bound, "{d:?}");
        }
    }
}
