//! CSV with the header `title,username,password,url,notes,otp` (any order; `otp` is an otpauth
//! URI; optional `group` and `custom_fields` columns). Each row becomes a login.
//!
//! `custom_fields` holds the entry's custom fields as one JSON list, in order, each
//! `{"name": …, "secret": true|false, "value": …}` (the shape `show --json --reveal` gives
//! them); blank when it has none. JSON, rather than Bitwarden's `fields` column of
//! `name: value` lines, because that form can hold neither a value with a line break nor
//! whether a field is secret; and Bitwarden's importer would not read our other columns anyway.
//! A cell that is not such a list refuses the file (a key other than these three, or a
//! missing one, included: a misspelt `secret` must not make a secret plain).
//!
//! Cells that start like a spreadsheet formula are written by the CSV export with a leading
//! `'` (OWASP's advice against CSV injection); `restore` removes exactly that quote on the way
//! back, so an export reads back unchanged.

use super::Error;
use crate::entry::{CustomField, NewEntry};
use crate::entry::{EntryKind, Login};
use crate::otp::OtpParams;
use crate::SecretString;
use std::io::Read;
use zeroize::Zeroizing;

/// What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell`, past any leading single quotes, starts like a formula.
fn looks_like_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// A cell as the CSV export writes it: with a `'` in front when it starts like a formula, or
/// like one already quoted (`'=`), so that [`restore`] gives back exactly `cell`.
pub(crate) fn neutralise(cell: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(cell.len() + 1));
    if looks_like_formula(cell) {
        out.push('\'');
    }
    out.push_str(cell);
    out
}

/// A cell as read: the quote [`neutralise`] adds is removed (a `'` followed by quotes and a
/// formula start); any other cell is left as it is.
fn restore(mut cell: String) -> String {
    if cell.starts_with('\'') && looks_like_formula(&cell) {
        cell.remove(0);
    }
    cell
}

/// The columns the CSV export writes, in this order, and the import reads (in any order; only
/// `title` is required). New columns go at the end: other programs read these by position.
pub(crate) const COLUMNS: [&str; 8] = [
    "title",
    "username",
    "password",
    "url",
    "notes",
    "otp",
    "group",
    "custom_fields",
];

/// One custom field as the export writes it in the `custom_fields` cell.
#[derive(serde::Serialize)]
struct FieldOut<'a> {
    name: &'a str,
    secret: bool,
    value: &'a str,
}

/// One custom field as the import reads it from the `custom_fields` cell.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldIn {
    name: String,
    secret: bool,
    #[serde(with = "crate::crypto::secret::sealed_string")]
    value: SecretString,
}

/// An entry's custom fields as the `custom_fields` cell: a JSON list of `{"name", "secret",
/// "value"}` in the entry's order; empty when it has none. (It starts with `[`: never like a
/// formula, and [`neutralise`] leaves it as it is.)
pub(crate) fn fields_cell(fields: &[CustomField]) -> std::io::Result<Zeroizing<String>> {
    if fields.is_empty() {
        return Ok(Zeroizing::new(String::new()));
    }
    let list: Vec<FieldOut<'_>> = fields
        .iter()
        .map(|f| FieldOut {
            name: &f.name,
            secret: f.is_secret(),
            value: f.expose_value(),
        })
        .collect();
    // Room for every name and value escaped and the punctuation, so that the buffer holding
    // secrets is not reallocated (which would leave a copy behind) in the usual case.
    let room: usize = fields
        .iter()
        .map(|f| 2 * (f.name.len() + f.expose_value().len()) + 48)
        .sum();
    let mut out = Zeroizing::new(Vec::with_capacity(room));
    serde_json::to_writer(&mut *out, &list).map_err(std::io::Error::other)?;
    String::from_utf8(std::mem::take(&mut *out))
        .map(Zeroizing::new)
        .map_err(|_| std::io::Error::other("the custom fields are not UTF-8"))
}

