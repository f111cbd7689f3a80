//! End to end in the real app: custom fields in the entry form (a plain one and a secret one),
//! shown in the details with the secret hidden until revealed and copied with clearing, kept
//! through a rename in the form; a file attached from the file
//! chooser, saved to a new owner-only file, and removed.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread")]
async fn custom_fields_and_an_attachment_saved() {
    let app = App::start("fields").await;
    app.create_workspace(PASSWORD).await;

    app.click(r#"[data-testid="add"]"#).await;
    app.select(r#"[data-testid="kind"]"#, "note").await;
    app.type_into(r#"[data-testid="title"]"#, "Bank").await;
    app.click(r#"[data-testid="field-add"]"#).await;
    app.type_into(r#"[data-testid="field-name-0"]"#, "Account")
        .await;
    app.type_into(r#"[data-testid="field-value-0"]"#, "12-34-56")
        .await;
    app.click(r#"[data-testid="field-add"]"#).await;
    app.type_into(r#"[data-testid="field-name-1"]"#, "PIN")
        .await;
    app.click(r#"[data-testid="field-secret-1"]"#).await;
    app.type_into(r#"[data-testid="field-value-1"]"#, "4321")
        .await;
    app.shot("00-form").await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "Bank")
        .await;
    assert_eq!(
        app.text(r#"[data-testid="detail-field-value-0"]"#).await,
        "12-34-56"
    );
    assert_eq!(
        app.text(r#"[data-testid="detail-field-value-1"]"#).await,
        "••••••••••"
    );
    app.click(r#"[data-testid="detail-field-reveal-1"]"#).await;
    app.wait_text(r#"[data-testid="detail-field-value-1"]"#, |t| t == "4321")
        .await;
    // Copied from Rust as the password is, to be cleared after the preferred 30 s.
    app.click(r#"[data-testid="detail-field-copy-1"]"#).await;
    app.wait_text(r#"[role="status"]"#, |t| t.contains("30 s"))
        .await;
    let mut clipboard = arboard::Clipboard::new().expect("the X clipboard of the test display");
    assert_eq!(clipboard.get_text().unwrap(), "4321");

    // Renamed in the form without the secret ever being in it: its value is kept.
    app.click(r#"[data-testid="edit"]"#).await;
    app.type_into(r#"[data-testid="field-name-1"]"#, "Card PIN")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="detail-field-name-1"]"#, |t| {
        t == "Card PIN"
    })
    .await;
    app.click(r#"[data-testid="detail-field-reveal-1"]"#).await;
    app.wait_text(r#"[data-testid="detail-field-value-1"]"#, |t| t == "4321")
        .await;

    // An attachment: chosen, listed, saved to a new file (owner-only), then removed.
    let src = app.home.path().join("statement.pdf");
    std::fs::write(&src, b"%PDF-1.4 a bank statement").unwrap();
    app.will_pick(&src);
    app.click(r#"[data-testid="attachment-add"]"#).await;
    app.wait_text(r#"[data-testid="attachment-name-0"]"#, |t| {
        t == "statement.pdf"
    })
    .await;
    let out = app.home.path().join("saved.pdf");
    app.will_pick(&out);
    app.click(r#"[data-testid="attachment-save-0"]"#).await;
    let status = app
        .wait_text(r#"[data-testid="attachments-status"]"#, |t| {
            t.contains("saved.pdf")
        })
        .await;
    assert_eq!(status, "Saved “statement.pdf” to saved.pdf.");
    assert_eq!(std::fs::read(&out).unwrap(), b"%PDF-1.4 a bank statement");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    app.shot("01-attachment-saved").await;
    // Saving again over the file now there is refused with a clear error.
    app.will_pick(&out);
    app.click(r#"[data-testid="attachment-save-0"]"#).await;
    let err = app
        .wait_text(r#"[data-testid="attachments-error"]"#, |t| !t.is_empty())
        .await;
    assert!(err.contains("exists already"), "{err}");
    app.click(r#"[data-testid="attachment-remove-0"]"#).await;
    app.wait(r#"[data-testid="attachments-none"]"#).await;
    app.stop().await;
}
