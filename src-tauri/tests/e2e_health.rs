//! End to end, issue 18's password health and desktop habits: the Health screen over a crafted
//! workspace (counts per category, an item opens its entry), the keyboard shortcuts and their
//! help overlay, copying by keyboard, the dark theme chosen in Preferences, both languages, and
//! the tray where the desktop has none (Xvfb: the app goes on, closing quits).
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use fantoccini::key::Key;
use portcullis_core::clock::FixedClock;
use portcullis_core::{EntryKind, KdfParams, Login, NewEntry, OpenWorkspace, SecretString};
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery staple";
const DAY: i64 = 24 * 60 * 60;

fn login(title: &str, username: &str, password: &str, url: &str) -> NewEntry {
    NewEntry::new(
        title,
        EntryKind::Login(Login {
            username: username.into(),
            password: password.into(),
            url: url.into(),
            otp: None,
            ssh_key: None,
        }),
    )
}

/// The default workspace, with one entry for each finding and one that is fine; "Old" was
/// written 400 days before the app's clock.
fn crafted(path: &std::path::Path, now: i64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let clock = Arc::new(FixedClock::new(now - 400 * DAY));
    let mut ws = OpenWorkspace::create(
        path,
        &SecretString::from(PASSWORD),
        KdfParams::new(1024, 1, 1).unwrap(),
    )
    .unwrap()
    .with_clock(clock.clone());
    ws.add(login(
        "Old",
        "old-user",
        "Ancient-Harbor-velvet-58-Crane",
        "",
    ))
    .unwrap();
    clock.set(now);
    ws.add_all(vec![
        login("Weak", "weak-user", "sunshine1", ""),
        login("Reused A", "a", "Timber-Shadow-ribbon-90-Glass", ""),
        login("Reused B", "b", "Timber-Shadow-ribbon-90-Glass", ""),
        login(
            "Google",
            "me@example.org",
            "Marble-Comet-pepper-61-Drift",
            "https://accounts.google.com/",
        ),
        login(
            "Fine",
            "fine",
            "Velvet-Summit-garlic-35-Brook",
            "https://intranet.example.org",
        ),
    ])
    .unwrap();
}

async fn key(app: &App, keys: &str) {
    app.type_into_focused(keys).await;
}

fn ctrl(c: char) -> String {
    format!("{}{c}{}", char::from(Key::Control), char::from(Key::Null))
}

async fn eval(app: &App, script: &str) -> serde_json::Value {
    app.client.execute(script, vec![]).await.unwrap()
}

/// What the desktop portal announces when the user switches the desktop to dark (1) or
/// light (2); this session bus has no portal, so the test speaks for it.
fn set_desktop_scheme(value: u32) {
    let bus = zbus::blocking::Connection::session().expect("the test's session bus");
    bus.emit_signal(
        None::<&str>,
        "/org/freedesktop/portal/desktop",
        "org.freedesktop.portal.Settings",
        "SettingChanged",
        &(
            "org.freedesktop.appearance",
            "color-scheme",
            zbus::zvariant::Value::U32(value),
        ),
    )
    .unwrap();
}

