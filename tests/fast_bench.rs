//! Not a check: patterns/s of the f64 `Trainer` and of the f32 kernel `FastNet` on the paper's
//! net (moved out of tests/fast.rs, which checks the kernel's results).
use sifrian::directions::GradientSource;
use sifrian::fast::{pixels_to_input, FastLambdas, FastMethod, FastNet};
use sifrian::io::data::Dataset;
use sifrian::regularisation::LambdaPolicy;
use sifrian::rng::Rng;
use sifrian::train::{Method, TrainConfig, Trainer};
use std::rc::Rc;
use std::time::Instant;

const EQ65: LambdaPolicy = LambdaPolicy::Eq65 {
    white: true,
    eq68: false,
};

fn mk(mu: f64, source: GradientSource) -> Method {
    Method::Mk { mu, source }
}

/// A data set of `count` random images in the IDX layout.
fn random_dataset(count: usize, seed: u64) -> Rc<Dataset> {
    let mut rng = Rng::new(seed);
    let mut images = vec![0, 0, 8, 3];
    for v in [count as u32, 28, 28] {
        images.extend_from_slice(&v.to_be_bytes());
    }
    images.extend((0..count * 784).map(|_| (rng.next_u64() >> 56) as u8));
    let mut labels = vec![0, 0, 8, 1];
    labels.extend_from_slice(&(count as u32).to_be_bytes());
    labels.extend((0..count).map(|_| rng.below(10) as u8));
    Rc::new(Dataset::from_idx(&images, &labels).unwrap())
}

/// Patterns/s of `steps` f32 steps of `method` (Eq. 65 lambdas) cycling through `inputs`.
fn f32_rate(
    fast: &mut FastNet,
    method: &Method,
    inputs: &[Vec<f32>],
    labels: &[usize],
    step: f32,
    steps: usize,
) -> f64 {
    let (fm, fl) = (
        FastMethod::try_from(method).unwrap(),
        FastLambdas::from(&EQ65),
    );
    let start = Instant::now();
    let mut rejected = 0;
    for s in 0..steps {
        let i = s % inputs.len();
        rejected += usize::from(
            fast.train_step(&inputs[i], labels[i], &fm, &fl, step)
                .diverged,
        );
    }
    let rate = steps as f64 / start.elapsed().as_secs_f64();
    assert_eq!(rejected, 0, "{}: rejected steps", method.label());
    rate
}

/// Patterns/s of the f64 Trainer and of FastNet (fused where provable, and forced two-pass) on the
/// paper's 784-512-256-32-10 net, best of 3. Run: `cargo test --release --test fast_bench -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_fast_paper_net() {
    const STEPS: usize = 2000;
    let sizes = vec![784, 512, 256, 32, 10];
    let data = random_dataset(256, 9);
    let methods: Vec<(&str, Method)> = vec![
        ("sgd", Method::Sgd),
        ("mk", mk(0.0, GradientSource::Regularised)),
        ("mk_damped", mk(1.0, GradientSource::Regularised)),
        ("mk_unreg", mk(1.0, GradientSource::Unregularised)),
        ("newton", Method::Newton),
    ];
    let step = 1e-5;
    let inputs: Vec<Vec<f32>> = (0..data.len())
        .map(|i| {
            let mut x = vec![0f32; 784];
            pixels_to_input(data.pixels(i), &mut x);
            x
        })
        .collect();
    let labels: Vec<usize> = (0..data.len()).map(|i| data.label(i)).collect();
    let mut best = vec![[0f64; 3]; methods.len()];
    for rep in 0..3 {
        for (m, (name, method)) in methods.iter().enumerate() {
            let config = TrainConfig {
                sizes: sizes.clone(),
                alpha: 0.01,
                seed: 1,
                method: method.clone(),
                step_size: step,
                lambda: EQ65,
                fast: false,
            };
            let mut t = Trainer::new(config, Rc::clone(&data), Rc::clone(&data)).unwrap();
            let fast0 = FastNet::from_network(t.network()).unwrap();
            let start = Instant::now();
            let stats = t.step(STEPS).unwrap();
            let f64_rate = stats.steps as f64 / start.elapsed().as_secs_f64();
            let mut rates = [f64_rate, 0.0, 0.0];
            for (slot, two_pass) in [(1, false), (2, true)] {
                let mut fast = fast0.clone();
                fast.set_two_pass(two_pass);
                rates[slot] = f32_rate(&mut fast, method, &inputs, &labels, step as f32, STEPS);
            }
            println!(
                "rep {rep} {name:10} f64 {:8.0}/s ({} steps)  f32 {:8.0}/s  f32 two-pass {:8.0}/s",
                rates[0], stats.steps, rates[1], rates[2]
            );
            for c in 0..3 {
                best[m][c] = best[m][c].max(rates[c]);
            }
        }
    }
    println!(
        "\n| method | f64 Trainer | FastNet | FastNet two-pass | speed-up |\n|---|---|---|---|---|"
    );
    for ((name, _), b) in methods.iter().zip(&best) {
        println!(
            "| {name} | {:.0} | {:.0} | {:.0} | {:.1}x |",
            b[0],
            b[1],
            b[2],
            b[1] / b[0]
        );
    }
}
