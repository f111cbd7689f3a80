//! Custom fields: named values on any entry (a PIN, an account number, a recovery phrase),
//! each plain or secret. A secret value is a [`SecretString`]: hidden in views, revealed on
//! request, never searched, never logged. A plain value is searched like the notes.
//!
//! The rules (names non-empty, unique in the entry, bounded; the KeePass standard field
//! names refused so a KDBX export cannot collide) live in [`check`], called by
//! [`crate::entry_edit`] on every add and edit and by importers through the workspace's
//! `new_entries`.

use crate::crypto::secret::sealed_string;
use crate::crypto::SecretString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest field name, in characters.
pub const MAX_FIELD_NAME_CHARS: usize = 128;
/// The largest field value, in bytes.
pub const MAX_FIELD_VALUE_BYTES: usize = 64 * 1024;
/// The most fields one entry holds.
pub const MAX_FIELDS: usize = 100;
/// The KeePass standard fields and KeePassXC's OTP fields: a custom field may not take their
/// names (a KDBX export writes custom fields beside them).
pub const RESERVED_NAMES: [&str; 8] = [
    "Title",
    "UserName",
    "Password",
    "URL",
    "Notes",
    "otp",
    "TOTP Seed",
    "TOTP Settings",
];

/// One named field of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomField {
    /// Its name, unique in the entry.
    pub name: String,
    /// Its value, plain or secret.
    pub value: FieldValue,
}

/// A field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// Shown and searched like the notes.
    Text(String),
    /// Hidden, revealed on request, never searched.
    Secret(SecretString),
}

impl CustomField {
    /// A plain field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: FieldValue::Text(value.into()),
        }
    }

    /// A secret field.
    pub fn secret(name: impl Into<String>, value: SecretString) -> Self {
        Self {
            name: name.into(),
            value: FieldValue::Secret(value),
        }
    }

    /// Whether its value is secret.
    pub fn is_secret(&self) -> bool {
        matches!(self.value, FieldValue::Secret(_))
    }

    /// Its value in clear (call only where it is needed so: a reveal, an export).
    pub fn expose_value(&self) -> &str {
        match &self.value {
            FieldValue::Text(t) => t,
            FieldValue::Secret(s) => s.expose_secret(),
        }
    }

    /// Its plain value, `None` when secret.
    pub fn plain_value(&self) -> Option<&str> {
        match &self.value {
            FieldValue::Text(t) => Some(t),
            FieldValue::Secret(_) => None,
        }
    }
}

/// Why a list of fields is refused. Names no value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FieldError {
    /// A blank name.
    #[error("a custom field needs a name")]
    EmptyName,
    /// A name too long.
    #[error("a custom field's name is longer than {MAX_FIELD_NAME_CHARS} characters")]
    NameTooLong,
    /// A name with a control character.
    #[error("a custom field's name holds a control character")]
    ControlInName,
    /// A standard field's name.
    #[error("“{0}” is a standard field, not a custom one")]
    Reserved(String),
    /// The same name twice.
    #[error("two custom fields are named “{0}”")]
    Duplicate(String),
    /// A value too large.
    #[error("the custom field “{0}” is larger than 64 KiB")]
    ValueTooLarge(String),
    /// Too many fields.
    #[error("an entry holds at most {MAX_FIELDS} custom fields")]
    TooMany,
    /// No field of this name.
    #[error("no custom field is named “{0}”")]
    NoSuchField(String),
    /// A plain value given for a secret field (it would turn the secret plain).
    #[error("“{0}” is a secret field: set it with --secret-field (or remove it first)")]
    SecretMadePlain(String),
}

/// A name as kept: trimmed.
pub fn normalize_name(name: &str) -> String {
    name.trim().to_owned()
}

