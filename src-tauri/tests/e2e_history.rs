//! End to end in the real app: an entry's history panel lists its versions with the fields
//! each changed, reveals an earlier password and restores it (as a new version); deleting
//! moves the entry to the recycle bin, which restores it, deletes it for good, and empties.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread")]
async fn history_panel_and_recycle_bin() {
    let app = App::start("history").await;
    app.create_workspace(PASSWORD).await;

    // A login, then its password changed, then its title and tags.
    app.click(r#"[data-testid="add"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "Mail").await;
    app.type_into(r#"[data-testid="username"]"#, "me@example.org")
        .await;
    app.type_into(r#"[data-testid="entry-password"]"#, "first-pw")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Mail")
        .await;
    app.click(r#"[data-testid="edit"]"#).await;
    app.type_into(r#"[data-testid="entry-password"]"#, "rejected-pw")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait(r#"[data-testid="detail"]"#).await;
    app.click(r#"[data-testid="edit"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "Mail (home)")
        .await;
    app.type_into(r#"[data-testid="tags"]"#, "home").await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Mail (home)")
        .await;

    // The panel: three versions, newest first, with what each changed.
    app.click(r#"[data-testid="history-open"]"#).await;
    app.wait(r#"[data-testid="version-1"]"#).await;
    assert_eq!(
        app.text(r#"[data-testid="version-changed-3"]"#).await,
        "Changed: title, tags"
    );
    assert_eq!(
        app.text(r#"[data-testid="version-changed-2"]"#).await,
        "Changed: password"
    );
    assert_eq!(
        app.text(r#"[data-testid="version-changed-1"]"#).await,
        "as created"
    );
    // The first password, on request.
    assert_eq!(
        app.text(r#"[data-testid="version-password-1"]"#).await,
        "••••••••••"
    );
    app.click(r#"[data-testid="version-reveal-1"]"#).await;
    app.wait_text(r#"[data-testid="version-password-1"]"#, |t| t == "first-pw")
        .await;
    app.shot("01-history-panel").await;

    // Restore version 1: it becomes version 4, with its title and password.
    app.click(r#"[data-testid="version-restore-1"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Mail")
        .await;
    app.wait_text(r#"[data-testid="version-changed-4"]"#, |t| {
        t == "Changed: title, tags, password"
    })
    .await;
    app.click(r#"[data-testid="reveal"]"#).await;
    app.wait_text(r#"[data-testid="password-value"]"#, |t| t == "first-pw")
        .await;
    app.shot("02-restored").await;

    // Delete: to the recycle bin, out of the list; restored from it.
    app.click(r#"[data-testid="delete"]"#).await;
    app.wait_text(r#"[data-testid="entry-list"]"#, |t| !t.contains("Mail"))
        .await;
    app.click(r#"[data-testid="trash-open"]"#).await;
    app.wait(r#"[data-testid="trashed-Mail"]"#).await;
    app.shot("03-recycle-bin").await;
    app.click(r#"[data-testid="untrash-Mail"]"#).await;
    app.wait(r#"[data-testid="trash-none"]"#).await;
    app.wait(r#"[data-testid="entry-Mail"]"#).await;

    // Deleted again, then for good; and a bin emptied.
    app.click(r#"[data-testid="entry-Mail"]"#).await;
    app.click(r#"[data-testid="delete"]"#).await;
    app.click(r#"[data-testid="trash-open"]"#).await;
    app.click(r#"[data-testid="purge-Mail"]"#).await;
    app.wait(r#"[data-testid="trash-none"]"#).await;
    app.click(r#"[data-testid="trash-close"]"#).await;
    app.click(r#"[data-testid="add"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "Router").await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Router")
        .await;
    app.click(r#"[data-testid="delete"]"#).await;
    app.click(r#"[data-testid="trash-open"]"#).await;
    app.wait(r#"[data-testid="trashed-Router"]"#).await;
    app.click(r#"[data-testid="trash-empty"]"#).await;
    app.wait(r#"[data-testid="trash-none"]"#).await;
    assert_eq!(
        app.text(r#"[data-testid="trash"] [role="status"]"#).await,
        "1 entries deleted for good."
    );
    app.stop().await;
}
