//! The sealed form of an entry, as its record in a version-1 file holds it: serde mirrors of [`Entry`] and its
//! parts, field for field what earlier versions wrote (the JSON inside the encrypted record).
//! Private to the core: the public entry types implement neither `Serialize` nor
//! `Deserialize`, so no code outside the record encoder can print a password by accident.

use super::{CertPolicy, CustomField, Entry, EntryKind, Login, Protocol, Remote};
use crate::crypto::secret::{sealed_optional_string, sealed_string};
use crate::crypto::SecretString;
use crate::otp::{sealed as otp, OtpParams};
use serde::{Deserialize, Serialize};

/// Mirror of [`Entry`].
#[derive(Serialize, Deserialize)]
#[serde(remote = "Entry")]
struct EntryDef {
    id: String,
    title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    notes: String,
    created: i64,
    modified: i64,
    #[serde(flatten, with = "KindDef")]
    kind: EntryKind,
    // Added with custom fields: records written before read as "none", and records without
    // them seal to the same bytes as before.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::entry::fields::sealed_list"
    )]
    fields: Vec<CustomField>,
}

/// Mirror of [`EntryKind`].
#[derive(Serialize, Deserialize)]
#[serde(remote = "EntryKind", tag = "kind", rename_all = "lowercase")]
enum KindDef {
    Login(#[serde(with = "LoginDef")] Login),
    Otp {
        #[serde(with = "otp::Params")]
        otp: OtpParams,
    },
    Note,
    Remote(#[serde(with = "RemoteDef")] Remote),
}

/// Mirror of [`Login`].
#[derive(Serialize, Deserialize)]
#[serde(remote = "Login")]
struct LoginDef {
    #[serde(default)]
    username: String,
    #[serde(default, with = "sealed_string")]
    password: SecretString,
    #[serde(default)]
    url: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "otp::optional"
    )]
    otp: Option<OtpParams>,
    // Added with SSH keys: records written before read as "no key", and records without one
    // seal to the same bytes as before.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "sealed_optional_string"
    )]
    ssh_key: Option<SecretString>,
}

/// Mirror of [`Remote`].
#[derive(Serialize, Deserialize)]
#[serde(remote = "Remote")]
struct RemoteDef {
    protocol: Protocol,
    host: String,
    port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    login: Option<String>,
    // Added with Connect: records written before read as "not pinned" and the default policy,
    // and records without them seal to the same bytes as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    host_key: Option<String>,
    #[serde(default, skip_serializing_if = "is_default_policy")]
    certificate: CertPolicy,
}

// Used by the serializer, which only tests call (the JSON form is only read).
#[cfg_attr(not(test), allow(dead_code))]
fn is_default_policy(p: &CertPolicy) -> bool {
    *p == CertPolicy::default()
}

/// An entry to seal, borrowed. Entries are written packed into buckets now
/// ([`super::packed`]); the JSON form is only read (version-1 files), and written by tests.
#[cfg(test)]
#[derive(Serialize)]
#[serde(transparent)]
pub(crate) struct Sealing<'a>(#[serde(with = "EntryDef")] pub(crate) &'a Entry);

/// An entry opened from its record.
#[derive(Deserialize)]
#[serde(transparent)]
struct Opened(#[serde(with = "EntryDef")] Entry);

/// The record form (JSON) of an entry.
#[cfg(test)]
pub(crate) fn to_json(entry: &Entry) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Sealing(entry))
}

/// An entry from its record form.
pub(crate) fn from_json(json: &[u8]) -> serde_json::Result<Entry> {
    serde_json::from_slice::<Opened>(json).map(|Opened(e)| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records sealed by earlier versions (when the entry types derived serde themselves),
    /// one per kind and option: they open, and seal again to the very same bytes.
    #[test]
    fn records_of_earlier_versions_open_and_seal_to_the_same_bytes() {
        let earlier = include_str!("../../tests/fixtures/sealed_entries.jsonl");
        let mut kinds = Vec::new();
        for line in earlier.lines() {
            let entry = from_json(line.as_bytes()).unwrap();
            assert_eq!(to_json(&entry).unwrap(), line.as_bytes());
            kinds.push(entry.kind.name());
        }
        assert_eq!(
            kinds,
            ["login", "login", "otp", "otp", "otp", "note", "remote", "remote"]
        );
        let first = from_json(earlier.lines().next().unwrap().as_bytes()).unwrap();
        let EntryKind::Login(login) = &first.kind else {
            panic!("not a login");
        };
        assert_eq!(login.password.expose_secret(), "pa\"ss\\wörd");
        let otp = login.otp.as_ref().unwrap();
        assert!(otp.is_hotp());
        assert_eq!(otp.secret(), b"Hello!\xde\xad\xbe\xef");
    }

    /// A connection's pinned host key and certificate policy survive the record form.
    #[test]
    fn a_pinned_host_key_and_a_certificate_policy_round_trip() {
        let line = br#"{"id":"e9","title":"T","created":1,"modified":1,"kind":"remote","protocol":"ssh","host":"h","port":22,"host_key":"ssh-ed25519 AAAA","certificate":"ignore"}"#;
        let entry = from_json(line).unwrap();
        let EntryKind::Remote(r) = &entry.kind else {
            panic!("not a remote");
        };
        assert_eq!(r.host_key.as_deref(), Some("ssh-ed25519 AAAA"));
        assert_eq!(r.certificate, CertPolicy::Ignore);
        assert_eq!(to_json(&entry).unwrap(), line);
    }

    /// A login's SSH key survives the record form.
    #[test]
    fn a_logins_ssh_key_round_trips() {
        let line = br#"{"id":"e1","title":"T","created":1,"modified":1,"kind":"login","username":"u","password":"p","url":"","ssh_key":"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"}"#;
        let entry = from_json(line).unwrap();
        let EntryKind::Login(l) = &entry.kind else {
            panic!("not a login");
        };
        assert!(l
            .ssh_key
            .as_ref()
            .unwrap()
            .expose_secret()
            .ends_with("AAAA\n-----END OPENSSH PRIVATE KEY-----\n"));
        assert_eq!(to_json(&entry).unwrap(), line);
    }

    /// Custom fields, plain and secret, survive the record form in their order.
    #[test]
    fn custom_fields_round_trip() {
        let line = br#"{"id":"e1","title":"T","created":1,"modified":1,"kind":"note","fields":[{"name":"PIN","secret":true,"value":"1234"},{"name":"Account","secret":false,"value":"12-34"}]}"#;
        let entry = from_json(line).unwrap();
        assert_eq!(
            entry.fields,
            [
                CustomField::secret("PIN", "1234".into()),
                CustomField::text("Account", "12-34")
            ]
        );
        assert_eq!(to_json(&entry).unwrap(), line);
    }

    /// Unknown or malformed records are refused, never half read.
    #[test]
    fn a_record_that_is_not_an_entry_is_refused() {
        for bad in [
            &b"{}"[..],
            b"{\"id\":\"x\",\"title\":\"t\",\"created\":1,\"modified\":1,\"kind\":\"wifi\"}",
            b"not json",
        ] {
            assert!(from_json(bad).is_err());
        }
    }
}
