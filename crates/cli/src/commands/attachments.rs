//! attach, attachments, attachment, detach: files kept with an entry (the core streams them in
//! and out in chunks; nothing here holds a whole file).

use super::open_entries;
use crate::cli::{AttachArgs, AttachmentArgs, AttachmentsArgs, DetachArgs};
use crate::input::SecretInput;
use crate::output::{print_json, printable};
use anyhow::Result;

pub fn attach(args: AttachArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    let max = args.max_mib.saturating_mul(1 << 20);
    let info = ws.attach_file(&args.entry, &args.file, args.name.as_deref(), max)?;
    println!("attached “{}” ({} bytes)", printable(&info.name), info.size);
    Ok(())
}

pub fn list(args: AttachmentsArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    let list = ws.attachments(&args.entry)?;
    if args.json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("no attachments");
    }
    for a in list {
        println!("{:>12}  {}", a.size, printable(&a.name));
    }
    Ok(())
}

pub fn save(args: AttachmentArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    let size = ws.save_attachment(&args.entry, &args.name, &args.out)?;
    println!("saved {} bytes to {}", size, args.out.display());
    Ok(())
}

pub fn detach(args: DetachArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = open_entries(&args.workspace, input)?;
    ws.detach(&args.entry, &args.name)?;
    println!("detached “{}”", printable(&args.name));
    Ok(())
}
