//! The core's shape: no public type that holds a secret implements serde (one careless
//! `serde_json::to_string` would print it), and its modules import each other in layers,
//! with no cycle (the keyring, XDG paths, secret files, storage and crypto at the bottom).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Fails to compile when `$t` implements `$trait`: with an implementation, the two blanket
/// impls below both apply and the call is ambiguous.
macro_rules! assert_not_impl {
    ($trait:path: $($t:ty),+ $(,)?) => {{
        trait Ambiguous<A> {
            fn check() {}
        }
        impl<T: ?Sized> Ambiguous<()> for T {}
        #[allow(dead_code)]
        struct Implemented;
        impl<T: ?Sized + $trait> Ambiguous<Implemented> for T {}
        $(<$t as Ambiguous<_>>::check();)+
    }};
}

#[test]
fn public_types_that_hold_secrets_implement_no_serde() {
    use portcullis_core::mfa::{duo::DuoMethod, email::EmailSettings};
    use portcullis_core::otp::OtpParams;
    use portcullis_core::{Entry, EntryKind, Login, NewEntry, Remote, SecretBytes, SecretString};
    assert_not_impl!(serde::Serialize: Entry, EntryKind, Login, Remote, NewEntry, OtpParams,
        DuoMethod, EmailSettings, SecretString, SecretBytes);
    assert_not_impl!(serde::de::DeserializeOwned: Entry, EntryKind, Login, Remote, OtpParams,
        DuoMethod, EmailSettings, SecretString, SecretBytes);
}

/// The top-level modules of the core and the ones each imports (`crate::x` outside tests).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name != "lib" && (path.is_dir() || path.extension().is_some_and(|e| e == "rs")) {
            modules.entry(name).or_insert_with(Vec::new).push(path);
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (name, roots) in &modules {
        let mut files = Vec::new();
        let mut todo = roots.clone();
        while let Some(p) = todo.pop() {
            if p.is_dir() {
                todo.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("tests.rs") {
                files.push(p);
            }
        }
        let mut deps = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Unit tests may reach anywhere; only the code counts.
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
            for line in code.lines() {
                let line = line.split("//").next().unwrap();
                for (i, _) in line.match_indices("crate::") {
                    let rest = &line[i + "crate::".len()..];
                    let module: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if names.contains(&module) && module != *name {
                        deps.insert(module);
                    }
                }
            }
        }
        graph.insert(name.clone(), deps);
    }
    graph
}

#[test]
fn modules_import_each_other_in_layers() {
    let graph = imports();
    for low in [
        "keyring",
        "xdg",
        "secret_file",
        "store",
        "crypto",
        "device_binding",
    ] {
        assert!(graph.contains_key(low), "no module {low}");
        assert!(
            !graph[low].contains("workspace"),
            "{low} imports workspace: {:?}",
            graph[low]
        );
    }
    // No module reaches itself through its imports.
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&String> = graph[start].iter().collect();
        while let Some(m) = todo.pop() {
            assert_ne!(m, start, "an import cycle goes through {start}: {graph:?}");
            if seen.insert(m) {
                todo.extend(graph[m].iter());
            }
        }
    }
}
