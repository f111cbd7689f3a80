//! Connecting to the team database as libpq does: the password from `PGPASSWORD`, else from
//! `~/.pgpass` (or `PGPASSFILE`; ignored unless only its owner can read it), else the caller asks
//! the user. TLS follows `sslmode`.

use super::url::{SslMode, TeamUrl};
use super::Error;
use crate::crypto::SecretString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a connection attempt may take before "the server does not answer".
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The database password libpq would use without asking: `PGPASSWORD`, then the password file.
pub fn stored_password(url: &TeamUrl) -> Option<SecretString> {
    if let Some(p) = std::env::var_os("PGPASSWORD").and_then(|p| p.into_string().ok()) {
        return Some(SecretString::new(p));
    }
    let file = password_file()?;
    pgpass_lookup(&file, url)
}

/// The keyring item of the database password of `url`'s role on its server and database.
fn keyring_item(url: &TeamUrl) -> Result<crate::keyring::Item, crate::keyring::Error> {
    let named = format!(
        "portcullis/team/v1/database-password\0{}\0{}\0{}\0{}",
        url.role, url.host, url.port, url.database
    );
    let digest = ring::digest::digest(&ring::digest::SHA256, named.as_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest.as_ref()[..16]);
    crate::keyring::Item::new(
        crate::keyring::Service::TeamDatabase,
        &crate::keyring::item_name(&id),
    )
}

/// The database password kept in the OS keyring for `url`'s role, server and database.
pub fn kept_password(url: &TeamUrl) -> Result<Option<SecretString>, crate::keyring::Error> {
    keyring_item(url)?.read_text()
}

/// Keeps the database password for `url`'s role, server and database in the OS keyring
/// (when the user asks; it then opens without typing it).
pub fn keep_password(url: &TeamUrl, password: &SecretString) -> Result<(), crate::keyring::Error> {
    keyring_item(url)?.write_text(password)
}

/// Forgets the database password kept for `url` (nothing to do when none is).
pub fn forget_password(url: &TeamUrl) -> Result<(), crate::keyring::Error> {
    keyring_item(url)?.delete()
}

fn password_file() -> Option<PathBuf> {
    match std::env::var_os("PGPASSFILE") {
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")),
    }
}

/// The password of the first line of a libpq password file matching `url`
/// (`host:port:database:user:password`, `*` matching anything, `\:` and `\\` escaped).
fn pgpass_lookup(file: &Path, url: &TeamUrl) -> Option<SecretString> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(file).ok()?;
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!("password file ignored: others can read it (chmod 600)");
        return None;
    }
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(file).ok()?);
    let port = url.port.to_string();
    let wanted = [&*url.host, &*port, &*url.database, &*url.role];
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(split_pgpass)
        .find(|fields| {
            fields.len() == 5
                && fields[..4]
                    .iter()
                    .zip(wanted)
                    .all(|(f, w)| f.as_str() == "*" || f.as_str() == w)
        })
        .map(|mut fields| SecretString::new(std::mem::take(&mut fields[4])))
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => field.extend(chars.next()),
            ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Connects as `url.role` with `password`, over TLS as `url.sslmode` asks.
pub fn connect(url: &TeamUrl, password: &SecretString) -> Result<postgres::Client, Error> {
    use postgres::config::SslMode as Pg;
    let mut config = postgres::Config::new();
    config
        .host(&url.host)
        .port(url.port)
        .user(&url.role)
        .dbname(&url.database)
        .password(password.expose_secret())
        .application_name("portcullis")
        .connect_timeout(CONNECT_TIMEOUT)
        .ssl_mode(match url.sslmode {
            SslMode::Disable => Pg::Disable,
            SslMode::Prefer => Pg::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Pg::Require,
        });
    let roots = super::tls::Roots::of(url.sslrootcert.as_deref());
    if super::tls::checks_certificate(url.sslmode, &roots) {
        // SCRAM bound to this TLS channel: a machine in the middle cannot relay the login.
        config.channel_binding(postgres::config::ChannelBinding::Require);
    }
    let connected = match url.sslmode {
        SslMode::Disable => config.connect(postgres::NoTls),
        mode => config.connect(super::tls::connector(mode, &roots)?),
    };
    connected.map_err(Error::connect)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn url() -> TeamUrl {
        TeamUrl::parse("postgresql://alice@db.example:6543/vault?workspace=ops").unwrap()
    }

    fn file(text: &str, mode: u32) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        std::fs::set_permissions(f.path(), std::fs::Permissions::from_mode(mode)).unwrap();
        f
    }

    #[test]
    fn the_first_matching_line_of_a_private_password_file_gives_the_password() {
        let f = file(
            "# comment\nother:6543:vault:alice:no\ndb.example:6543:*:bob:no\n\
             db.example:*:vault:alice:pa\\:ss\\\\w:rd\n*:*:*:*:last\n",
            0o600,
        );
        let found = pgpass_lookup(f.path(), &url()).unwrap();
        assert_eq!(found.expose_secret(), "pa:ss\\w:rd");
    }

    #[test]
    fn a_password_file_others_can_read_is_ignored() {
        let f = file("*:*:*:*:secret\n", 0o644);
        assert!(pgpass_lookup(f.path(), &url()).is_none());
        let none = file("db.example:1:vault:alice:x\n", 0o600);
        assert!(pgpass_lookup(none.path(), &url()).is_none());
    }
}
