//! The window's light or dark look, following the desktop: the XDG desktop portal's
//! `org.freedesktop.appearance color-scheme` (GNOME, KDE and others set it; GTK 3, which the
//! window is, does not read it), read at start and watched for changes on the session bus. The
//! window's GTK theme variant is set from it (or from the theme chosen in Preferences), and
//! WebKit's `prefers-color-scheme`, which the page's colours follow, goes with it. Without a
//! portal the GTK theme's own variant stays.

use crate::preferences::Theme;
use crate::state::AppState;
use std::sync::atomic::{AtomicU8, Ordering};
use tauri::{AppHandle, Manager, Wry};
use zbus::blocking::{Connection, MessageIterator};
use zbus::message::Type;
use zbus::zvariant::{OwnedValue, Value};
use zbus::MatchRule;

const PORTAL: &str = "org.freedesktop.portal.Desktop";
const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";
const SETTINGS: &str = "org.freedesktop.portal.Settings";
const NAMESPACE: &str = "org.freedesktop.appearance";
const KEY: &str = "color-scheme";

/// The desktop's last known scheme: 0 none, 1 dark, 2 light (the portal's values).
static DESKTOP: AtomicU8 = AtomicU8::new(0);

/// The portal's `color-scheme`: 1 prefers dark, 2 prefers light, anything else no preference.
fn scheme_of(value: u32) -> Option<tauri::Theme> {
    match value {
        1 => Some(tauri::Theme::Dark),
        2 => Some(tauri::Theme::Light),
        _ => None,
    }
}

/// The window's theme: the one chosen, or the desktop's (`None`: GTK's own).
pub fn window_theme(chosen: Theme, desktop: Option<tauri::Theme>) -> Option<tauri::Theme> {
    match chosen {
        Theme::Light => Some(tauri::Theme::Light),
        Theme::Dark => Some(tauri::Theme::Dark),
        Theme::System => desktop,
    }
}

/// A `u32` however deeply the portal wrapped it in variants (its older `Read` wraps twice).
fn unwrap_u32(value: &Value<'_>) -> Option<u32> {
    match value {
        Value::U32(v) => Some(*v),
        Value::Value(inner) => unwrap_u32(inner),
        _ => None,
    }
}

fn read(bus: &Connection) -> Option<u32> {
    ["ReadOne", "Read"].iter().find_map(|method| {
        let reply = bus
            .call_method(
                Some(PORTAL),
                PORTAL_PATH,
                Some(SETTINGS),
                *method,
                &(NAMESPACE, KEY),
            )
            .ok()?;
        let value: OwnedValue = reply.body().deserialize().ok()?;
        unwrap_u32(&value)
    })
}

/// Sets the window's theme from the preference and the desktop's last known scheme.
pub fn apply(app: &AppHandle<Wry>) {
    let chosen = app.state::<AppState>().preferences().theme;
    let desktop = scheme_of(u32::from(DESKTOP.load(Ordering::SeqCst)));
    if let Some(window) = app.get_webview_window("main") {
        let theme = window_theme(chosen, desktop);
        if let Err(e) = window.set_theme(theme) {
            tracing::warn!(error = %e, "window theme not set");
        }
    }
}

/// Reads the desktop's scheme and follows its changes, off the main thread.
pub fn watch(app: AppHandle<Wry>) {
    std::thread::spawn(move || {
        let Ok(bus) = Connection::session() else {
            return;
        };
        // Subscribe first, so a change right after the read is not missed.
        let messages = MatchRule::builder()
            .msg_type(Type::Signal)
            .interface(SETTINGS)
            .and_then(|b| b.member("SettingChanged"))
            .map(|b| b.build())
            .and_then(|rule| MessageIterator::for_match_rule(rule, &bus, None));
        if let Some(value) = read(&bus) {
            DESKTOP.store(value.min(2) as u8, Ordering::SeqCst);
            tracing::debug!(color_scheme = value, "desktop colour scheme");
            apply(&app);
        }
        let Ok(messages) = messages else {
            return;
        };
        for message in messages.flatten() {
            let Ok((namespace, key, value)) =
                message.body().deserialize::<(String, String, OwnedValue)>()
            else {
                continue;
            };
            if namespace != NAMESPACE || key != KEY {
                continue;
            }
            if let Some(value) = unwrap_u32(&value) {
                DESKTOP.store(value.min(2) as u8, Ordering::SeqCst);
                tracing::debug!(color_scheme = value, "desktop colour scheme changed");
                apply(&app);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portal_values_name_dark_light_or_nothing() {
        assert_eq!(scheme_of(1), Some(tauri::Theme::Dark));
        assert_eq!(scheme_of(2), Some(tauri::Theme::Light));
        assert_eq!(scheme_of(0), None);
        assert_eq!(scheme_of(7), None);
    }

    #[test]
    fn a_chosen_theme_wins_over_the_desktops() {
        let dark = Some(tauri::Theme::Dark);
        assert_eq!(window_theme(Theme::Light, dark), Some(tauri::Theme::Light));
        assert_eq!(window_theme(Theme::System, dark), dark);
        assert_eq!(window_theme(Theme::System, None), None);
        assert_eq!(window_theme(Theme::Dark, None), dark);
    }

    #[test]
    fn a_value_wrapped_twice_is_read() {
        let twice = Value::Value(Box::new(Value::Value(Box::new(Value::U32(1)))));
        assert_eq!(unwrap_u32(&twice), Some(1));
        assert_eq!(unwrap_u32(&Value::U32(2)), Some(2));
        assert_eq!(unwrap_u32(&Value::Str("dark".into())), None);
    }
}
