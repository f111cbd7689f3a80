//! The man pages and shell completions the Debian package installs (`scripts/package`), made
//! from the clap definitions so that every command a change adds to the CLI appears in them
//! without anyone editing a page: `portcullis.1` and one page per subcommand
//! (`portcullis-mfa-totp-begin.1` …) with clap_mangen, completions for bash, zsh and fish with
//! clap_complete, and `portcullis-app.1` from a small clap [`Command`] that only describes the
//! app's command line (it has none: the app takes no argument).
//!
//! [`write_tree`] lays the files out as they are installed, under `usr/share`.

// The CLI's definitions, read from its source: the CLI is a binary crate, and these are the
// same definitions `portcullis --help` and `portcullis completions` use. Their doc comments are
// clap's help text, written for a terminal (`[,group]`), not rustdoc links.
#[allow(dead_code, rustdoc::broken_intra_doc_links)]
#[path = "../../cli/src/cli.rs"]
mod cli;

use clap::{Command, CommandFactory};
use clap_complete::Shell;
use roff::{bold, italic, roman, Roff};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The CLI's program name.
pub const CLI: &str = "portcullis";
/// The desktop app's program name.
pub const APP: &str = "portcullis-app";

/// Where each file goes, relative to the package's root (Debian's standard places).
pub const MAN_DIR: &str = "usr/share/man/man1";
/// bash-completion loads `portcullis` from here when the command is first completed.
pub const BASH_COMPLETION: &str = "usr/share/bash-completion/completions/portcullis";
/// On zsh's default `fpath` in Debian.
pub const ZSH_COMPLETION: &str = "usr/share/zsh/vendor-completions/_portcullis";
/// fish's directory for completions shipped by packages.
pub const FISH_COMPLETION: &str = "usr/share/fish/vendor_completions.d/portcullis.fish";

const MANUAL: &str = "Portcullis Manual";

/// The environment the CLI reads, for its page: (variable, meaning). A test checks that every
/// variable the CLI's source declares is here.
pub const CLI_ENVIRONMENT: &[(&str, &str)] = &[
    (
        "PORTCULLIS_PASSWORD",
        "The master password, for scripts (otherwise the terminal or the first line of standard \
         input). Anything that can read this process's environment can then read it.",
    ),
    (
        "PORTCULLIS_NEW_PASSWORD",
        "The new master password for passwd, for scripts.",
    ),
    (
        "PORTCULLIS_IMPORT_PASSWORD",
        "The password of an encrypted file being imported (KeePass, Aegis); otherwise asked.",
    ),
    (
        "PORTCULLIS_EXPORT_PASSWORD",
        "The password of a KeePass file being exported; otherwise asked.",
    ),
    (
        "PORTCULLIS_DUO_SKEY",
        "The Duo application's secret key, for mfa duo add.",
    ),
    (
        "PORTCULLIS_SMTP_PASSWORD",
        "The SMTP password, for mfa email add.",
    ),
    (
        "PORTCULLIS_RECOVERY_KEY",
        "The recovery key of a device-binding recovery kit, for device-binding restore.",
    ),
    (
        portcullis_core::logging::ENV,
        "error, warn, info, debug or trace: Portcullis's own events at that level on standard \
         error (never a secret). Unset, nothing is logged.",
    ),
];

/// The CLI's command line, as `portcullis --help` shows it.
pub fn cli_command() -> Command {
    // `#[command(about)]` takes the description of the crate it is compiled in: here, the CLI's.
    cli::Cli::command().about(cli_description())
}

/// The `description` of the CLI's Cargo.toml (`portcullis: the command-line interface …`),
/// without the program's name in front: NAME reads `portcullis - the command-line …`.
fn cli_description() -> &'static str {
    let description = include_str!("../../cli/Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("description = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or("the command-line interface to Portcullis workspaces");
    description
        .strip_prefix("portcullis: ")
        .unwrap_or(description)
}

/// The app's command line, for its man page only: the app reads no argument and no option.
pub fn app_command() -> Command {
    Command::new(APP)
        .version(env!("CARGO_PKG_VERSION"))
        .about("Portcullis desktop app: encrypted password and OTP workspaces")
        .long_about(
            "The desktop app of Portcullis. It opens (or offers to create) the default workspace \
             and lists the recently opened ones; a workspace is one encrypted file holding \
             logins, one-time-password generators, secure notes and remote connections, and \
             reopens only with its master password and, when one is set, a second factor \
             (authenticator app, Duo, backup codes, codes by email).\n\n\
             A second start brings the running window to the front instead of opening the \
             workspace twice. The app locks its workspace after a time without activity (a \
             preference), when the session locks or the computer goes to sleep.\n\n\
             The app takes no arguments. The same workspaces can be used from the command line \
             with portcullis(1).",
        )
        .disable_help_flag(true)
        .disable_version_flag(true)
}

