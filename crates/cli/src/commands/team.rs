//! `portcullis team …`: team workspaces on PostgreSQL (docs/TEAM.md).

use crate::cli::TeamCommand;
use crate::input::SecretInput;
use anyhow::Result;
use portcullis_core::team::{self, TeamUrl};

pub fn run(command: TeamCommand, input: &mut SecretInput) -> Result<()> {
    match command {
        TeamCommand::Setup { url, json } => setup(&url, json, input),
    }
}

/// Creates or migrates the schema; says what it found and left.
fn setup(url: &str, json: bool, input: &mut SecretInput) -> Result<()> {
    let url = TeamUrl::parse(url)?;
    let password = input.database_password(&url)?;
    let mut client = team::connect(&url, &password)?;
    let done = team::setup(&mut client)?;
    if json {
        println!(
            "{}",
            serde_json::json!({ "from": done.from, "to": done.to })
        );
    } else if done.from == done.to {
        println!("The Portcullis schema is up to date (version {}).", done.to);
    } else {
        println!(
            "The Portcullis schema is at version {} (it was at {}).",
            done.to, done.from
        );
    }
    Ok(())
}
