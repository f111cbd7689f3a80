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
/// Above this memory (1 GiB), opening a workspace needs the user's confirmation: a file may
/// ask for up to 4 GiB × many passes, enough to stall or exhaust a machine.
pub const CONFIRM_ABOVE_MEMORY_KIB: u32 = 1024 * 1024;
/// OWASP's Argon2id minimums (Password Storage Cheat Sheet), as (memory KiB, passes) pairs of
/// equal strength: a new workspace must meet one of them.
pub const FLOOR: [(u32, u32); 5] = [
    (47_104, 1),
    (19_456, 2),
    (12_288, 3),
    (9_216, 4),
    (7_168, 5),
];

/// Whether new workspaces must meet [`FLOOR`]: always, except in debug builds (which is what
/// `cargo test` builds), whose tests create workspaces with tiny parameters, and in benches
/// (the `insecure-test-kdf` feature). Release builds of the CLI and the app refuse.
pub const FLOOR_ENFORCED: bool = !cfg!(any(debug_assertions, feature = "insecure-test-kdf"));

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

    /// Whether the parameters meet one of OWASP's Argon2id minimums ([`FLOOR`]).
    pub fn meets_floor(&self) -> bool {
        FLOOR
            .iter()
            .any(|&(memory, passes)| self.memory_kib >= memory && self.iterations >= passes)
    }

    /// Checks parameters for a new workspace (or a new password) against the floor when
    /// `enforced` (pass [`FLOOR_ENFORCED`]).
    pub fn check_floor(&self, enforced: bool) -> Result<(), Error> {
        if enforced && !self.meets_floor() {
            return Err(Error::KdfBelowFloor);
        }
        Ok(())
    }

    /// Whether deriving with these parameters needs the user's confirmation (more than 1 GiB).
    pub fn needs_confirmation(&self) -> bool {
        self.memory_kib > CONFIRM_ABOVE_MEMORY_KIB
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
    fn the_floor_is_owasps() {
        for (memory, passes) in FLOOR {
            let ok = KdfParams::new(memory, passes, 1).unwrap();
            assert!(ok.check_floor(true).is_ok());
            let less_memory = KdfParams::new(memory - 1, passes, 1).unwrap();
            let fewer_passes = KdfParams::new(memory, passes - 1, 1);
            assert!(matches!(
                less_memory.check_floor(true),
                Err(Error::KdfBelowFloor)
            ));
            if let Ok(p) = fewer_passes {
                // Fewer passes may still meet a pair with more memory.
                assert_eq!(p.check_floor(true).is_ok(), p.meets_floor());
            }
        }
        let tiny = KdfParams::new(1024, 1, 1).unwrap();
        assert!(matches!(tiny.check_floor(true), Err(Error::KdfBelowFloor)));
        assert!(KdfParams::new(19_455, 2, 1)
            .unwrap()
            .check_floor(true)
            .is_err());
        assert!(KdfParams::new(46 * 1024, 1, 1)
            .unwrap()
            .check_floor(true)
            .is_ok());
        // Not enforced: what debug builds (every test) and benches use.
        assert!(tiny.check_floor(false).is_ok());
        // The calibrated memory meets the floor with any number of passes.
        assert!(KdfParams::new(CALIBRATED_MEMORY_KIB, 1, 4)
            .unwrap()
            .meets_floor());
    }

    #[test]
    fn more_than_a_gibibyte_needs_confirmation() {
        let at = KdfParams::new(CONFIRM_ABOVE_MEMORY_KIB, 1, 1).unwrap();
        let above = KdfParams::new(CONFIRM_ABOVE_MEMORY_KIB + 1, 1, 1).unwrap();
        assert!(!at.needs_confirmation());
        assert!(above.needs_confirmation());
        assert!(KdfParams::new(MAX_MEMORY_KIB, 16, 4)
            .unwrap()
            .needs_confirmation());
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