/// The manual pages: (file name, roff text). The CLI's page and one per visible subcommand at
/// every depth, then the app's.
pub fn man_pages() -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut pages = Vec::new();
    let mut cli = cli_command().disable_help_subcommand(true);
    cli.build();
    let top = clap_mangen::Man::new(cli.clone()).manual(MANUAL);
    let mut text = Vec::new();
    top.render_title(&mut text)?;
    top.render_name_section(&mut text)?;
    top.render_synopsis_section(&mut text)?;
    top.render_description_section(&mut text)?;
    top.render_options_section(&mut text)?;
    top.render_subcommands_section(&mut text)?;
    environment_section(CLI_ENVIRONMENT).to_writer(&mut text)?;
    files_section(&[
        (
            "$XDG_CONFIG_HOME/portcullis/quick-unlock",
            "Which workspaces this machine opens without their password (no secret: the key \
             stays in the keyring).",
        ),
        (
            "$XDG_DATA_HOME/portcullis/team",
            "Local copies of team workspaces.",
        ),
    ])
    .to_writer(&mut text)?;
    let mut see_also: Vec<String> = visible_subcommands(&cli)
        .map(|c| page_name(c).to_owned())
        .collect();
    see_also.push(APP.to_owned());
    see_also_section(&see_also).to_writer(&mut text)?;
    top.render_version_section(&mut text)?;
    pages.push((top.get_filename(), text));
    for sub in visible_subcommands(&cli) {
        subcommand_pages(sub, CLI, &mut pages)?;
    }

    let app = clap_mangen::Man::new(app_command()).manual(MANUAL);
    let mut text = Vec::new();
    app.render_title(&mut text)?;
    app.render_name_section(&mut text)?;
    app.render_synopsis_section(&mut text)?;
    app.render_description_section(&mut text)?;
    environment_section(&[
        (
            portcullis_core::logging::ENV,
            "error, warn, info, debug or trace: Portcullis's own events at that level on \
             standard error (never a secret). Unset, nothing is logged.",
        ),
        (
            "XDG_DATA_HOME, XDG_CONFIG_HOME",
            "Where the files below are (default ~/.local/share and ~/.config).",
        ),
    ])
    .to_writer(&mut text)?;
    files_section(&[
        (
            "$XDG_DATA_HOME/portcullis/default.pcx",
            "The default workspace.",
        ),
        (
            "$XDG_CONFIG_HOME/portcullis/preferences.json",
            "The app's preferences (no secret).",
        ),
        (
            "$XDG_CONFIG_HOME/portcullis/recent.json",
            "The paths of recently opened workspaces.",
        ),
    ])
    .to_writer(&mut text)?;
    see_also_section(&[CLI.to_owned()]).to_writer(&mut text)?;
    app.render_version_section(&mut text)?;
    pages.push((app.get_filename(), text));
    Ok(pages)
}

/// A subcommand's page (its parent in SEE ALSO), then its own subcommands' pages.
fn subcommand_pages(
    cmd: &Command,
    parent: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone()).manual(MANUAL);
    let mut text = Vec::new();
    man.render(&mut text)?;
    let mut see_also = vec![parent.to_owned()];
    see_also.extend(visible_subcommands(cmd).map(|c| page_name(c).to_owned()));
    see_also_section(&see_also).to_writer(&mut text)?;
    pages.push((man.get_filename(), text));
    for sub in visible_subcommands(cmd) {
        subcommand_pages(sub, page_name(cmd), pages)?;
    }
    Ok(())
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|c| !c.is_hide_set())
}

/// `portcullis-mfa-totp` for `portcullis mfa totp` (clap sets it when the command is built).
fn page_name(cmd: &Command) -> &str {
    cmd.get_display_name().unwrap_or_else(|| cmd.get_name())
}

fn environment_section(vars: &[(&str, &str)]) -> Roff {
    definitions("ENVIRONMENT", vars)
}

fn files_section(files: &[(&str, &str)]) -> Roff {
    definitions("FILES", files)
}

fn definitions(heading: &str, items: &[(&str, &str)]) -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", [heading]);
    for (name, text) in items {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(*text)]);
    }
    roff
}

fn see_also_section(pages: &[String]) -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["SEE ALSO"]);
    let mut parts = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            parts.push(roman(", "));
        }
        parts.push(bold(page.clone()));
        parts.push(roman("(1)"));
    }
    if parts.is_empty() {
        parts.push(italic("none"));
    }
    roff.text(parts);
    roff
}

/// The CLI's completion script for a shell.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cli_command(), CLI, &mut out);
    out
}

/// Writes every page and completion script under `root` at its installed place
/// (`root/usr/share/…`), creating folders; returns the files written.
pub fn write_tree(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let man_dir = root.join(MAN_DIR);
    std::fs::create_dir_all(&man_dir)?;
    for (name, text) in man_pages()? {
        written.push(write_file(&man_dir.join(name), &text)?);
    }
    for (shell, place) in [
        (Shell::Bash, BASH_COMPLETION),
        (Shell::Zsh, ZSH_COMPLETION),
        (Shell::Fish, FISH_COMPLETION),
    ] {
        let path = root.join(place);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        written.push(write_file(&path, &completion(shell))?);
    }
    Ok(written)
}

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.flush()?;
    Ok(path.to_owned())
}
