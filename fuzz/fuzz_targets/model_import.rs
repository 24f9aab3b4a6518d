//! Model files are untrusted (the page imports what a user drops on it): `read_header` and
//! `import` must never panic, and a file `import` accepts must be exactly what `export` writes
//! back. The input is also tried with its checksum repaired, so that the fuzzer reaches the
//! checks after the checksum (parameter count, finite parameters).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sifrian::io::model_file::{export, fnv1a64, import, read_header};

fn one_line(e: &sifrian::Error) {
    let msg = e.to_string();
    assert!(!msg.is_empty() && !msg.contains(['\n', '\r']), "{msg:?}");
}

fn check(bytes: &[u8]) {
    let header = read_header(bytes);
    if let Err(e) = &header {
        one_line(e);
    }
    match import(bytes) {
        Ok(net) => {
            let (sizes, alpha) = header.expect("import accepted a file whose header it rejects");
            assert_eq!(sizes, net.sizes());
            assert_eq!(alpha.to_bits(), net.alpha().to_bits());
            assert!(net.params.iter().all(|p| p.is_finite()));
            assert!(
                export(&net) == bytes,
                "export(import(file)) differs from file"
            );
        }
        Err(e) => one_line(&e),
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if data.len() >= 8 {
        let mut fixed = data.to_vec();
        let body = fixed.len() - 8;
        let sum = fnv1a64(&fixed[..body]);
        fixed[body..].copy_from_slice(&sum.to_le_bytes());
        check(&fixed);
    }
});