/// Checks `fields` (names already normalized): every rule of the module.
pub fn check(fields: &[CustomField]) -> Result<(), FieldError> {
    if fields.len() > MAX_FIELDS {
        return Err(FieldError::TooMany);
    }
    for (i, f) in fields.iter().enumerate() {
        check_name(&f.name)?;
        if fields[..i].iter().any(|o| o.name == f.name) {
            return Err(FieldError::Duplicate(f.name.clone()));
        }
        if f.expose_value().len() > MAX_FIELD_VALUE_BYTES {
            return Err(FieldError::ValueTooLarge(f.name.clone()));
        }
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), FieldError> {
    if name.trim().is_empty() {
        return Err(FieldError::EmptyName);
    }
    if name.chars().count() > MAX_FIELD_NAME_CHARS {
        return Err(FieldError::NameTooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::ControlInName);
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(FieldError::Reserved(name.to_owned()));
    }
    Ok(())
}

/// Fields read from another program's file, made to follow the rules: a blank name becomes
/// `Field`, a standard or repeated name gets ` (2)`, ` (3)`…, a long name is cut, control
/// characters become spaces. What still cannot be a field (a value over 64 KiB, past the
/// 100th field) comes back as `name: value` lines for the notes.
pub(crate) fn importable(fields: Vec<CustomField>) -> (Vec<CustomField>, Vec<String>) {
    let mut out: Vec<CustomField> = Vec::new();
    let mut notes = Vec::new();
    for mut f in fields {
        let cleaned: String = f
            .name
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(MAX_FIELD_NAME_CHARS - 8)
            .collect();
        let base = match cleaned.trim() {
            "" => "Field".to_owned(),
            t => t.to_owned(),
        };
        let taken = |n: &str| RESERVED_NAMES.contains(&n) || out.iter().any(|o| o.name == n);
        let mut name = base.clone();
        let mut n = 2;
        while taken(&name) {
            name = format!("{base} ({n})");
            n += 1;
        }
        if f.expose_value().len() > MAX_FIELD_VALUE_BYTES || out.len() >= MAX_FIELDS {
            // A secret never lands in the notes, which are shown, searched and exported in
            // the clear: its name says it was left out.
            if f.is_secret() {
                tracing::warn!("a secret field of an import was left out: too large or too many");
                notes.push(format!(
                    "{}: (a secret value, not imported: over 64 KiB or beyond {MAX_FIELDS} fields)",
                    f.name
                ));
            } else {
                notes.push(format!("{}: {}", f.name, f.expose_value()));
            }
            continue;
        }
        f.name = name;
        out.push(f);
    }
    (out, notes)
}

/// One field of a form's list: its name, whether secret, and its value; `value: None` keeps
/// the value of the field now named `was` (or `name`), so a form need not reveal a secret to
/// rename it or mark it secret.
#[derive(Clone, Debug, Default)]
pub struct FieldEdit {
    /// The name it gets.
    pub name: String,
    /// Whether it is secret.
    pub secret: bool,
    /// A new value; `None` keeps the current one.
    pub value: Option<SecretString>,
    /// Its current name, when renamed.
    pub was: Option<String>,
}

/// The fields a form's list describes, replacing `current`.
pub fn apply_edits(
    current: &[CustomField],
    edits: Vec<FieldEdit>,
) -> Result<Vec<CustomField>, FieldError> {
    let mut out = Vec::with_capacity(edits.len());
    for edit in edits {
        let name = normalize_name(&edit.name);
        let value = match edit.value {
            Some(v) => v,
            None => {
                let was = edit.was.as_deref().map(normalize_name);
                let from = was.as_deref().unwrap_or(&name);
                let old = current
                    .iter()
                    .find(|f| f.name == from)
                    .ok_or_else(|| FieldError::NoSuchField(from.to_owned()))?;
                SecretString::from(old.expose_value())
            }
        };
        out.push(if edit.secret {
            CustomField::secret(name, value)
        } else {
            CustomField::text(name, value.expose_secret())
        });
    }
    check(&out)?;
    Ok(out)
}

/// Sets `set` (by name: replacing a field of that name in place, else appended) and removes
/// `remove` (each must exist) in `fields`.
pub fn set_and_remove(
    fields: &mut Vec<CustomField>,
    set: Vec<CustomField>,
    remove: &[String],
) -> Result<(), FieldError> {
    for name in remove {
        let name = normalize_name(name);
        let before = fields.len();
        fields.retain(|f| f.name != name);
        if fields.len() == before {
            return Err(FieldError::NoSuchField(name));
        }
    }
    for mut field in set {
        field.name = normalize_name(&field.name);
        match fields.iter_mut().find(|f| f.name == field.name) {
            Some(slot) if slot.is_secret() && !field.is_secret() => {
                return Err(FieldError::SecretMadePlain(field.name));
            }
            Some(slot) => *slot = field,
            None => fields.push(field),
        }
    }
    check(fields)
}

/// The record forms (packed and JSON) of a field: `{name, secret, value}`; private to the core.
#[derive(Serialize, Deserialize)]
pub(crate) struct FieldDef {
    name: String,
    secret: bool,
    #[serde(with = "sealed_string")]
    value: SecretString,
}

/// `#[serde(with = "crate::entry::fields::sealed_list")]` for `Vec<CustomField>`.
pub(crate) mod sealed_list {
    use super::*;

    #[derive(Serialize)]
    struct Borrowed<'a> {
        name: &'a str,
        secret: bool,
        value: &'a str,
    }

    pub(crate) fn serialize<S: Serializer>(
        fields: &[CustomField],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(fields.iter().map(|f| Borrowed {
            name: &f.name,
            secret: f.is_secret(),
            value: f.expose_value(),
        }))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<CustomField>, D::Error> {
        let defs = Vec::<FieldDef>::deserialize(d)?;
        Ok(defs
            .into_iter()
            .map(|f| {
                if f.secret {
                    CustomField::secret(f.name, f.value)
                } else {
                    CustomField::text(f.name, f.value.expose_secret())
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_present_unique_bounded_and_not_standard() {
        let ok = [
            CustomField::text("PIN", "1"),
            CustomField::secret("Phrase", "a b".into()),
        ];
        assert_eq!(check(&ok), Ok(()));
        let dup = [CustomField::text("A", "1"), CustomField::text("A", "2")];
        assert_eq!(check(&dup), Err(FieldError::Duplicate("A".into())));
        assert_eq!(
            check(&[CustomField::text(" ", "")]),
            Err(FieldError::EmptyName)
        );
        assert_eq!(
            check(&[CustomField::text("Password", "")]),
            Err(FieldError::Reserved("Password".into()))
        );
        assert_eq!(
            check(&[CustomField::text("x".repeat(129), "")]),
            Err(FieldError::NameTooLong)
        );
        assert_eq!(
            check(&[CustomField::text("a\nb", "")]),
            Err(FieldError::ControlInName)
        );
        let big = "x".repeat(MAX_FIELD_VALUE_BYTES + 1);
        assert_eq!(
            check(&[CustomField::secret("K", big.into())]),
            Err(FieldError::ValueTooLarge("K".into()))
        );
        let many: Vec<_> = (0..=MAX_FIELDS)
            .map(|i| CustomField::text(i.to_string(), ""))
            .collect();
        assert_eq!(check(&many), Err(FieldError::TooMany));
    }

    #[test]
    fn set_replaces_by_name_and_remove_needs_the_field() {
        let mut fields = vec![CustomField::text("A", "1"), CustomField::text("B", "2")];
        set_and_remove(
            &mut fields,
            vec![
                CustomField::secret(" A ", "s".into()),
                CustomField::text("C", "3"),
            ],
            &["B".into()],
        )
        .unwrap();
        assert_eq!(
            fields,
            [
                CustomField::secret("A", "s".into()),
                CustomField::text("C", "3")
            ]
        );
        assert_eq!(
            set_and_remove(&mut fields, vec![], &["Z".into()]),
            Err(FieldError::NoSuchField("Z".into()))
        );
    }

    #[test]
    fn a_forms_list_renames_and_marks_secret_without_the_value() {
        let current = vec![CustomField::text("Pin", "1234")];
        let edited = apply_edits(
            &current,
            vec![
                FieldEdit {
                    name: "PIN".into(),
                    secret: true,
                    value: None,
                    was: Some("Pin".into()),
                },
                FieldEdit {
                    name: "New".into(),
                    secret: false,
                    value: Some("v".into()),
                    was: None,
                },
            ],
        )
        .unwrap();
        assert_eq!(
            edited,
            [
                CustomField::secret("PIN", "1234".into()),
                CustomField::text("New", "v")
            ]
        );
        // A field left out is removed; keeping an unknown one is refused.
        assert_eq!(apply_edits(&current, vec![]).unwrap(), []);
        let unknown = FieldEdit {
            name: "X".into(),
            ..FieldEdit::default()
        };
        assert_eq!(
            apply_edits(&current, vec![unknown]),
            Err(FieldError::NoSuchField("X".into()))
        );
    }

    #[test]
    fn imported_fields_are_made_to_follow_the_rules() {
        let (fields, notes) = importable(vec![
            CustomField::text("", "a"),
            CustomField::text("Password", "b"),
            CustomField::text("X", "c"),
            CustomField::secret("X", "d".into()),
            CustomField::text("Big", "x".repeat(MAX_FIELD_VALUE_BYTES + 1)),
        ]);
        let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Field", "Password (2)", "X", "X (2)"]);
        assert!(fields[3].is_secret());
        assert_eq!(check(&fields), Ok(()));
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("Big: xxx"));
    }

    #[test]
    fn an_imported_secret_that_cannot_be_a_field_never_lands_in_the_notes() {
        let big = "s".repeat(MAX_FIELD_VALUE_BYTES + 1);
        let mut many: Vec<_> = (0..MAX_FIELDS)
            .map(|i| CustomField::text(format!("F{i}"), "v"))
            .collect();
        many.push(CustomField::secret("Key", big.clone().into()));
        many.push(CustomField::secret("Last", "hunter2".into()));
        let (fields, notes) = importable(many);
        assert_eq!(fields.len(), MAX_FIELDS);
        let notes = notes.join("\n");
        assert!(
            !notes.contains("sss") && !notes.contains("hunter2"),
            "{notes}"
        );
        assert!(notes.contains("Key: (a secret value, not imported"));
        assert!(notes.contains("Last: (a secret value, not imported"));
    }

    #[test]
    fn a_plain_value_does_not_replace_a_secret_field() {
        let mut fields = vec![CustomField::secret("PIN", "1234".into())];
        assert_eq!(
            set_and_remove(&mut fields, vec![CustomField::text("PIN", "0000")], &[]),
            Err(FieldError::SecretMadePlain("PIN".into()))
        );
        assert_eq!(fields, [CustomField::secret("PIN", "1234".into())]);
        set_and_remove(
            &mut fields,
            vec![CustomField::secret("PIN", "0000".into())],
            &[],
        )
        .unwrap();
        assert_eq!(fields[0].expose_value(), "0000");
    }

    #[test]
    fn a_secret_value_does_not_print() {
        let f = CustomField::secret("K", "hunter2".into());
        assert!(!format!("{f:?}").contains("hunter2"));
    }
}
