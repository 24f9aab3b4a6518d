//! Labelled image data sets (MNIST, Fashion-MNIST). To be written.
