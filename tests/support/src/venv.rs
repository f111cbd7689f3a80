//! Throwaway Python virtual environments under target/, made on first use (Debian package
//! python3-venv; packages from PyPI), safe to ask for from parallel tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python of `target/<name>`, a venv with `requirement` installed (`import_name` must
/// import). Made once; a lock file keeps parallel tests from making it together.
pub fn venv(name: &str, requirement: &str, import_name: &str) -> PathBuf {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    std::fs::create_dir_all(&target).unwrap();
    let lock = std::fs::File::create(target.join(format!("{name}.lock"))).unwrap();
    lock.lock().unwrap();
    let dir = target.join(name);
    let python = dir.join("bin/python");
    let ready = Command::new(&python)
        .args(["-c", &format!("import {import_name}")])
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        let made = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&dir)
            .status()
            .unwrap();
        assert!(
            made.success(),
            "python3 -m venv failed (Debian package python3-venv)"
        );
        let pip = Command::new(dir.join("bin/pip"))
            .args(["install", "-q", requirement])
            .status()
            .unwrap();
        assert!(pip.success(), "pip install {requirement} failed");
    }
    python
}
