//! Adding and editing entries: one path for both, whichever front end asks.
//!
//! A front end turns its input (flags, a form) into [`EntryChanges`] and calls
//! [`EntryStore::add_entry`](crate::EntryStore::add_entry) or
//! [`EntryStore::edit_entry`](crate::EntryStore::edit_entry)
//! (on a file or a team workspace). The rules live here:
//! - a field left `None` is kept (on add: empty), so an edit changes only what it names;
//! - tags are trimmed, blank ones dropped, duplicates removed (first one kept);
//! - the account of an OTP generator is the otpauth URI's when it names one, else the entry's
//!   user name; changing an OTP entry's user name changes its account;
//! - a login's SSH key must be an OpenSSH private key without a passphrase (at most 64 KiB);
//!   blank removes it;
//! - a remote connection's linked login is found by id or title and must be a login of this
//!   workspace;
//! - custom fields ([`crate::entry::fields`]): a form's list replaces them (a value left out
//!   kept from the field it names), or single ones are set by name and removed by name; names
//!   are trimmed, non-empty, unique in the entry and not a standard field's, values bounded;
//! - an OTP entry needs a generator, a remote connection a protocol and a host (its port is
//!   the protocol's usual one unless given).

use crate::crypto::SecretString;
use crate::entry::fields::{self, CustomField, FieldEdit};
pub use crate::entry::EntryType;
use crate::entry::{CertPolicy, Entry, EntryKind, Login, Protocol, Remote};
use crate::otp::OtpParams;
use crate::workspace::{Error, Result};

/// The fields an add or an edit sets; `None` keeps a field (on add: leaves it empty).
/// Fields that do not belong to the entry's kind are ignored.
#[derive(Clone, Debug, Default)]
pub struct EntryChanges {
    /// Title.
    pub title: Option<String>,
    /// Group path; empty removes the group.
    pub group: Option<String>,
    /// Tags, replacing the current ones.
    pub tags: Option<Vec<String>>,
    /// Notes.
    pub notes: Option<String>,
    /// A login's user name, or an OTP entry's account.
    pub username: Option<String>,
    /// A login's password (empty: none).
    pub password: Option<SecretString>,
    /// A login's address.
    pub url: Option<String>,
    /// The OTP generator: an otpauth URI or a Base32 key; blank removes a login's generator.
    pub otp: Option<SecretString>,
    /// A login's SSH private key, the text of an OpenSSH key file; blank removes it.
    pub ssh_key: Option<SecretString>,
    /// A remote connection's protocol.
    pub protocol: Option<Protocol>,
    /// A remote connection's host.
    pub host: Option<String>,
    /// A remote connection's port.
    pub port: Option<u16>,
    /// The login a remote connection uses, by id or title; blank unlinks it.
    pub login: Option<String>,
    /// An SSH connection's pinned host key, `TYPE BASE64`; blank unpins it.
    pub host_key: Option<String>,
    /// An RDP connection's certificate policy.
    pub certificate: Option<CertPolicy>,
    /// Custom fields: the whole list, as a form shows it (applied first).
    pub fields: Option<Vec<FieldEdit>>,
    /// Custom fields to set by name (replacing one of the same name, else added).
    pub set_fields: Vec<CustomField>,
    /// Custom fields to remove, by name (each must exist).
    pub remove_fields: Vec<String>,
}

