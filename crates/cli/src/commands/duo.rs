//! mfa duo add and mfa duo devices.

use super::{unlock, unlock_password};
use crate::cli::{DuoAddArgs, FailmodeArg};
use crate::input::SecretInput;
use crate::output::print_json;
use anyhow::{anyhow, bail, Result};
use portcullis_core::mfa::duo::{
    self, default_factor, Device, DuoMethod, DuoRequest, Failmode, Preauth, Progress, SigVersion,
};
use portcullis_core::mfa::Error as MfaError;
use portcullis_core::workspace::{Error, Unlock};
use portcullis_core::SecretString;
use std::path::Path;
use std::sync::atomic::AtomicBool;

pub fn add(args: DuoAddArgs, input: &mut SecretInput) -> Result<()> {
    let mut ws = unlock(&args.workspace, input)?;
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
    let client = duo::Client::with_proxy(
        &args.host,
        &args.ikey,
        skey.clone(),
        ca_pem.as_deref(),
        sig,
        args.proxy.as_deref(),
    )?;
    let skew =
        client.ping()? - portcullis_core::clock::Clock::now(&portcullis_core::clock::SystemClock);
    if skew.abs() > 60 {
        eprintln!("warning: this computer's clock is {skew} s away from Duo's; Duo refuses requests when it is off by minutes");
    }
    client.check()?;
    let (device, factor) = match client.preauth(&args.username)? {
        Preauth::Auth { devices } => {
            let device = choose_device(&devices, args.device.as_deref(), input)?;
            let factor = args
                .factor
                .map(|f| f.to_core())
                .unwrap_or_else(|| default_factor(&device));
            (device.device, factor)
        }
        Preauth::Allow { status_msg } => {
            eprintln!("warning: Duo lets this user in without a device ({status_msg})");
            (String::new(), duo::Factor::Auto)
        }
        Preauth::Deny { status_msg } => bail!("Duo denies this user: {status_msg}"),
        Preauth::Enroll { portal_url, .. } => {
            bail!("this Duo user has no device yet: enroll at {portal_url}")
        }
    };
    let method = DuoMethod::new(
        &args.host,
        &args.ikey,
        skey,
        &args.username,
        ca_pem,
        sig,
        failmode,
        &device,
        factor,
    )
    .with_proxy(args.proxy);
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
        match ws.add_duo(&args.label, method.clone(), &test, progress) {
            Ok(codes) => break codes,
            Err(Error::Mfa(MfaError::DuoSmsSent)) => {
                let passcode = input
                    .sms_passcode()?
                    .ok_or_else(|| anyhow!("Duo sent SMS passcodes; run again with --test-passcode CODE and --factor passcode"))?;
                test = DuoRequest {
                    factor: Some(duo::Factor::Passcode),
                    device: None,
                    passcode: Some(passcode),
                };
            }
            Err(e) => return Err(e.into()),
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
    let devices = match unlock_password(path, input)? {
        Unlock::Open(mut ws) => ws.duo_devices(label)?,
        Unlock::PendingMfa(mut p) => p.duo_devices(label)?,
    };
    if json {
        return print_json(&devices);
    }
    for d in &devices {
        println!("{}", describe(d));
    }
    Ok(())
}
