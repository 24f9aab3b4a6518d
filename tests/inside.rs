//! The look inside the network: the confusion matrix and its misclassified images, the softmax
//! reading, one explained step, the reading of an input and the first layer's weights, each
//! against a direct recount from the network's own forward pass (fixtures: 500 MNIST training
//! digits, 100 test digits).
mod common;
use common::mnist_fixtures;
use sifrian::cost::loss;
use sifrian::io::data::Dataset;
use sifrian::linalg::argmax;
use sifrian::regularisation::LambdaPolicy;
use sifrian::train::{
    first_layer, probabilities, softmax, Method, TrainConfig, Trainer, MAX_FIRST_LAYER_UNITS,
};
use std::rc::Rc;

fn trainer(fast: bool) -> Trainer {
    let (train, test) = mnist_fixtures();
    let config = TrainConfig {
        sizes: vec![784, 24, 16, 10],
        alpha: 0.01,
        seed: 3,
        method: Method::Sgd,
        step_size: 0.02,
        lambda: LambdaPolicy::Eq65 {
            white: true,
            eq68: false,
        },
        fast,
    };
    Trainer::new(config, Rc::new(train), Rc::new(test)).unwrap()
}

/// Per cell (true * 10 + predicted), the test indices in `range`, from `predict` image by image.
fn recount(t: &Trainer, range: std::ops::Range<usize>) -> Vec<Vec<u32>> {
    let test = t.test_set();
    let mut x = vec![0.0; test.input_size()];
    let mut cells = vec![Vec::new(); 100];
    for i in range {
        test.input_into(i, &mut x);
        let p = argmax(&t.predict(&x).unwrap());
        cells[test.label(i) * 10 + p].push(i as u32);
    }
    cells
}

#[test]
fn the_confusion_matrix_counts_each_validated_image_once_by_true_and_predicted_class() {
    let mut t = trainer(false);
    t.step(400).unwrap();
    // Validated in two chunks, as the page does.
    let (a, b) = (t.evaluate(0, 37), t.evaluate(37, 1000));
    let c = t.confusion();
    let cells = recount(&t, 0..100);
    for (cell, expected) in cells.iter().enumerate() {
        let (tr, p) = (cell / 10, cell % 10);
        assert_eq!(
            c.cell(tr, p) as usize,
            expected.len(),
            "cell ({tr}, {p}): matrix {} vs recount {}",
            c.cell(tr, p),
            expected.len()
        );
        let listed: &[u32] = if tr == p { &[] } else { expected };
        assert_eq!(
            c.misclassified(tr, p),
            listed,
            "misclassified of ({tr}, {p})"
        );
    }
    assert_eq!(
        c.count,
        a.count + b.count,
        "count {} vs validated {}",
        c.count,
        a.count + b.count
    );
    assert_eq!(c.count, 100, "all 100 test images");
    assert_eq!(
        c.correct,
        a.correct + b.correct,
        "diagonal {} vs validation's correct {}",
        c.correct,
        a.correct + b.correct
    );
    let off: usize = c.misclassified.iter().map(Vec::len).sum();
    assert_eq!(
        off,
        c.count - c.correct,
        "listed misclassified {off} vs count - correct"
    );
    // Not a trivial network: some right, some wrong.
    assert!(c.correct > 10 && c.correct < 100, "correct {}", c.correct);
}

#[test]
fn only_validated_images_are_counted_and_each_at_its_latest_validation() {
    let mut t = trainer(false);
    assert_eq!(t.confusion().count, 0, "nothing validated yet");
    t.evaluate(10, 20);
    let c = t.confusion();
    assert_eq!(c.count, 20, "count {} vs 20 validated", c.count);
    assert!(
        c.misclassified
            .iter()
            .flatten()
            .all(|&i| (10..30).contains(&i)),
        "an index outside 10..30: {:?}",
        c.misclassified
    );
    // Train, validate everything again: the matrix is the new network's.
    t.step(300).unwrap();
    let e = t.evaluate(0, 100);
    let c = t.confusion();
    assert_eq!(
        (c.count, c.correct),
        (e.count, e.correct),
        "matrix vs evaluation"
    );
    let recounted = recount(&t, 0..100);
    let diagonal: usize = (0..10).map(|k| recounted[k * 11].len()).sum();
    assert_eq!(
        c.correct, diagonal,
        "diagonal {} vs recount {diagonal}",
        c.correct
    );
    // New parameters: the old predictions are forgotten.
    let params = t.network().params.clone();
    t.set_params(&params).unwrap();
    assert_eq!(t.confusion().count, 0, "after set_params");
}