/// The custom fields a `custom_fields` cell holds (none when blank), secret ones secret; the
/// reason it is refused otherwise (never quoting the cell).
fn fields_of_cell(cell: &str) -> Result<Vec<CustomField>, String> {
    if cell.trim().is_empty() {
        return Ok(Vec::new());
    }
    let read: Vec<FieldIn> = serde_json::from_str(cell).map_err(|_| {
        "invalid custom_fields: not a JSON list of {\"name\", \"secret\", \"value\"}".to_owned()
    })?;
    Ok(read
        .into_iter()
        .map(|f| {
            if f.secret {
                CustomField::secret(f.name, f.value)
            } else {
                CustomField::text(f.name, f.value.expose_secret().to_owned())
            }
        })
        .collect())
}

/// Parses the whole file; any bad row refuses the file, so nothing is half-imported.
pub fn parse(reader: impl Read) -> Result<Vec<NewEntry>, Error> {
    let mut csv = ::csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| row_error(&e, "unreadable header"))?
        .clone();
    let index: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(c))
        })
        .collect();
    index[0].ok_or(Error::MissingColumn("title"))?;
    let mut out = Vec::new();
    let mut record = ::csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(row_error(&e, "malformed CSV")),
        }
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| {
            restore(
                index[i]
                    .and_then(|c| record.get(c))
                    .unwrap_or("")
                    .to_owned(),
            )
        };
        let title = field(0).trim().to_owned();
        if title.is_empty() {
            return Err(Error::Row {
                line,
                reason: "the title is empty".into(),
            });
        }
        let otp_text = field(5);
        let otp = if otp_text.trim().is_empty() {
            None
        } else {
            Some(OtpParams::parse(&otp_text).map_err(|e| Error::Row {
                line,
                reason: format!("invalid OTP: {e}"),
            })?)
        };
        let group = Some(field(6)).filter(|g| !g.trim().is_empty());
        let read = fields_of_cell(&field(7)).map_err(|reason| Error::Row { line, reason })?;
        // Names made to follow the rules; what cannot be a field goes to the notes (a secret
        // only by its name).
        let (fields, rest) = crate::entry::fields::importable(read);
        let mut notes = field(4);
        for extra in rest {
            if !notes.is_empty() {
                notes.push('\n');
            }
            notes.push_str(&extra);
        }
        out.push(NewEntry {
            title,
            group,
            tags: Vec::new(),
            notes,
            kind: EntryKind::Login(Login {
                username: field(1),
                password: SecretString::new(field(2)),
                url: field(3),
                otp,
                ssh_key: None,
            }),
            fields,
        });
    }
    Ok(out)
}

