//! The fast f32 step (`src/fast/`) against the f64 reference `Trainer`, its bits, its guard.
mod common;
use common::golden::{golden_run, params_hash, GOLDEN, LAMBDAS as WHITE};
use common::mnist_fixtures;
use sifrian::directions::GradientSource;
use sifrian::fast::{pixels_to_input, FastLambdas, FastMethod, FastNet};
use sifrian::io::data::Dataset;
use sifrian::network::Network;
use sifrian::regularisation::LambdaPolicy;
use sifrian::rng::Rng;
use sifrian::train::{Method, TrainConfig, Trainer};
use std::rc::Rc;

fn fixtures() -> (Rc<Dataset>, Rc<Dataset>) {
    let (train, test) = mnist_fixtures();
    (Rc::new(train), Rc::new(test))
}

const EQ65: LambdaPolicy = LambdaPolicy::Eq65 {
    white: true,
    eq68: false,
};
const EQ65_68: LambdaPolicy = LambdaPolicy::Eq65 {
    white: true,
    eq68: true,
};

fn mk(mu: f64, source: GradientSource) -> Method {
    Method::Mk { mu, source }
}

fn fixed(values: &[f64]) -> LambdaPolicy {
    LambdaPolicy::Fixed(sifrian::cost::Lambdas::new(values.to_vec(), values.len() - 1).unwrap())
}

/// `||a - b|| / ||b||`.
fn rel_diff(a: &[f32], b: &[f64]) -> f64 {
    let d: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - y).powi(2))
        .sum();
    let n: f64 = b.iter().map(|y| y * y).sum();
    (d / n).sqrt()
}

/// `steps` steps of the f64 `Trainer` and of `FastNet` from the same network on the same patterns
/// in the same order (the trainer's); returns the final relative parameter difference.
fn against_reference(
    sizes: &[usize],
    method: Method,
    lambda: LambdaPolicy,
    step: f64,
    steps: usize,
) -> f64 {
    let (train, test) = fixtures();
    let config = TrainConfig {
        sizes: sizes.to_vec(),
        alpha: 0.01,
        seed: 5,
        method: method.clone(),
        step_size: step,
        lambda: lambda.clone(),
        fast: false,
    };
    let mut t = Trainer::new(config, Rc::clone(&train), test).unwrap();
    let mut fast = FastNet::from_network(t.network()).unwrap();
    let (fm, fl) = (
        FastMethod::try_from(&method).unwrap(),
        FastLambdas::from(&lambda),
    );
    let mut x0 = vec![0f32; 784];
    for s in 0..steps {
        let stats = t.step(1).unwrap();
        assert!(!stats.diverged, "reference diverged at step {s}");
        let i = t.last_pattern().unwrap();
        pixels_to_input(train.pixels(i), &mut x0);
        let out = fast.train_step(&x0, train.label(i), &fm, &fl, step as f32);
        assert!(!out.diverged, "f32 step {s} rejected");
        let loss_err = (f64::from(out.loss) - stats.mean_loss).abs() / stats.mean_loss;
        assert!(
            loss_err < 1e-3,
            "step {s}: loss {} vs {}",
            out.loss,
            stats.mean_loss
        );
        assert_eq!(fast.last_lambdas().len(), stats.lambda.len());
        for (a, b) in fast.last_lambdas().iter().zip(&stats.lambda) {
            assert!(
                (a - b).abs() <= 1e-3 * b.abs() + 1e-6,
                "step {s}: lambda {a} vs {b}"
            );
        }
    }
    let rel = rel_diff(&fast.params(), &t.network().params);
    // The f64 copy holds the same values.
    assert_eq!(
        fast.to_network().params,
        fast.params()
            .iter()
            .map(|&v| f64::from(v))
            .collect::<Vec<_>>()
    );
    rel
}

/// Each `(name, method, lambdas, step size)` trained 100 steps on 784-32-16-10 both ways: the
/// f32 parameters stay within 1e-4 (relative) of the f64 reference's.
fn assert_close_to_reference(cases: Vec<(&str, Method, LambdaPolicy, f64)>) {
    for (name, method, lambda, step) in cases {
        let rel = against_reference(&[784, 32, 16, 10], method, lambda, step, 100);
        println!("{name:32} step {step:<6} relative parameter difference {rel:.3e}");
        assert!(
            rel < 1e-4,
            "{name}: relative parameter difference {rel:e} (limit 1e-4)"
        );
    }
}

