//! The tray icon, where the desktop shows one: lock, show the window, quick search (the window
//! with its search field focused), quit. A desktop without a tray host (no StatusNotifier
//! watcher on the session bus: Xvfb, GNOME without its extension) or without the AppIndicator
//! library shows no icon: that is logged and the app goes on, and closing the window then
//! quits as usual even with "close to the tray" chosen (nothing could bring it back). The
//! menu speaks the preferred language (or the system's), and changes with the preference.

use crate::state::AppState;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime, Wry};

/// What the tray asks of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TrayAction {
    /// Focus the search field (the window is shown already).
    Search,
    /// The workspace was locked: clear the page.
    Lock,
}

/// The entries of the tray menu, by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    Show,
    Search,
    Lock,
    Quit,
}

const ITEMS: [Item; 4] = [Item::Show, Item::Search, Item::Lock, Item::Quit];

impl Item {
    fn id(self) -> &'static str {
        match self {
            Item::Show => "tray-show",
            Item::Search => "tray-search",
            Item::Lock => "tray-lock",
            Item::Quit => "tray-quit",
        }
    }

    fn from_id(id: &str) -> Option<Self> {
        ITEMS.into_iter().find(|i| i.id() == id)
    }

    /// The item's text in `locale` (`fr`, otherwise English).
    fn label(self, locale: &str) -> &'static str {
        let fr = locale == "fr";
        match self {
            Item::Show if fr => "Afficher Portcullis",
            Item::Show => "Show Portcullis",
            Item::Search if fr => "Recherche rapide",
            Item::Search => "Quick search",
            Item::Lock if fr => "Verrouiller",
            Item::Lock => "Lock",
            Item::Quit if fr => "Quitter",
            Item::Quit => "Quit",
        }
    }
}

/// The tray's state, managed by Tauri beside [`AppState`].
#[derive(Default)]
pub struct TrayState {
    /// Whether the icon was made (closing may then hide the window).
    present: AtomicBool,
    /// Where the page listens for [`TrayAction`]s.
    listener: Mutex<Option<Channel<TrayAction>>>,
    /// The menu's items, to show them in another language.
    items: Mutex<Vec<(Item, MenuItem<Wry>)>>,
}

impl TrayState {
    pub fn present(&self) -> bool {
        self.present.load(Ordering::SeqCst)
    }

    pub fn set_listener(&self, channel: Channel<TrayAction>) {
        *self.listener.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
    }

    /// Shows the menu in `locale` (the language preference changed).
    pub fn relabel(&self, locale: &str) {
        for (item, menu_item) in &*self.items.lock().unwrap_or_else(|p| p.into_inner()) {
            if let Err(e) = menu_item.set_text(item.label(locale)) {
                tracing::warn!(error = %e, "tray menu text not changed");
            }
        }
        tracing::debug!(locale, "tray menu relabelled");
    }

    fn tell_page(&self, action: TrayAction) {
        if let Some(channel) = &*self.listener.lock().unwrap_or_else(|p| p.into_inner()) {
            let _ = channel.send(action);
        }
    }
}

/// The language of the tray's texts: the preferred one, or the system's (`LC_ALL`,
/// `LC_MESSAGES`, `LANG`), as the page does.
pub fn locale(preferred: Option<&str>) -> &'static str {
    let system = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty());
    locale_of(preferred, system.as_deref())
}

fn locale_of(preferred: Option<&str>, system: Option<&str>) -> &'static str {
    match preferred.or(system) {
        Some(l) if l.starts_with("fr") => "fr",
        _ => "en",
    }
}

/// Whether closing the window hides it instead of quitting: asked for, and a tray icon to
/// bring it back.
pub fn hides_on_close(close_to_tray: bool, tray_present: bool) -> bool {
    close_to_tray && tray_present
}

