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
    /// Light or dark, or the desktop's choice (`prefers-color-scheme`).
    pub theme: Theme,
    /// Closing the window hides it in the tray (where the desktop shows one) instead of
    /// quitting. Off by default.
    pub close_to_tray: bool,
}

/// The page's colours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    Light,
    Dark,
    /// The desktop's light or dark setting (and any name a newer version may write).
    #[default]
    #[serde(other)]
    System,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            clipboard_clear_secs: 30,
            auto_lock_minutes: 10,
            locale: None,
            theme: Theme::System,
            close_to_tray: false,
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
            ..Preferences::default()
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
        assert_eq!(p.theme, Theme::System);
        assert!(!p.close_to_tray, "closing quits unless asked");
    }

    #[test]
    fn the_theme_and_the_tray_choice_are_saved_by_name() {
        let p = Preferences {
            theme: Theme::Dark,
            close_to_tray: true,
            ..Preferences::default()
        };
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""theme":"dark""#), "{json}");
        let back: Preferences = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        // A theme this version does not know (a newer one's) follows the system; the other
        // preferences stay.
        let p: Preferences =
            serde_json::from_str(r#"{"theme":"sepia","close_to_tray":true}"#).unwrap();
        assert_eq!((p.theme, p.close_to_tray), (Theme::System, true));
    }
}