/// Applies `changes` to `entry`; with `new_kind`, its kind-specific fields start anew as that
/// type (an add, or a change of type). `find` looks an entry up by id or title.
pub(crate) fn apply(
    entry: &mut Entry,
    new_kind: Option<EntryType>,
    changes: EntryChanges,
    find: &mut dyn FnMut(&str) -> Result<Entry>,
) -> Result<()> {
    let mut c = changes;
    if let Some(title) = c.title.take() {
        entry.title = title;
    }
    if let Some(group) = c.group.take() {
        entry.group = Some(group);
    }
    if let Some(tags) = c.tags.take() {
        entry.tags = normalize_tags(tags);
    }
    if let Some(notes) = c.notes.take() {
        entry.notes = notes;
    }
    edit_fields(entry, &mut c)?;
    let otp = parse_otp(c.otp.take().as_ref())?;
    if let Some(kind) = new_kind {
        entry.kind = match kind {
            EntryType::Login => EntryKind::Login(Login::default()),
            EntryType::Otp => {
                let OtpChange::Set(o) = otp else {
                    return Err(needs_generator());
                };
                let account = c.username.take().unwrap_or_default();
                entry.kind = EntryKind::Otp {
                    otp: with_account(o, &account),
                };
                return Ok(());
            }
            EntryType::Note => EntryKind::Note,
            EntryType::Remote => {
                let protocol = c
                    .protocol
                    .ok_or_else(|| Error::Invalid("a remote connection needs a protocol".into()))?;
                if c.host.as_deref().is_none_or(|h| h.trim().is_empty()) {
                    return Err(Error::Invalid("a remote connection needs a host".into()));
                }
                EntryKind::Remote(Remote::new(protocol, String::new()))
            }
        };
    }
    let id = entry.id.clone();
    edit_kind(&mut entry.kind, &id, c, otp, find)
}

/// Applies the custom-field changes of `c` to `entry` (the kind does not matter: every kind
/// has them).
fn edit_fields(entry: &mut Entry, c: &mut EntryChanges) -> Result<()> {
    let invalid = |e: fields::FieldError| Error::Invalid(e.to_string());
    if let Some(list) = c.fields.take() {
        entry.fields = fields::apply_edits(&entry.fields, list).map_err(invalid)?;
    }
    let set = std::mem::take(&mut c.set_fields);
    let remove = std::mem::take(&mut c.remove_fields);
    if !set.is_empty() || !remove.is_empty() {
        fields::set_and_remove(&mut entry.fields, set, &remove).map_err(invalid)?;
    }
    Ok(())
}

/// Applies the kind-specific changes to `kind`, of the entry `id`.
fn edit_kind(
    kind: &mut EntryKind,
    id: &str,
    c: EntryChanges,
    otp: OtpChange,
    find: &mut dyn FnMut(&str) -> Result<Entry>,
) -> Result<()> {
    match kind {
        EntryKind::Login(l) => {
            if let Some(u) = c.username {
                l.username = u;
            }
            if let Some(u) = c.url {
                l.url = u;
            }
            if let Some(p) = c.password {
                l.password = p;
            }
            if let Some(key) = c.ssh_key {
                l.ssh_key = ssh_key(&key)?;
            }
            match otp {
                OtpChange::Keep => {}
                OtpChange::Remove => l.otp = None,
                OtpChange::Set(o) => l.otp = Some(with_account(o, &l.username)),
            }
        }
        EntryKind::Otp { otp: current } => match otp {
            OtpChange::Set(o) => {
                let account = c.username.unwrap_or_else(|| account_of(current));
                *current = with_account(o, &account);
            }
            OtpChange::Remove => return Err(needs_generator()),
            OtpChange::Keep => {
                if let Some(u) = c.username {
                    current.account = Some(u).filter(|u| !u.is_empty());
                }
            }
        },
        EntryKind::Note => {}
        EntryKind::Remote(r) => {
            if let Some(p) = c.protocol {
                r.protocol = p;
            }
            if let Some(h) = c.host {
                r.host = h.trim().to_owned();
            }
            if let Some(p) = c.port {
                r.port = p;
            }
            if let Some(key) = c.host_key {
                r.host_key = host_key(&key)?;
            }
            if let Some(policy) = c.certificate {
                r.certificate = policy;
            }
            // The current link given again stays as it is (a form sends every field).
            if let Some(q) = c.login.filter(|q| Some(q.trim()) != r.login.as_deref()) {
                r.login = linked_login(&q, id, find)?;
            }
        }
    }
    Ok(())
}

/// What the changes do to the OTP generator.
enum OtpChange {
    Keep,
    Remove,
    Set(OtpParams),
}