#[test]
fn with_the_f32_kernel_the_matrix_is_the_validations_own_count() {
    let mut t = trainer(true);
    t.step(400).unwrap();
    let e = t.evaluate(0, 50);
    let f = t.evaluate(50, 50);
    let c = t.confusion();
    assert_eq!(c.count, e.count + f.count, "count");
    assert_eq!(
        c.correct,
        e.correct + f.correct,
        "diagonal vs the validation's correct"
    );
    let total: u32 = c.counts.iter().sum();
    assert_eq!(
        total as usize, c.count,
        "sum of cells {total} vs count {}",
        c.count
    );
    for (cell, list) in c.misclassified.iter().enumerate() {
        for &i in list {
            assert_eq!(
                t.test_set().label(i as usize),
                cell / 10,
                "image {i} in row {}",
                cell / 10
            );
        }
    }
}

#[test]
fn softmax_is_the_direct_formula_and_survives_huge_and_missing_outputs() {
    let x = [0.3, -1.2, 0.9, 0.0, 2.5, 0.1, -0.4, 0.7, 1.1, -2.0];
    let sum: f64 = x.iter().map(|v: &f64| v.exp()).sum();
    let s = softmax(&x);
    for (i, (&si, &xi)) in s.iter().zip(&x).enumerate() {
        let direct = xi.exp() / sum;
        assert!(
            (si - direct).abs() < 1e-15,
            "softmax[{i}] {si} vs exp/sum {direct}"
        );
    }
    // A one-hot output: e / (e + 9) on the hot class.
    let mut hot = [0.0; 10];
    hot[4] = 1.0;
    let e = 1f64.exp();
    let s = softmax(&hot);
    assert!(
        (s[4] - e / (e + 9.0)).abs() < 1e-15,
        "hot {} vs {}",
        s[4],
        e / (e + 9.0)
    );
    // Shifted by 1000 (exp would overflow): the same distribution.
    let shifted: Vec<f64> = x.iter().map(|v| v + 1000.0).collect();
    let t = softmax(&shifted);
    for (i, (a, b)) in softmax(&x).iter().zip(&t).enumerate() {
        assert!((a - b).abs() < 1e-12, "shifted [{i}] {a} vs {b}");
    }
    // NaN weighs nothing; +inf takes everything; all NaN is uniform.
    let s = softmax(&[f64::NAN, 0.0, 0.0]);
    assert_eq!(s, vec![0.0, 0.5, 0.5]);
    let s = softmax(&[f64::INFINITY, 3.0, f64::INFINITY]);
    assert_eq!(s, vec![0.5, 0.0, 0.5]);
    assert_eq!(softmax(&[f64::NAN; 4]), vec![0.25; 4]);
}

