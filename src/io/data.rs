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

use crate::error::{Error, Result, ResultExt};
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

/// Which file a problem found by [`Dataset::from_idx`] is in, so that [`Dataset::load`] can
/// name it by its path. A problem of one file already names it (`images: ...`, `labels[3]: ...`);
/// a problem of both (the counts) is named by a context.
#[derive(Debug, Clone, Copy)]
enum Part {
    Images,
    Labels,
    Both,
}

/// An error of [`Dataset::from_idx`] with the file it is in.
type Tagged<T> = std::result::Result<T, (Part, Error)>;

impl Dataset {
    /// Number of classes: labels are 0..9 and targets have this length.
    pub const CLASSES: usize = crate::catalog::CLASSES;

    /// From the bytes of an IDX3 images file and an IDX1 labels file. Checks the dimensions
    /// (images 3-D with rows, cols >= 1 and at most [`MAX_PARAMS`] pixels; labels 1-D), that both
    /// hold the same number of patterns and that every label is below [`Dataset::CLASSES`]; the
    /// error names the file and the value.
    pub fn from_idx(images: &[u8], labels: &[u8]) -> Result<Dataset> {
        Self::checked(images, labels).map_err(|(part, e)| match part {
            Part::Images | Part::Labels => e,
            Part::Both => e.context("images and labels"),
        })
    }

    /// [`Dataset::from_idx`], each error tagged with the file it is in.
    fn checked(images: &[u8], labels: &[u8]) -> Tagged<Dataset> {
        let in_images = |e: Error| (Part::Images, e);
        let in_labels = |e: Error| (Part::Labels, e);
        let im = idx::parse(images).context("images").map_err(in_images)?;
        let lb = idx::parse(labels).context("labels").map_err(in_labels)?;
        if im.dims.len() != 3 {
            return Err(in_images(Error::invalid(
                "images",
                format!(
                    "expected a 3-D IDX file (count x rows x cols), found {} dimensions {:?}",
                    im.dims.len(),
                    im.dims
                ),
            )));
        }
        if lb.dims.len() != 1 {
            return Err(in_labels(Error::invalid(
                "labels",
                format!(
                    "expected a 1-D IDX file (count), found {} dimensions {:?}",
                    lb.dims.len(),
                    lb.dims
                ),
            )));
        }
        let (rows, cols) = (im.dims[1], im.dims[2]);
        if rows == 0 || cols == 0 {
            return Err(in_images(Error::invalid(
                "images",
                format!("an image must be at least 1 x 1 pixels, found {rows} x {cols}"),
            )));
        }
        // rows * cols cannot overflow (idx::parse checks the item length). A file of 0 images has
        // no pixel bytes to back its sizes, so bound them: callers allocate `input_size()` values,
        // and no network the engine accepts has a larger input.
        if rows * cols > MAX_PARAMS {
            return Err(in_images(Error::invalid(
                "images",
                format!(
                    "{rows} x {cols} pixels per image is more than any network's input \
                     ({MAX_PARAMS} parameters at most)"
                ),
            )));
        }
        if im.count() != lb.count() {
            let why = format!(
                "the images file holds {} images, the labels file {} labels",
                im.count(),
                lb.count()
            );
            return Err((Part::Both, Error::invalid("count mismatch", why)));
        }
        if let Some(i) = lb
            .data
            .iter()
            .position(|&l| usize::from(l) >= Self::CLASSES)
        {
            return Err(in_labels(Error::invalid(
                format!("labels[{i}]"),
                format!(
                    "label {} is not a class: labels must be 0..{}",
                    lb.data[i],
                    Self::CLASSES - 1
                ),
            )));
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
        // Name the file the problem is in by its path; a count mismatch involves both.
        Self::checked(&images, &labels).map_err(|(part, e)| match part {
            Part::Images => e.context(images_path),
            Part::Labels => e.context(labels_path),
            Part::Both => e.context(format!("{images_path} and {labels_path}")),
        })
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// `i` if pattern `i` exists; otherwise the error names `name` (the flag or field that gave
    /// `i`) and `set` (`"test"`, `"training"`): `--pattern: 100 is past the last test pattern (99)`.
    pub fn check_index(&self, name: &str, i: usize, set: &str) -> Result<usize> {
        match self.len() {
            n if i < n => Ok(i),
            0 => Err(Error::invalid(
                name,
                format!("{i} is past the end of the {set} set, which is empty"),
            )),
            n => Err(Error::invalid(
                name,
                format!("{i} is past the last {set} pattern ({})", n - 1),
            )),
        }
    }

    /// `label` if it is a class, 0..[`Dataset::CLASSES`]` - 1`; otherwise
    /// `label: must be 0..9, got 12`.
    pub fn check_label(label: usize) -> Result<usize> {
        if label < Self::CLASSES {
            Ok(label)
        } else {
            Err(Error::invalid(
                "label",
                format!("must be 0..{}, got {label}", Self::CLASSES - 1),
            ))
        }
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
    /// The last `n` patterns (all of them if there are fewer).
    pub fn tail(&self, n: usize) -> Dataset {
        self.range(self.len() - n.min(self.len())..self.len())
    }

    /// The first `n` patterns (all of them if there are fewer).
    pub fn head(&self, n: usize) -> Dataset {
        self.range(0..n.min(self.len()))
    }

    /// A copy of patterns `r` (within `0..len()`).
    fn range(&self, r: std::ops::Range<usize>) -> Dataset {
        let px = self.input_size();
        Dataset {
            images: self.images[r.start * px..r.end * px].to_vec(),
            labels: self.labels[r].to_vec(),
            rows: self.rows,
            cols: self.cols,
        }
    }
}
