//! mfa duo add and mfa duo devices.

use super::unlock_password;
use crate::cli::{DuoAddArgs, FailmodeArg};
use crate::input::SecretInput;
use crate::output::print_json;
use anyhow::{anyhow, bail, Result};
use portcullis_core::mfa::duo::{self, Device, DuoRequest, Failmode, Progress, SigVersion};
use portcullis_core::workspace::duo_enrolment::{DuoEnrolled, DuoEnrolment, DuoSettings, DuoStart};
use portcullis_core::workspace::Unlock;
use portcullis_core::Guarded;
use portcullis_core::SecretString;
use std::path::Path;
use std::sync::atomic::AtomicBool;

pub fn add(args: DuoAddArgs, input: &mut SecretInput) -> Result<()> {
    let workspace = args.workspace.clone();
    with_guarded!(&workspace, input, |ws| add_to(&mut ws, args, input))
}

fn add_to<G: Guarded>(ws: &mut G, args: DuoAddArgs, input: &mut SecretInput) -> Result<()> {
    let skey = input.duo_secret_key()?;
    let ca_pem = super::read_ca_file(args.ca_file.as_deref())?;
    let sig = if args.sig_v2 {
        SigVersion::V2
    } else {
        SigVersion::V5
    };
    let failmode = match args.failmode {
        FailmodeArg::Secure => Failmode::Secure,
        FailmodeArg::Safe => {
            eprintln!("warning: failmode safe opens this workspace WITHOUT Duo when no connection to Duo can be made (at most 3 times in a row, then Duo must verify again)");
            Failmode::Safe
        }
    };
    let settings = DuoSettings {
        host: args.host.clone(),
        ikey: args.ikey.clone(),
        skey,
        username: args.username.clone(),
        ca_pem,
        sig,
        failmode,
        proxy: args.proxy.clone(),
    };
    let now = portcullis_core::clock::Clock::now(&portcullis_core::clock::SystemClock);
    let enrolment = match DuoEnrolment::start(settings, now)? {
        DuoStart::Ready(e) => e,
        enrol_first => bail!("{}", enrol_first.enrol_message().unwrap_or_default()),
    };
    if let Some(warning) = enrolment.clock_warning() {
        eprintln!("warning: {warning}");
    }
    let device = match enrolment.bypass() {
        Some(status_msg) => {
            eprintln!("warning: Duo lets this user in without a device ({status_msg})");
            String::new()
        }
        None => choose_device(enrolment.devices(), args.device.as_deref(), input)?.device,
    };
    let factor = args
        .factor
        .map(|f| f.to_core())
        .unwrap_or_else(|| enrolment.default_factor(&device));
    let mut test = DuoRequest {
        passcode: args.test_passcode.map(SecretString::new),
        ..DuoRequest::default()
    };
    if !args.json {
        eprintln!(
            "Testing Duo ({}) on device {device}: approve it to finish.",
            factor.as_str()
        );
    }
    let codes = loop {
        let cancel = AtomicBool::new(false);
        let progress = Progress {
            on_status: &mut |m: &str| eprintln!("Duo: {m}"),
            cancel: &cancel,
        };
        match enrolment.finish(ws, &args.label, &device, Some(factor), &test, progress)? {
            DuoEnrolled::Enabled { backup_codes, .. } => break backup_codes,
            DuoEnrolled::SmsSent => {
                let passcode = input
                    .sms_passcode()?
                    .ok_or_else(|| anyhow!("Duo sent SMS passcodes; run again with --test-passcode CODE and --factor passcode"))?;
                test = DuoRequest {
                    factor: Some(duo::Factor::Passcode),
                    device: None,
                    passcode: Some(passcode),
                };
            }
        }
    };
    if args.json {
        return print_json(&serde_json::json!({
            "label": args.label,
            "device": device,
            "factor": factor.as_str(),
            "failmode": if failmode == Failmode::Safe { "safe" } else { "secure" },
            "backup_codes": codes.as_deref().map(super::mfa::expose_all),
        }));
    }
    println!(
        "Duo method “{}” enabled ({} on {device})",
        args.label,
        factor.as_str()
    );
    if let Some(codes) = codes {
        super::mfa::print_backup_codes(&codes);
    }
    Ok(())
}

fn describe(d: &Device) -> String {
    let name = if d.display_name.is_empty() {
        &d.name
    } else {
        &d.display_name
    };
    format!(
        "{} — {} ({}), can: {}",
        d.device,
        name,
        d.kind,
        d.capabilities.join(", ")
    )
}

fn choose_device(
    devices: &[Device],
    wanted: Option<&str>,
    input: &mut SecretInput,
) -> Result<Device> {
    if let Some(id) = wanted {
        return devices
            .iter()
            .find(|d| d.device == id)
            .cloned()
            .ok_or_else(|| {
                anyhow!(
                    "Duo has no device {id} for this user; devices: {}",
                    list(devices)
                )
            });
    }
    match devices {
        [] => bail!("Duo lists no device for this user"),
        [one] => Ok(one.clone()),
        several => {
            let items: Vec<String> = several.iter().map(describe).collect();
            match input.choose("Use which device? ", &items)? {
                Some(i) => Ok(several[i].clone()),
                None => bail!(
                    "this Duo user has several devices; choose one with --device: {}",
                    list(several)
                ),
            }
        }
    }
}

fn list(devices: &[Device]) -> String {
    devices.iter().map(describe).collect::<Vec<_>>().join("; ")
}

pub fn devices(
    path: &Path,
    label: Option<&str>,
    json: bool,
    input: &mut SecretInput,
) -> Result<()> {
    let devices = match super::team_url(path) {
        Some(url) => super::team::duo_devices(url, label, input)?,
        None => match unlock_password(path, input)? {
            Unlock::Open(mut ws) => ws.duo_devices(label)?,
            Unlock::PendingMfa(mut p) => p.duo_devices(label)?,
        },
    };
    if json {
        return print_json(&devices);
    }
    for d in &devices {
        println!("{}", describe(d));
    }
    Ok(())
}
