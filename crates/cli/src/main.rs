//! `portcullis`: the command-line interface over portcullis-core.

// The doc comments of `cli.rs` are clap's help text, written for a terminal (`[,group]`), not
// rustdoc links.
#![allow(rustdoc::broken_intra_doc_links)]

mod cli;
mod clipboard;
mod commands;
mod input;
mod output;
mod progress;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use commands::{
    attachments, connect, device_binding, entries, export, health, history, import, mfa,
    quick_unlock, team, workspace,
};
use input::SecretInput;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Run by ssh as its SSH_ASKPASS: answer the prompt from the running `portcullis connect`.
    if portcullis_core::connect::askpass::is_helper() {
        return connect::askpass_helper();
    }
    portcullis_core::logging::quiet_panics();
    portcullis_core::logging::init_from_env();
    // Debug builds (the tests): the clock PORTCULLIS_TEST_CLOCK names, if set.
    #[cfg(debug_assertions)]
    if let Err(e) = portcullis_core::clock::install_test_clock_from_env() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<commands::EmailCodeSent>() => ExitCode::SUCCESS,
        Err(e) if e.is::<connect::ExitStatus>() => match e.downcast_ref::<connect::ExitStatus>() {
            Some(connect::ExitStatus(code)) => ExitCode::from(*code),
            None => ExitCode::FAILURE,
        },
        Err(e) => {
            eprintln!("error: {}", output::printable_lines(&e.to_string()));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let mut input = SecretInput::new(cli.factor, cli.allow_costly_kdf);
    match cli.command {
        Command::Init(a) => workspace::init(a, &mut input),
        Command::Passwd(a) => workspace::passwd(a, &mut input),
        Command::Add(a) => entries::add(a, &mut input),
        Command::Edit(a) => entries::edit(a, &mut input),
        Command::Rm(a) => entries::rm(a, &mut input),
        Command::History(a) => history::history(a, &mut input),
        Command::Restore(a) => history::restore(a, &mut input),
        Command::Trash(a) => history::trash(a, &mut input),
        Command::Untrash(a) => history::untrash(a, &mut input),
        Command::List(a) => entries::list(a, &mut input),
        Command::Search(a) => entries::search(a, &mut input),
        Command::Show(a) => entries::show(a, &mut input),
        Command::Otp(a) => entries::otp(a, &mut input),
        Command::Attach(a) => attachments::attach(a, &mut input),
        Command::Attachments(a) => attachments::list(a, &mut input),
        Command::Attachment(a) => attachments::save(a, &mut input),
        Command::Detach(a) => attachments::detach(a, &mut input),
        Command::Import(a) => import::import(a, &mut input),
        Command::Export(a) => export::export(a, &mut input),
        Command::QuickUnlock(c) => quick_unlock::run(c, &mut input),
        Command::DeviceBinding(c) => device_binding::run(c, &mut input),
        Command::Mfa(c) => mfa::run(c, &mut input),
        Command::Team(c) => team::run(c, &mut input),
        Command::Connect(a) => connect::connect(a, &mut input),
        Command::Generate(a) => entries::generate(a),
        Command::Health(a) => health::health(a, &mut input),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "portcullis",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}