/// Waits until `script` returns `want`.
async fn wait_eval(app: &App, script: &str, want: bool) {
    let started = std::time::Instant::now();
    while eval(app, script).await != want {
        assert!(
            started.elapsed().as_secs() < 20,
            "{script} never gave {want}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn health_screen_shortcuts_dark_theme_and_tray() {
    let app = App::start("health").await;
    crafted(
        &app.data_dir().join("portcullis/default.pcx"),
        app.clock.now() as i64,
    );
    app.client.refresh().await.unwrap();
    app.wait(r#"[data-testid="path"]"#).await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.wait(r#"[data-testid="entry-Weak"]"#).await;

    // The theme follows the desktop: the portal's colour scheme, announced on the session bus.
    set_desktop_scheme(1);
    wait_eval(
        &app,
        "return matchMedia('(prefers-color-scheme: dark)').matches;",
        true,
    )
    .await;
    assert_eq!(
        eval(
            &app,
            "return getComputedStyle(document.body).backgroundColor;"
        )
        .await,
        "rgb(20, 24, 30)",
        "dark with the desktop"
    );
    app.shot("00-desktop-dark").await;
    set_desktop_scheme(2);
    wait_eval(
        &app,
        "return matchMedia('(prefers-color-scheme: dark)').matches;",
        false,
    )
    .await;

    // The Health screen: one of each finding; "Fine" is in none.
    app.click(r#"[data-testid="health-open"]"#).await;
    for (category, count) in [
        ("weak", "1"),
        ("reused", "1"),
        ("old", "1"),
        ("missing_2fa", "1"),
    ] {
        let css = format!(r#"[data-testid="health-count-{category}"] strong"#);
        app.wait_text(&css, |t| t == count).await;
    }
    app.wait_text(r#"[data-testid="health-checked"]"#, |t| t.starts_with("6 "))
        .await;
    let health = app.text(r#"[data-testid="health"]"#).await;
    assert!(!health.contains("Fine"), "{health}");
    for title in ["Weak", "Reused A", "Reused B", "Old", "Google"] {
        app.wait(&format!(r#"[data-testid="health-open-{title}"]"#))
            .await;
    }
    assert!(
        !health.contains("Timber") && !health.contains("sunshine"),
        "no password on the page"
    );
    app.shot("01-health").await;

    // An item opens its entry.
    app.click(r#"[data-testid="health-open-Old"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Old")
        .await;

    // Shortcuts: Ctrl+B and Ctrl+C copy the user name and the password of the selected entry
    // (focus on the list, no text selected).
    app.click(r#"[data-testid="entry-Weak"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Weak")
        .await;
    let mut clipboard = arboard::Clipboard::new().expect("the X clipboard of the test display");
    key(&app, &ctrl('b')).await;
    app.wait_text(r#"[role="status"]"#, |t| t.contains("30 s"))
        .await;
    assert_eq!(clipboard.get_text().unwrap(), "weak-user");
    key(&app, &ctrl('c')).await;
    let started = std::time::Instant::now();
    while clipboard.get_text().unwrap_or_default() != "sunshine1" {
        assert!(
            started.elapsed().as_secs() < 20,
            "Ctrl+C copied no password"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Ctrl+F goes to the search field.
    key(&app, &ctrl('f')).await;
    assert_eq!(
        eval(&app, "return document.activeElement.dataset.testid;").await,
        "search"
    );

    // F1 opens the help overlay, which lists every shortcut; Escape closes it.
    app.click(r#"[data-testid="entry-Weak"]"#).await;
    key(&app, &char::from(Key::F1).to_string()).await;
    let help = app.text(r#"[data-testid="shortcut-help"]"#).await;
    for keys in ["Ctrl+B", "Ctrl+C", "Ctrl+T", "Ctrl+F", "Ctrl+L", "F1"] {
        assert!(help.contains(keys), "{keys} in {help}");
    }
    assert!(help.contains("Copy the password"), "{help}");
    app.shot("02-shortcut-help").await;
    key(&app, &char::from(Key::Escape).to_string()).await;
    let started = std::time::Instant::now();
    while eval(
        &app,
        r#"return !!document.querySelector('[data-testid="shortcut-help"]');"#,
    )
    .await
        == true
    {
        assert!(
            started.elapsed().as_secs() < 20,
            "Escape left the help open"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // No tray host under Xvfb: the app says so in its log and in Preferences, and goes on.
    app.click(r#"[data-testid="security"]"#).await;
    app.wait(r#"[data-testid="no-tray"]"#).await;
    assert!(app.logs().contains("no tray"), "the missing tray is logged");

    // The dark theme, chosen in Preferences (the desktop here is light), and kept.
    app.select(r#"[data-testid="pref-theme"]"#, "dark").await;
    app.click(r#"[data-testid="save-prefs"]"#).await;
    app.wait(r#"[data-testid="prefs-saved"]"#).await;
    assert_eq!(
        eval(&app, "return document.documentElement.dataset.theme;").await,
        "dark"
    );
    let saved = std::fs::read_to_string(app.home.path().join("config/portcullis/preferences.json"))
        .unwrap();
    assert!(saved.contains(r#""theme": "dark""#), "{saved}");
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="entry-Google"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Google")
        .await;
    let background = eval(
        &app,
        "return getComputedStyle(document.body).backgroundColor;",
    )
    .await;
    assert_eq!(background, "rgb(20, 24, 30)", "a dark page");
    app.shot("03-dark-entries").await;

    // In French, dark: the Health screen and the help.
    app.select("#locale", "fr").await;
    app.click(r#"[data-testid="health-open"]"#).await;
    app.wait_text(r#"[data-testid="health"] h1"#, |t| {
        t == "Santé des mots de passe"
    })
    .await;
    app.wait_text(r#"[data-testid="health-count-weak"] strong"#, |t| t == "1")
        .await;
    app.shot("04-health-dark-fr").await;
    app.click(r#"[data-testid="shortcut-help-open"]"#).await;
    app.wait_text(r#"[data-testid="shortcut-help"] h2"#, |t| {
        t == "Raccourcis clavier"
    })
    .await;
    app.shot("05-shortcut-help-fr").await;
    app.click(r#"[data-testid="shortcut-help-close"]"#).await;

    // Ctrl+L still locks (the shortcut that was there before).
    app.click(r#"[data-testid="back"]"#).await;
    app.wait(r#"[data-testid="entry-Weak"]"#).await;
    app.click(r#"[data-testid="entry-Weak"]"#).await;
    key(&app, &ctrl('l')).await;
    app.wait(r#"[data-testid="submit"]"#).await;
    app.stop().await;
}
