//! A real PostgreSQL 15 on loopback (Debian's `postgresql-15`; 127.0.0.1, and 127.0.0.2, which
//! its TLS certificate does not name): a private cluster in a temporary directory, SCRAM passwords, a free port, stopped on drop. The server refuses to run
//! as root: as root, the cluster runs as the `postgres` user.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = "/usr/lib/postgresql/15/bin";
/// The cluster's superuser.
pub const ADMIN: &str = "pgadmin";

/// A running cluster; stopped (and its files deleted) on drop.
pub struct Postgres {
    /// The port on 127.0.0.1.
    pub port: u16,
    /// The superuser's password.
    pub admin_password: String,
    /// With TLS: the PEM file of the CA that signed the server's certificate (for `localhost`
    /// and 127.0.0.1).
    pub ca_file: Option<PathBuf>,
    dir: tempfile::TempDir,
    /// The server's options (port, socket folder, addresses, TLS), to start it again.
    options: String,
}

fn is_root() -> bool {
    run_plain(Command::new("id").arg("-u"))
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run_plain(c: &mut Command) -> std::io::Result<Output> {
    c.output()
}

/// `program args…`, as the `postgres` user when we are root.
fn server_command(program: &str) -> Command {
    let path = Path::new(BIN).join(program);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn check(what: &str, out: Output) {
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Postgres {
    /// Whether the server's programs are installed.
    pub fn available() -> bool {
        Path::new(BIN).join("initdb").exists()
    }

    /// initdb, then start on a free loopback port (a few seconds).
    pub fn start() -> Postgres {
        Self::start_with(false)
    }

    /// As [`start`](Self::start), the server also speaking TLS with a certificate of a private CA.
    pub fn start_tls() -> Postgres {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Postgres {
        assert!(
            Self::available(),
            "PostgreSQL 15 is not installed (Debian package postgresql-15)"
        );
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let password_file = dir.path().join("pw");
        let admin_password = format!("admin-{}", std::process::id());
        std::fs::write(&password_file, &admin_password).unwrap();
        let mut options = String::new();
        let ca_file = if tls {
            let certs = crate::certificates().unwrap();
            let (ca, cert, key) = (
                dir.path().join("ca.pem"),
                dir.path().join("server.pem"),
                dir.path().join("server.key"),
            );
            std::fs::write(&ca, certs.ca).unwrap();
            std::fs::write(&cert, certs.cert).unwrap();
            std::fs::write(&key, certs.key).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
            options = format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                cert.display(),
                key.display()
            );
            Some(ca)
        } else {
            None
        };
        if is_root() {
            // The server's user must reach its files.
            check(
                "chown",
                Command::new("chown")
                    .args(["-R", "postgres"])
                    .arg(dir.path())
                    .output()
                    .unwrap(),
            );
        }
        check(
            "initdb",
            server_command("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-U", ADMIN, "--auth=scram-sha-256", "--no-sync"])
                .arg(format!("--pwfile={}", password_file.display()))
                .output()
                .unwrap(),
        );
        let port = crate::free_port();
        let options = format!(
            "-p {port} -k {} -c listen_addresses='127.0.0.1,127.0.0.2' -c fsync=off{options}",
            dir.path().display()
        );
        let pg = Postgres {
            port,
            admin_password,
            ca_file,
            dir,
            options,
        };
        pg.start_again();
        pg
    }

    /// Starts the server again after [`stop`](Self::stop), on the same port with the same
    /// data (a test of what clients do when it comes back).
    pub fn start_again(&self) {
        check(
            "pg_ctl start",
            server_command("pg_ctl")
                .arg("-D")
                .arg(self.data())
                .arg("-l")
                .arg(self.dir.path().join("log"))
                .arg("-w")
                .arg("-o")
                .arg(&self.options)
                .arg("start")
                .output()
                .unwrap(),
        );
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs `sql` with psql as `user` (password `password`) on `database`; the output, or the
    /// error text when psql fails (what a role sending its own SQL would see).
    pub fn psql(
        &self,
        user: &str,
        password: &str,
        database: &str,
        sql: &str,
    ) -> Result<String, String> {
        let out = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
            ])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                user,
                "-d",
                database,
                "-c",
                sql,
            ])
            .env("PGPASSWORD", password)
            .env_remove("PGPASSFILE")
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    /// Stops the server (a test of what clients do when it is down); dropping it stops it too.
    pub fn stop(&self) {
        let out = server_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"])
            .output()
            .unwrap();
        check("pg_ctl stop", out);
    }

    /// `pg_dump` of `database` as the superuser, in plain SQL (bytea columns in hex).
    pub fn dump(&self, database: &str) -> String {
        let out = Command::new(Path::new(BIN).join("pg_dump"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                ADMIN,
                "-d",
                database,
            ])
            .env("PGPASSWORD", &self.admin_password)
            .env_remove("PGPASSFILE")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        check("pg_dump", out);
        text
    }

    /// Runs `sql` as the superuser; panics on failure.
    pub fn admin(&self, database: &str, sql: &str) -> String {
        self.psql(ADMIN, &self.admin_password, database, sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = server_command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}
