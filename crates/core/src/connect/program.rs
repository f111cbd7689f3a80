//! The client programs, found on `PATH`; a missing one names the Debian package to install.

use super::Error;
use std::path::{Path, PathBuf};

/// A client program and the Debian package that has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Program {
    /// The command's name.
    pub name: &'static str,
    /// The Debian package.
    pub package: &'static str,
}

/// OpenSSH's client.
pub const SSH: Program = Program {
    name: "ssh",
    package: "openssh-client",
};
/// OpenSSH's host-key scanner.
pub const SSH_KEYSCAN: Program = Program {
    name: "ssh-keyscan",
    package: "openssh-client",
};
/// OpenSSH's agent client.
pub const SSH_ADD: Program = Program {
    name: "ssh-add",
    package: "openssh-client",
};

/// TigerVNC's viewer.
pub const VNCVIEWER: Program = Program {
    name: "vncviewer",
    package: "tigervnc-viewer",
};

/// FreeRDP 2's X11 client.
pub const XFREERDP: Program = Program {
    name: "xfreerdp",
    package: "freerdp2-x11",
};
/// FreeRDP 3's X11 client.
pub const XFREERDP3: Program = Program {
    name: "xfreerdp3",
    package: "freerdp3-x11",
};

/// The desktop's opener of addresses.
pub const XDG_OPEN: Program = Program {
    name: "xdg-open",
    package: "xdg-utils",
};

impl Program {
    /// The program's path on `PATH`, or [`Error::MissingProgram`].
    pub fn find(&self) -> Result<PathBuf, Error> {
        self.find_in(std::env::var_os("PATH").as_deref())
    }

    /// The program's path on the search path `path`.
    pub fn find_in(&self, path: Option<&std::ffi::OsStr>) -> Result<PathBuf, Error> {
        path.into_iter()
            .flat_map(std::env::split_paths)
            .filter(|dir| dir.is_absolute())
            .map(|dir| dir.join(self.name))
            .find(|p| is_executable(p))
            .ok_or(Error::MissingProgram {
                program: self.name,
                package: self.package,
            })
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_names_its_debian_package() {
        let dir = tempfile::tempdir().unwrap();
        let err = SSH.find_in(Some(dir.path().as_os_str())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ssh is not installed: install the Debian package openssh-client (sudo apt install openssh-client)"
        );
        let fake = dir.path().join("ssh");
        std::fs::write(&fake, "").unwrap();
        assert!(
            SSH.find_in(Some(dir.path().as_os_str())).is_err(),
            "not executable"
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(SSH.find_in(Some(dir.path().as_os_str())).unwrap(), fake);
    }
}