#[test]
fn one_explained_step_is_the_same_step_with_the_costs_before_and_after_on_its_pattern() {
    for fast in [false, true] {
        let (mut plain, mut explained) = (trainer(fast), trainer(fast));
        plain.step(25).unwrap();
        explained.step(25).unwrap();
        let before = explained.network().clone();
        let st = plain.step(1).unwrap();
        let o = explained.step_explained().unwrap();
        assert_eq!(
            plain.network().params,
            explained.network().params,
            "fast {fast}: the explained step changed the parameters differently"
        );
        assert_eq!(Some(o.index), plain.last_pattern(), "fast {fast}: pattern");
        assert_eq!(
            o.stats.samples_seen, st.samples_seen,
            "fast {fast}: samples seen"
        );
        let train: &Dataset = explained.train_set();
        assert_eq!(o.label, train.label(o.index), "fast {fast}: label");
        assert_eq!(o.pixels, train.pixels(o.index), "fast {fast}: pixels");
        let mut x = vec![0.0; 784];
        let mut d = vec![0.0; 10];
        train.input_into(o.index, &mut x);
        train.target_into(o.index, &mut d);
        let (fw0, fw1) = (before.forward(&x), explained.network().forward(&x));
        // The reference engine's numbers are these forward passes exactly; the f32 kernel's
        // are its own f32 forward pass, within f32 rounding of them.
        let tol = if fast { 1e-5 } else { 0.0 };
        for (what, got, want) in [
            ("cost before", o.cost_before, loss(&fw0, &d)),
            ("cost after", o.cost_after, loss(&fw1, &d)),
            ("step's own cost", o.cost_before, st.mean_loss),
        ] {
            assert!(
                (got - want).abs() <= tol * want.max(1.0),
                "fast {fast}: {what} {got} vs {want}"
            );
        }
        assert_eq!(
            o.predicted_before,
            argmax(fw0.output()),
            "fast {fast}: before"
        );
        assert_eq!(
            o.predicted_after,
            argmax(fw1.output()),
            "fast {fast}: after"
        );
        assert!(
            o.cost_after < o.cost_before,
            "fast {fast}: SGD lowers this pattern's cost: {} -> {}",
            o.cost_before,
            o.cost_after
        );
    }
}

#[test]
fn a_reading_is_the_forward_pass_its_hidden_states_and_both_probabilities() {
    let mut t = trainer(false);
    t.step(100).unwrap();
    let mut x = vec![0.0; 784];
    t.test_set().input_into(5, &mut x);
    let r = t.read(&x).unwrap();
    let fw = t.network().forward(&x);
    assert_eq!(r.outputs, fw.output(), "outputs");
    assert_eq!(r.hidden, fw.x[1..3].to_vec(), "hidden states x_1, x_2");
    assert_eq!(
        r.hidden.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![24, 16]
    );
    for (k, (h, m)) in r.hidden.iter().zip(&r.hidden_max).enumerate() {
        let direct = h.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        assert_eq!(*m, direct, "layer {}: max {m} vs {direct}", k + 1);
    }
    assert_eq!(r.probabilities, probabilities(&r.outputs));
    assert_eq!(
        r.probabilities,
        t.predict(&x).map(|o| probabilities(&o)).unwrap()
    );
    assert_eq!(r.softmax, softmax(&r.outputs));
    assert!(
        t.read(&[0.0; 3]).is_err(),
        "a wrong input length is refused"
    );
}

#[test]
fn the_first_layers_images_are_rows_of_w1_and_change_with_training() {
    let mut t = trainer(true);
    let a = first_layer(t.network(), 8).unwrap();
    assert_eq!((a.units, a.inputs, a.weights.len()), (8, 784, 8 * 784));
    let w1 = t.network().w(1);
    for (j, (&got, &w)) in a.weights.iter().zip(w1).enumerate() {
        assert_eq!(got, w as f32, "weight {j}");
    }
    for u in 0..8 {
        let direct = w1[u * 784..(u + 1) * 784]
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        assert_eq!(a.max_abs[u], direct, "unit {u}: max |w|");
    }
    assert_eq!(
        first_layer(t.network(), 64).unwrap().units,
        24,
        "at most s_1 units"
    );
    for bad in [0, MAX_FIRST_LAYER_UNITS + 1] {
        let e = first_layer(t.network(), bad).unwrap_err().to_string();
        assert!(
            e.contains("units") && e.contains(&bad.to_string()),
            "{bad} units: {e}"
        );
    }
    t.step(200).unwrap();
    let b = first_layer(t.network(), 8).unwrap();
    let changed = a
        .weights
        .iter()
        .zip(&b.weights)
        .filter(|(x, y)| x != y)
        .count();
    assert!(
        changed > 100,
        "only {changed} of 6272 weights changed in 200 steps"
    );
}
