//! The idle auto-lock runs in Rust: with nothing done for longer than the preferred minutes on
//! the app's clock, the app locks by itself and the page says why.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_workspace_locks_by_itself() {
    let app = App::start("idle").await;
    app.create_workspace("correct horse battery staple").await;
    app.wait(r#"[data-testid="add"]"#).await;
    // Longer than the longest preference (240 min), on the app's clock only: the page's timers
    // do not move, so only Rust's idle timer can lock.
    app.clock.advance(241 * 60);
    let notice = app
        .wait_text(r#"[data-testid="lock-notice"]"#, |t| !t.is_empty())
        .await;
    assert!(notice.starts_with("Locked after"), "{notice}");
    app.wait(r#"[data-testid="password"]"#).await;
    app.shot("01-idle-locked").await;
    app.stop().await;
}