fn parse_otp(text: Option<&SecretString>) -> Result<OtpChange> {
    match text.map(|t| t.expose_secret().trim()) {
        None => Ok(OtpChange::Keep),
        Some("") => Ok(OtpChange::Remove),
        Some(t) => Ok(OtpChange::Set(OtpParams::parse(t)?)),
    }
}

fn needs_generator() -> Error {
    Error::Invalid("an OTP entry needs an otpauth URI or a Base32 key".into())
}

fn account_of(otp: &OtpParams) -> String {
    otp.account.clone().unwrap_or_default()
}

/// The one rule for a generator's account: the URI's when it names one, else the user name.
fn with_account(mut otp: OtpParams, username: &str) -> OtpParams {
    if otp.account.as_deref().is_none_or(str::is_empty) {
        otp.account = Some(username.to_owned()).filter(|u| !u.is_empty());
    }
    otp
}

/// The id of the login `query` names (blank: none); `own_id` is the connection's.
fn linked_login(
    query: &str,
    own_id: &str,
    find: &mut dyn FnMut(&str) -> Result<Entry>,
) -> Result<Option<String>> {
    let query = query.trim();
    if query.is_empty() {
        return Ok(None);
    }
    let login = find(query)?;
    if !matches!(login.kind, EntryKind::Login(_)) || login.id == own_id {
        return Err(Error::Invalid(format!("“{}” is not a login", login.title)));
    }
    Ok(Some(login.id))
}

/// A host key to pin (blank: none), checked and written in its one form `TYPE BASE64`.
fn host_key(text: &str) -> Result<Option<String>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let key =
        crate::entry::host_key::HostKey::parse(text).map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(Some(key.to_string()))
}

/// An SSH private key to keep (blank: none), checked and kept in its one form.
fn ssh_key(text: &SecretString) -> Result<Option<SecretString>> {
    let text = text.expose_secret();
    if text.trim().is_empty() {
        return Ok(None);
    }
    let key =
        crate::entry::ssh_key::SshKey::parse(text).map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(Some(key.private().clone()))
}

