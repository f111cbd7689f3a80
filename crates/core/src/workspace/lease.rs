//! One window per workspace: an interactive program holds a [`Lease`] while a workspace is
//! unlocked, so a second one can say "open in another window" up front instead of the user
//! working in two windows. Writes stay safe without it (each is one SQLite transaction checked
//! against the manifest); the lease is about the user's experience, not integrity.
//!
//! The lease is an advisory lock (`flock` on Unix, `LockFileEx` on Windows) on `<file>.lock`
//! beside the workspace. The system releases it when the holder exits or crashes, so it never
//! goes stale; the empty `.lock` file may stay behind and means nothing by itself.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Why a lease could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// Another window or program holds it.
    #[error("this workspace is open in another window")]
    Held,
    /// The lock file could not be created (read-only folder…).
    #[error("cannot create the lock file beside the workspace: {0}")]
    Io(std::io::ErrorKind),
}

/// Held while a workspace is open in this program; dropping it releases the workspace.
#[derive(Debug)]
pub struct Lease {
    _file: File,
    path: PathBuf,
}

impl Lease {
    /// Takes the lease of the workspace at `workspace`, or says who has it.
    pub fn acquire(workspace: &Path) -> Result<Lease, LeaseError> {
        let path = Self::lock_path(workspace);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| LeaseError::Io(e.kind()))?;
        match file.try_lock() {
            Ok(()) => Ok(Lease { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LeaseError::Held),
            Err(TryLockError::Error(e)) => Err(LeaseError::Io(e.kind())),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file of the workspace at `workspace`: `<file>.lock`.
    pub fn lock_path(workspace: &Path) -> PathBuf {
        let mut name = workspace.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lease_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("w.pcx");
        let first = Lease::acquire(&ws).unwrap();
        assert_eq!(first.path(), dir.path().join("w.pcx.lock"));
        let second = Lease::acquire(&ws).unwrap_err();
        assert_eq!(
            second.to_string(),
            "this workspace is open in another window"
        );
        drop(first);
        assert!(Lease::acquire(&ws).is_ok());
    }

    #[test]
    fn an_unwritable_folder_is_a_clear_error() {
        let err = Lease::acquire(Path::new("/proc/no-such-dir/w.pcx")).unwrap_err();
        assert!(matches!(err, LeaseError::Io(_)), "{err}");
    }
}
