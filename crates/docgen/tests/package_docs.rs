//! The man pages and completion scripts of the Debian package, made from the clap definitions:
//! every command the CLI has (new ones included, without editing anything here) gets a page and
//! is completed. The package itself is built and installed by `scripts/package`, not here.

use clap::Command;
use clap_complete::Shell;
use portcullis_docgen as docgen;
use std::collections::BTreeMap;
use std::process::Command as Process;

fn pages() -> BTreeMap<String, String> {
    docgen::man_pages()
        .expect("pages render")
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).expect("UTF-8 roff")))
        .collect()
}

/// Every visible subcommand at every depth, as page names (`portcullis-mfa-totp`).
fn all_page_names(cmd: &Command, prefix: &str, out: &mut Vec<String>) {
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        let name = format!("{prefix}-{}", sub.get_name());
        all_page_names(sub, &name, out);
        out.push(name);
    }
}

fn top_level_commands() -> Vec<String> {
    docgen::cli_command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_owned())
        .collect()
}

#[test]
fn every_command_at_every_depth_has_its_own_page() {
    let pages = pages();
    let mut cmd = docgen::cli_command().disable_help_subcommand(true);
    cmd.build();
    let mut names = Vec::new();
    all_page_names(&cmd, "portcullis", &mut names);
    // The CLI has nested commands (mfa totp begin …): the walk must have found some.
    assert!(
        names.iter().any(|n| n.matches('-').count() >= 2),
        "{names:?}"
    );
    for name in &names {
        let page = pages
            .get(&format!("{name}.1"))
            .unwrap_or_else(|| panic!("no page for {name}"));
        assert!(page.contains(".TH"), "{name}.1 has no title");
        assert!(page.contains(".SH NAME"), "{name}.1 has no NAME section");
        assert!(page.contains(".SH \"SEE ALSO\""), "{name}.1: {page}");
    }
    // The CLI's page, every subcommand's and the app's; nothing else.
    assert_eq!(pages.len(), names.len() + 2, "{:?}", pages.keys());
}

#[test]
fn the_cli_page_names_every_top_level_command_and_its_environment() {
    let pages = pages();
    let page = &pages["portcullis.1"];
    let commands = top_level_commands();
    assert!(commands.len() >= 15, "{commands:?}");
    for c in &commands {
        // roff writes a hyphen as \-.
        let c = c.replace('-', "\\-");
        assert!(page.contains(&c), "portcullis.1 does not name {c}");
        assert!(
            page.contains(&format!("portcullis\\-{c}")),
            "portcullis.1 does not refer to portcullis-{c}(1)"
        );
    }
    for (var, _) in docgen::CLI_ENVIRONMENT {
        assert!(page.contains(var), "{var} not in the page");
    }
    assert!(page.contains(".SH ENVIRONMENT"));
    // NAME says what the CLI is (the CLI crate's description, not this generator's).
    assert!(
        page.contains("portcullis \\- the command\\-line interface to Portcullis"),
        "{page}"
    );
    assert!(page.contains("portcullis\\-app"), "SEE ALSO names the app");
}

#[test]
fn every_environment_variable_the_cli_declares_is_on_its_page() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/src");
    let mut declared = Vec::new();
    for entry in walk(&src) {
        let text = std::fs::read_to_string(&entry).expect("read the CLI's source");
        for piece in text.split("\"PORTCULLIS_").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            if piece[name.len()..].starts_with('"') {
                declared.push(format!("PORTCULLIS_{name}"));
            }
        }
    }
    assert!(
        declared.contains(&"PORTCULLIS_PASSWORD".to_owned()),
        "{declared:?}"
    );
    for var in declared {
        assert!(
            docgen::CLI_ENVIRONMENT.iter().any(|(v, _)| *v == var),
            "{var} is read by the CLI but not described in CLI_ENVIRONMENT (crates/docgen)"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("list the CLI's source") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn the_app_page_describes_a_program_without_options() {
    let pages = pages();
    let page = &pages["portcullis-app.1"];
    assert!(page.contains(".TH portcullis-app 1"), "{page}");
    assert!(page.contains("default.pcx"));
    assert!(page.contains("PORTCULLIS_LOG"));
    // It has no options, so no OPTIONS section promising --help.
    assert!(!page.contains(".SH OPTIONS"), "{page}");
    assert!(!page.contains("\\-\\-help"), "{page}");
}

#[test]
fn completions_of_every_shell_name_every_top_level_command() {
    let commands = top_level_commands();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let script = String::from_utf8(docgen::completion(shell)).expect("UTF-8");
        assert!(script.len() > 1000, "{shell}: {} bytes", script.len());
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell} completion lacks {c}");
        }
    }
}

#[test]
fn the_bash_completion_is_valid_bash_and_registers_portcullis() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("portcullis");
    std::fs::write(&script, docgen::completion(Shell::Bash)).expect("write");
    // Source it (complete is a bash builtin) and ask bash what completes portcullis.
    let out = Process::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(r#"source "$1" && complete -p portcullis"#)
        .arg("bash")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("portcullis"), "{said}");
}

#[test]
fn write_tree_puts_each_file_at_its_debian_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let written = docgen::write_tree(dir.path()).expect("written");
    for place in [
        "usr/share/man/man1/portcullis.1",
        "usr/share/man/man1/portcullis-app.1",
        "usr/share/man/man1/portcullis-init.1",
        "usr/share/bash-completion/completions/portcullis",
        "usr/share/zsh/vendor-completions/_portcullis",
        "usr/share/fish/vendor_completions.d/portcullis.fish",
    ] {
        let path = dir.path().join(place);
        let len = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{place}: {e}"))
            .len();
        assert!(len > 200, "{place}: {len} bytes");
        assert!(written.contains(&path), "{place} not listed");
    }
}

/// The deb bundler's file list (src-tauri/tauri.conf.json) takes each generated file from where
/// scripts/package-files stages it, at the place docgen names.
#[test]
fn the_bundler_installs_each_generated_file_at_its_place() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let conf: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("src-tauri/tauri.conf.json")).expect("read config"),
    )
    .expect("JSON");
    let deb = &conf["bundle"]["linux"]["deb"];
    let files = deb["files"].as_object().expect("bundle.linux.deb.files");
    for place in [
        "usr/bin/portcullis",
        docgen::MAN_DIR,
        docgen::BASH_COMPLETION,
        docgen::ZSH_COMPLETION,
        docgen::FISH_COMPLETION,
    ] {
        assert_eq!(
            files.get(&format!("/{place}")).and_then(|v| v.as_str()),
            Some(format!("../target/package-files/{place}").as_str()),
            "{place}"
        );
    }
    assert_eq!(
        conf["build"]["beforeBundleCommand"].as_str(),
        Some("../scripts/package-files")
    );
    // The desktop file: Security among its categories, the words people search for.
    let template = deb["desktopTemplate"].as_str().expect("desktopTemplate");
    let desktop =
        std::fs::read_to_string(root.join("src-tauri").join(template)).expect("read template");
    assert_eq!(conf["bundle"]["category"].as_str(), Some("Utility"));
    assert!(
        desktop.contains("\nCategories={{categories}}Security;\n"),
        "{desktop}"
    );
    let keywords = desktop
        .lines()
        .find_map(|l| l.strip_prefix("Keywords="))
        .expect("Keywords");
    for word in ["password", "OTP", "2FA", "authenticator", "KeePass"] {
        assert!(keywords.split(';').any(|k| k == word), "{word}: {keywords}");
    }
    assert!(desktop.contains("\nKeywords[fr]="), "French keywords");
}
