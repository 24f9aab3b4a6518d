//! IDX files are untrusted (the page parses what `fetch` returned): `idx::parse` and
//! `Dataset::from_idx` must never panic, and what they accept must be usable without panicking.
//! Input: a little-endian u16 `k`, then an images file of `k` bytes (clamped), then a labels
//! file; the whole input is parsed as one IDX file too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sifrian::io::data::Dataset;
use sifrian::io::idx;

fn one_line(e: &sifrian::Error) {
    let msg = e.to_string();
    assert!(!msg.is_empty() && !msg.contains(['\n', '\r']), "{msg:?}");
}

fn check_idx(bytes: &[u8]) {
    match idx::parse(bytes) {
        Ok(f) => {
            assert!(!f.dims.is_empty() && f.dims.len() <= idx::MAX_DIMS);
            let (count, item) = (f.count(), f.item_len());
            assert_eq!(count.checked_mul(item), Some(f.data.len()));
            if count > 0 {
                assert_eq!(f.item(0).len(), item);
                assert_eq!(f.item(count - 1).len(), item);
            }
        }
        Err(e) => one_line(&e),
    }
}

fuzz_target!(|data: &[u8]| {
    check_idx(data);
    if data.len() < 2 {
        return;
    }
    let k = usize::from(u16::from_le_bytes([data[0], data[1]]));
    let rest = &data[2..];
    let (images, labels) = rest.split_at(k.min(rest.len()));
    check_idx(images);
    check_idx(labels);
    match Dataset::from_idx(images, labels) {
        Ok(ds) => {
            let n = ds.len();
            assert_eq!(ds.input_size(), ds.rows() * ds.cols());
            let mut x = vec![0.0; ds.input_size()];
            let mut d = vec![0.0; Dataset::CLASSES];
            for i in [0, n / 2, n.saturating_sub(1)] {
                if i < n {
                    assert!(ds.label(i) < Dataset::CLASSES);
                    ds.input_into(i, &mut x);
                    ds.target_into(i, &mut d);
                    assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
                    assert_eq!(d.iter().sum::<f64>(), 1.0);
                }
            }
            assert_eq!(ds.head(n / 2).len(), n / 2);
            assert_eq!(ds.head(usize::MAX).len(), n);
        }
        Err(e) => one_line(&e),
    }
});
