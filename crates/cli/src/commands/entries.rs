//! add, edit, rm, list, search, show, otp, generate.

use super::unlock;
use crate::cli::{
    AddArgs, EditArgs, EntryFields, EntryRef, GenerateArgs, KindArg, ListArgs, OtpArgs,
    ProtocolArg, SearchArgs, ShowArgs,
};
use crate::input::SecretInput;
use crate::output::{print_json, table, Detail, OtpJson, Summary};
use anyhow::{bail, Context, Result};
use portcullis_core::clock::{Clock, SystemClock};
use portcullis_core::generator::PasswordPolicy;
use portcullis_core::otp::OtpParams;
use portcullis_core::{EntryKind, Login, NewEntry, OpenWorkspace, Protocol, Remote, SecretString};

pub fn add(args: AddArgs, input: &mut SecretInput) -> Result<()> {
    let f = &args.fields;
    let mut ws = unlock(&args.workspace, input)?;
    let given = Given::read(f, input)?;
    let kind = match args.kind {
        KindArg::Login => EntryKind::Login(Login {
            username: f.username.clone().unwrap_or_default(),
            password: entry_password(f, input)?,
            url: f.url.clone().unwrap_or_default(),
            otp: given.otp().map(parse_otp).transpose()?,
        }),
        KindArg::Otp => {
            let uri = given.otp().context("an OTP entry needs --otp URI_OR_KEY")?;
            let mut otp = parse_otp(uri)?;
            if otp.account.is_none() {
                otp.account = f.username.clone();
            }
            EntryKind::Otp { otp }
        }
        KindArg::Note => EntryKind::Note,
        KindArg::Remote => {
            let protocol = protocol(f.protocol.context("a remote connection needs --protocol")?);
            EntryKind::Remote(Remote {
                protocol,
                host: f.host.clone().context("a remote connection needs --host")?,
                port: f.port.unwrap_or_else(|| protocol.default_port()),
                login: linked_login(&mut ws, f)?,
            })
        }
    };
    let entry = ws.add(NewEntry {
        title: args.title,
        group: f.group.clone(),
        tags: f.tags.clone(),
        notes: given.notes.unwrap_or_default(),
        kind,
    })?;
    println!("{}", entry.id);
    Ok(())
}

pub fn edit(args: EditArgs, input: &mut SecretInput) -> Result<()> {
    let f = &args.fields;
    let mut ws = unlock(&args.workspace, input)?;
    let mut entry = ws.find(&args.entry)?;
    let given = Given::read(f, input)?;
    if let Some(t) = args.title {
        entry.title = t;
    }
    if let Some(n) = given.notes.clone() {
        entry.notes = n;
    }
    if let Some(g) = &f.group {
        entry.group = Some(g.clone());
    }
    if !f.tags.is_empty() {
        entry.tags = f.tags.clone();
    }
    let linked = linked_login(&mut ws, f)?;
    match &mut entry.kind {
        EntryKind::Login(l) => {
            if let Some(u) = &f.username {
                l.username = u.clone();
            }
            if let Some(u) = &f.url {
                l.url = u.clone();
            }
            if let Some(o) = given.otp() {
                l.otp = Some(o)
                    .filter(|o| !o.trim().is_empty())
                    .map(parse_otp)
                    .transpose()?;
            }
            if f.generate || args.change_password {
                l.password = entry_password(f, input)?;
            }
        }
        EntryKind::Otp { otp } => {
            if let Some(o) = given.otp() {
                *otp = parse_otp(o)?;
            }
            if let Some(u) = &f.username {
                otp.account = Some(u.clone());
            }
        }
        EntryKind::Note => {}
        EntryKind::Remote(r) => {
            if let Some(p) = f.protocol {
                r.protocol = protocol(p);
            }
            if let Some(h) = &f.host {
                r.host = h.clone();
            }
            if let Some(p) = f.port {
                r.port = p;
            }
            if linked.is_some() {
                r.login = linked;
            }
        }
    }
    let entry = ws.update(entry)?;
    println!("{}", entry.id);
    Ok(())
}

pub fn rm(args: EntryRef, input: &mut SecretInput) -> Result<()> {
    let mut ws = unlock(&args.workspace, input)?;
    let entry = ws.find(&args.entry)?;
    ws.remove(&entry.id)?;
    println!("removed “{}” ({})", entry.title, entry.id);
    Ok(())
}

