//! The Duo client against the emulator: every endpoint, every answer, every failure.
#![allow(clippy::unwrap_used)]

use duo_emulator::{Answer, Config, ConnectProxy, Emulator, Failure, User};
use portcullis_core::mfa::duo::{AuthStart, Client, Error, Factor, Preauth, SigVersion};
use portcullis_core::SecretString;

fn client(emu: &Emulator, config: &Config, sig: SigVersion) -> Client {
    Client::new(
        &emu.api_host(),
        &config.ikey,
        SecretString::from(config.skey.as_str()),
        Some(emu.ca_pem()),
        sig,
    )
    .unwrap()
}

fn push(c: &Client, user: &str, device: &str, factor: Factor) -> (Vec<String>, bool, String) {
    let AuthStart::Pending { txid } = c.auth(user, factor, device, None).unwrap() else {
        panic!("push should be asynchronous")
    };
    let mut statuses = Vec::new();
    loop {
        let s = c.auth_status(&txid).unwrap();
        statuses.push(s.status.clone());
        if !s.waiting() {
            return (statuses, s.allowed(), s.status_msg);
        }
    }
}

#[test]
fn check_preauth_and_every_factor_with_v5_and_v2() {
    let mut config = Config::demo();
    {
        let alice = config.users.get_mut("alice").unwrap();
        alice.devices[0].delay_ms = 50;
        alice.devices[1].delay_ms = 50;
        alice.devices[1].push = Answer::Deny;
    }
    let emu = Emulator::start(config.clone()).unwrap();
    for sig in [SigVersion::V5, SigVersion::V2] {
        let c = client(&emu, &config, sig);
        c.check().unwrap();
        assert!((c.ping().unwrap() - time::OffsetDateTime::now_utc().unix_timestamp()).abs() < 5);

        let Preauth::Auth { devices } = c.preauth("alice").unwrap() else {
            panic!()
        };
        assert_eq!(devices.len(), 2);
        assert_eq!(devices[0].number, "XXX-XXX-0100");
        assert!(devices[0].capabilities.contains(&"sms".to_owned()));
        assert!(!devices[1].capabilities.contains(&"sms".to_owned()));
        assert!(matches!(c.preauth("bob").unwrap(), Preauth::Allow { .. }));
        assert!(matches!(c.preauth("carol").unwrap(), Preauth::Deny { .. }));
        let Preauth::Enroll { portal_url, .. } = c.preauth("dave").unwrap() else {
            panic!()
        };
        assert!(portal_url.starts_with("https://"));

        let (statuses, allowed, _) = push(&c, "alice", &devices[0].device, Factor::Push);
        assert_eq!(statuses.first().map(String::as_str), Some("pushed"));
        assert!(allowed);
        let (_, allowed, msg) = push(&c, "alice", &devices[1].device, Factor::Push);
        assert!(!allowed);
        assert_eq!(msg, "Login request denied.");
        let (statuses, allowed, _) = push(&c, "alice", &devices[0].device, Factor::Phone);
        assert_eq!(statuses[0], "calling");
        assert!(allowed);

        // SMS, then one of the passcodes it sent.
        let AuthStart::Done(sent) = c
            .auth("alice", Factor::Sms, &devices[0].device, None)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(sent.status, "sent");
        let code = SecretString::new(emu.sms_passcodes("alice")[0].clone());
        let AuthStart::Done(ok) = c.auth("alice", Factor::Passcode, "", Some(&code)).unwrap()
        else {
            panic!()
        };
        assert!(ok.allowed());
        let AuthStart::Done(again) = c.auth("alice", Factor::Passcode, "", Some(&code)).unwrap()
        else {
            panic!()
        };
        assert!(!again.allowed(), "an SMS passcode works once");
        assert_eq!(again.status_msg, "Invalid passcode, please try again.");

        let err = c
            .auth("alice", Factor::Sms, &devices[1].device, None)
            .unwrap_err();
        assert!(matches!(err, Error::Api { code: 40002, .. }), "{err:?}");
    }
}

#[test]
fn timeouts_and_fraud_are_refusals_with_duo_messages() {
    let mut config = Config::demo();
    let alice = config.users.get_mut("alice").unwrap();
    alice.devices[0].push = Answer::Timeout;
    alice.devices[0].delay_ms = 10;
    alice.devices[1].push = Answer::Fraud;
    alice.devices[1].delay_ms = 10;
    let emu = Emulator::start(config.clone()).unwrap();
    let c = client(&emu, &config, SigVersion::V5);
    let (statuses, allowed, msg) = push(&c, "alice", "DPFZRS9FB0D46QFTM891", Factor::Push);
    assert!(!allowed);
    assert_eq!(statuses.last().unwrap(), "timeout");
    assert_eq!(msg, "Authentication timed out.");
    let (statuses, allowed, _) = push(&c, "alice", "DPAAAAAAAAAAAAAAAAAA", Factor::Auto);
    assert!(!allowed);
    assert_eq!(statuses.last().unwrap(), "fraud");
}