#[test]
fn f32_agrees_with_the_f64_reference_after_100_steps() {
    let cases: Vec<(&str, Method, LambdaPolicy, f64)> = vec![
        ("SGD", Method::Sgd, EQ65, 0.01),
        (
            "MK paper mu=0, Eq.65 white",
            mk(0.0, GradientSource::Regularised),
            EQ65,
            0.001,
        ),
        (
            "damped MK mu=1",
            mk(1.0, GradientSource::Regularised),
            EQ65,
            0.03,
        ),
        (
            "unreg variant mu=1",
            mk(1.0, GradientSource::Unregularised),
            EQ65,
            0.03,
        ),
        ("Newton", Method::Newton, EQ65, 1e-4),
        (
            "damped MK mu=1, Eq.65+68",
            mk(1.0, GradientSource::Regularised),
            EQ65_68,
            0.03,
        ),
        (
            "MK paper mu=0, Eq.65+68",
            mk(0.0, GradientSource::Regularised),
            EQ65_68,
            0.001,
        ),
        (
            "damped MK, fixed lambdas",
            mk(1.0, GradientSource::Regularised),
            fixed(&[0.5, 0.2, 0.1, 1.0]),
            0.03,
        ),
    ];
    assert_close_to_reference(cases);
}

#[test]
fn sizes_that_are_not_multiples_of_four_agree_too() {
    for (method, step) in [
        (Method::Sgd, 0.01),
        (mk(1.0, GradientSource::Regularised), 0.03),
    ] {
        let rel = against_reference(&[784, 33, 17, 10], method, EQ65, step, 50);
        println!("784-33-17-10 relative parameter difference {rel:.3e}");
        assert!(rel < 1e-4);
    }
}

const MK_PAPER: FastMethod = FastMethod::Mk {
    mu: 0.0,
    unregularised: false,
};
const MK_DAMPED: FastMethod = FastMethod::Mk {
    mu: 1.0,
    unregularised: false,
};

/// The golden runs of tests/common/golden.rs (set-up, expected hashes, how to regenerate them).
#[test]
fn golden_hashes_of_the_f32_parameters() {
    let hashes: Vec<u64> = GOLDEN
        .iter()
        .map(|g| params_hash(&golden_run(g.method, WHITE, g.step, false).params()))
        .collect();
    println!(
        "golden: sgd {:#018x} mk {:#018x} mk_damped {:#018x}",
        hashes[0], hashes[1], hashes[2]
    );
    for (g, hash) in GOLDEN.iter().zip(hashes) {
        assert_eq!(
            hash, g.hash,
            "{}: got {hash:#018x}, expected {:#018x}",
            g.name, g.hash
        );
    }
}

#[test]
fn the_fused_and_the_two_pass_schedules_give_the_same_bits() {
    let methods = [
        (FastMethod::Sgd, WHITE, 0.01),
        (MK_DAMPED, WHITE, 0.03),
        (
            FastMethod::Mk {
                mu: 1.0,
                unregularised: true,
            },
            WHITE,
            0.03,
        ),
        (
            MK_DAMPED,
            FastLambdas::Fixed(vec![0.5, 0.2, 0.1, 1.0]),
            0.03,
        ),
        (
            MK_DAMPED,
            FastLambdas::Eq65 {
                white: false,
                eq68: true,
            },
            0.03,
        ),
    ];
    for (m, l, step) in methods {
        let a = golden_run(m, l.clone(), step, false);
        let b = golden_run(m, l, step, true);
        assert_eq!(params_hash(&a.params()), params_hash(&b.params()), "{m:?}");
    }
}

