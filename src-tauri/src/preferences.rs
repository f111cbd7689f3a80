//! The app's preferences (not secret, not per workspace), in
//! `$XDG_CONFIG_HOME/portcullis/preferences.json`. Out-of-range values are clamped, and an
//! unreadable file gives the defaults.

use crate::paths;
use serde::{Deserialize, Serialize};

const FILE: &str = "preferences.json";

/// Bounds of the clipboard delay, in seconds.
pub const CLIPBOARD_SECS: std::ops::RangeInclusive<u64> = 5..=600;
/// Bounds of the idle time before locking, in minutes.
pub const AUTO_LOCK_MINUTES: std::ops::RangeInclusive<u32> = 1..=240;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct Preferences {
    /// Seconds before a copied secret is cleared from the clipboard.
    pub clipboard_clear_secs: u64,
    /// Minutes without activity before the workspace locks.
    pub auto_lock_minutes: u32,
    /// `en` or `fr`; `None` follows the system.
    pub locale: Option<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            clipboard_clear_secs: 30,
            auto_lock_minutes: 10,
            locale: None,
        }
    }
}

impl Preferences {
    /// Brings every value into its bounds.
    pub fn clamped(mut self) -> Self {
        self.clipboard_clear_secs = self
            .clipboard_clear_secs
            .clamp(*CLIPBOARD_SECS.start(), *CLIPBOARD_SECS.end());
        self.auto_lock_minutes = self
            .auto_lock_minutes
            .clamp(*AUTO_LOCK_MINUTES.start(), *AUTO_LOCK_MINUTES.end());
        self.locale = self.locale.filter(|l| l == "en" || l == "fr");
        self
    }

    pub fn load() -> Self {
        paths::config_file(FILE)
            .and_then(|f| std::fs::read_to_string(f).ok())
            .and_then(|t| serde_json::from_str::<Preferences>(&t).ok())
            .unwrap_or_default()
            .clamped()
    }

    pub fn save(&self) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        paths::write_config(FILE, &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_clamped_and_unknown_locales_dropped() {
        let p = Preferences {
            clipboard_clear_secs: 1,
            auto_lock_minutes: 100_000,
            locale: Some("de".into()),
        }
        .clamped();
        assert_eq!(p.clipboard_clear_secs, 5);
        assert_eq!(p.auto_lock_minutes, 240);
        assert_eq!(p.locale, None);
    }

    #[test]
    fn missing_fields_take_their_defaults() {
        let p: Preferences = serde_json::from_str(r#"{"auto_lock_minutes": 3}"#).unwrap();
        assert_eq!(p.auto_lock_minutes, 3);
        assert_eq!(p.clipboard_clear_secs, 30);
    }
}
