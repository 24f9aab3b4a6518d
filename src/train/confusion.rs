//! The confusion matrix of the test set: how often images of true class `t` were predicted as
//! class `p`, and which test images those were.
//!
//! Nothing is classified twice: [`Trainer::evaluate`] records the arg-max it already computes for
//! every test image it validates ([`Predictions`]); [`Trainer::confusion`] counts those records.
//! After a validation of the whole test set every record is from that validation, so the matrix's
//! diagonal sums to that validation's `correct` and all its cells to its `count`.

use super::Trainer;
use crate::io::data::Dataset;

/// No prediction recorded yet for this test image.
const NONE: u8 = u8::MAX;

/// The latest validation's predicted class of every test image.
pub(super) struct Predictions {
    class: Vec<u8>,
}

impl Predictions {
    /// Nothing recorded, for a test set of `len` images.
    pub(super) fn new(len: usize) -> Self {
        Predictions {
            class: vec![NONE; len],
        }
    }

    /// Test image `i` was just classified as `class` (< [`Dataset::CLASSES`]).
    pub(super) fn record(&mut self, i: usize, class: usize) {
        debug_assert!(class < Dataset::CLASSES, "class {class}");
        self.class[i] = class as u8;
    }

    /// Forgets every record (the parameters were replaced).
    pub(super) fn clear(&mut self) {
        self.class.fill(NONE);
    }
}

/// The confusion matrix over every test image validated so far, each at its latest validation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Confusion {
    /// `counts[t * CLASSES + p]`: images of true class `t` predicted as `p` (row-major, 100 cells).
    pub counts: Vec<u32>,
    /// Images counted (the sum of `counts`).
    pub count: usize,
    /// Of those, predicted as their true class (the sum of the diagonal).
    pub correct: usize,
    /// Per cell (`t * CLASSES + p`), the test indices of its images in ascending order when
    /// `t != p` (the misclassified ones); empty on the diagonal.
    pub misclassified: Vec<Vec<u32>>,
}

impl Confusion {
    /// The images of true class `t` predicted as `p`.
    pub fn cell(&self, t: usize, p: usize) -> u32 {
        self.counts[t * Dataset::CLASSES + p]
    }

    /// The misclassified test indices of cell (`t`, `p`) (empty when `t == p`).
    pub fn misclassified(&self, t: usize, p: usize) -> &[u32] {
        &self.misclassified[t * Dataset::CLASSES + p]
    }
}

impl Trainer {
    /// The confusion matrix of the predictions [`Trainer::evaluate`] recorded: every test image
    /// validated since the parameters were last replaced, at its latest validation. Call it after
    /// a validation of the whole test set for the matrix of the current network.
    pub fn confusion(&self) -> Confusion {
        let c = Dataset::CLASSES;
        let mut m = Confusion {
            counts: vec![0; c * c],
            count: 0,
            correct: 0,
            misclassified: vec![Vec::new(); c * c],
        };
        for (i, &p) in self.predictions.class.iter().enumerate() {
            if p == NONE {
                continue;
            }
            let (t, p) = (self.test.label(i), usize::from(p));
            m.counts[t * c + p] += 1;
            m.count += 1;
            if t == p {
                m.correct += 1;
            } else {
                m.misclassified[t * c + p].push(i as u32);
            }
        }
        m
    }
}
