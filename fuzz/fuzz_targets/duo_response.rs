//! Any HTTP status and body as Duo's answer: a clean error, or a value the preauth and auth
//! readers accept or refuse without a panic. The first two bytes choose the status.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::mfa::duo::client;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 100 + u16::from_le_bytes([data[0], data[1]]) % 500;
    let body = String::from_utf8_lossy(&data[2..]);
    match client::parse_body(status, &body) {
        Ok(response) => {
            let _ = client::preauth_from(&response).map_err(|e| e.to_string());
            let _ = client::auth_start_from(&response).map_err(|e| e.to_string());
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