/// Makes the tray icon; on a desktop without one, logs why and goes on.
pub fn start(app: &AppHandle<Wry>) {
    let locale = locale(app.state::<AppState>().preferences().locale.as_deref());
    // The AppIndicator library is loaded at run time, and its loader panics when the system
    // has none: that must not stop the app.
    let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build(app, locale)));
    match made {
        Ok(Ok(())) => {
            // Asked off the main thread: the bus must not hold back the window.
            let app = app.clone();
            std::thread::spawn(move || {
                if host_on_session_bus() {
                    app.state::<TrayState>()
                        .present
                        .store(true, Ordering::SeqCst);
                    tracing::info!("tray icon shown");
                } else {
                    tracing::warn!("no tray host on this desktop (no StatusNotifier watcher): closing the window quits");
                }
            });
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "no tray icon on this desktop"),
        Err(_) => tracing::warn!("no tray icon: the desktop's AppIndicator library is missing"),
    }
}

fn build(app: &AppHandle<Wry>, locale: &str) -> tauri::Result<()> {
    let items = ITEMS
        .iter()
        .map(|i| MenuItem::with_id(app, i.id(), i.label(locale), true, None::<&str>))
        .collect::<tauri::Result<Vec<_>>>()?;
    *app.state::<TrayState>()
        .items
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = ITEMS.into_iter().zip(items.clone()).collect();
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(
        app,
        &[&items[0], &items[1], &items[2], &separator, &items[3]],
    )?;
    let mut tray = TrayIconBuilder::with_id("main")
        .tooltip("Portcullis")
        .menu(&menu)
        .on_menu_event(|app, event| {
            if let Some(item) = Item::from_id(event.id().as_ref()) {
                act(app, item);
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Whether a tray host (a StatusNotifier watcher) is on the session bus.
fn host_on_session_bus() -> bool {
    let Ok(bus) = zbus::blocking::Connection::session() else {
        return false;
    };
    bus.call_method(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        Some("org.freedesktop.DBus"),
        "NameHasOwner",
        &("org.kde.StatusNotifierWatcher"),
    )
    .ok()
    .and_then(|reply| reply.body().deserialize::<bool>().ok())
    .unwrap_or(false)
}

/// Shows the main window, unminimised and focused.
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

fn act<R: Runtime>(app: &AppHandle<R>, item: Item) {
    let tray = app.state::<TrayState>();
    match item {
        Item::Show => show_window(app),
        Item::Search => {
            show_window(app);
            tray.tell_page(TrayAction::Search);
        }
        Item::Lock => {
            // Locked here, whatever the page does; then the page clears itself.
            let was_unlocked = app.state::<AppState>().lock_session();
            tracing::info!(was_unlocked, "locked from the tray");
            tray.tell_page(TrayAction::Lock);
        }
        Item::Quit => {
            app.state::<AppState>().lock_session();
            app.exit(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_has_its_id_and_a_text_in_both_languages() {
        for item in ITEMS {
            assert_eq!(Item::from_id(item.id()), Some(item));
            assert_ne!(item.label("en"), item.label("fr"), "{item:?}");
        }
        assert_eq!(Item::from_id("tray-other"), None);
    }

    #[test]
    fn the_preferred_language_wins_over_the_systems() {
        assert_eq!(locale_of(Some("fr"), Some("en_US.UTF-8")), "fr");
        assert_eq!(locale_of(None, Some("fr_FR.UTF-8")), "fr");
        assert_eq!(locale_of(Some("en"), Some("fr_FR.UTF-8")), "en");
        assert_eq!(locale_of(None, None), "en");
    }

    #[test]
    fn closing_hides_only_when_asked_and_a_tray_can_bring_the_window_back() {
        assert!(hides_on_close(true, true));
        assert!(!hides_on_close(true, false), "no tray: closing quits");
        assert!(
            !hides_on_close(false, true),
            "off by default: closing quits"
        );
    }

    #[test]
    fn the_page_is_told_by_name() {
        assert_eq!(
            serde_json::to_string(&TrayAction::Search).unwrap(),
            r#""search""#
        );
        assert_eq!(
            serde_json::to_string(&TrayAction::Lock).unwrap(),
            r#""lock""#
        );
    }
}
