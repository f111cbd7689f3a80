//! The emulator's script: keys, clock, and per-user behaviour.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a device answers a push or a phone call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// The user approves.
    #[default]
    Approve,
    /// The user denies.
    Deny,
    /// The user does not answer.
    Timeout,
    /// The user reports fraud.
    Fraud,
}

/// One of a user's devices, as preauth lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    /// Device id ("DP…" phones, "DH…" tokens).
    pub device: String,
    /// `phone` or `token`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Name the user gave it.
    #[serde(default)]
    pub name: String,
    /// Masked number.
    #[serde(default)]
    pub number: String,
    /// Subset of auto, push, sms, phone, mobile_otp.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// How it answers a push.
    #[serde(default)]
    pub push: Answer,
    /// How it answers a call.
    #[serde(default)]
    pub phone: Answer,
    /// How long the user takes to answer, in milliseconds.
    #[serde(default = "default_delay")]
    pub delay_ms: u64,
}

fn default_delay() -> u64 {
    300
}

/// Failures to script for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// None.
    #[default]
    None,
    /// HTTP 500 with a FAIL envelope.
    ServerError,
    /// HTTP 200 with a body that is not JSON.
    MalformedJson,
    /// HTTP 302 to a port where nothing listens (a client must not follow it).
    Redirect,
    /// Preauth and auth answer; the first status poll of a push or call then finds every open
    /// connection cut, as a network attacker would cut it after the push went out.
    CutAfterAuth,
}

/// A Duo user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// Preauth result: `auth`, `allow` (bypass), `deny` or `enroll`.
    #[serde(default = "default_preauth")]
    pub preauth: String,
    /// Devices (preauth `auth` only).
    #[serde(default)]
    pub devices: Vec<Device>,
    /// Passcodes accepted once each (hardware tokens, Duo Mobile codes). SMS adds more.
    #[serde(default)]
    pub passcodes: Vec<String>,
    /// A scripted failure of every request about this user.
    #[serde(default)]
    pub failure: Failure,
    /// The first this many requests about this user get HTTP 429 with Retry-After: 1.
    #[serde(default)]
    pub rate_limited: u32,
}

fn default_preauth() -> String {
    "auth".into()
}

impl Default for User {
    fn default() -> Self {
        Self {
            preauth: default_preauth(),
            devices: Vec::new(),
            passcodes: Vec::new(),
            failure: Failure::None,
            rate_limited: 0,
        }
    }
}

/// The whole script.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Integration key.
    pub ikey: String,
    /// Secret key.
    pub skey: String,
    /// The API hostname requests are signed for (lower case, no port).
    #[serde(default = "default_host")]
    pub host: String,
    /// Seconds of clock skew accepted (Duo's real window is unpublished; mockduo uses 300).
    #[serde(default = "default_skew")]
    pub max_skew_secs: i64,
    /// Seconds added to the emulator's clock (to test clock-skew warnings).
    #[serde(default)]
    pub clock_offset_secs: i64,
    /// Users by name; unknown users are told to enroll.
    #[serde(default)]
    pub users: BTreeMap<String, User>,
}

fn default_host() -> String {
    "localhost".into()
}

fn default_skew() -> i64 {
    300
}

impl Config {
    /// A demo script: alice with a phone (push, sms, phone) and a tablet (push only), bob
    /// bypassed, carol denied, dave who must enroll.
    pub fn demo() -> Self {
        let phone = Device {
            device: "DPFZRS9FB0D46QFTM891".into(),
            kind: "phone".into(),
            name: "Alice's phone".into(),
            number: "XXX-XXX-0100".into(),
            capabilities: ["auto", "push", "sms", "phone", "mobile_otp"]
                .map(String::from)
                .to_vec(),
            push: Answer::Approve,
            phone: Answer::Approve,
            delay_ms: 500,
        };
        let tablet = Device {
            device: "DPAAAAAAAAAAAAAAAAAA".into(),
            kind: "phone".into(),
            name: "Alice's tablet".into(),
            number: String::new(),
            capabilities: ["auto", "push"].map(String::from).to_vec(),
            push: Answer::Approve,
            phone: Answer::Approve,
            delay_ms: 500,
        };
        let mut users = BTreeMap::new();
        users.insert(
            "alice".into(),
            User {
                devices: vec![phone, tablet],
                passcodes: vec!["123456".into()],
                ..User::default()
            },
        );
        for (name, preauth) in [("bob", "allow"), ("carol", "deny"), ("dave", "enroll")] {
            users.insert(
                name.into(),
                User {
                    preauth: preauth.into(),
                    ..User::default()
                },
            );
        }
        Self {
            ikey: "DIEMULATOR0000000001".into(),
            skey: "emulatorsecretkey0000000000000000000001".into(),
            host: default_host(),
            max_skew_secs: default_skew(),
            clock_offset_secs: 0,
            users,
        }
    }
}
