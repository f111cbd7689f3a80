//! End to end at scale (issue 15): a workspace of 100,000 entries (a tenth with TOTP) opens,
//! its list shows a window of rows and the total, a search narrows it as it is typed, the arrow
//! keys move the selection, an OTP
//! entry shows its code and copies it to the clipboard: the code the test computes for the
//! app's (test) clock.
#![allow(clippy::unwrap_used)]

mod common;

use common::large::{build, key_of, title_of};
use common::App;
use fantoccini::key::Key;
use portcullis_core::otp::OtpParams;
use portcullis_core::KdfParams;
use std::process::Command;
use std::time::Instant;

const PASSWORD: &str = "correct horse battery staple";

/// The clipboard's text on the test display.
fn clipboard() -> String {
    let out = Command::new("xclip")
        .args(["-selection", "clipboard", "-o"])
        .output()
        .expect("xclip is installed by scripts/test (Debian package xclip)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How many entry rows the page has in its DOM.
async fn rows_in_page(app: &App) -> u64 {
    app.client
        .execute(
            "return document.querySelectorAll('[data-testid=\"entry-list\"] [data-index]').length;",
            vec![],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

/// Waits until the list says it holds `total` rows.
async fn wait_total(app: &App, total: &str) {
    let started = Instant::now();
    loop {
        let now = app
            .wait(r#"[data-testid="entry-list"]"#)
            .await
            .attr("data-total")
            .await
            .unwrap();
        if now.as_deref() == Some(total) {
            return;
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "the list never held {total} rows: {now:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_thousand_entries_open_search_and_copy_a_code() {
    let app = App::start("large").await;
    let path = app.data_dir().join("portcullis/default.pcx");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    drop(build(&path, PASSWORD, KdfParams::new(1024, 1, 1).unwrap()));
    // The start screen looks again and finds the workspace.
    app.client.refresh().await.unwrap();
    app.wait(r#"[data-testid="path"]"#).await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    let unlocking = Instant::now();
    app.click(r#"[data-testid="submit"]"#).await;
    app.wait(r#"[data-testid="entry-Token 000000"]"#).await;
    eprintln!(
        "unlock to first rows (debug build): {} ms",
        unlocking.elapsed().as_millis()
    );
    let list = r#"[data-testid="entry-list"]"#;
    wait_total(&app, "100000").await;
    // Only the rows in view and a margin are in the page.
    let rendered = rows_in_page(&app).await;
    assert!((10..200).contains(&rendered), "{rendered} rows in the page");
    app.shot("01-list").await;

    // Scrolled far down, the rows there are asked for and shown. The list is ordered by group
    // ("Team 3/Area 3" holds the 16th block of 5,000) then title: row 77,777 is the 2,777th of
    // that group, whose entries are 3, 23, 43, ...
    app.client
        .execute(
            "document.querySelector(arguments[0]).scrollTop = 50 * 77_777;",
            vec![serde_json::json!(list)],
        )
        .await
        .unwrap();
    let row = app.wait(r#"[data-index="77777"]"#).await;
    assert_eq!(
        row.attr("data-testid").await.unwrap().as_deref(),
        Some("entry-Service 055543")
    );
    assert!(rows_in_page(&app).await < 200);

    // Search as you type: ten OTP entries match; the arrow keys walk the list from the field.
    let target = 42_420;
    let search = r#"[data-testid="search"]"#;
    app.type_into(search, "Token 0424").await;
    wait_total(&app, "10").await;
    let down = char::from(Key::Down).to_string();
    app.wait(search).await.send_keys(&down).await.unwrap();
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Token 042400")
        .await;
    app.type_into_focused(&down).await;
    // In list order: group "Team 0/Area 0" (042400, 042420, ...) before "Team 0/Area 2".
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Token 042420")
        .await;
    // Typed on: the list narrows to the one entry.
    app.type_into(search, &title_of(target)).await;
    wait_total(&app, "1").await;
    app.shot("02-search").await;

    // Its code is the one for the app's clock, and copying puts that code on the clipboard.
    app.click(&format!(r#"[data-testid="entry-{}"]"#, title_of(target)))
        .await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == title_of(target))
        .await;
    let expected = OtpParams::from_base32(&key_of(target))
        .unwrap()
        .code_at(app.clock.now())
        .code;
    let shown = app
        .wait_text(r#"[data-testid="otp-code"]"#, |t| !t.is_empty())
        .await;
    assert_eq!(shown.replace(' ', ""), expected);
    app.click(r#"[data-testid="otp-copy"]"#).await;
    app.wait(r#"[role="status"]"#).await;
    assert_eq!(clipboard(), expected);
    app.shot("03-otp-copied").await;
    app.stop().await;
}
