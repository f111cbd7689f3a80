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
    let reexports = root_reexports(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
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
            let code: String = code
                .lines()
                .map(|l| l.split("//").next().unwrap())
                .collect::<Vec<_>>()
                .join("\n");
            for (i, _) in code.match_indices("crate::") {
                for item in crate_paths(&code[i + "crate::".len()..]) {
                    let module = reexports.get(&item).cloned().unwrap_or(item);
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

/// The first names of what follows `crate::`: one (`crate::a::b`), or each of a group
/// (`crate::{a::b, C}`).
fn crate_paths(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        return vec![ident(rest)];
    };
    let mut items = vec![String::new()];
    let mut depth = 0;
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => items.push(String::new()),
            _ => {}
        }
        if depth == 0 && c != ',' {
            items.last_mut().unwrap().push(c);
        }
    }
    items.iter().map(|i| ident(i)).collect()
}

/// The names `lib.rs` re-exports at the root (`pub use workspace::{OpenWorkspace, …}`), with
/// the module each comes from.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        for name in names
            .trim_end_matches(';')
            .trim_matches(|c| c == '{' || c == '}')
            .split(',')
        {
            map.insert(name.trim().to_owned(), module.to_owned());
        }
    }
    map
}

#[test]
fn the_import_reader_sees_groups_and_root_reexports() {
    assert_eq!(
        crate_paths("{mfa::{self, Factor}, workspace::X, Y};"),
        ["mfa", "workspace", "Y"]
    );
    assert_eq!(crate_paths("otp::OtpParams;"), ["otp"]);
    let map = root_reexports("pub use workspace::{LockedWorkspace, OpenWorkspace};\n");
    assert_eq!(map["OpenWorkspace"], "workspace");
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