#[test]
fn a_rejected_step_leaves_the_parameters_bit_identical() {
    let train = fixtures().0;
    let net = Network::new(&[784, 32, 16, 10], 0.01, 3).unwrap();
    let mut fast = FastNet::from_network(&net).unwrap();
    let mut x0 = vec![0f32; 784];
    pixels_to_input(train.pixels(0), &mut x0);
    let label = train.label(0);
    let before = params_hash(&fast.params());
    let mut nan = x0.clone();
    nan[300] = f32::NAN;
    let mut inf = x0.clone();
    inf[0] = f32::INFINITY;
    // Layers 3 and 2 pass their checks; layer 1 (lambda_0 = 1e36, mu = 0) would overflow.
    let huge_l0 = FastLambdas::Fixed(vec![1e36, 1.0, 1.0, 1.0]);
    let cases: Vec<(&str, &[f32], FastMethod, FastLambdas, f32)> = vec![
        ("SGD step 1e36", &x0, FastMethod::Sgd, WHITE, 1e36),
        ("NaN input", &nan, FastMethod::Sgd, WHITE, 0.01),
        ("Inf input", &inf, MK_DAMPED, WHITE, 0.01),
        ("Newton step 1e36", &x0, FastMethod::Newton, WHITE, 1e36),
        ("damped MK step 1e36", &x0, MK_DAMPED, WHITE, 1e36),
        ("MK mu=0, layer 1 only", &x0, MK_PAPER, huge_l0, 0.01),
    ];
    for (name, input, m, l, step) in cases {
        let out = fast.train_step(input, label, &m, &l, step);
        assert!(out.diverged, "{name} must be rejected");
        assert_eq!(
            params_hash(&fast.params()),
            before,
            "{name}: parameters changed"
        );
    }
    // The same lower-layer case with lambda_0 = 0 is accepted, and training goes on.
    let sane = FastLambdas::Fixed(vec![0.0, 1.0, 1.0, 1.0]);
    assert!(!fast.train_step(&x0, label, &MK_PAPER, &sane, 0.01).diverged);
    assert_ne!(params_hash(&fast.params()), before);
    assert!(
        !fast
            .train_step(&x0, label, &FastMethod::Sgd, &WHITE, 0.01)
            .diverged
    );
}

#[test]
fn parameters_outside_the_f32_range_are_refused() {
    let mut net = Network::new(&[784, 8, 10], 0.01, 1).unwrap();
    net.params[5] = 1e39;
    let e = FastNet::from_network(&net).unwrap_err().to_string();
    assert!(e.contains("params[5]"), "{e}");
}

/// One f32 SGD step against `params - step * grad` in f64 (Eq. 20 with lambda = 0, lambda_n = 1).
fn sgd_step_error(x0: &[f64], label: usize, seed: u64) -> (f64, FastNet, Network) {
    let net = Network::new(&[784, 24, 10], 0.01, seed).unwrap();
    let mut d = vec![0.0; 10];
    d[label] = 1.0;
    let plain = sifrian::cost::Lambdas::plain(net.n());
    let (_, g) = sifrian::backprop::cost_and_gradient(&net, x0, &d, &plain);
    let step = 0.05;
    let expect: Vec<f64> = net
        .params
        .iter()
        .zip(&g)
        .map(|(p, gi)| p - step * gi)
        .collect();
    let mut fast = FastNet::from_network(&net).unwrap();
    let x32: Vec<f32> = x0.iter().map(|&v| v as f32).collect();
    let out = fast.train_step(
        &x32,
        label,
        &FastMethod::Sgd,
        &FastLambdas::Eq65 {
            white: true,
            eq68: false,
        },
        step as f32,
    );
    assert!(!out.diverged);
    (rel_diff(&fast.params(), &expect), fast, net)
}

