//! The trainable true second-order steps (`newton-pinv`: H⁺∇J_R, `saddle-free`: |H|⁺∇J_R, over the
//! nonzero spectrum of one pattern's Hessian H of J_R; src/train/spectral.rs): one trainer step
//! against the pseudo-inverses of the dense hyper-dual AD Hessian (Jacobi eigenpairs), the refusal
//! above the eigenpair cap, the divergence watch's bit-exact undo, same seed same run, and the
//! model file round trip.
mod common;
use common::golden::SADDLE_FREE_HASH;
use common::*;
use sifrian::cost::Lambdas;
use sifrian::io::data::Dataset;
use sifrian::io::model_file::params_hash;
use sifrian::regularisation::LambdaPolicy;
use sifrian::train::{Cause, Method, TrainConfig, Trainer};
use std::rc::Rc;

/// IDX bytes of `count` random 2x2 images (pixels 0..=255) and labels 0..9, from `seed`.
fn tiny_set(count: usize, seed: u64) -> Dataset {
    let mut rng = sifrian::rng::Rng::new(seed);
    let mut images = vec![0, 0, 8, 3];
    for v in [count as u32, 2, 2] {
        images.extend_from_slice(&v.to_be_bytes());
    }
    let mut labels = vec![0, 0, 8, 1];
    labels.extend_from_slice(&(count as u32).to_be_bytes());
    for _ in 0..count {
        images.extend((0..4).map(|_| rng.below(256) as u8));
        labels.push(rng.below(10) as u8);
    }
    Dataset::from_idx(&images, &labels).unwrap()
}

fn tiny_config(optimizer: &str, step: f64, lambda: LambdaPolicy) -> TrainConfig {
    TrainConfig {
        sizes: vec![4, 3, 10],
        alpha: 0.1,
        seed: 5,
        method: Method::from_name(optimizer, None).unwrap(),
        step_size: step,
        lambda,
        fast: true,
    }
}

#[test]
fn one_step_is_theta_minus_step_times_the_dense_pseudo_inverses_of_the_hessian_times_the_gradient()
{
    let (train, test) = (Rc::new(tiny_set(32, 1)), Rc::new(tiny_set(8, 2)));
    let lambda = Lambdas::new(vec![0.0, 0.7, 1.0], 2).unwrap();
    let step = 0.3;
    for (name, f) in [
        ("newton-pinv", (|m: f64| 1.0 / m) as fn(f64) -> f64),
        ("saddle-free", |m: f64| 1.0 / m.abs()),
    ] {
        let config = tiny_config(name, step, LambdaPolicy::Fixed(lambda.clone()));
        let mut t = Trainer::new(config, Rc::clone(&train), Rc::clone(&test)).unwrap();
        for _ in 0..3 {
            let before = t.network().clone();
            let stats = t.step(1).unwrap();
            assert!(!stats.diverged, "{name}: {stats:?}");
            let i = t.last_pattern().unwrap();
            let (mut x0, mut d) = (vec![0.0; 4], vec![0.0; 10]);
            train.input_into(i, &mut x0);
            train.target_into(i, &mut d);
            // The independent reference: the dense Hessian and gradient of J_R by (hyper-)dual AD.
            let case = Case {
                net: before.clone(),
                x0,
                d,
                lambda: lambda.clone(),
            };
            let v = dense_apply(&case.hessian_ad(), &case.gradient_ad(), f);
            let moved: Vec<f64> = t
                .network()
                .params
                .iter()
                .zip(&before.params)
                .map(|(a, b)| (b - a) / step)
                .collect();
            let err = rel_err(&moved, &v);
            assert!(
                err < 1e-8,
                "{name} on pattern {i}: (theta - theta')/step vs the dense pseudo-inverse: relative \
                 error {err:e}\n engine {moved:?}\n dense {v:?}"
            );
        }
    }
}

