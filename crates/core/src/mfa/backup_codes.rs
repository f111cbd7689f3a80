//! Single-use backup codes: 10 codes of 60 bits each, shown once as `XXXX-XXXX-XXXX`
//! (Crockford Base32), stored only as salted HMAC-SHA256 hashes.

use crate::crypto::{random_below, random_bytes, SecretString};
use ring::hmac;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// How many codes a set has.
pub const COUNT: usize = 10;
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUPS: usize = 3;
const GROUP_LEN: usize = 4;
// 12 symbols of 5 bits: 60 bits each, above the 50 the policy asks for.
const _: () = assert!(GROUPS * GROUP_LEN * 5 >= 50);

/// The stored form of a set: a salt and the hashes of the codes not used yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BackupCodes {
    salt: [u8; 32],
    hashes: Vec<[u8; 32]>,
}

impl BackupCodes {
    /// A new set, and its codes in clear to show once.
    pub fn generate() -> Result<(Self, Vec<SecretString>), crate::crypto::Error> {
        let salt = random_bytes()?;
        let mut codes = Vec::with_capacity(COUNT);
        for _ in 0..COUNT {
            let mut code = String::with_capacity(GROUPS * (GROUP_LEN + 1));
            for g in 0..GROUPS {
                if g > 0 {
                    code.push('-');
                }
                for _ in 0..GROUP_LEN {
                    code.push(ALPHABET[random_below(32)? as usize] as char);
                }
            }
            codes.push(SecretString::new(code));
        }
        let hashes = codes
            .iter()
            .filter_map(|c| hash(&salt, c.expose_secret()))
            .collect();
        Ok((Self { salt, hashes }, codes))
    }

    /// Codes not used yet.
    pub fn remaining(&self) -> usize {
        self.hashes.len()
    }

    /// Uses a code: true (and the code is gone) if it is one of the remaining ones. Every
    /// stored hash is compared in constant time.
    pub fn redeem(&mut self, typed: &str) -> bool {
        let Some(candidate) = hash(&self.salt, typed) else {
            return false;
        };
        let mut found = None;
        for (i, stored) in self.hashes.iter().enumerate() {
            if bool::from(stored.ct_eq(&candidate)) {
                found = Some(i);
            }
        }
        found.map(|i| self.hashes.remove(i)).is_some()
    }
}

/// Upper-cases, drops spaces and dashes, and maps the letters Crockford Base32 folds (O→0,
/// I/L→1, U→V is not folded: U is simply invalid). `None` when the result cannot be a code.
fn normalize(typed: &str) -> Option<String> {
    let out: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (out.len() == GROUPS * GROUP_LEN && out.bytes().all(|b| ALPHABET.contains(&b))).then_some(out)
}

fn hash(salt: &[u8; 32], typed: &str) -> Option<[u8; 32]> {
    let normalized = normalize(typed)?;
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, salt),
        normalized.as_bytes(),
    );
    tag.as_ref().try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_well_formed_and_single_use() {
        let (mut set, codes) = BackupCodes::generate().unwrap();
        assert_eq!(codes.len(), COUNT);
        assert_eq!(set.remaining(), COUNT);
        for c in &codes {
            let s = c.expose_secret();
            assert_eq!(s.len(), 14);
            assert_eq!(s.matches('-').count(), 2);
        }
        let first = codes[0].expose_secret().to_lowercase().replace('-', " ");
        assert!(set.redeem(&first), "case and separators do not matter");
        assert!(!set.redeem(codes[0].expose_secret()), "a code works once");
        assert_eq!(set.remaining(), COUNT - 1);
        assert!(!set.redeem("0000-0000-0000"));
        assert!(!set.redeem("not a code"));
        assert_eq!(set.remaining(), COUNT - 1);
    }

    #[test]
    fn nothing_in_clear_is_stored() {
        let (set, codes) = BackupCodes::generate().unwrap();
        let stored = serde_json::to_string(&set).unwrap();
        for c in codes {
            assert!(!stored.contains(&c.expose_secret().replace('-', "")));
        }
    }
}
