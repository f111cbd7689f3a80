//! otpauth URIs, one per line (blank lines and `#` comments ignored). Google Authenticator
//! migration URIs among them are expanded. A bad line is skipped with its reason.

use super::{Error, Plan};

/// Reads a text file of `otpauth://` URIs, one a line (`#` starts a comment).
pub fn parse(text: &str) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        plan.add_uri(format!("line {}", n + 1), line);
    }
    if plan.entries.is_empty() && plan.skipped.is_empty() {
        return Err(Error::NotThisFormat {
            format: "otpauth",
            reason: "no otpauth URI in the file".into(),
        });
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::EntryKind;
    use crate::otp::OtpKind;

    #[test]
    fn reads_every_kind_and_skips_bad_lines_with_the_reason() {
        let text = "# exported\n\
            otpauth://totp/GitHub:me?secret=JBSWY3DPEHPK3PXP\n\
            otpauth://hotp/Acme?secret=JBSWY3DPEHPK3PXP&counter=7\n\
            \n\
            otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=12\n\
            JBSWY3DPEHPK3PXP\n";
        let plan = parse(text).unwrap();
        assert_eq!(plan.entries.len(), 2);
        assert_eq!(plan.entries[0].title, "GitHub");
        let EntryKind::Otp { otp } = &plan.entries[1].kind else {
            panic!()
        };
        assert_eq!(otp.kind, OtpKind::Hotp { counter: 7 });
        let reasons: Vec<_> = plan
            .skipped
            .iter()
            .map(|s| format!("{}: {}", s.item, s.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                "line 5: digits must be 6, 7 or 8 (5 for Steam), not 12",
                "line 6: not an otpauth or migration URI"
            ]
        );
        assert!(parse("hello\n").unwrap().entries.is_empty());
        assert!(parse("\n# nothing\n").is_err());
    }
}
