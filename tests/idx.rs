//! The IDX reader and the data set on the committed fixtures (tests/fixtures/README.md), on
//! corrupted copies of them, and, when `make data` has run, on the full official files.

use sifrian::io::data::Dataset;
use sifrian::io::idx;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn mnist_test() -> (Vec<u8>, Vec<u8>) {
    (
        fixture("mnist-t10k-images-100-idx3-ubyte"),
        fixture("mnist-t10k-labels-100-idx1-ubyte"),
    )
}

/// The error message of `r`, which must be an error.
fn err<T: std::fmt::Debug>(r: sifrian::Result<T>) -> String {
    r.expect_err("expected an error").to_string()
}

fn assert_mentions(msg: &str, words: &[&str]) {
    for w in words {
        assert!(msg.contains(w), "{msg:?} should mention {w:?}");
    }
}

#[test]
fn fixtures_have_the_official_shapes_and_first_labels() {
    for (prefix, first) in [
        ("mnist", [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]),
        ("fashion", [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]),
    ] {
        let images = idx::parse(&fixture(&format!("{prefix}-t10k-images-100-idx3-ubyte"))).unwrap();
        let labels = idx::parse(&fixture(&format!("{prefix}-t10k-labels-100-idx1-ubyte"))).unwrap();
        assert_eq!(images.dims, vec![100, 28, 28], "{prefix}");
        assert_eq!(labels.dims, vec![100], "{prefix}");
        assert_eq!(images.data.len(), 100 * 784);
        assert_eq!(&labels.data[..10], &first, "{prefix}");
    }
    let train = Dataset::from_idx(
        &fixture("mnist-train-images-500-idx3-ubyte"),
        &fixture("mnist-train-labels-500-idx1-ubyte"),
    )
    .unwrap();
    assert_eq!(train.len(), 500);
    let first: Vec<usize> = (0..10).map(|i| train.label(i)).collect();
    assert_eq!(first, [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
}

#[test]
fn dataset_scales_pixels_and_builds_one_hot_targets() {
    let (im, lb) = mnist_test();
    let set = Dataset::from_idx(&im, &lb).unwrap();
    assert_eq!(
        (set.len(), set.input_size(), set.is_empty()),
        (100, 784, false)
    );
    assert_eq!((set.rows(), set.cols()), (28, 28));
    // Image 0 (a 7) is the 784 bytes right after the 16-byte header.
    assert_eq!(set.pixels(0), &im[16..16 + 784]);
    assert_eq!(set.pixels(99), &im[16 + 99 * 784..]);
    let mut x = vec![-1.0; 784];
    set.input_into(0, &mut x);
    for (v, &p) in x.iter().zip(set.pixels(0)) {
        assert_eq!(*v, f64::from(p) / 255.0);
        assert!((0.0..=1.0).contains(v));
    }
    assert!(
        x.contains(&1.0) && x.contains(&0.0),
        "MNIST digits use the full 0..255 range"
    );
    let mut d = vec![7.0; Dataset::CLASSES];
    set.target_into(0, &mut d);
    assert_eq!(d, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    let head = set.head(3);
    assert_eq!(head.len(), 3);
    assert_eq!(head.pixels(2), set.pixels(2));
    assert_eq!((head.label(0), head.label(1), head.label(2)), (7, 2, 1));
    assert_eq!(set.head(1000), set);
    assert!(set.head(0).is_empty());
}

#[test]
fn corrupt_headers_are_named() {
    let (im, _) = mnist_test();

    let mut bad = im.clone();
    bad[0] = 0x12;
    assert_mentions(&err(idx::parse(&bad)), &["magic", "12 00"]);

    let mut bad = im.clone();
    bad[2] = 0x0d;
    assert_mentions(
        &err(idx::parse(&bad)),
        &["type code", "0x0d", "32-bit float"],
    );

    for ndims in [0u8, 5, 255] {
        let mut bad = im.clone();
        bad[3] = ndims;
        assert_mentions(&err(idx::parse(&bad)), &["dimension", &ndims.to_string()]);
    }

    assert_mentions(&err(idx::parse(&im[..3])), &["truncated", "3 bytes"]);
    assert_mentions(
        &err(idx::parse(&im[..10])),
        &["truncated", "16-byte header", "10 bytes"],
    );
}

#[test]
fn wrong_data_lengths_say_expected_and_found() {
    let (im, lb) = mnist_test();
    let short = err(idx::parse(&im[..im.len() - 1]));
    assert_mentions(
        &short,
        &["truncated data", "need 78400 bytes", "found 78399"],
    );
    let mut long = im.clone();
    long.extend_from_slice(&[0, 0, 0]);
    assert_mentions(
        &err(idx::parse(&long)),
        &["extra data", "need 78400", "found 78403"],
    );
    // Through the data set, the error also says which file.
    let e = err(Dataset::from_idx(&im, &lb[..lb.len() - 2]));
    assert_mentions(&e, &["labels", "need 100 bytes", "found 98"]);
}

#[test]
fn data_set_checks_are_named() {
    let (im, lb) = mnist_test();

    // 99 labels for 100 images: the header count and the data agree, the files do not.
    let mut lb99 = lb[..lb.len() - 1].to_vec();
    lb99[7] = 99;
    assert_mentions(
        &err(Dataset::from_idx(&im, &lb99)),
        &["count mismatch", "100 images", "99 labels"],
    );

    let mut lb10 = lb.clone();
    lb10[8 + 42] = 10;
    assert_mentions(
        &err(Dataset::from_idx(&im, &lb10)),
        &["labels[42]", "label 10"],
    );

    // Swapped files: the labels are 1-D, the images 3-D.
    assert_mentions(
        &err(Dataset::from_idx(&lb, &im)),
        &["images", "3-D", "[100]"],
    );
    assert_mentions(
        &err(Dataset::from_idx(&im, &im)),
        &["labels", "1-D", "[100, 28, 28]"],
    );

    let mut gz = im.clone();
    gz[..2].copy_from_slice(&[0x1f, 0x8b]);
    assert_mentions(&err(Dataset::from_idx(&gz, &lb)), &["images", "gzip"]);
}

#[test]
fn every_truncation_and_every_single_byte_change_of_a_small_file_is_handled() {
    let (im, lb) = mnist_test();
    // 3 images of 28 x 28 and their labels: small enough for every prefix.
    let mut small = im[..16 + 3 * 784].to_vec();
    small[7] = 3;
    let mut small_lb = lb[..8 + 3].to_vec();
    small_lb[7] = 3;
    assert_eq!(idx::parse(&small).unwrap().dims, vec![3, 28, 28]);
    for cut in 0..small.len() {
        let e = err(idx::parse(&small[..cut]));
        assert!(e.contains("truncated"), "cut at {cut}: {e}");
        assert!(Dataset::from_idx(&small[..cut], &small_lb).is_err());
    }
    for cut in 0..small_lb.len() {
        assert!(Dataset::from_idx(&small, &small_lb[..cut]).is_err());
    }
    // Any header byte set to any value: an error or a consistent parse, never a panic.
    for pos in 0..16 {
        for v in 0..=255u8 {
            let mut bad = small.clone();
            bad[pos] = v;
            if let Ok(p) = idx::parse(&bad) {
                assert_eq!(p.dims.iter().product::<usize>(), p.data.len());
            }
            let _ = Dataset::from_idx(&bad, &small_lb);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn load_names_the_missing_path() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/no-such-dir");
    let e = err(Dataset::load(&dir, "train"));
    assert_mentions(
        &e,
        &[
            "no-such-dir/train-images-idx3-ubyte",
            "cannot read",
            "make data",
        ],
    );
}

/// A folder holding `train-*` files: the fixture's 100 test images and `labels`.
#[cfg(not(target_arch = "wasm32"))]
fn folder_with(name: &str, images: &[u8], labels: &[u8]) -> (PathBuf, String, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let (ip, lp) = (
        dir.join("train-images-idx3-ubyte"),
        dir.join("train-labels-idx1-ubyte"),
    );
    std::fs::write(&ip, images).unwrap();
    std::fs::write(&lp, labels).unwrap();
    let shown = (ip.display().to_string(), lp.display().to_string());
    (dir, shown.0, shown.1)
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn load_names_the_file_each_problem_is_in() {
    let (im, lb) = mnist_test();
    let mut lb10 = lb.clone();
    lb10[8 + 42] = 10;
    let (dir, _, lp) = folder_with("idx-bad-label", &im, &lb10);
    assert_eq!(
        err(Dataset::load(&dir, "train")),
        format!("{lp}: labels[42]: label 10 is not a class: labels must be 0..9"),
        "a bad label names the labels file"
    );
    let (dir, ip, _) = folder_with("idx-truncated-images", &im[..1000], &lb);
    assert_eq!(
        err(Dataset::load(&dir, "train")),
        format!(
            "{ip}: images: IDX data: truncated data: sizes [100, 28, 28] need 78400 bytes \
             after the 16-byte header, found 984 bytes"
        ),
        "a truncated images file names the images file"
    );
    let (dir, ip, _) = folder_with("idx-swapped", &lb, &lb);
    assert_eq!(
        err(Dataset::load(&dir, "train")),
        format!(
            "{ip}: images: expected a 3-D IDX file (count x rows x cols), found 1 dimensions [100]"
        ),
        "1-D images name the images file"
    );
    let mut lb99 = lb[..lb.len() - 1].to_vec();
    lb99[7] = 99;
    let (dir, ip, lp) = folder_with("idx-count-mismatch", &im, &lb99);
    assert_eq!(
        err(Dataset::load(&dir, "train")),
        format!(
            "{ip} and {lp}: count mismatch: the images file holds 100 images, \
             the labels file 99 labels"
        ),
        "a count mismatch names both files"
    );
}

#[test]
fn check_index_and_check_label_name_the_value() {
    let (im, lb) = mnist_test();
    let set = Dataset::from_idx(&im, &lb).unwrap();
    assert_eq!(set.check_index("--pattern", 99, "test").ok(), Some(99));
    assert_eq!(
        err(set.check_index("--pattern", 100, "test")),
        "--pattern: 100 is past the last test pattern (99)"
    );
    let empty = set.head(0);
    assert_eq!(
        err(empty.check_index("index", 0, "training")),
        "index: 0 is past the end of the training set, which is empty"
    );
    assert_eq!(Dataset::check_label(9).ok(), Some(9));
    assert_eq!(err(Dataset::check_label(10)), "label: must be 0..9, got 10");
}

/// The full official files (`make data`); skipped, not failed, when they are absent.
#[test]
fn full_data_sets_when_fetched() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    if !root.join("mnist/train-images-idx3-ubyte").exists() {
        println!("full_data_sets_when_fetched: skipped: run make data (data/fetch.sh) to check the full sets");
        return;
    }
    let mnist_train = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
    let mnist_t10k = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
    let cases = [
        (
            "mnist",
            "train",
            60000,
            mnist_train,
            [5, 0, 4, 1, 9, 2, 1, 3, 1, 4],
        ),
        (
            "mnist",
            "t10k",
            10000,
            mnist_t10k,
            [7, 2, 1, 0, 4, 1, 4, 9, 5, 9],
        ),
        (
            "fashion",
            "train",
            60000,
            [6000; 10],
            [9, 0, 0, 3, 0, 2, 7, 2, 5, 5],
        ),
        (
            "fashion",
            "t10k",
            10000,
            [1000; 10],
            [9, 2, 1, 1, 6, 1, 4, 6, 5, 7],
        ),
    ];
    for (set, prefix, count, histogram, first) in cases {
        let dir = root.join(set);
        if !dir.join(format!("{prefix}-images-idx3-ubyte")).exists() {
            println!("{set}/{prefix}: skipped: run make data");
            continue;
        }
        let data = Dataset::load(&dir, prefix).unwrap();
        assert_eq!(
            (data.len(), data.input_size()),
            (count, 784),
            "{set}/{prefix}"
        );
        let mut h = [0usize; 10];
        for i in 0..data.len() {
            h[data.label(i)] += 1;
        }
        assert_eq!(h, histogram, "{set}/{prefix} label histogram");
        let got: Vec<usize> = (0..10).map(|i| data.label(i)).collect();
        assert_eq!(got, first, "{set}/{prefix} first labels");
    }
    // The test fixtures are exactly the first patterns of the full files.
    let full = Dataset::load(&root.join("mnist"), "t10k").unwrap();
    let (im, lb) = mnist_test();
    assert_eq!(full.head(100), Dataset::from_idx(&im, &lb).unwrap());
}