/// Trimmed, without blanks or repeats, in the order given.
pub fn normalize_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim();
        if !tag.is_empty() && !out.iter().any(|t| t == tag) {
            out.push(tag.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry_store::EntryStore;
    use crate::KdfParams;
    use crate::OpenWorkspace;

    fn workspace() -> (tempfile::TempDir, OpenWorkspace) {
        let dir = tempfile::tempdir().unwrap();
        let kdf = KdfParams::new(1024, 1, 1).unwrap();
        let ws = OpenWorkspace::create(dir.path().join("w.pcx"), &"pw".into(), kdf).unwrap();
        (dir, ws)
    }

    fn secret(s: &str) -> Option<SecretString> {
        Some(s.into())
    }

    fn titled(title: &str) -> EntryChanges {
        EntryChanges {
            title: Some(title.into()),
            ..EntryChanges::default()
        }
    }

    const KEY: &str = "JBSWY3DPEHPK3PXP";

    #[test]
    fn an_otp_account_is_the_uris_else_the_user_name_on_add_and_edit() {
        let (_d, mut ws) = workspace();
        let uri = format!("otpauth://totp/Bank:me?secret={KEY}");
        let with_uri = ws
            .add_entry(
                EntryType::Otp,
                EntryChanges {
                    username: Some("other".into()),
                    otp: secret(&uri),
                    ..titled("Bank")
                },
            )
            .unwrap();
        assert_eq!(with_uri.username(), Some("me"));
        let bare = ws
            .add_entry(
                EntryType::Otp,
                EntryChanges {
                    username: Some("alice".into()),
                    otp: secret(KEY),
                    ..titled("Bare")
                },
            )
            .unwrap();
        assert_eq!(bare.username(), Some("alice"));
        // A new URI with an account keeps it; a bare key keeps the current account.
        let edited = ws
            .edit_entry(
                &with_uri.id,
                None,
                EntryChanges {
                    otp: secret(KEY),
                    ..EntryChanges::default()
                },
            )
            .unwrap();
        assert_eq!(edited.username(), Some("me"));
        let edited = ws
            .edit_entry(
                &with_uri.id,
                None,
                EntryChanges {
                    username: Some("bob".into()),
                    ..EntryChanges::default()
                },
            )
            .unwrap();
        assert_eq!(edited.username(), Some("bob"));
        // A login's generator without an account takes the login's user name.
        let login = ws
            .add_entry(
                EntryType::Login,
                EntryChanges {
                    username: Some("carol".into()),
                    otp: secret(KEY),
                    ..titled("Site")
                },
            )
            .unwrap();
        assert_eq!(login.otp().unwrap().account.as_deref(), Some("carol"));
    }

    #[test]
    fn a_linked_login_must_be_a_login_of_this_workspace() {
        let (_d, mut ws) = workspace();
        let note = ws.add_entry(EntryType::Note, titled("Note")).unwrap();
        let login = ws.add_entry(EntryType::Login, titled("Login")).unwrap();
        let remote = |login: &str| EntryChanges {
            protocol: Some(Protocol::Ssh),
            host: Some(" h ".into()),
            login: Some(login.into()),
            ..titled("Remote")
        };
        let err = ws
            .add_entry(EntryType::Remote, remote(&note.id))
            .unwrap_err();
        assert_eq!(err.to_string(), "“Note” is not a login");
        assert!(matches!(
            ws.add_entry(EntryType::Remote, remote("no-such-id")),
            Err(Error::NoMatch(_))
        ));
        let added = ws.add_entry(EntryType::Remote, remote("login")).unwrap();
        let EntryKind::Remote(r) = &added.kind else {
            panic!("not a remote connection");
        };
        assert_eq!((r.host.as_str(), r.port), ("h", 22));
        assert_eq!(r.login.as_deref(), Some(login.id.as_str()));
        let unlinked = ws
            .edit_entry(
                &added.id,
                None,
                EntryChanges {
                    login: Some(String::new()),
                    ..EntryChanges::default()
                },
            )
            .unwrap();
        assert!(matches!(
            unlinked.kind,
            EntryKind::Remote(Remote { login: None, .. })
        ));
    }

    #[test]
    fn tags_are_trimmed_without_blanks_or_repeats_and_an_edit_keeps_what_it_does_not_name() {
        let (_d, mut ws) = workspace();
        let e = ws
            .add_entry(
                EntryType::Login,
                EntryChanges {
                    tags: Some(vec![" a ".into(), "".into(), "b".into(), "a".into()]),
                    password: secret("pw"),
                    notes: Some("n".into()),
                    ..titled("T")
                },
            )
            .unwrap();
        assert_eq!(e.tags, ["a", "b"]);
        let e = ws
            .edit_entry(
                &e.id,
                None,
                EntryChanges {
                    username: Some("u".into()),
                    ..EntryChanges::default()
                },
            )
            .unwrap();
        assert_eq!((e.tags.len(), e.notes.as_str()), (2, "n"));
        let EntryKind::Login(l) = &e.kind else {
            panic!("not a login");
        };
        assert_eq!(l.password.expose_secret(), "pw");
    }

    #[test]
    fn a_logins_ssh_key_is_checked_kept_and_removed_by_a_blank() {
        let (_d, mut ws) = workspace();
        let key = crate::entry::ssh_key::tests::ED25519;
        let with_key = |text: &str| EntryChanges {
            ssh_key: secret(text),
            ..EntryChanges::default()
        };
        let bad = ws.add_entry(
            EntryType::Login,
            EntryChanges {
                title: Some("B".into()),
                ..with_key("-----BEGIN RSA PRIVATE KEY-----")
            },
        );
        assert!(
            matches!(&bad, Err(Error::Invalid(m)) if m.starts_with("not an OpenSSH private key")),
            "{bad:?}"
        );
        let e = ws
            .add_entry(
                EntryType::Login,
                EntryChanges {
                    title: Some("K".into()),
                    ..with_key(&format!("  {key}\n\n"))
                },
            )
            .unwrap();
        let ssh_key_of = |e: &Entry| match &e.kind {
            EntryKind::Login(l) => l.ssh_key.as_ref().map(|k| k.expose_secret().to_owned()),
            _ => panic!("not a login"),
        };
        assert_eq!(ssh_key_of(&e).as_deref(), Some(key));
        // An edit that does not name it keeps it; a blank removes it.
        let e = ws.edit_entry(&e.id, None, titled("K2")).unwrap();
        assert_eq!(ssh_key_of(&e).as_deref(), Some(key));
        let e = ws.edit_entry(&e.id, None, with_key(" ")).unwrap();
        assert_eq!(ssh_key_of(&e), None);
    }

    #[test]
    fn custom_fields_are_set_removed_and_checked_on_add_and_edit() {
        let (_d, mut ws) = workspace();
        let e = ws
            .add_entry(
                EntryType::Note,
                EntryChanges {
                    set_fields: vec![
                        CustomField::text("Account", "12-34"),
                        CustomField::secret("PIN", "1234".into()),
                    ],
                    ..titled("Bank")
                },
            )
            .unwrap();
        assert_eq!(e.fields.len(), 2);
        assert_eq!(ws.search_summaries("12-34").unwrap().len(), 1);
        assert!(ws.search_summaries("1234").unwrap().is_empty());
        let e = ws
            .edit_entry(
                &e.id,
                None,
                EntryChanges {
                    remove_fields: vec!["Account".into()],
                    ..EntryChanges::default()
                },
            )
            .unwrap();
        assert_eq!(e.fields, [CustomField::secret("PIN", "1234".into())]);
        // A retype keeps them; a duplicate or a standard name is refused, changing nothing.
        let e = ws
            .edit_entry(&e.id, Some(EntryType::Login), EntryChanges::default())
            .unwrap();
        assert_eq!(e.fields.len(), 1);
        let dup = ws.edit_entry(
            &e.id,
            None,
            EntryChanges {
                fields: Some(vec![
                    FieldEdit {
                        name: "A".into(),
                        value: Some("1".into()),
                        ..FieldEdit::default()
                    },
                    FieldEdit {
                        name: "A ".into(),
                        value: Some("2".into()),
                        ..FieldEdit::default()
                    },
                ]),
                ..EntryChanges::default()
            },
        );
        assert_eq!(
            dup.unwrap_err().to_string(),
            "two custom fields are named “A”"
        );
        let reserved = ws.edit_entry(
            &e.id,
            None,
            EntryChanges {
                set_fields: vec![CustomField::text("Password", "x")],
                ..EntryChanges::default()
            },
        );
        assert!(matches!(reserved, Err(Error::Invalid(_))));
        assert_eq!(ws.find(&e.id).unwrap().fields.len(), 1);
    }

    #[test]
    fn kinds_that_need_fields_refuse_without_them() {
        let (_d, mut ws) = workspace();
        assert!(ws.add_entry(EntryType::Otp, titled("O")).is_err());
        assert!(ws.add_entry(EntryType::Remote, titled("R")).is_err());
        let no_host = EntryChanges {
            protocol: Some(Protocol::Rdp),
            ..titled("R")
        };
        assert!(ws.add_entry(EntryType::Remote, no_host).is_err());
        assert!(ws
            .add_entry(EntryType::Note, EntryChanges::default())
            .is_err());
        let otp = ws
            .add_entry(
                EntryType::Otp,
                EntryChanges {
                    otp: secret(KEY),
                    ..titled("O")
                },
            )
            .unwrap();
        let removed = ws.edit_entry(
            &otp.id,
            None,
            EntryChanges {
                otp: secret(" "),
                ..EntryChanges::default()
            },
        );
        assert!(removed.is_err(), "an OTP entry lost its generator");
        let retyped = ws
            .edit_entry(&otp.id, Some(EntryType::Note), EntryChanges::default())
            .unwrap();
        assert_eq!(retyped.kind, EntryKind::Note);
    }
}
