//! Password generator: a length and character classes, at least one character of each chosen
//! class, every character drawn uniformly from the system's secure random source.

use crate::crypto::{random_below, SecretString};

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &str = "0123456789";
const SYMBOLS: &str = "!#$%&()*+,-./:;<=>?@[]^_{|}~";
/// Characters that are easy to misread.
const LOOK_ALIKE: &str = "Il1O0|";

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No character class was chosen.
    #[error("choose at least one character class")]
    NoClass,
    /// The length cannot hold one character of each class, or is absurd.
    #[error("password length must be between {min} and 1024")]
    BadLength {
        /// Smallest length for the chosen classes.
        min: usize,
    },
    /// The random source failed.
    #[error(transparent)]
    Crypto(#[from] crate::crypto::Error),
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Number of characters.
    pub length: usize,
    /// a–z.
    pub lower: bool,
    /// A–Z.
    pub upper: bool,
    /// 0–9.
    pub digits: bool,
    /// Punctuation.
    pub symbols: bool,
    /// Leave out characters that are easy to misread (I, l, 1, O, 0, |).
    pub avoid_look_alike: bool,
}

impl Default for PasswordPolicy {
    /// 20 characters from all four classes: about 130 bits.
    fn default() -> Self {
        Self {
            length: 20,
            lower: true,
            upper: true,
            digits: true,
            symbols: true,
            avoid_look_alike: false,
        }
    }
}

impl PasswordPolicy {
    fn classes(&self) -> Vec<Vec<char>> {
        [
            (self.lower, LOWER),
            (self.upper, UPPER),
            (self.digits, DIGITS),
            (self.symbols, SYMBOLS),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, set)| {
            set.chars()
                .filter(|c| !(self.avoid_look_alike && LOOK_ALIKE.contains(*c)))
                .collect()
        })
        .collect()
    }

    /// Entropy of a password drawn with this policy, in bits (ignoring the one-per-class rule).
    pub fn entropy_bits(&self) -> f64 {
        let alphabet: usize = self.classes().iter().map(Vec::len).sum();
        self.length as f64 * (alphabet as f64).log2()
    }

    /// A new password.
    pub fn generate(&self) -> Result<SecretString, Error> {
        let classes = self.classes();
        if classes.is_empty() {
            return Err(Error::NoClass);
        }
        if self.length < classes.len() || self.length > 1024 {
            return Err(Error::BadLength { min: classes.len() });
        }
        let alphabet: Vec<char> = classes.concat();
        let pick = |set: &[char]| -> Result<char, Error> {
            Ok(set[random_below(set.len() as u32)? as usize])
        };
        // One of each class, the rest from the whole alphabet, then a Fisher–Yates shuffle.
        let mut chars = Vec::with_capacity(self.length);
        for class in &classes {
            chars.push(pick(class)?);
        }
        while chars.len() < self.length {
            chars.push(pick(&alphabet)?);
        }
        for i in (1..chars.len()).rev() {
            let j = random_below(i as u32 + 1)? as usize;
            chars.swap(i, j);
        }
        let password: String = chars.iter().collect();
        chars.fill('\0');
        Ok(SecretString::new(password))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_has_every_class_and_length() {
        for _ in 0..50 {
            let p = PasswordPolicy::default().generate().unwrap();
            let s = p.expose_secret();
            assert_eq!(s.chars().count(), 20);
            assert!(s.chars().any(|c| c.is_ascii_lowercase()));
            assert!(s.chars().any(|c| c.is_ascii_uppercase()));
            assert!(s.chars().any(|c| c.is_ascii_digit()));
            assert!(s.chars().any(|c| SYMBOLS.contains(c)));
        }
        assert!(PasswordPolicy::default().entropy_bits() > 120.0);
    }

    #[test]
    fn classes_and_look_alikes_are_respected() {
        let policy = PasswordPolicy {
            length: 64,
            lower: false,
            upper: true,
            digits: true,
            symbols: false,
            avoid_look_alike: true,
        };
        let p = policy.generate().unwrap();
        assert!(p
            .expose_secret()
            .chars()
            .all(|c| (c.is_ascii_uppercase() || c.is_ascii_digit()) && !LOOK_ALIKE.contains(c)));
    }

    #[test]
    fn bad_policies_are_refused() {
        let none = PasswordPolicy {
            lower: false,
            upper: false,
            digits: false,
            symbols: false,
            ..Default::default()
        };
        assert!(matches!(none.generate(), Err(Error::NoClass)));
        let short = PasswordPolicy {
            length: 3,
            ..Default::default()
        };
        assert!(matches!(short.generate(), Err(Error::BadLength { min: 4 })));
    }

    #[test]
    fn passwords_differ() {
        let a = PasswordPolicy::default().generate().unwrap();
        let b = PasswordPolicy::default().generate().unwrap();
        assert_ne!(a, b);
    }
}
