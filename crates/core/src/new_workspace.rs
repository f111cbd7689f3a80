//! Creating a workspace and choosing its master password and key derivation: the rules every
//! front end follows. A front end turns its flags or form into a [`KdfChoice`] and calls
//! [`create`]; it never picks Argon2 parameters itself.

use crate::crypto::kdf::{self, KdfParams};
use crate::crypto::SecretString;
use crate::workspace::{Error, OpenWorkspace, Result};
use std::path::Path;
use std::time::Duration;

/// How the key derivation of a new workspace (or a new master password) is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KdfChoice {
    /// Calibrated on this computer to take about this long.
    Calibrated(Duration),
    /// These parameters exactly (checked against the bounds and the floor).
    Fixed(KdfParams),
}

impl Default for KdfChoice {
    /// Calibrated to about a second.
    fn default() -> Self {
        Self::Calibrated(kdf::DEFAULT_TARGET)
    }
}

impl KdfChoice {
    /// Calibrated to take about `millis` milliseconds.
    pub fn calibrated_ms(millis: u64) -> Self {
        Self::Calibrated(Duration::from_millis(millis))
    }

    /// `memory_mib` MiB, `iterations` passes and `parallelism` lanes, refused when out of
    /// bounds or (in release builds) below the floor, before any password is asked.
    pub fn fixed_mib(memory_mib: u32, iterations: u32, parallelism: u32) -> Result<Self> {
        let out_of_bounds = || {
            Error::Invalid(
                "key-derivation parameters out of bounds (memory 1 MiB to 4 GiB, 1 to 1000 passes, 1 to 16 lanes)"
                    .into(),
            )
        };
        let kib = memory_mib.checked_mul(1024).ok_or_else(out_of_bounds)?;
        let params = KdfParams::new(kib, iterations, parallelism).map_err(|_| out_of_bounds())?;
        Self::fixed(params)
    }

    /// These parameters, refused below the floor in release builds.
    pub fn fixed(params: KdfParams) -> Result<Self> {
        params.check_floor(kdf::FLOOR_ENFORCED)?;
        Ok(Self::Fixed(params))
    }

    /// The parameters: calibrated now, or the fixed ones.
    pub fn resolve(&self) -> Result<KdfParams> {
        match self {
            Self::Calibrated(target) => Ok(KdfParams::calibrate(*target)?),
            Self::Fixed(params) => Ok(*params),
        }
    }
}

pub use crate::workspace::check_master_password;

/// Creates a workspace at `path` with `password` and `kdf` (resolved now), and opens it.
pub fn create(path: &Path, password: &SecretString, kdf: KdfChoice) -> Result<OpenWorkspace> {
    check_master_password(password)?;
    if path.exists() {
        return Err(Error::AlreadyExists(path.to_owned()));
    }
    OpenWorkspace::create(path, password, kdf.resolve()?)
}

/// `Argon2id: <memory> KiB, <passes> passes, <lanes> lanes`.
pub fn describe(kdf: &KdfParams) -> String {
    format!(
        "Argon2id: {} KiB, {} passes, {} lanes",
        kdf.memory_kib(),
        kdf.iterations(),
        kdf.parallelism()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_master_password_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.pcx");
        let kdf = KdfChoice::fixed_mib(1, 1, 1).unwrap();
        let err = create(&path, &SecretString::default(), kdf).unwrap_err();
        assert_eq!(err.to_string(), "the master password cannot be empty");
        assert!(!path.exists());
        create(&path, &"pw".into(), kdf).unwrap();
        assert!(matches!(
            create(&path, &"pw".into(), kdf),
            Err(Error::AlreadyExists(_))
        ));
    }

    #[test]
    fn fixed_parameters_are_checked_against_the_bounds() {
        assert!(KdfChoice::fixed_mib(0, 1, 1).is_err());
        assert!(KdfChoice::fixed_mib(u32::MAX, 1, 1).is_err());
        assert!(KdfChoice::fixed_mib(1, 1001, 1).is_err());
        let Ok(KdfChoice::Fixed(k)) = KdfChoice::fixed_mib(2, 3, 1) else {
            panic!("in bounds");
        };
        assert_eq!(
            (k.memory_kib(), k.iterations(), k.parallelism()),
            (2048, 3, 1)
        );
        assert_eq!(describe(&k), "Argon2id: 2048 KiB, 3 passes, 1 lanes");
    }
}
