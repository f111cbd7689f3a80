//! Any bytes as a workspace file: opening refuses cleanly or opens; when the key derivation is
//! cheap enough to try (the seeds use 8 KiB, one pass), unlocking with the seeds' password
//! either fails cleanly or gives entries and MFA state that read without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::mfa::Factor;
use portcullis_core::workspace::Unlock;
use portcullis_core::{Guarded, LockedWorkspace, SecretString};
use std::path::PathBuf;
use std::sync::OnceLock;

/// One file per fuzzing process, rewritten for every input (in memory when /dev/shm exists).
fn workspace_file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("portcullis-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir.join("w.pcx")
    })
}

fuzz_target!(|data: &[u8]| {
    let path = workspace_file();
    for leftover in ["-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{leftover}", path.display()));
    }
    std::fs::write(path, data).expect("the scratch file is writable");
    let Ok(locked) = LockedWorkspace::open(path) else {
        return;
    };
    let kdf = locked.kdf();
    if u64::from(kdf.memory_kib()) * u64::from(kdf.iterations()) > 64 {
        return;
    }
    match locked.unlock(&SecretString::from("fuzz")) {
        Ok(Unlock::Open(mut ws)) => {
            let _ = ws.entries();
            let _ = ws.mfa_status();
        }
        Ok(Unlock::PendingMfa(pending)) => {
            let _ = pending.status();
            let wrong = Factor::Totp {
                code: SecretString::from("000000"),
                method: None,
            };
            if let Err(refusal) = pending.verify(&wrong) {
                let _ = refusal.error.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
