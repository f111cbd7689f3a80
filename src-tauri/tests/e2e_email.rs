//! End to end with codes by email in the real app, against a real SMTP server (aiosmtpd with
//! STARTTLS and a login): the setup wizard says email is weaker, names a refused login, sends
//! the confirmation code; the workspace then reopens with an emailed code once the minute since
//! the last email has passed on the app's clock, which the test moves (before, the wait is
//! shown), and that code counts as a verified factor for a security change.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use test_support::{SmtpSecurity, SmtpServer};

const PASSWORD: &str = "correct horse battery staple";
const SMTP_PASSWORD: &str = "smtp-Pa55-word";

#[tokio::test(flavor = "multi_thread")]
async fn email_journey() {
    let app = App::start("email").await;
    let smtp_dir = app.home.path().join("smtp");
    let server = SmtpServer::start(
        &smtp_dir,
        SmtpSecurity::StartTls,
        Some(("alice", SMTP_PASSWORD)),
    );

    app.create_workspace(PASSWORD).await;

    app.click(r#"[data-testid="security"]"#).await;
    app.click(r#"[data-testid="add-email"]"#).await;
    let weaker = app
        .wait_text(r#"[data-testid="email-weaker"]"#, |t| !t.is_empty())
        .await;
    assert!(weaker.contains("weaker than an authenticator"), "{weaker}");
    app.type_into(r#"[data-testid="email-label"]"#, "Mail")
        .await;
    app.type_into(r#"[data-testid="email-host"]"#, "localhost")
        .await;
    app.type_into(r#"[data-testid="email-port"]"#, &server.port.to_string())
        .await;
    app.type_into(r#"[data-testid="email-user"]"#, "alice")
        .await;
    app.type_into(r#"[data-testid="email-password"]"#, "wrong")
        .await;
    app.type_into(
        r#"[data-testid="email-ca"]"#,
        server.ca_file.to_str().unwrap(),
    )
    .await;
    app.type_into(r#"[data-testid="email-from"]"#, "portcullis@example.org")
        .await;
    app.type_into(r#"[data-testid="email-to"]"#, "alice@example.org")
        .await;
    app.click(r#"[data-testid="email-send-test"]"#).await;
    let err = app
        .wait_text(r#"[data-testid="email-error"]"#, |t| !t.is_empty())
        .await;
    assert!(
        err.contains("could not be sent") && err.contains("535"),
        "{err}"
    );
    assert!(server.messages().is_empty());
    app.type_into(r#"[data-testid="email-password"]"#, SMTP_PASSWORD)
        .await;
    app.shot("01-settings").await;
    app.click(r#"[data-testid="email-send-test"]"#).await;
    let sent = app
        .wait_text(r#"[data-testid="email-sent"]"#, |t| !t.is_empty())
        .await;
    assert!(sent.contains("alice@example.org"), "{sent}");
    let code = server.code_in_message(1);
    app.type_into(r#"[data-testid="email-code"]"#, &code).await;
    app.shot("02-confirm").await;
    app.click(r#"[data-testid="email-confirm"]"#).await;
    app.wait(r#"[data-testid="backup-codes"]"#).await;
    app.click(r#"[data-testid="saved"]"#).await;
    app.click(r#"[data-testid="done"]"#).await;
    app.wait_text(r#"[data-testid="method-row-Mail"]"#, |t| {
        t.contains("Email")
    })
    .await;
    app.click(r#"[data-testid="back"]"#).await;

    // Reopen with an emailed code: within the minute of the confirmation, the send is refused
    // with the wait; a minute later it goes.
    app.click(r#"[data-testid="lock"]"#).await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.click(r#"[data-testid="email-send"]"#).await;
    let err = app
        .wait_text(r#"[data-testid="error"]"#, |t| !t.is_empty())
        .await;
    // The page words the code itself (“A code was sent recently; wait 60 s …”).
    assert!(
        err.to_lowercase()
            .contains("a code was sent recently; wait"),
        "{err}"
    );
    app.clock.advance(61);
    app.click(r#"[data-testid="email-send"]"#).await;
    app.wait_text(r#"[data-testid="email-sent"]"#, |t| {
        t.contains("alice@example.org")
    })
    .await;
    app.shot("03-unlock-sent").await;
    let code = server.code_in_message(2);
    let message = server.wait_for_message(2);
    assert!(
        message.contains("open the Portcullis workspace"),
        "{message}"
    );
    assert!(!message.contains(SMTP_PASSWORD));
    // Six digits submit themselves.
    app.type_into(r#"[data-testid="code"]"#, &code).await;
    app.wait(r#"[data-testid="add"]"#).await;

    // The emailed code was a verified factor: a security change goes through at once.
    app.click(r#"[data-testid="security"]"#).await;
    app.click(r#"[data-testid="method-row-Mail"] button"#).await;
    app.type_into(r#"[data-testid="rename-input"]"#, "Work mail")
        .await;
    app.click(r#"[data-testid="method-row-Mail"] button[type="submit"]"#)
        .await;
    app.wait_text(r#"[data-testid="method-row-Work mail"]"#, |t| {
        t.contains("Email")
    })
    .await;
    app.shot("04-renamed").await;
    assert_eq!(server.messages().len(), 2);
    app.stop().await;
}