pub fn list(args: ListArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = unlock(&args.workspace, input)?;
    print_entries(&ws.entries()?, args.json)
}

pub fn search(args: SearchArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = unlock(&args.workspace, input)?;
    print_entries(&ws.search(&args.query)?, args.json)
}

fn print_entries(entries: &[portcullis_core::Entry], json: bool) -> Result<()> {
    if json {
        print_json(&entries.iter().map(Summary::of).collect::<Vec<_>>())
    } else {
        println!("{}", table(entries));
        Ok(())
    }
}

pub fn show(args: ShowArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = unlock(&args.workspace, input)?;
    let entry = ws.find(&args.entry)?;
    let detail = Detail::of(&entry, args.reveal);
    if args.json {
        print_json(&detail)
    } else {
        println!("{}", detail.to_text());
        Ok(())
    }
}

pub fn otp(args: OtpArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = unlock(&args.workspace, input)?;
    let entry = ws.find(&args.entry)?;
    let now = args
        .at
        .unwrap_or_else(|| u64::try_from(SystemClock.now()).unwrap_or(0));
    // An HOTP entry's counter advances with each code given.
    let Some(code) = ws.take_otp_code(&entry.id, Some(now))? else {
        bail!("“{}” has no one-time-password generator", entry.title);
    };
    if args.json {
        print_json(&OtpJson::of(&code))
    } else {
        println!("{}", code.code);
        Ok(())
    }
}

pub fn generate(args: GenerateArgs) -> Result<()> {
    let policy = PasswordPolicy {
        length: args.length,
        symbols: !args.no_symbols,
        avoid_look_alike: args.no_look_alike,
        ..PasswordPolicy::default()
    };
    println!("{}", policy.generate()?.expose_secret());
    Ok(())
}

fn entry_password(f: &EntryFields, input: &mut SecretInput) -> Result<SecretString> {
    if f.generate {
        let policy = PasswordPolicy {
            length: f.length,
            symbols: !f.no_symbols,
            ..PasswordPolicy::default()
        };
        Ok(policy.generate()?)
    } else {
        input.entry_password()
    }
}

fn linked_login(ws: &mut OpenWorkspace, f: &EntryFields) -> Result<Option<String>> {
    let Some(query) = &f.login else {
        return Ok(None);
    };
    let login = ws.find(query)?;
    if !matches!(login.kind, EntryKind::Login(_)) {
        bail!("“{}” is not a login", login.title);
    }
    Ok(Some(login.id))
}

/// The notes and the OTP generator as given: in an argument, or read from `--notes-file` and
/// from standard input for `--otp -` (arguments are visible to other local users).
struct Given {
    notes: Option<String>,
    otp: Option<SecretString>,
}

/// The largest notes file read.
const MAX_NOTES_FILE: u64 = 1 << 20;

impl Given {
    fn read(f: &EntryFields, input: &mut SecretInput) -> Result<Self> {
        let notes = match &f.notes_file {
            Some(path) => Some(read_notes(path)?),
            None => f.notes.clone(),
        };
        let otp = match f.otp.as_deref() {
            Some("-") => Some(input.otp_secret()?),
            other => other.map(SecretString::from),
        };
        Ok(Self { notes, otp })
    }

    fn otp(&self) -> Option<&str> {
        self.otp.as_ref().map(SecretString::expose_secret)
    }
}

fn read_notes(path: &std::path::Path) -> Result<String> {
    use std::io::Read;
    let cannot = || format!("cannot read the notes file {}", path.display());
    let mut text = String::new();
    std::fs::File::open(path)
        .with_context(cannot)?
        .take(MAX_NOTES_FILE + 1)
        .read_to_string(&mut text)
        .with_context(cannot)?;
    if text.len() as u64 > MAX_NOTES_FILE {
        bail!("the notes file {} is larger than 1 MiB", path.display());
    }
    Ok(text)
}

fn parse_otp(text: &str) -> Result<OtpParams> {
    OtpParams::parse(text).map_err(|e| anyhow::anyhow!("invalid OTP: {e}"))
}

fn protocol(p: ProtocolArg) -> Protocol {
    match p {
        ProtocolArg::Ssh => Protocol::Ssh,
        ProtocolArg::Rdp => Protocol::Rdp,
        ProtocolArg::Vnc => Protocol::Vnc,
        ProtocolArg::Web => Protocol::Web,
    }
}
