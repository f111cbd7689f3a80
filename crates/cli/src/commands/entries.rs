//! add, edit, rm, list, search, show, otp, generate.

use super::open_entries;
use crate::cli::{
    AddArgs, CertificateArg, EditArgs, EntryFields, GenerateArgs, KindArg, ListArgs, OtpArgs,
    ProtocolArg, RmArgs, SearchArgs, ShowArgs,
};
use crate::input::SecretInput;
use crate::output::{print_json, printable, table, Detail, OtpJson, Summary};
use anyhow::{bail, Context, Result};
use portcullis_core::clock::{Clock, SystemClock};
use portcullis_core::entry::ssh_key::MAX_SSH_KEY_BYTES;
use portcullis_core::entry::CustomField;
use portcullis_core::entry_edit::{EntryChanges, EntryType};
use portcullis_core::generator::PasswordPolicy;
use portcullis_core::view::EntrySummary;
use portcullis_core::{CertPolicy, EntryKind, Protocol, SecretString};

pub fn add(args: AddArgs, input: &mut SecretInput) -> Result<()> {
    let f = &args.fields;
    let mut ws = open_entries(&args.workspace, input)?;
    let given = Given::read(f, input)?;
    let kind = match args.kind {
        KindArg::Login => EntryType::Login,
        KindArg::Otp => EntryType::Otp,
        KindArg::Note => EntryType::Note,
        KindArg::Remote => EntryType::Remote,
    };
    // The flags each kind needs, named as flags (the core refuses without them too).
    if kind == EntryType::Otp && given.otp.is_none() {
        bail!("an OTP entry needs --otp URI_OR_KEY");
    }
    if kind == EntryType::Remote && f.protocol.is_none() {
        bail!("a remote connection needs --protocol");
    }
    if kind == EntryType::Remote && f.host.is_none() {
        bail!("a remote connection needs --host");
    }
    let password = match kind {
        EntryType::Login => Some(entry_password(f, input)?),
        _ => None,
    };
    let set_fields = custom_fields(f, input)?;
    let changes = EntryChanges {
        title: Some(args.title),
        password,
        tags: Some(f.tags.clone()),
        set_fields,
        ..changes(f, given)
    };
    let entry = ws.add_entry(kind, changes)?;
    println!("{}", entry.id);
    Ok(())
}

pub fn edit(args: EditArgs, input: &mut SecretInput) -> Result<()> {
    let f = &args.fields;
    let mut ws = open_entries(&args.workspace, input)?;
    let entry = ws.find(&args.entry)?;
    let given = Given::read(f, input)?;
    let is_login = matches!(entry.kind, EntryKind::Login(_));
    let password = if is_login && (f.generate || args.change_password) {
        Some(entry_password(f, input)?)
    } else {
        None
    };
    let set_fields = custom_fields(f, input)?;
    let changes = EntryChanges {
        title: args.title,
        password,
        // Tags given replace the current ones; none given keeps them.
        tags: Some(f.tags.clone()).filter(|t| !t.is_empty()),
        set_fields,
        remove_fields: args.remove_fields,
        ..changes(f, given)
    };
    let entry = ws.edit_entry(&entry.id, None, changes)?;
    println!("{}", entry.id);
    Ok(())
}

/// The changes the shared flags ask for (the title, tags and password are the caller's).
fn changes(f: &EntryFields, given: Given) -> EntryChanges {
    EntryChanges {
        ssh_key: given.ssh_key,
        group: f.group.clone(),
        notes: given.notes,
        username: f.username.clone(),
        url: f.url.clone(),
        otp: given.otp,
        protocol: f.protocol.map(protocol),
        host: f.host.clone(),
        port: f.port,
        login: f.login.clone(),
        host_key: f.host_key.clone(),
        certificate: f.certificate.map(certificate),
        ..EntryChanges::default()
    }
}

pub fn rm(args: RmArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    if args.purge {
        let entry = ws.purge(&args.entry)?;
        println!(
            "deleted “{}” ({}) for good",
            printable(&entry.title),
            entry.id
        );
        return Ok(());
    }
    let entry = ws.find(&args.entry)?;
    ws.discard(&entry.id)?;
    println!(
        "moved “{}” ({}) to the recycle bin",
        printable(&entry.title),
        entry.id
    );
    Ok(())
}

pub fn list(args: ListArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    print_entries(ws.summaries()?, args.json)
}

pub fn search(args: SearchArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    print_entries(ws.search_summaries(&args.query)?, args.json)
}

/// Lists answer from the workspace's verified index: no entry is decrypted for them.
fn print_entries(entries: Vec<EntrySummary>, json: bool) -> Result<()> {
    if json {
        print_json(&entries.into_iter().map(Summary::of).collect::<Vec<_>>())
    } else {
        println!("{}", table(&entries));
        Ok(())
    }
}

pub fn show(args: ShowArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
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
    let mut ws = open_entries(&args.workspace, input)?;
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

/// The custom fields given: `--field NAME=VALUE` (plain), then `--secret-field NAME`, each
/// value read in turn (the core checks the names).
fn custom_fields(f: &EntryFields, input: &mut SecretInput) -> Result<Vec<CustomField>> {
    let mut out = Vec::with_capacity(f.fields.len() + f.secret_fields.len());
    for pair in &f.fields {
        let Some((name, value)) = pair.split_once('=') else {
            bail!("--field {pair}: write NAME=VALUE");
        };
        out.push(CustomField::text(name, value));
    }
    for name in &f.secret_fields {
        out.push(CustomField::secret(
            name.as_str(),
            input.field_secret(name)?,
        ));
    }
    Ok(out)
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

/// The notes and the OTP generator as given: in an argument, or read from `--notes-file` and
/// from standard input for `--otp -` (arguments are visible to other local users).
struct Given {
    notes: Option<String>,
    otp: Option<SecretString>,
    ssh_key: Option<SecretString>,
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
        let ssh_key = match f.ssh_key_file.as_deref() {
            Some(p) if p.is_empty() => Some(SecretString::default()),
            Some(p) => Some(read_ssh_key(std::path::Path::new(p))?),
            None => None,
        };
        Ok(Self {
            notes,
            otp,
            ssh_key,
        })
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

/// The text of an SSH key file, at most 64 KiB, read into a zeroizing buffer (the core
/// checks that it is a key).
fn read_ssh_key(path: &std::path::Path) -> Result<SecretString> {
    use std::io::Read;
    use zeroize::Zeroizing;
    let cannot = || format!("cannot read the SSH key file {}", path.display());
    let limit = MAX_SSH_KEY_BYTES as u64;
    let mut bytes = Zeroizing::new(Vec::with_capacity(4096));
    std::fs::File::open(path)
        .with_context(cannot)?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(cannot)?;
    if bytes.len() as u64 > limit {
        bail!("the SSH key file {} is larger than 64 KiB", path.display());
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow::anyhow!("the SSH key file {} is not text", path.display()))?;
    Ok(SecretString::from(text))
}

fn certificate(c: CertificateArg) -> CertPolicy {
    match c {
        CertificateArg::Tofu => CertPolicy::Tofu,
        CertificateArg::Verify => CertPolicy::Verify,
        CertificateArg::Ignore => CertPolicy::Ignore,
    }
}

fn protocol(p: ProtocolArg) -> Protocol {
    match p {
        ProtocolArg::Ssh => Protocol::Ssh,
        ProtocolArg::Rdp => Protocol::Rdp,
        ProtocolArg::Vnc => Protocol::Vnc,
        ProtocolArg::Web => Protocol::Web,
    }
}
