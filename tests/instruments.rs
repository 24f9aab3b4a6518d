//! The instruments sampled over training (src/train/instruments.rs) against independent references:
//! the dense Hessian of the cost by hyper-dual AD and its Jacobi eigenvalues (tests/common), the
//! divergence report's lambdas and leaky shares, and a run without instruments (same bits).
mod common;
use common::*;
use sifrian::cost::Lambdas;
use sifrian::directions::GradientSource;
use sifrian::io::data::Dataset;
use sifrian::regularisation::LambdaPolicy;
use sifrian::train::{Method, Schedule, TrainConfig, Trainer};
use std::rc::Rc;

const MK: Method = Method::Mk {
    mu: 0.0,
    source: GradientSource::Regularised,
};

fn config(sizes: &[usize], method: Method, step: f64, fast: bool) -> TrainConfig {
    TrainConfig {
        sizes: sizes.to_vec(),
        alpha: 0.01,
        seed: 11,
        method,
        step_size: step,
        lambda: LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        },
        fast,
    }
}

fn fixtures() -> (Rc<Dataset>, Rc<Dataset>) {
    let (train, test) = mnist_fixtures();
    (Rc::new(train), Rc::new(test))
}

/// The fixtures' digits average-pooled from 28 x 28 to 4 x 4 (blocks of 7 x 7): real digits on a
/// net small enough (16-3-10, 91 parameters) for a dense AD Hessian and Jacobi.
fn pooled(set: &Dataset) -> Dataset {
    let n = set.len();
    let mut images = vec![0, 0, 8, 3];
    for v in [n as u32, 4, 4] {
        images.extend_from_slice(&v.to_be_bytes());
    }
    let mut labels = vec![0, 0, 8, 1];
    labels.extend_from_slice(&(n as u32).to_be_bytes());
    for i in 0..n {
        let px = set.pixels(i);
        for bi in 0..4 {
            for bj in 0..4 {
                let mut s = 0u32;
                for r in 0..7 {
                    for c in 0..7 {
                        s += u32::from(px[(bi * 7 + r) * 28 + bj * 7 + c]);
                    }
                }
                images.push((s / 49) as u8);
            }
        }
        labels.push(set.label(i) as u8);
    }
    Dataset::from_idx(&images, &labels).unwrap()
}

/// The nonzero eigenvalues of a dense symmetric matrix by Jacobi (|mu| > 1e-9 max |mu|).
fn dense_spectrum(h: &[Vec<f64>]) -> (f64, usize, usize) {
    let all = jacobi_eigenvalues(h);
    let radius = all.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let nonzero = all.iter().filter(|v| v.abs() > 1e-9 * radius);
    let positive = nonzero.clone().filter(|&&v| v > 0.0).count();
    (radius, positive, nonzero.count() - positive)
}

#[test]
fn the_sampled_radius_inertia_and_curvature_equal_the_dense_ad_hessian() {
    let (train, test) = mnist_fixtures();
    let (train, test) = (Rc::new(pooled(&train)), Rc::new(pooled(&test)));
    for method in [Method::Sgd, MK] {
        let c = config(&[16, 3, 10], method.clone(), 0.01, false);
        let mut t = Trainer::new(c, Rc::clone(&train), Rc::clone(&test)).unwrap();
        t.set_instruments(Some(Schedule::new(37, 37).unwrap()));
        let mut checked = 0;
        for _ in 0..6 {
            let before = t.network().clone();
            t.step(37).unwrap();
            let samples = t.take_samples();
            assert_eq!(samples.len(), 1, "{method:?}: one sample per 37 patterns");
            let s = &samples[0];
            let (mut x0, mut d) = (vec![0.0; 16], vec![0.0; 10]);
            train.input_into(s.pattern, &mut x0);
            train.target_into(s.pattern, &mut d);
            let case = Case {
                net: before,
                x0,
                d,
                lambda: Lambdas::plain(2),
            };
            if case.kink_margin() < 1e-6 {
                continue; // the AD Hessian is one-sided at a kink
            }
            let h = case.hessian_ad();
            let (radius, positive, negative) = dense_spectrum(&h);
            let sp = s.spectrum.expect("the spectrum is on every sample");
            assert!(
                (sp.radius - radius).abs() <= 1e-9 * radius,
                "{method:?} at {}: radius {} vs dense {radius}",
                s.samples,
                sp.radius
            );
            assert_eq!(
                (sp.positive, sp.negative),
                (positive, negative),
                "{method:?} at {}: inertia vs dense",
                s.samples
            );
            let g = case.gradient_ad();
            let expected = dot(&g, &mat_vec(&h, &g)) / dot(&g, &g);
            assert!(
                (s.curvature - expected).abs() <= 1e-9 * expected.abs().max(1e-12),
                "{method:?} at {}: g'Hg/|g|^2 {} vs dense {expected}",
                s.samples,
                s.curvature
            );
            assert_eq!(s.edge, 2.0 / 0.01, "{method:?}");
            checked += 1;
        }
        assert!(
            checked >= 4,
            "{method:?}: only {checked} samples away from a kink"
        );
    }
}

