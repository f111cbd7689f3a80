//! The emulator verifies what Duo verifies: Duo's reference Python client (duo-client from PyPI,
//! installed here in a throwaway venv under target/) calls it with v2-SHA1, v2-SHA512 and v5
//! signatures and is accepted, while a wrong secret key or integration key is refused.
#![allow(clippy::unwrap_used)]

use duo_emulator::{Config, Emulator};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[test]
fn duo_reference_client_is_accepted_and_bad_keys_refused() {
    let python = test_support::venv("duo-venv", "duo-client==5.7.0", "duo_client");
    let config = Config::demo();
    let emulator = Emulator::start(config.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, emulator.ca_pem()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference_client.py");
    let out = Command::new(python)
        .arg(script)
        .arg(emulator.port().to_string())
        .arg(&ca)
        .arg(&config.ikey)
        .arg(&config.skey)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    for version in ["v2-sha1", "v2-sha512", "v5"] {
        let r = &results[version];
        assert_eq!(r["ping"], true, "{version}");
        assert_eq!(r["check"], true, "{version}");
        assert_eq!(r["preauth"], serde_json::json!(["auth", 2]), "{version}");
        assert_eq!(r["passcode"], "allow", "{version}");
        assert_eq!(r["sync_push"], "allow", "{version}");
        assert_eq!(r["async_push"], true, "{version}");
        assert_eq!(r["statuses"][0], "pushed", "{version}");
        assert_eq!(r["wrong_skey"]["status"], 401, "{version}");
        assert!(
            r["wrong_skey"]["data"].as_str().unwrap().contains("40103"),
            "{version}: {}",
            r["wrong_skey"]
        );
        assert!(
            r["wrong_ikey"]["data"].as_str().unwrap().contains("40102"),
            "{version}"
        );
        assert_eq!(r["enroll"], "enroll", "{version}");
    }
}
