//! A folder only its owner can enter, for the files and sockets of one connection: in
//! `$XDG_RUNTIME_DIR` (a tmpfs of the user's own), else the temporary folder. Removed, with
//! what it holds, when dropped.

use std::path::{Path, PathBuf};

/// An owner-only folder, removed on drop.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    /// Creates a new folder `portcullis-connect-RANDOM`, mode 0700.
    pub fn new() -> std::io::Result<Self> {
        Self::new_in(&base())
    }

    /// Creates the folder under `parent`.
    pub fn new_in(parent: &Path) -> std::io::Result<Self> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let path = parent.join(format!("portcullis-connect-{}", random_hex(8)?));
        // mkdir fails on anything at the path (a planted link included).
        std::fs::DirBuilder::new().mode(0o700).create(&path)?;
        let dir = Self { path };
        std::fs::set_permissions(&dir.path, std::fs::Permissions::from_mode(0o700))?;
        Ok(dir)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// `$XDG_RUNTIME_DIR` when it is an absolute folder, else the temporary folder.
pub fn base() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

/// `bytes` random bytes in lower-case hex.
pub(crate) fn random_hex(bytes: usize) -> std::io::Result<String> {
    use ring::rand::SecureRandom;
    let mut buf = vec![0u8; bytes];
    ring::rand::SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| std::io::Error::other("no randomness"))?;
    Ok(data_encoding::HEXLOWER.encode(&buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_folder_is_owner_only_and_goes_with_its_files() {
        let parent = tempfile::tempdir().unwrap();
        let dir = PrivateDir::new_in(parent.path()).unwrap();
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::write(dir.path().join("f"), "x").unwrap();
        let path = dir.path().to_owned();
        drop(dir);
        assert!(!path.exists());
    }
}
