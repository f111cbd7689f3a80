//! Password-based key derivation: Argon2id with parameters stored in the workspace header,
//! bounded before use and calibrated to a target time.

use super::{secret::SecretString, Error, KEY_LEN};
use argon2::{Algorithm, Argon2, Params, Version};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Largest memory a workspace may ask for: 4 GiB.
pub const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
/// Most passes a workspace may ask for.
pub const MAX_ITERATIONS: u32 = 1_000;
/// Most lanes a workspace may ask for.
pub const MAX_PARALLELISM: u32 = 16;
/// Cap on memory × passes (in KiB-passes): 64 GiB of memory traffic, about a minute here.
pub const MAX_WORK_KIB: u64 = 64 * 1024 * 1024;
/// Memory used by calibrated parameters: 64 MiB, like KeePassXC's default.
pub const CALIBRATED_MEMORY_KIB: u32 = 64 * 1024;
/// Default calibration target.
pub const DEFAULT_TARGET: Duration = Duration::from_secs(1);

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl KdfParams {
    /// Checks the parameters against the bounds a workspace may ask for.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, Error> {
        let params = Self {
            memory_kib,
            iterations,
            parallelism,
        };
        let in_bounds = (1..=MAX_PARALLELISM).contains(&parallelism)
            && (1..=MAX_ITERATIONS).contains(&iterations)
            && memory_kib >= 8 * parallelism
            && memory_kib <= MAX_MEMORY_KIB
            && u64::from(memory_kib) * u64::from(iterations) <= MAX_WORK_KIB;
        if in_bounds {
            Ok(params)
        } else {
            Err(Error::KdfOutOfBounds)
        }
    }

    /// Memory in KiB.
    pub fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    /// Number of passes.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Number of lanes.
    pub fn parallelism(&self) -> u32 {
        self.parallelism
    }

    /// Derives a 32-byte key from the password and salt.
    pub fn derive(
        &self,
        password: &SecretString,
        salt: &[u8],
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, Error> {
        let params = Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(KEY_LEN),
        )
        .map_err(|_| Error::KdfOutOfBounds)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        argon
            .hash_password_into(password.expose_secret().as_bytes(), salt, out.as_mut())
            .map_err(|_| Error::KdfOutOfBounds)?;
        Ok(out)
    }

    /// Parameters with 64 MiB and as many passes as fit in `target` on this machine (at least
    /// one). Measures one pass, like KeePassXC's "benchmark 1 second delay".
    pub fn calibrate(target: Duration) -> Result<Self, Error> {
        let parallelism = std::thread::available_parallelism()
            .map(|n| n.get().min(4) as u32)
            .unwrap_or(1);
        let probe = Self::new(CALIBRATED_MEMORY_KIB, 1, parallelism)?;
        let started = Instant::now();
        probe.derive(&SecretString::from("calibration"), &[0u8; 32])?;
        let one_pass = started.elapsed().max(Duration::from_millis(1));
        let passes = (target.as_secs_f64() / one_pass.as_secs_f64()).round();
        let passes = (passes as u32).clamp(1, MAX_ITERATIONS);
        Self::new(CALIBRATED_MEMORY_KIB, passes, parallelism)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_refuse_crafted_costs() {
        assert!(KdfParams::new(MAX_MEMORY_KIB + 1, 1, 1).is_err());
        assert!(KdfParams::new(1024, MAX_ITERATIONS + 1, 1).is_err());
        assert!(KdfParams::new(1024, 1, 0).is_err());
        assert!(KdfParams::new(1024, 1, MAX_PARALLELISM + 1).is_err());
        assert!(KdfParams::new(MAX_MEMORY_KIB, 100, 1).is_err());
        assert!(KdfParams::new(4, 1, 1).is_err());
        assert!(KdfParams::new(64 * 1024, 3, 2).is_ok());
    }

    #[test]
    fn derivation_is_deterministic_and_salted() {
        let p = KdfParams::new(64, 1, 1).unwrap();
        let pw = SecretString::from("pw");
        let a = p.derive(&pw, &[1; 32]).unwrap();
        let b = p.derive(&pw, &[1; 32]).unwrap();
        let c = p.derive(&pw, &[2; 32]).unwrap();
        assert_eq!(*a, *b);
        assert_ne!(*a, *c);
    }
}
