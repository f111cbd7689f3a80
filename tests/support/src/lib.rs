//! Real components that tests start for themselves: a Secret Service (`Keyring`), an SMTP
//! server (`SmtpServer`), a PostgreSQL cluster (`Postgres`), an X server (`Xvfb`), an SSH server (`SshServer`), TLS certificates for them, and Python venvs for tools from PyPI; and
//! `recovery_key_in`, which reads a device-binding recovery kit as its user would; and the
//! SQLite triggers of issue 13's attack (`SILENCE_MFA`); and `wrong_code`, a one-time code that
//! is wrong by construction.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod keyring;
mod postgres;
mod smtp;
mod ssh;
mod tls;
mod venv;
mod xvfb;

pub use keyring::Keyring;
pub use postgres::{Postgres, ADMIN as POSTGRES_ADMIN};
pub use smtp::{SmtpSecurity, SmtpServer};
pub use ssh::SshServer;
pub use tls::{certificates, Certificates};
pub use venv::venv;
pub use xvfb::{terminate, Xvfb};

/// A loopback port free now (for a server a test starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A code that is none of `accepted` (the codes a check would take now, such as a TOTP step
/// and the two beside it): wrong by construction, never right by chance. `accepted[0]` with
/// its last digit moved on until it is none of them.
pub fn wrong_code(accepted: &[String]) -> String {
    assert!(
        (1..10).contains(&accepted.len()),
        "one to nine accepted codes"
    );
    let mut code = accepted[0].clone().into_bytes();
    loop {
        let last = code.last_mut().expect("a code has digits");
        assert!(last.is_ascii_digit(), "a code of digits");
        *last = b'0' + (*last - b'0' + 1) % 10;
        let candidate = String::from_utf8(code.clone()).expect("digits");
        if !accepted.contains(&candidate) {
            return candidate;
        }
    }
}

/// The recovery key printed in a device-binding recovery kit: the line of 13 dash-separated
/// groups of four.
pub fn recovery_key_in(kit: &str) -> String {
    kit.lines()
        .map(str::trim)
        .find(|l| l.len() == 64 && l.matches('-').count() == 12)
        .expect("a recovery key line in the kit")
        .to_owned()
}

/// The two triggers of issue 13, planted with SQLite by someone who can write a workspace file
/// but knows no password: every write of the MFA record, and the manifest write of the same
/// transaction, silently do nothing, while entry writes still work.
pub const SILENCE_MFA: &str = "
    CREATE TRIGGER keep_mfa BEFORE UPDATE ON records WHEN OLD.collection = 'mfa' BEGIN
        INSERT OR REPLACE INTO meta (name, value) VALUES ('skip_manifest', x'01');
        SELECT RAISE(IGNORE);
    END;
    CREATE TRIGGER keep_manifest BEFORE UPDATE ON meta
    WHEN OLD.name = 'manifest' AND EXISTS (SELECT 1 FROM meta WHERE name = 'skip_manifest')
    BEGIN
        DELETE FROM meta WHERE name = 'skip_manifest';
        SELECT RAISE(IGNORE);
    END;";

#[cfg(test)]
mod tests {
    use super::wrong_code;

    #[test]
    fn a_wrong_code_is_none_of_the_accepted_ones() {
        let accepted = [
            "123459".to_owned(),
            "123450".to_owned(),
            "123451".to_owned(),
        ];
        assert_eq!(wrong_code(&accepted), "123452");
        assert_eq!(wrong_code(&["00000000".to_owned()]), "00000001");
    }
}
