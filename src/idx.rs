//! IDX files (the MNIST container format). To be written.
