//! Labelled image data sets in the MNIST layout (MNIST, Fashion-MNIST): an IDX3 file of images
//! (`count x rows x cols` unsigned bytes) and an IDX1 file of labels (`count` bytes, each 0..9),
//! see [`crate::io::idx`].
//!
//! The pixels stay bytes (a 60,000-image set is 47 MB, not 376 MB of f64); a pattern is turned into
//! the network's input only when it is used: `x_0 = pixel / 255` in [0, 1], and the target `d` is
//! the one-hot vector of the label (Eq. 43's `d`).
//!
//! [`Dataset::from_idx`] reads bytes from anywhere (the page hands it what `fetch` returned);
//! [`Dataset::load`] reads the files `data/fetch.sh` writes, on native targets only.

use crate::error::{Error, Result};
use crate::io::idx;
use crate::network::MAX_PARAMS;

/// Images and their labels, checked: equal counts, every label below [`Dataset::CLASSES`].
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// `len() * rows * cols` bytes, image after image, each row-major.
    images: Vec<u8>,
    labels: Vec<u8>,
    rows: usize,
    cols: usize,
}

/// Puts `ctx` in front of what an error names (e.g. the file it came from).
fn within(ctx: &str, e: Error) -> Error {
    match e {
        Error::Invalid { what, why } => Error::invalid(format!("{ctx}: {what}"), why),
        Error::Shape {
            what,
            expected,
            found,
        } => Error::shape(format!("{ctx}: {what}"), expected, found),
        other => Error::invalid(ctx, other.to_string()),
    }
}

impl Dataset {
    /// Number of classes: labels are 0..9 and targets have this length.
    pub const CLASSES: usize = crate::catalog::CLASSES;

    /// From the bytes of an IDX3 images file and an IDX1 labels file. Checks the dimensions
    /// (images 3-D with rows, cols >= 1 and at most [`MAX_PARAMS`] pixels; labels 1-D), that both
    /// hold the same number of patterns and that every label is below [`Dataset::CLASSES`]; the
    /// error names the file and the value.
    pub fn from_idx(images: &[u8], labels: &[u8]) -> Result<Dataset> {
        let im = idx::parse(images).map_err(|e| within("images", e))?;
        let lb = idx::parse(labels).map_err(|e| within("labels", e))?;
        if im.dims.len() != 3 {
            return Err(Error::invalid(
                "images",
                format!(
                    "expected a 3-D IDX file (count x rows x cols), found {} dimensions {:?}",
                    im.dims.len(),
                    im.dims
                ),
            ));
        }
        if lb.dims.len() != 1 {
            return Err(Error::invalid(
                "labels",
                format!(
                    "expected a 1-D IDX file (count), found {} dimensions {:?}",
                    lb.dims.len(),
                    lb.dims
                ),
            ));
        }
        let (rows, cols) = (im.dims[1], im.dims[2]);
        if rows == 0 || cols == 0 {
            return Err(Error::invalid(
                "images",
                format!("an image must be at least 1 x 1 pixels, found {rows} x {cols}"),
            ));
        }
        // rows * cols cannot overflow (idx::parse checks the item length). A file of 0 images has
        // no pixel bytes to back its sizes, so bound them: callers allocate `input_size()` values,
        // and no network the engine accepts has a larger input.
        if rows * cols > MAX_PARAMS {
            return Err(Error::invalid(
                "images",
                format!(
                    "{rows} x {cols} pixels per image is more than any network's input \
                     ({MAX_PARAMS} parameters at most)"
                ),
            ));
        }
        if im.count() != lb.count() {
            return Err(Error::invalid(
                "images and labels",
                format!(
                    "count mismatch: the images file holds {} images, the labels file {} labels",
                    im.count(),
                    lb.count()
                ),
            ));
        }
        if let Some(i) = lb
            .data
            .iter()
            .position(|&l| usize::from(l) >= Self::CLASSES)
        {
            return Err(Error::invalid(
                format!("labels[{i}]"),
                format!(
                    "label {} is not a class: labels must be 0..{}",
                    lb.data[i],
                    Self::CLASSES - 1
                ),
            ));
        }
        Ok(Dataset {
            images: im.data,
            labels: lb.data,
            rows,
            cols,
        })
    }

    /// Reads `<dir>/<prefix>-images-idx3-ubyte` and `<dir>/<prefix>-labels-idx1-ubyte` (prefix
    /// `"train"` or `"t10k"`, the official names, as `data/fetch.sh` writes them to `data/mnist/`
    /// and `data/fashion/`). Errors name the path.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(dir: &std::path::Path, prefix: &str) -> Result<Dataset> {
        let read = |kind: &str| {
            let path = dir.join(format!("{prefix}-{kind}-ubyte"));
            let shown = path.display().to_string();
            std::fs::read(&path)
                .map(|bytes| (bytes, shown.clone()))
                .map_err(|e| {
                    Error::invalid(
                        shown,
                        format!("cannot read: {e}. Run `make data` (data/fetch.sh) first"),
                    )
                })
        };
        let (images, images_path) = read("images-idx3")?;
        let (labels, labels_path) = read("labels-idx1")?;
        // Name the file the problem is in; a count mismatch involves both.
        Dataset::from_idx(&images, &labels).map_err(|e| match e {
            Error::Invalid { what, why } if what.starts_with("images and labels") => {
                Error::invalid(format!("{images_path} and {labels_path}"), why)
            }
            Error::Invalid { what, why } if what.starts_with("images") => {
                Error::invalid(format!("{images_path}: {what}"), why)
            }
            Error::Invalid { what, why } if what.starts_with("labels") => {
                Error::invalid(format!("{labels_path}: {what}"), why)
            }
            other => other,
        })
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixel rows per image (28 for MNIST).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Pixel columns per image (28 for MNIST).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Pixels per image, `rows * cols`: the network's input size s_0.
    pub fn input_size(&self) -> usize {
        self.rows * self.cols
    }

    /// The raw pixels of pattern `i`, row-major, 0 = background. Panics if `i >= len()`.
    pub fn pixels(&self, i: usize) -> &[u8] {
        let n = self.input_size();
        &self.images[i * n..(i + 1) * n]
    }

    /// The input `x_0` of pattern `i`: each pixel `v` as `v / 255`, in [0, 1], into `out`.
    /// Panics if `i >= len()` or `out.len() != input_size()`.
    pub fn input_into(&self, i: usize, out: &mut [f64]) {
        assert_eq!(out.len(), self.input_size(), "input buffer length");
        for (o, &p) in out.iter_mut().zip(self.pixels(i)) {
            *o = f64::from(p) / 255.0;
        }
    }

    /// The class of pattern `i`, 0..9. Panics if `i >= len()`.
    pub fn label(&self, i: usize) -> usize {
        usize::from(self.labels[i])
    }

    /// The target `d` of pattern `i`: 1 at its label, 0 elsewhere, into `out`.
    /// Panics if `i >= len()` or `out.len() != CLASSES`.
    pub fn target_into(&self, i: usize, out: &mut [f64]) {
        assert_eq!(out.len(), Self::CLASSES, "target buffer length");
        out.fill(0.0);
        out[self.label(i)] = 1.0;
    }

    /// The first `n` patterns (all of them if `n >= len()`).
    pub fn head(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            images: self.images[..n * self.input_size()].to_vec(),
            labels: self.labels[..n].to_vec(),
            rows: self.rows,
            cols: self.cols,
        }
    }
}
