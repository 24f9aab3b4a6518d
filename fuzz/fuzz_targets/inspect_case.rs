//! Inspect cases are untrusted (the command line reads any file): `inspect_json` must never
//! panic, and must answer with a JSON object or an error of one non-empty line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sifrian::lab::inspect::inspect_json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match inspect_json(text) {
        Ok(report) => assert!(report.is_object() && report.get("loss").is_some()),
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty() && !msg.contains(['\n', '\r']), "{msg:?}");
        }
    }
});