/// MK as printed at a step size that leaves the cost bound on the fixtures: the report's lambdas
/// and leaky shares for the update it examines are the instruments' on that update's pattern.
#[test]
fn the_sampled_lambdas_and_leaky_shares_equal_the_divergence_reports() {
    let (train, test) = fixtures();
    let c = config(&[784, 32, 10], MK, 1.0, false);
    let mut t = Trainer::new(c, Rc::clone(&train), Rc::clone(&test)).unwrap();
    t.set_instruments(Some(Schedule::new(1, 0).unwrap()));
    let mut samples = Vec::new();
    let mut report = None;
    for _ in 0..200 {
        let st = t.step(100).unwrap();
        samples.extend(t.take_samples());
        if let Some(d) = st.divergence {
            report = Some(d);
            break;
        }
    }
    let d = report.expect("MK as printed at step 1 leaves the cost bound within 20,000 patterns");
    let s = samples
        .iter()
        .rev()
        .find(|s| s.pattern == d.pattern && (s.samples + 1 == d.samples || s.samples == d.samples))
        .expect("a sample on the update the report examines");
    assert_eq!(s.lambda, d.lambda, "lambdas: sample vs report");
    assert_eq!(
        s.leaky_share, d.leaky_share,
        "leaky shares: sample vs report"
    );
    assert_eq!(s.penalty.len(), 1, "one hidden layer: {s:?}");
    assert!(s.penalty[0] > 0.0 && s.error[0].is_finite(), "{s:?}");
    // Asked again, the flagged step is flagged again from the same state: no second sample of it.
    let again = t.step(1).unwrap();
    assert!(again.diverged, "{again:?}");
    let repeated = t.take_samples();
    assert!(
        repeated.is_empty(),
        "sampled again at {:?}",
        repeated.iter().map(|s| s.samples).collect::<Vec<_>>()
    );
    let counts: Vec<u64> = samples.iter().map(|s| s.samples).collect();
    assert!(
        counts.windows(2).all(|w| w[0] < w[1]),
        "sample counts not increasing: {counts:?}"
    );
}

#[test]
fn sampling_does_not_change_the_training_bits() {
    let (train, test) = fixtures();
    // The catalog's default steps: neither run diverges in these 765 patterns (checked below).
    for (method, step) in [(Method::Sgd, 0.01), (MK, 0.0003)] {
        for fast in [true, false] {
            let c = config(&[784, 32, 10], method.clone(), step, fast);
            let mut plain = Trainer::new(c.clone(), Rc::clone(&train), Rc::clone(&test)).unwrap();
            let mut probed = Trainer::new(c, Rc::clone(&train), Rc::clone(&test)).unwrap();
            probed.set_instruments(Some(Schedule::new(8, 64).unwrap()));
            let mut taken = 0;
            for n in [1, 63, 200, 500, 1] {
                let a = plain.step(n).unwrap();
                let b = probed.step(n).unwrap();
                assert_eq!(a, b, "{method:?} fast {fast}: step stats");
                assert!(!a.diverged, "{method:?} fast {fast}: diverged, {a:?}");
                taken += probed.take_samples().len();
            }
            assert_eq!(
                taken,
                765usize.div_ceil(8),
                "{method:?} fast {fast}: samples"
            );
            let (p, q) = (&plain.network().params, &probed.network().params);
            let same = p.iter().zip(q).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(
                same,
                "{method:?} fast {fast}: parameters differ with instruments"
            );
        }
    }
}
