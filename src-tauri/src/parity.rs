//! Parity: one script of entry edits run through the CLI binary and through the app's
//! commands (the functions behind them, without a Tauri runtime) must leave the same entries.

use crate::commands::{entries, with_open, workspace::open_with};
use crate::dto::EntryInput;
use crate::state::AppState;
use portcullis_core::entry::{EntryKind, Remote};
use portcullis_core::view::EntryView;
use portcullis_core::workspace::Unlock;
use portcullis_core::{Entry, KdfParams, LockedWorkspace, OpenWorkspace, SecretString};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MASTER: &str = "parity master";
const GITHUB_URI: &str = "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP";
const BANK_URI: &str = "otpauth://totp/Bank:me?secret=GEZDGNBVGY3TQOJQ&digits=8";
const MAIL_KEY: &str = "KRSXG5CTMVRXEZLU";

/// One step of the script, said once and run by both front ends.
enum Step {
    /// A login: title, user name, password, URL, group, OTP.
    AddLogin(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ),
    /// An OTP entry: title, user name, URI.
    AddOtp(&'static str, &'static str, &'static str),
    /// A note: title, notes.
    AddNote(&'static str, &'static str),
    /// A remote connection: title, host, port, the title of its login.
    AddRemote(&'static str, &'static str, u16, &'static str),
    /// A new user name.
    EditUser(&'static str, &'static str),
    /// New tags.
    EditTags(&'static str, &'static [&'static str]),
    /// New notes.
    EditNotes(&'static str, &'static str),
    /// A new OTP generator (URI or key).
    EditOtp(&'static str, &'static str),
    /// Links a remote connection to another entry (by title).
    EditLogin(&'static str, &'static str),
    Delete(&'static str),
}

use Step::*;

const SCRIPT: &[Step] = &[
    AddLogin(
        "GitHub",
        "octocat",
        "pw-1",
        "https://github.com",
        "Work/Dev",
        GITHUB_URI,
    ),
    AddLogin(
        "Mail",
        "me@example.org",
        "pw-2",
        "https://mail.example.org",
        "",
        MAIL_KEY,
    ),
    EditUser("Mail", "me2@example.org"),
    EditTags("Mail", &["work", "mail"]),
    AddOtp("Bank", "someone else", BANK_URI),
    EditUser("Bank", "bank user"),
    EditOtp("Bank", MAIL_KEY),
    EditOtp(
        "Mail",
        "otpauth://totp/Mail:work@example.org?secret=JBSWY3DPEHPK3PXP&period=60",
    ),
    AddRemote("Jump host", "jump.example.org", 2222, "GitHub"),
    EditNotes("GitHub", "recovery codes in the safe"),
    AddNote("Scratch", "temporary"),
    EditTags("Scratch", &["tmp"]),
    Delete("Scratch"),
    AddNote("Keep", "kept"),
    EditLogin("Jump host", "Mail"),
];

/// A step both front ends must refuse: linking a connection to a note.
const REFUSED: Step = EditLogin("Jump host", "Keep");

fn cheap_kdf() -> KdfParams {
    KdfParams::new(1024, 1, 1).unwrap()
}

/// The CLI binary beside this test binary. `cargo test --workspace` builds it with the same
/// features before running any test; run alone (`cargo test -p portcullis-app`), this builds it
/// when it is missing (an older one is used as it is: build the workspace after changing the
/// CLI). Building it here every time would compile the core a second time with the CLI's own
/// feature set.
fn cli_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test binary>
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let bin = profile_dir.join("portcullis");
    if bin.exists() {
        return bin;
    }
    let target_dir = profile_dir.parent().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args([
        "build",
        "--quiet",
        "-p",
        "portcullis-cli",
        "--bin",
        "portcullis",
    ]);
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "the CLI did not build");
    bin
}

struct Cli {
    bin: PathBuf,
    path: PathBuf,
}

impl Cli {
    /// Runs `portcullis ARGS` with the master password in the environment and `stdin`.
    fn run(&self, args: &[&str], stdin: &str) -> Result<String, String> {
        let mut child = Command::new(&self.bin)
            .args(args)
            .env("PORTCULLIS_PASSWORD", MASTER)
            .env_remove("PORTCULLIS_NEW_PASSWORD")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command that does not read its input may exit before it is written.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// `portcullis edit WORKSPACE TITLE FLAGS`.
    fn edit(&self, title: &str, flags: &[&str]) -> Result<String, String> {
        let mut args = vec!["edit", self.path.to_str().unwrap(), title];
        args.extend_from_slice(flags);
        self.run(&args, "")
    }

    fn step(&self, step: &Step) -> Result<(), String> {
        let ws = self.path.to_str().unwrap();
        let add = |kind: &str, title: &str, flags: &[&str], stdin: &str| {
            let mut args = vec!["add", ws, "--title", title, "--kind", kind];
            args.extend_from_slice(flags);
            self.run(&args, stdin).map(drop)
        };
        match *step {
            AddLogin(title, user, password, url, group, otp) => {
                let mut flags = vec!["--username", user, "--url", url, "--otp", otp];
                if !group.is_empty() {
                    flags.extend(["--group", group]);
                }
                add("login", title, &flags, &format!("{password}\n"))
            }
            AddOtp(title, user, uri) => add("otp", title, &["--username", user, "--otp", uri], ""),
            AddNote(title, notes) => add("note", title, &["--notes", notes], ""),
            AddRemote(title, host, port, login) => {
                let port = port.to_string();
                let flags = [
                    "--protocol",
                    "ssh",
                    "--host",
                    host,
                    "--port",
                    &port,
                    "--login",
                    login,
                ];
                add("remote", title, &flags, "")
            }
            EditUser(title, user) => self.edit(title, &["--username", user]).map(drop),
            EditTags(title, tags) => {
                let flags: Vec<&str> = tags.iter().flat_map(|t| ["--tag", t]).collect();
                self.edit(title, &flags).map(drop)
            }
            EditNotes(title, notes) => self.edit(title, &["--notes", notes]).map(drop),
            EditOtp(title, otp) => self.edit(title, &["--otp", otp]).map(drop),
            EditLogin(title, login) => self.edit(title, &["--login", login]).map(drop),
            Delete(title) => self.run(&["rm", ws, title], "").map(drop),
        }
    }
}

/// The app side: what the page sends for each step.
struct App {
    state: AppState,
}

impl App {
    fn open(path: &Path) -> Self {
        let state = AppState::default();
        let password = SecretString::new(MASTER.into());
        open_with(&state, path.to_str().unwrap(), |locked| {
            Ok(locked.unlock(&password)?)
        })
        .unwrap();
        Self { state }
    }

    fn id_of(&self, title: &str) -> String {
        with_open(&self.state, |ws| Ok(ws.find(title)?.id)).unwrap()
    }

    /// What the entry form sends for an entry left as it is (EntryForm.svelte's submit).
    fn form(&self, title: &str) -> Value {
        let detail = with_open(&self.state, |ws| Ok(EntryView::from(&ws.find(title)?))).unwrap();
        let d = serde_json::to_value(&detail).unwrap();
        let remote = &d["remote"];
        json!({
            "kind": d["kind"],
            "title": d["title"],
            "username": d["username"].as_str().unwrap_or(""),
            "url": if d["kind"] == "login" { d["url"].as_str().unwrap_or("") } else { "" },
            "notes": d["notes"],
            "group": d["group"],
            "tags": d["tags"],
            "password": null,
            "otp": null,
            "protocol": remote["protocol"].as_str().unwrap_or("ssh"),
            "host": remote["host"].as_str().unwrap_or(""),
            "port": remote["port"],
            "login": remote["login"],
        })
    }

    fn add(&self, input: Value) -> Result<(), String> {
        let input: EntryInput = serde_json::from_value(input).unwrap();
        entries::add(&self.state, input)
            .map(drop)
            .map_err(|e| e.message)
    }

    fn update(&self, title: &str, change: impl FnOnce(&mut Value)) -> Result<(), String> {
        let mut input = self.form(title);
        change(&mut input);
        let input: EntryInput = serde_json::from_value(input).unwrap();
        entries::update(&self.state, &self.id_of(title), input)
            .map(drop)
            .map_err(|e| e.message)
    }

    fn step(&self, step: &Step) -> Result<(), String> {
        match *step {
            AddLogin(title, user, password, url, group, otp) => self.add(json!({
                "kind": "login", "title": title, "username": user, "password": password,
                "url": url, "notes": "", "group": Some(group).filter(|g| !g.is_empty()),
                "otp": otp, "protocol": "ssh", "host": "", "port": null, "login": null,
                "tags": [],
            })),
            AddOtp(title, user, uri) => self.add(json!({
                "kind": "otp", "title": title, "username": user, "otp": uri, "url": "",
                "notes": "", "group": null, "tags": [],
            })),
            AddNote(title, notes) => self.add(json!({
                "kind": "note", "title": title, "notes": notes, "group": null, "tags": [],
            })),
            AddRemote(title, host, port, login) => {
                let login = self.id_of(login);
                self.add(json!({
                    "kind": "remote", "title": title, "protocol": "ssh", "host": host,
                    "port": port, "login": login, "notes": "", "group": null, "tags": [],
                }))
            }
            EditUser(title, user) => self.update(title, |v| v["username"] = json!(user)),
            EditTags(title, tags) => self.update(title, |v| v["tags"] = json!(tags)),
            EditNotes(title, notes) => self.update(title, |v| v["notes"] = json!(notes)),
            EditOtp(title, otp) => self.update(title, |v| v["otp"] = json!(otp)),
            EditLogin(title, login) => {
                let login = self.id_of(login);
                self.update(title, |v| v["login"] = json!(login))
            }
            Delete(title) => {
                entries::delete(&self.state, &self.id_of(title)).map_err(|e| e.message)
            }
        }
    }
}

/// The entries of the workspace at `path`, without ids and times, a connection's login
/// named by its title.
fn entries_of(path: &Path) -> Vec<Entry> {
    let locked = LockedWorkspace::open(path).unwrap();
    let Unlock::Open(mut ws) = locked.unlock(&SecretString::new(MASTER.into())).unwrap() else {
        panic!("a second factor was asked");
    };
    let all = ws.entries().unwrap();
    let title_of = |id: &str| all.iter().find(|e| e.id == id).map(|e| e.title.clone());
    all.iter()
        .cloned()
        .map(|mut e| {
            if let EntryKind::Remote(Remote {
                login: Some(id), ..
            }) = &mut e.kind
            {
                *id = title_of(id).unwrap_or_else(|| format!("missing {id}"));
            }
            e.id = String::new();
            e.created = 0;
            e.modified = 0;
            e
        })
        .collect()
}

#[test]
fn the_cli_and_the_app_leave_the_same_entries_after_one_script_of_edits() {
    let dir = tempfile::tempdir().unwrap();
    let (cli_path, app_path) = (dir.path().join("cli.pcx"), dir.path().join("app.pcx"));
    for path in [&cli_path, &app_path] {
        OpenWorkspace::create(path, &SecretString::new(MASTER.into()), cheap_kdf()).unwrap();
    }
    let cli = Cli {
        bin: cli_binary(),
        path: cli_path.clone(),
    };
    let app = App::open(&app_path);
    for (n, step) in SCRIPT.iter().enumerate() {
        cli.step(step)
            .unwrap_or_else(|e| panic!("step {n}: the CLI refused: {e}"));
        app.step(step)
            .unwrap_or_else(|e| panic!("step {n}: the app refused: {e}"));
    }
    let cli_refusal = cli.step(&REFUSED).unwrap_err();
    let app_refusal = app.step(&REFUSED).unwrap_err();
    assert!(
        cli_refusal.contains("“Keep” is not a login"),
        "{cli_refusal}"
    );
    assert_eq!(app_refusal, "“Keep” is not a login");
    app.state.lock_session();

    let (from_cli, from_app) = (entries_of(&cli_path), entries_of(&app_path));
    assert_eq!(from_cli.len(), 5, "{from_cli:#?}");
    for (c, a) in from_cli.iter().zip(&from_app) {
        assert_eq!(c, a, "the front ends disagree on “{}”", c.title);
    }
    assert_eq!(from_cli.len(), from_app.len());
    // The rules the script exercises, as the core applies them.
    let by_title = |t: &str| from_cli.iter().find(|e| e.title == t).unwrap();
    assert_eq!(by_title("Bank").username(), Some("bank user"));
    let bank_otp = by_title("Bank").otp().unwrap();
    assert_eq!(bank_otp.account.as_deref(), Some("bank user"));
    let mail_otp = by_title("Mail").otp().unwrap();
    assert_eq!(mail_otp.account.as_deref(), Some("work@example.org"));
    assert_eq!(mail_otp.period, 60);
    assert_eq!(
        by_title("GitHub").otp().unwrap().account.as_deref(),
        Some("octocat")
    );
    assert_eq!(by_title("Mail").tags, ["work", "mail"]);
    assert!(matches!(
        &by_title("Jump host").kind,
        EntryKind::Remote(Remote { login: Some(l), port: 2222, .. }) if l == "Mail"
    ));
}