#[test]
fn layer_one_skips_zero_pixels_without_changing_the_step() {
    // Dense input (no zero pixel), a sparse one, and an all-zero one.
    let mut rng = Rng::new(9);
    let dense: Vec<f64> = (0..784).map(|_| 0.05 + 0.95 * rng.uniform()).collect();
    let sparse: Vec<f64> = (0..784)
        .map(|j| if j % 5 == 0 { rng.uniform() } else { 0.0 })
        .collect();
    for (what, x0) in [("dense", &dense), ("sparse", &sparse)] {
        let (err, _, _) = sgd_step_error(x0, 3, 4);
        assert!(
            err < 1e-6,
            "{what} input: f32 step vs f64 params - step grad: {err:e}"
        );
    }
    let zero = vec![0.0; 784];
    let (err, fast, net) = sgd_step_error(&zero, 7, 5);
    assert!(err < 1e-6, "zero input: {err:e}");
    // A zero input leaves every weight of layer 1 untouched (only beta_1 can move).
    let w1 = net.layer(1).w.clone();
    let after = fast.params();
    let moved = w1
        .clone()
        .filter(|&i| f64::from(after[i]) != f64::from(net.params[i] as f32))
        .count();
    assert_eq!(moved, 0, "weights of layer 1 changed on an all-zero input");
    // And the layout round trip is exact.
    let back = FastNet::from_network(&fast.to_network()).unwrap();
    assert_eq!(back.params(), fast.params(), "params -> network -> params");
}

/// A leak slope in f32's subnormal range with every unit of layer 1 leaking: lambda_1 of Eq. 65
/// (`||d_2 .* b0_2|| / alpha`) exceeds f32's range while `d_1 .* lambda_1 x_1` does not. The
/// fused step once formed `lambda_1 x_1` in f32 (Inf) after writing layers 3 and 2; now it
/// agrees with the f64 reference.
#[test]
fn a_leak_slope_below_f32_normals_still_trains_like_the_reference() {
    let (train, test) = fixtures();
    let alpha = f64::from(1e-40f32);
    let runs: Vec<Trainer> = [false, true]
        .into_iter()
        .map(|fast| {
            let config = TrainConfig {
                sizes: vec![784, 8, 6, 10],
                alpha,
                seed: 2,
                method: mk(0.5, GradientSource::Regularised),
                step_size: 0.05,
                lambda: EQ65,
                fast,
            };
            let mut t = Trainer::new(config, Rc::clone(&train), Rc::clone(&test)).unwrap();
            let mut p = t.network().params.clone();
            let beta1 = t.network().layer(1).b.clone();
            p[beta1].fill(-100.0); // a_1 < 0 for every pixel pattern: d_1 = alpha everywhere
            t.set_params(&p).unwrap();
            t
        })
        .collect();
    let [mut reference, mut fast] = <[Trainer; 2]>::try_from(runs).ok().unwrap();
    assert!(fast.config().fast && !reference.config().fast);
    for s in 0..20 {
        let (r, f) = (reference.step(1).unwrap(), fast.step(1).unwrap());
        assert!(!r.diverged, "reference step {s} diverged");
        assert!(
            !f.diverged,
            "f32 step {s} rejected (lambda_1 = {:?})",
            f.lambda
        );
    }
    let p32: Vec<f32> = fast.network().params.iter().map(|&v| v as f32).collect();
    let rel = rel_diff(&p32, &reference.network().params);
    assert!(rel < 1e-4, "relative parameter difference {rel:e}");
}

const EQ65_NO_WHITE: LambdaPolicy = LambdaPolicy::Eq65 {
    white: false,
    eq68: false,
};

/// The configurations the test above leaves out: the white layer off (lambda_0 = 0, so MK leaves
/// layer 1's weights alone and Newton has N_1 = 0), Newton with Eq. 68's lambda_n, and the
/// unregularised-gradient variant with Eq. 68. Same steps and threshold as above.
#[test]
fn f32_agrees_with_the_f64_reference_without_the_white_layer_and_with_eq68() {
    let cases: Vec<(&str, Method, LambdaPolicy, f64)> = vec![
        ("SGD, no white", Method::Sgd, EQ65_NO_WHITE, 0.01),
        (
            "MK paper mu=0, no white",
            mk(0.0, GradientSource::Regularised),
            EQ65_NO_WHITE,
            0.001,
        ),
        (
            "damped MK mu=1, no white",
            mk(1.0, GradientSource::Regularised),
            EQ65_NO_WHITE,
            0.03,
        ),
        ("Newton, no white", Method::Newton, EQ65_NO_WHITE, 1e-4),
        ("Newton, Eq.65+68", Method::Newton, EQ65_68, 1e-4),
        (
            "unreg variant mu=1, Eq.65+68",
            mk(1.0, GradientSource::Unregularised),
            EQ65_68,
            0.03,
        ),
    ];
    assert_close_to_reference(cases);
}