fn row_error(e: &::csv::Error, what: &str) -> Error {
    // The csv crate's messages can quote field contents; say only where and what.
    let line = e.position().map_or(0, |p| p.line());
    let reason = match e.kind() {
        ::csv::ErrorKind::UnequalLengths { .. } => "wrong number of fields".to_owned(),
        ::csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => what.to_owned(),
    };
    Error::Row { line, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_in_any_column_order() {
        let text = "url,title,password,username,notes,otp\n\
                    https://a.example,A,pa,ua,n1,\n\
                    ,B,pb,ub,,otpauth://totp/B:ub?secret=JBSWY3DPEHPK3PXP\n";
        let rows = parse(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        let EntryKind::Login(a) = &rows[0].kind else {
            panic!()
        };
        assert_eq!(
            (a.username.as_str(), a.url.as_str()),
            ("ua", "https://a.example")
        );
        assert_eq!(a.password.expose_secret(), "pa");
        let EntryKind::Login(b) = &rows[1].kind else {
            panic!()
        };
        assert!(b.otp.is_some());
    }

    #[test]
    fn neutralised_cells_read_back_unchanged() {
        for cell in [
            "=1+2", "+33", "-x", "@SUM(A1)", "\tx", "\rx", "'=x", "''-x", "'x", "'", "''", "x=1",
            "", "plain", " =x",
        ] {
            let written = neutralise(cell);
            let formula = written.trim_start_matches('\'').starts_with(FORMULA_STARTS);
            assert!(
                !formula || written.starts_with('\''),
                "{cell:?} → {written:?}"
            );
            assert_eq!(restore(written.to_string()), cell, "{cell:?}");
        }
        assert_eq!(*neutralise("=1+2"), "'=1+2");
        assert_eq!(*neutralise("'=1+2"), "''=1+2");
        assert_eq!(*neutralise("'x"), "'x");
        // Another tool's quoted formula is read as the text it stands for.
        let rows = parse("title,password\n'=Sheet,'-pw\n".as_bytes()).unwrap();
        assert_eq!(rows[0].title, "=Sheet");
        let EntryKind::Login(l) = &rows[0].kind else {
            panic!()
        };
        assert_eq!(l.password.expose_secret(), "-pw");
    }

    /// A file of one row titled `T` whose `custom_fields` cell is `cell`.
    fn with_fields_cell(cell: &str) -> Result<Vec<NewEntry>, Error> {
        let mut w = ::csv::Writer::from_writer(Vec::new());
        w.write_record(["title", "custom_fields"]).unwrap();
        w.write_record(["T", cell]).unwrap();
        parse(w.into_inner().unwrap().as_slice())
    }

    #[test]
    fn a_custom_fields_cell_that_is_not_our_list_refuses_the_file_without_leaking() {
        let deep = "[".repeat(100_000);
        for cell in [
            r#"[{"name":"PIN","Secret":true,"value":"SECRETPW"}]"#,
            r#"[{"name":"PIN","value":"SECRETPW"}]"#,
            r#"[{"name":"PIN","secret":"yes","value":"SECRETPW"}]"#,
            r#"{"name":"PIN","secret":true,"value":"SECRETPW"}"#,
            r#"[{"name":"PIN","secret":true,"value":"SECRETPW"}"#,
            "PIN: SECRETPW",
            deep.as_str(),
        ] {
            let err = with_fields_cell(cell).unwrap_err().to_string();
            assert!(
                err.starts_with("line 2: invalid custom_fields: not a JSON list"),
                "{cell:.40}: {err}"
            );
            assert!(!err.contains("SECRETPW"), "{err}");
        }
        for blank in ["", "  "] {
            assert!(with_fields_cell(blank).unwrap()[0].fields.is_empty());
        }
    }

    #[test]
    fn custom_fields_read_are_made_to_follow_the_rules() {
        let mut list: Vec<serde_json::Value> = vec![
            serde_json::json!({"name": "Password", "secret": false, "value": "not the password"}),
            serde_json::json!({"name": "  ", "secret": true, "value": "s"}),
        ];
        for i in 0..crate::entry::fields::MAX_FIELDS {
            list.push(serde_json::json!({"name": format!("F{i}"), "secret": false, "value": "v"}));
        }
        list.push(serde_json::json!({"name": "Late secret", "secret": true, "value": "SECRETPW"}));
        let rows = with_fields_cell(&serde_json::Value::Array(list).to_string()).unwrap();
        let fields = &rows[0].fields;
        assert_eq!(fields.len(), crate::entry::fields::MAX_FIELDS);
        assert_eq!(
            (fields[0].name.as_str(), fields[0].plain_value()),
            ("Password (2)", Some("not the password"))
        );
        assert_eq!(fields[1].name, "Field");
        assert!(fields[1].is_secret());
        crate::entry::fields::check(fields).unwrap();
        // What is left over goes to the notes; a secret by its name only.
        assert!(rows[0].notes.contains("F98: v"), "{}", rows[0].notes);
        assert!(rows[0]
            .notes
            .contains("Late secret: (a secret value, not imported"));
        assert!(!rows[0].notes.contains("SECRETPW"));
    }

    #[test]
    fn bad_rows_refuse_the_file_without_leaking() {
        let bad_otp = "title,username,password,url,notes,otp\nA,u,SECRETPW,,,otpauth://totp/x?secret=ABC&digits=3\n";
        let err = parse(bad_otp.as_bytes()).unwrap_err().to_string();
        assert!(err.starts_with("line 2: invalid OTP"), "{err}");
        assert!(!err.contains("SECRETPW"));
        let ragged = "title,username,password,url,notes,otp\nA,u,SECRETPW\n";
        let err = parse(ragged.as_bytes()).unwrap_err().to_string();
        assert_eq!(err, "line 2: wrong number of fields");
        assert!(matches!(
            parse("name,pw\nx,y\n".as_bytes()),
            Err(Error::MissingColumn("title"))
        ));
        assert!(parse("title\n\"\"\n".as_bytes()).is_err());
    }
}
