//! Any bytes as a CSV import: refused with a reason, or logins with a trimmed, non-empty title.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::import::csv;

fuzz_target!(|data: &[u8]| {
    match csv::parse(data) {
        Ok(entries) => {
            for e in entries {
                assert!(!e.title.is_empty() && e.title.trim() == e.title);
                assert_eq!(e.kind.name(), "login");
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
