//! Bitwarden's unencrypted JSON export: logins (with `login.totp`: an otpauth URI, a Base32
//! key or `steam://KEY`), secure notes, folders as groups, custom fields as custom fields (text
//! plain, hidden secret, boolean as `true`/`false`, linked ones as a plain field naming the
//! login field they show, since the value is the entry's own user name or password).
//! Cards and identities are skipped with the reason; encrypted exports are refused.

use super::{Error, Plan};
use crate::entry::{CustomField, NewEntry};
use crate::entry::{EntryKind, Login};
use crate::otp::OtpParams;
use crate::SecretString;
use serde::Deserialize;
use std::collections::HashMap;
use zeroize::Zeroizing;

#[derive(Deserialize)]
struct Export {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    folders: Vec<Folder>,
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Folder {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(rename = "type")]
    kind: u8,
    #[serde(default)]
    name: String,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    folder_id: Option<String>,
    #[serde(default)]
    fields: Option<Vec<Field>>,
    #[serde(default)]
    login: Option<LoginItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Field {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    value: Option<Zeroizing<String>>,
    /// 0 text, 1 hidden, 2 boolean, 3 linked.
    #[serde(default, rename = "type")]
    kind: u8,
    /// For a linked field: 100 the user name, 101 the password.
    #[serde(default)]
    linked_id: Option<u32>,
}

#[derive(Deserialize)]
struct LoginItem {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<Zeroizing<String>>,
    #[serde(default)]
    totp: Option<Zeroizing<String>>,
    #[serde(default)]
    uris: Option<Vec<Uri>>,
}

#[derive(Deserialize)]
struct Uri {
    #[serde(default)]
    uri: Option<String>,
}

/// Reads an unencrypted Bitwarden JSON export.
pub fn parse(bytes: &[u8]) -> Result<Plan, Error> {
    let export: Export = serde_json::from_slice(bytes).map_err(|_| Error::NotThisFormat {
        format: "Bitwarden JSON",
        reason: "it is not a Bitwarden JSON export".into(),
    })?;
    if export.encrypted {
        return Err(Error::Unsupported(
            "encrypted Bitwarden exports are not supported: export as unencrypted JSON".into(),
        ));
    }
    let folders: HashMap<&str, &str> = export
        .folders
        .iter()
        .map(|f| (f.id.as_str(), f.name.as_str()))
        .collect();
    let mut plan = Plan::default();
    for (i, item) in export.items.iter().enumerate() {
        let title = Some(item.name.trim())
            .filter(|t| !t.is_empty())
            .map_or_else(|| format!("item {}", i + 1), str::to_owned);
        let kind = match (item.kind, &item.login) {
            (1, Some(login)) => match login_of(login) {
                Ok(login) => EntryKind::Login(login),
                Err(reason) => {
                    plan.skip(title, reason);
                    continue;
                }
            },
            (1, None) => EntryKind::Login(Login::default()),
            (2, _) => EntryKind::Note,
            (3, _) => {
                plan.skip(title, "cards are not supported");
                continue;
            }
            (4, _) => {
                plan.skip(title, "identities are not supported");
                continue;
            }
            (n, _) => {
                plan.skip(title, format!("unknown item type {n}"));
                continue;
            }
        };
        let mut entry = NewEntry::new(title, kind);
        entry.group = item
            .folder_id
            .as_deref()
            .and_then(|id| folders.get(id))
            .map(|name| name.to_string());
        (entry.notes, entry.fields) = notes_and_fields_of(item);
        plan.entries.push(entry);
    }
    Ok(plan)
}

fn login_of(item: &LoginItem) -> Result<Login, String> {
    let otp = match item
        .totp
        .as_deref()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    {
        None => None,
        Some(t) => Some(match t.strip_prefix("steam://") {
            Some(key) => OtpParams::from_base32(key)
                .and_then(|p| OtpParams::new_steam(crate::SecretBytes::new(p.secret().to_vec())))
                .map_err(|e| format!("invalid TOTP: {e}"))?,
            None => OtpParams::parse(t).map_err(|e| format!("invalid TOTP: {e}"))?,
        }),
    };
    Ok(Login {
        username: item.username.clone().unwrap_or_default(),
        password: SecretString::new(
            item.password
                .as_deref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
        ),
        url: item
            .uris
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find_map(|u| u.uri.clone())
            .unwrap_or_default(),
        otp,
        ssh_key: None,
    })
}

/// The item's notes and its custom fields (what cannot be a field appended to the notes).
fn notes_and_fields_of(item: &Item) -> (String, Vec<CustomField>) {
    let mut notes = item.notes.clone().unwrap_or_default();
    let read = item
        .fields
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let name = f.name.clone().unwrap_or_default();
            let value = f.value.as_deref().map(String::as_str).unwrap_or_default();
            match (f.kind, f.linked_id) {
                (1, _) => CustomField::secret(name, SecretString::from(value)),
                (3, Some(100)) => CustomField::text(name, "(linked: user name)"),
                (3, Some(101)) => CustomField::text(name, "(linked: password)"),
                (3, _) => CustomField::text(name, "(linked)"),
                _ => CustomField::text(name, value),
            }
        })
        .collect();
    let (fields, rest) = crate::entry::fields::importable(read);
    for line in rest {
        if !notes.is_empty() {
            notes.push('\n');
        }
        notes.push_str(&line);
    }
    (notes, fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::OtpKind;

    use crate::import::test_fixture as fixture;

    #[test]
    fn logins_notes_folders_and_totp_are_read_cards_and_identities_skipped() {
        let plan = parse(&fixture("keepassxc/bitwarden_export.json")).unwrap();
        let skipped: Vec<_> = plan.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(skipped.contains(&"cards are not supported"), "{skipped:?}");
        assert!(skipped.contains(&"identities are not supported"));
        let note = plan
            .entries
            .iter()
            .find(|e| e.title == "My Secure Note")
            .unwrap();
        assert_eq!(note.group.as_deref(), Some("My Folder"));
        assert!(note.notes.starts_with("1st line of secure note"));
        assert!(!note.notes.contains("hidden-field-value"));
        let hidden = note
            .fields
            .iter()
            .find(|f| f.name == "Hidden Field")
            .expect("the hidden field");
        assert!(hidden.is_secret());
        assert_eq!(hidden.expose_value(), "hidden-field-value");
        let login = plan
            .entries
            .iter()
            .find(|e| e.title == "Login Name")
            .unwrap();
        let EntryKind::Login(l) = &login.kind else {
            panic!("a login")
        };
        assert!(!l.password.is_empty());
        assert!(l.otp.is_some(), "login.totp is imported");
    }

    #[test]
    fn custom_fields_of_every_type_become_fields() {
        let json = br#"{"items":[{"type":1,"name":"Bank","login":{"username":"u","password":"p"},
            "fields":[{"name":"Text","value":"t","type":0},{"name":"Hidden","value":"h","type":1},
            {"name":"Flag","value":"true","type":2},{"name":"Who","value":null,"type":3,"linkedId":100},
            {"name":"Text","value":"again","type":0},{"name":null,"value":"x","type":0}]}]}"#;
        let plan = parse(json).unwrap();
        let fields = &plan.entries[0].fields;
        let shown: Vec<(&str, bool, &str)> = fields
            .iter()
            .map(|f| (f.name.as_str(), f.is_secret(), f.expose_value()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Text", false, "t"),
                ("Hidden", true, "h"),
                ("Flag", false, "true"),
                ("Who", false, "(linked: user name)"),
                ("Text (2)", false, "again"),
                ("Field", false, "x"),
            ]
        );
        assert!(
            plan.entries[0].notes.is_empty(),
            "nothing folded into the notes"
        );
    }

    #[test]
    fn steam_and_otpauth_totp_fields() {
        let plan = parse(&fixture("aegis/bitwarden.json")).unwrap();
        let otps: Vec<_> = plan
            .entries
            .iter()
            .map(|e| match &e.kind {
                EntryKind::Login(l) => l.otp.as_ref().unwrap().kind,
                _ => panic!(),
            })
            .collect();
        assert_eq!(otps.len(), 4);
        assert_eq!(otps[3], OtpKind::Steam);
        assert!(matches!(
            parse(br#"{"encrypted":true,"items":[]}"#),
            Err(Error::Unsupported(_))
        ));
        assert!(matches!(parse(b"[]"), Err(Error::NotThisFormat { .. })));
    }
}