#[test]
fn networks_above_the_eigenpair_cap_are_refused_with_the_order_and_the_cap() {
    let (train, test) = mnist_fixtures();
    let (train, test) = (Rc::new(train), Rc::new(test));
    let eq65 = LambdaPolicy::Eq65 {
        white: true,
        eq68: false,
    };
    for name in ["newton-pinv", "saddle-free"] {
        let mut c = tiny_config(name, 0.01, eq65.clone());
        c.sizes = vec![784, 512, 256, 32, 10];
        let e = Trainer::new(c, Rc::clone(&train), Rc::clone(&test))
            .err()
            .expect("the paper's net is over the cap")
            .to_string();
        for part in [
            "optimizer: ",
            name,
            "2S - s_n = 1610 on 784-512-256-32-10",
            "at most 512",
        ] {
            assert!(e.contains(part), "{e:?} does not contain {part:?}");
        }
        for ok in [&[784, 64, 10][..], &[784, 128, 64, 10]] {
            let mut c = tiny_config(name, 0.01, eq65.clone());
            c.sizes = ok.to_vec();
            assert!(
                c.validate(784).is_ok(),
                "{name} on {ok:?}: {:?}",
                c.validate(784)
            );
        }
    }
}

#[test]
fn a_flagged_spectral_step_is_undone_bit_exactly_and_the_run_goes_on() {
    let (train, test) = (Rc::new(tiny_set(64, 3)), Rc::new(tiny_set(8, 4)));
    let eq65 = LambdaPolicy::Eq65 {
        white: true,
        eq68: false,
    };
    for name in ["newton-pinv", "saddle-free"] {
        // A step far too large: the outputs blow up and the watch flags a pattern.
        let config = tiny_config(name, 30.0, eq65.clone());
        let mut a = Trainer::new(config.clone(), Rc::clone(&train), Rc::clone(&test)).unwrap();
        let s = a.step(5000).unwrap();
        let div = s
            .divergence
            .clone()
            .unwrap_or_else(|| panic!("{name} at step 30 was never flagged: {s:?}"));
        assert_eq!(s.steps as u64, div.samples, "{name}: {div:?}");
        // The same run stopped just before the flagged step has the very same parameters.
        let mut b = Trainer::new(config, Rc::clone(&train), Rc::clone(&test)).unwrap();
        if div.samples > 0 {
            let sb = b.step(div.samples as usize).unwrap();
            assert!(!sb.diverged, "{name}: the replayed run diverged: {sb:?}");
        }
        assert_eq!(
            params_hash(&a.network().params),
            params_hash(&b.network().params),
            "{name}: the kept state after the divergence ({:?} at {} patterns) differs from the run \
             stopped there",
            div.cause,
            div.samples
        );
        assert!(
            matches!(div.cause, Cause::Cost | Cause::NonFinite),
            "{div:?}"
        );
        assert!(a.network().params.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn the_same_seed_gives_the_same_spectral_run_and_the_golden_hash() {
    let (train, test) = mnist_fixtures();
    let (train, test) = (Rc::new(train), Rc::new(test));
    let config = TrainConfig {
        sizes: vec![784, 16, 10],
        alpha: 0.01,
        seed: 3,
        method: Method::from_name("saddle-free", None).unwrap(),
        step_size: 0.001,
        lambda: LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        },
        fast: true,
    };
    let mut a = Trainer::new(config.clone(), Rc::clone(&train), Rc::clone(&test)).unwrap();
    let mut b = Trainer::new(config, Rc::clone(&train), Rc::clone(&test)).unwrap();
    let (sa, sb) = (a.step(30).unwrap(), b.step(30).unwrap());
    assert!(!sa.diverged && !sb.diverged, "{sa:?}");
    let (ha, hb) = (
        params_hash(&a.network().params),
        params_hash(&b.network().params),
    );
    println!("golden: saddle-free {ha}");
    assert_eq!(ha, hb, "two runs with the same seed");
    assert_eq!(
        ha, SADDLE_FREE_HASH,
        "got {ha}, expected {SADDLE_FREE_HASH}"
    );
}

#[test]
fn a_spectral_run_saves_and_loads_its_model_file() {
    let (train, test) = mnist_fixtures();
    let (train, test) = (Rc::new(train), Rc::new(test));
    let mut c = tiny_config(
        "newton-pinv",
        0.01,
        LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        },
    );
    c.sizes = vec![784, 8, 10];
    let mut a = Trainer::new(c.clone(), Rc::clone(&train), Rc::clone(&test)).unwrap();
    a.step(10).unwrap();
    let bytes = sifrian::io::model_file::export(a.network());
    let net = sifrian::io::model_file::import(&bytes).unwrap();
    let mut b = Trainer::new(c, Rc::clone(&train), Rc::clone(&test)).unwrap();
    b.set_params(&net.params).unwrap();
    assert_eq!(
        params_hash(&a.network().params),
        params_hash(&b.network().params),
        "the loaded model's parameters"
    );
}
