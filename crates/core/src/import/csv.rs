//! CSV with the header `title,username,password,url,notes,otp` (any order; `otp` is an otpauth
//! URI; an optional `group` column). Each row becomes a login.
//!
//! Cells that start like a spreadsheet formula are written by the CSV export with a leading
//! `'` (OWASP's advice against CSV injection); `restore` removes exactly that quote on the way
//! back, so an export reads back unchanged.

use super::Error;
use crate::entry::NewEntry;
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

const COLUMNS: [&str; 7] = [
    "title", "username", "password", "url", "notes", "otp", "group",
];

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
        out.push(NewEntry {
            title,
            group,
            tags: Vec::new(),
            notes: field(4),
            kind: EntryKind::Login(Login {
                username: field(1),
                password: SecretString::new(field(2)),
                url: field(3),
                otp,
                ssh_key: None,
            }),
            fields: Vec::new(),
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
