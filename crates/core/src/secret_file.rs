//! The one writer of files that hold a secret: new workspaces, exports and backups, recovery
//! kits, saved backup codes, QR codes of an authenticator seed. Such a file is created new (never over an existing
//! file, never through a symbolic link planted at its path), readable and writable by its owner
//! only whatever the umask, and on disk before the call returns. A failed write leaves no
//! partial file behind.

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Why a secret file was not written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something (a file, a directory, a symbolic link) is at the path already.
    #[error("{0} exists already; choose another file")]
    Exists(String),
    /// The file could not be created or written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The system's reason.
        source: std::io::Error,
    },
}

/// Creates `path`, which must not exist, empty and owner-only (for writers that fill it
/// themselves, such as SQLite's `VACUUM INTO`).
pub fn create(path: &Path) -> Result<File, Error> {
    let mut options = std::fs::OpenOptions::new();
    // O_CREAT | O_EXCL: fails on anything at the path, a symbolic link (even a dangling one)
    // included, so the file is never written through a link.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path).map_err(|e| error(path, e))?;
    #[cfg(unix)]
    {
        // The mode above is masked by the umask, which can only take bits away; set it
        // exactly so the file does not depend on it.
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = file.set_permissions(std::fs::Permissions::from_mode(0o600)) {
            let _ = std::fs::remove_file(path);
            return Err(error(path, e));
        }
    }
    Ok(file)
}

/// Writes `bytes` to a new owner-only file at `path` and syncs it (and its folder) to disk.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut file = create(path)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| sync_folder(path));
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(error(path, e));
    }
    Ok(())
}

/// Syncs the folder that holds `path`, so the new name survives a crash.
fn sync_folder(path: &Path) -> std::io::Result<()> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => File::open(dir)?.sync_all(),
        None => File::open(".")?.sync_all(),
    }
}

fn error(path: &Path, e: std::io::Error) -> Error {
    let path = path.display().to_string();
    match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Exists(path),
        _ => Error::Io { path, source: e },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_a_new_owner_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("codes.txt");
        write_new(&path, b"secret").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"secret");
        #[cfg(unix)]
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn never_overwrites_nor_follows_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("existing");
        std::fs::write(&existing, b"keep me").unwrap();
        assert!(matches!(write_new(&existing, b"x"), Err(Error::Exists(_))));
        assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
        #[cfg(unix)]
        {
            let target = dir.path().join("target");
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            assert!(matches!(write_new(&link, b"x"), Err(Error::Exists(_))));
            assert!(
                !target.exists(),
                "nothing written through the dangling link"
            );
        }
    }
}