#[test]
fn bad_keys_clock_and_certificates_are_named() {
    let config = Config::demo();
    let emu = Emulator::start(config.clone()).unwrap();
    let bad_skey = Client::new(
        &emu.api_host(),
        &config.ikey,
        SecretString::from("wrong"),
        Some(emu.ca_pem()),
        SigVersion::V5,
    )
    .unwrap();
    assert_eq!(bad_skey.check().unwrap_err(), Error::BadSecretKey);
    assert_eq!(
        bad_skey.check().unwrap_err().to_string(),
        "Duo refused the signature: check the secret key"
    );
    let bad_ikey = Client::new(
        &emu.api_host(),
        "DIWRONG",
        SecretString::from(config.skey.as_str()),
        Some(emu.ca_pem()),
        SigVersion::V2,
    )
    .unwrap();
    assert_eq!(bad_ikey.check().unwrap_err(), Error::BadIntegrationKey);
    assert!(bad_skey.ping().is_ok(), "ping needs no keys");

    // Not trusting the emulator's CA: the TLS handshake fails, as it must, and says so (a
    // certificate error is no outage).
    let untrusted = Client::new(
        &emu.api_host(),
        &config.ikey,
        SecretString::from(config.skey.as_str()),
        None,
        SigVersion::V5,
    )
    .unwrap();
    let e = untrusted.check().unwrap_err();
    assert_eq!(e, Error::Tls);
    assert!(!e.is_unavailable());
    assert!(matches!(
        Client::new(
            &emu.api_host(),
            "i",
            SecretString::from("s"),
            Some("not a pem"),
            SigVersion::V5
        ),
        Err(Error::BadCa)
    ));
    assert!(matches!(
        Client::new(
            "https://x/evil path",
            "i",
            SecretString::from("s"),
            None,
            SigVersion::V5
        ),
        Err(Error::BadHost)
    ));

    let skewed = Emulator::start(Config {
        clock_offset_secs: 3600,
        ..config.clone()
    })
    .unwrap();
    let c = client(&skewed, &config, SigVersion::V5);
    assert_eq!(c.check().unwrap_err(), Error::BadClock);
    assert!(c.ping().unwrap() - time::OffsetDateTime::now_utc().unix_timestamp() > 3000);
}

#[test]
fn unavailable_duo_is_told_apart_from_refusals() {
    let mut config = Config::demo();
    for (name, failure, limited) in [
        ("broken", Failure::ServerError, 0),
        ("garbled", Failure::MalformedJson, 0),
        ("busy", Failure::None, 2),
        ("flooded", Failure::None, 10),
    ] {
        config.users.insert(
            name.into(),
            User {
                failure,
                rate_limited: limited,
                ..User::default()
            },
        );
    }
    let emu = Emulator::start(config.clone()).unwrap();
    let c = client(&emu, &config, SigVersion::V5);
    let e = c.preauth("broken").unwrap_err();
    assert_eq!(e, Error::ServerError(500));
    assert!(e.is_unavailable());
    assert_eq!(c.preauth("garbled").unwrap_err(), Error::Malformed);
    // Two 429s with Retry-After: 1, then an answer.
    let before = emu.requests();
    assert!(matches!(c.preauth("busy").unwrap(), Preauth::Auth { .. }));
    assert_eq!(emu.requests() - before, 3);
    let e = c.preauth("flooded").unwrap_err();
    assert_eq!(e, Error::RateLimited);
    assert!(!e.is_unavailable());
    assert!(!Error::BadSecretKey.is_unavailable());

    // Nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down = Client::new(
        &format!("localhost:{port}"),
        "i",
        SecretString::from("s"),
        None,
        SigVersion::V5,
    )
    .unwrap();
    let e = down.check().unwrap_err();
    assert!(e == Error::NoConnection && e.is_unavailable());
    assert_eq!(
        e.to_string(),
        "Duo could not be reached (connection failed)"
    );
    let e = Client::new(
        "nowhere.invalid",
        "i",
        SecretString::from("s"),
        None,
        SigVersion::V5,
    )
    .unwrap()
    .check()
    .unwrap_err();
    assert_eq!(e, Error::NoConnection, "a DNS failure is no connection");
}

#[test]
fn redirects_are_refused_not_followed() {
    let mut config = Config::demo();
    config.users.insert(
        "moved".into(),
        User {
            failure: Failure::Redirect,
            ..User::default()
        },
    );
    let emu = Emulator::start(config.clone()).unwrap();
    let e = client(&emu, &config, SigVersion::V5)
        .preauth("moved")
        .unwrap_err();
    assert_eq!(e, Error::Redirect(302));
    assert!(!e.is_unavailable());
}

#[test]
fn a_proxy_is_used_only_when_the_method_names_one() {
    let config = Config::demo();
    let emu = Emulator::start(config.clone()).unwrap();
    let proxy = ConnectProxy::start().unwrap();
    let through = |p: Option<&str>| {
        Client::with_proxy(
            &emu.api_host(),
            &config.ikey,
            SecretString::from(config.skey.as_str()),
            Some(emu.ca_pem()),
            SigVersion::V5,
            p,
        )
    };
    through(Some(&proxy.url())).unwrap().check().unwrap();
    assert_eq!(proxy.tunnels(), 1);
    through(None).unwrap().check().unwrap();
    assert_eq!(proxy.tunnels(), 1, "no proxy unless named");
    for bad in [
        "socks5://127.0.0.1:1080",
        "not a url",
        "file:///etc/passwd",
        "http://",
    ] {
        assert_eq!(through(Some(bad)).unwrap_err(), Error::BadProxy, "{bad}");
    }
}
