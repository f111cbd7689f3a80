//! The app's attack surface stays as declared: the capability file allows exactly the commands
//! build.rs declares and src/ipc.rs registers, the CSP has no unsafe-eval and no inline script, and
//! the UI loads nothing remote.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

fn quoted_between(text: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = text.find(start).unwrap() + start.len();
    let body = &text[from..from + text[from..].find(end).unwrap()];
    body.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn capability_file_allows_exactly_the_declared_commands() {
    let declared = quoted_between(&read("build.rs"), "const COMMANDS: &[&str] = &[", "];");
    // The commands are registered once, in the IPC contract (src/ipc.rs).
    let ipc = read("src/ipc.rs");
    let from = ipc.find("collect_commands![").unwrap();
    let registered: BTreeSet<String> = ipc[from..from + ipc[from..].find("])").unwrap()]
        .split([',', '['])
        .filter_map(|s| s.trim().rsplit("::").next().map(str::to_owned))
        .filter(|s| !s.is_empty() && !s.starts_with("collect_commands"))
        .collect();
    let caps: serde_json::Value = serde_json::from_str(&read("capabilities/main.json")).unwrap();
    let allowed: BTreeSet<String> = caps["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_str()
                .unwrap()
                .strip_prefix("allow-")
                .expect("only allow-<command>")
                .replace('-', "_")
        })
        .collect();
    assert!(declared.len() > 10);
    assert_eq!(declared, registered, "build.rs and src/ipc.rs disagree");
    assert_eq!(
        declared, allowed,
        "the capability file must allow exactly the app's commands"
    );
    assert_eq!(caps["windows"], serde_json::json!(["main"]));
}

#[test]
fn csp_is_strict_and_nothing_remote_is_loaded() {
    let conf: serde_json::Value = serde_json::from_str(&read("tauri.conf.json")).unwrap();
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    assert!(!csp.contains("unsafe-eval"));
    let script_src = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap();
    assert_eq!(
        script_src.trim(),
        "script-src 'self'",
        "no inline or remote script"
    );
    assert!(csp.contains("default-src 'self'"));
    assert!(
        conf["build"].get("devUrl").is_none(),
        "the app serves its own files"
    );
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    let mut stack = vec![ui.join("src"), ui.join("index.html")];
    let mut checked = 0;
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if !p.to_string_lossy().ends_with(".test.ts") {
            let text = std::fs::read_to_string(&p).unwrap();
            for scheme in ["http://", "https://", "//cdn"] {
                assert!(!text.contains(scheme), "{} mentions {scheme}", p.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 10);
}
