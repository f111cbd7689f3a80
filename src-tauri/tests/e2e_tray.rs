//! End to end, the tray icon (issue 18): Xvfb has no tray of its own, so the test starts
//! `trayer` (an XEmbed system tray, Debian package trayer), where AppIndicator's fallback icon
//! shows; the icon is clicked with xdotool, its menu is screenshot, and its Quick search and
//! Lock items are chosen with the keyboard, as GTK menus allow; the menu follows the language.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple";

/// trayer at the bottom right of the display, stopped with the test.
struct Tray(Child);

impl Tray {
    fn start() -> Self {
        let child = Command::new("trayer")
            .args([
                "--edge",
                "bottom",
                "--align",
                "right",
                "--widthtype",
                "pixel",
            ])
            .args(["--width", "120", "--height", "32", "--transparent", "false"])
            .args(["--tint", "0xdddddd", "--SetDockType", "true"])
            .spawn()
            .expect("trayer is installed by scripts/test (Debian package trayer)");
        Tray(child)
    }

    /// trayer's window: x, y, width, height.
    fn geometry() -> (i64, i64, i64, i64) {
        let started = Instant::now();
        loop {
            let out = Command::new("xdotool")
                .args(["search", "--onlyvisible", "--class", "trayer"])
                .args(["getwindowgeometry", "--shell"])
                .output()
                .expect("xdotool is installed by scripts/test");
            let text = String::from_utf8_lossy(&out.stdout);
            let value = |name: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}=")))
                    .and_then(|v| v.trim().parse::<i64>().ok())
            };
            if let (Some(x), Some(y), Some(w), Some(h)) =
                (value("X"), value("Y"), value("WIDTH"), value("HEIGHT"))
            {
                return (x, y, w, h);
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no trayer window"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tray {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn xdotool(args: &[&str]) {
    let status = Command::new("xdotool").args(args).status().unwrap();
    assert!(status.success(), "xdotool {args:?}");
}

/// Opens the tray icon's menu (the icon is the right-most in trayer) and chooses its `n`th item
/// with the keyboard (1: Show, 2: Quick search, 3: Lock), after a screenshot named `shot`.
async fn choose(app: &App, n: usize, shot: Option<&str>) {
    let (x, y, w, h) = Tray::geometry();
    let (ix, iy) = ((x + w - 18).to_string(), (y + h / 2).to_string());
    xdotool(&["mousemove", &ix, &iy, "click", "1"]);
    // The menu is another X window of the app: give GTK a moment to map it.
    tokio::time::sleep(Duration::from_millis(800)).await;
    if let Some(step) = shot {
        app.shot(step).await;
    }
    for _ in 0..n {
        xdotool(&["key", "Down"]);
    }
    xdotool(&["key", "Return"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_menu_searches_and_locks() {
    let _tray = Tray::start();
    let app = App::start("tray").await;
    app.create_workspace(PASSWORD).await;
    // An icon is made (this tray is XEmbed, not a StatusNotifier host: closing still quits).
    assert!(
        app.logs().contains("no tray host on this desktop"),
        "{}",
        app.logs()
    );

    // Quick search from another screen: the entry list, its search field focused.
    app.click(r#"[data-testid="security"]"#).await;
    app.wait(r#"[data-testid="save-prefs"]"#).await;
    choose(&app, 2, Some("01-tray-menu")).await;
    let started = Instant::now();
    loop {
        let focused = app
            .client
            .execute(
                "return document.activeElement?.dataset?.testid ?? null;",
                vec![],
            )
            .await
            .unwrap();
        if focused == "search" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Quick search left the focus on {focused}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // In French, the menu follows (without a restart).
    app.select("#locale", "fr").await;
    let started = Instant::now();
    while !app.logs().contains(r#"tray menu relabelled locale="fr""#) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "menu not relabelled: {}",
            app.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Lock (Verrouiller): the workspace is dropped in Rust and the page goes back to the
    // start screen.
    choose(&app, 3, Some("02-tray-menu-fr")).await;
    app.wait(r#"[data-testid="password"]"#).await;
    app.wait(r#"[data-testid="submit"]"#).await;
    let started = Instant::now();
    while !app.logs().contains("locked from the tray") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no tray lock logged"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.shot("03-locked").await;
    app.stop().await;
}
