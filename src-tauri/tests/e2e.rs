//! End to end in the real app: create a workspace, add a login and an OTP entry and read its
//! live code, enable an authenticator from the wizard's key, save the backup codes, lock,
//! reopen with password and code, refuse a wrong code, reopen with a backup code; a remote
//! connection copies its login's password with the preferred clipboard delay; a screen lock
//! reported on D-Bus locks the app. What the CLI also does: tags are set and edited, an HOTP
//! entry shows its counter, the MFA expiry is set and the master password changed.
#![allow(clippy::unwrap_used)]

mod common;

use common::{App, Authenticator};
use portcullis_core::otp::OtpParams;

const PASSWORD: &str = "correct horse battery staple";
/// The master password after the change on the security screen.
const NEW_PASSWORD: &str = "a new horse, a new staple";

/// Every control on the screen has an accessible name.
async fn assert_named(app: &App) {
    let unnamed = app.unnamed_controls().await;
    assert!(unnamed.is_empty(), "controls without a name: {unnamed:?}");
}

async fn unlock_password(app: &App) {
    app.type_into(r#"[data-testid="password"]"#, NEW_PASSWORD)
        .await;
    app.click(r#"[data-testid="submit"]"#).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn secured_workspace_journey() {
    let app = App::start("journey").await;
    let path = app.data_dir().join("portcullis/default.pcx");
    assert_eq!(
        app.wait(r#"[data-testid="path"]"#)
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(path.to_str().unwrap())
    );
    app.shot("01-start").await;
    assert_named(&app).await;

    // Create the workspace at the default location.
    app.create_workspace(PASSWORD).await;
    assert!(path.is_file());

    // A login and an OTP entry; the live code matches the one computed here.
    app.click(r#"[data-testid="add"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "GitHub").await;
    app.type_into(r#"[data-testid="username"]"#, "octocat")
        .await;
    app.type_into(r#"[data-testid="entry-password"]"#, "s3cret-pw")
        .await;
    app.type_into(r#"[data-testid="group"]"#, "Work/Dev").await;
    app.type_into(r#"[data-testid="tags"]"#, "work, code,, work ")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="detail-title"]"#, |t| t == "GitHub")
        .await;
    assert_eq!(
        app.text(r#"[data-testid="detail-tags"]"#).await,
        "work, code"
    );
    // Editing replaces the tags (and keeps the password, not typed again).
    app.click(r#"[data-testid="edit"]"#).await;
    app.type_into(r#"[data-testid="tags"]"#, "personal").await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="detail-tags"]"#, |t| t == "personal")
        .await;

    app.click(r#"[data-testid="add"]"#).await;
    app.select(r#"[data-testid="kind"]"#, "otp").await;
    app.type_into(r#"[data-testid="title"]"#, "Bank").await;
    let uri = "otpauth://totp/Bank:me?secret=JBSWY3DPEHPK3PXP";
    app.type_into(r#"[data-testid="otp-uri"]"#, uri).await;
    app.click(r#"[data-testid="save"]"#).await;
    let shown = app
        .wait_text(r#"[data-testid="otp-code"]"#, |t| t.len() == 7)
        .await
        .replace(' ', "");
    let otp = OtpParams::parse(uri).unwrap();
    assert_eq!(shown, otp.code_at(app.clock.now()).code, "the live code");
    assert!(app
        .text(r#"[data-testid="otp-left"]"#)
        .await
        .ends_with("s left"));
    app.shot("02-entries-otp").await;
    assert_named(&app).await;

    // An HOTP entry shows its next counter; copying takes that code and advances it.
    app.click(r#"[data-testid="add"]"#).await;
    app.select(r#"[data-testid="kind"]"#, "otp").await;
    app.type_into(r#"[data-testid="title"]"#, "Token").await;
    let hotp_uri = "otpauth://hotp/Token:me?secret=JBSWY3DPEHPK3PXP&counter=5";
    app.type_into(r#"[data-testid="otp-uri"]"#, hotp_uri).await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="otp-counter"]"#, |t| t == "Next counter: 5")
        .await;
    let hotp = OtpParams::parse(hotp_uri).unwrap();
    assert_eq!(
        app.text(r#"[data-testid="otp-code"]"#)
            .await
            .replace(' ', ""),
        hotp.hotp_code(5)
    );
    app.click(r#"[data-testid="otp-copy"]"#).await;
    app.wait_text(r#"[data-testid="otp-counter"]"#, |t| t == "Next counter: 6")
        .await;
    assert_eq!(
        arboard::Clipboard::new().unwrap().get_text().unwrap(),
        hotp.hotp_code(5)
    );
    app.shot("02b-hotp-counter").await;

    // A remote connection that uses the GitHub login's credentials.
    app.click(r#"[data-testid="add"]"#).await;
    app.select(r#"[data-testid="kind"]"#, "remote").await;
    app.type_into(r#"[data-testid="title"]"#, "Build server")
        .await;
    app.type_into(r#"[data-testid="host"]"#, "build.example.org")
        .await;
    app.wait(r#"[data-testid="remote-login-choice"] option:nth-child(2)"#)
        .await
        .click()
        .await
        .unwrap();
    app.click(r#"[data-testid="save"]"#).await;
    assert_eq!(
        app.wait_text(r#"[data-testid="remote-address"]"#, |t| !t.is_empty())
            .await,
        "ssh://build.example.org:22"
    );
    assert_eq!(
        app.text(r#"[data-testid="remote-login"]"#).await,
        "GitHub (octocat)"
    );

    // The authenticator wizard: read the key, type the code, save the backup codes.
    app.click(r#"[data-testid="security"]"#).await;
    app.click(r#"[data-testid="add-totp"]"#).await;
    app.type_into(r#"[data-testid="totp-label"]"#, "Pixel 8")
        .await;
    app.click(r#"[data-testid="totp-begin"]"#).await;
    app.wait(r#"[data-testid="totp-qr"]"#).await;
    app.click(r#"[data-testid="cant-scan"]"#).await;
    let key = app
        .wait_text(r#"[data-testid="totp-key"]"#, |t| !t.is_empty())
        .await;
    assert_eq!(
        key.split(' ').count(),
        8,
        "a 160-bit key in groups of four: {key}"
    );
    app.shot("03-totp-wizard").await;
    assert_named(&app).await;
    let mut phone = Authenticator::new(&key, &app.clock);
    app.type_into(r#"[data-testid="totp-code"]"#, &phone.next())
        .await;
    app.click(r#"[data-testid="totp-confirm"]"#).await;
    app.wait(r#"[data-testid="backup-codes"]"#).await;
    let mut backup = Vec::new();
    for el in app
        .client
        .find_all(fantoccini::Locator::Css(r#"[data-testid="backup-code"]"#))
        .await
        .unwrap()
    {
        backup.push(el.text().await.unwrap());
    }
    assert_eq!(backup.len(), 10);
    app.shot("04-backup-codes").await;
    assert_named(&app).await;
    let done = app.wait(r#"[data-testid="done"]"#).await;
    assert!(
        done.attr("disabled").await.unwrap().is_some(),
        "Done waits for the checkbox"
    );
    app.click(r#"[data-testid="saved"]"#).await;
    app.click(r#"[data-testid="done"]"#).await;
    app.wait_text(r#"[data-testid="mfa-state"]"#, |t| t.contains("on"))
        .await;
    // Rename the method (a security change, allowed by the fresh factor of the wizard).
    app.click(r#"[data-testid="method-row-Pixel 8"] button"#)
        .await;
    app.type_into(r#"[data-testid="rename-input"]"#, "Pixel 9")
        .await;
    app.click(r#"[data-testid="method-row-Pixel 8"] button[type="submit"]"#)
        .await;
    app.wait(r#"[data-testid="method-row-Pixel 9"]"#).await;

    // The MFA expiry, as `portcullis mfa expiry-days`: 180 days until changed.
    assert_eq!(
        app.wait(r#"[data-testid="expiry-days"]"#)
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("180")
    );
    app.type_into(r#"[data-testid="expiry-days"]"#, "30").await;
    app.click(r#"[data-testid="expiry-save"]"#).await;
    app.wait(r#"[data-testid="expiry-saved"]"#).await;

    // The master password, as `portcullis passwd`: a wrong current one is refused, the two new
    // ones must agree, then it changes (the wizard's factor is still fresh).
    app.type_into(r#"[data-testid="pw-current"]"#, "not the password")
        .await;
    app.type_into(r#"[data-testid="pw-new"]"#, NEW_PASSWORD)
        .await;
    app.type_into(r#"[data-testid="pw-repeat"]"#, "something else")
        .await;
    app.click(r#"[data-testid="pw-change"]"#).await;
    app.wait_text(r#"[data-testid="security-error"]"#, |t| {
        t == "The two passwords differ."
    })
    .await;
    app.type_into(r#"[data-testid="pw-repeat"]"#, NEW_PASSWORD)
        .await;
    app.click(r#"[data-testid="pw-change"]"#).await;
    app.wait_text(r#"[data-testid="security-error"]"#, |t| {
        t == "wrong password or damaged workspace"
    })
    .await;
    app.type_into(r#"[data-testid="pw-current"]"#, PASSWORD)
        .await;
    app.click(r#"[data-testid="pw-change"]"#).await;
    app.wait(r#"[data-testid="pw-changed"]"#).await;
    app.shot("04b-password-changed").await;
    assert_named(&app).await;
    // Read back after leaving the screen: the expiry was kept.
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="security"]"#).await;
    app.wait_text(r#"[data-testid="mfa-state"]"#, |t| t.contains("on"))
        .await;
    assert_eq!(
        app.wait(r#"[data-testid="expiry-days"]"#)
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("30")
    );
    app.click(r#"[data-testid="back"]"#).await;

    // Lock, then reopen with the keyboard only (each screen focuses its field; Enter submits,
    // six digits submit themselves): the old password is refused, the new one opens; then a
    // wrong code, then the right one.
    app.click(r#"[data-testid="lock"]"#).await;
    app.wait(r#"[data-testid="password"]"#).await;
    app.type_into_focused(&format!("{PASSWORD}\u{E007}")).await;
    app.wait_text(r#"[data-testid="error"]"#, |t| {
        t == "wrong password or damaged workspace"
    })
    .await;
    app.type_into(r#"[data-testid="password"]"#, NEW_PASSWORD)
        .await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.wait(r#"[data-testid="code"]"#).await;
    app.shot("05-factor").await;
    assert_named(&app).await;
    app.type_into_focused(&phone.wrong()).await;
    let err = app
        .wait_text(r#"[data-testid="error"]"#, |t| !t.is_empty())
        .await;
    assert_eq!(err, "Wrong code.");
    app.shot("06-wrong-code").await;
    app.type_into(r#"[data-testid="code"]"#, &phone.next())
        .await;
    app.wait(r#"[data-testid="entry-GitHub"]"#).await;

    // Lock again and reopen with a backup code.
    app.click(r#"[data-testid="lock"]"#).await;
    unlock_password(&app).await;
    app.click(r#"[data-testid="another"]"#).await;
    app.click(r#"[data-testid="method-backup"]"#).await;
    app.type_into(r#"[data-testid="code"]"#, &backup[0]).await;
    app.click(r#"[data-testid="verify"]"#).await;
    app.wait(r#"[data-testid="entry-Bank"]"#).await;
    app.click(r#"[data-testid="entry-GitHub"]"#).await;
    app.click(r#"[data-testid="reveal"]"#).await;
    app.wait_text(r#"[data-testid="password-value"]"#, |t| t == "s3cret-pw")
        .await;
    app.shot("07-reopened").await;

    // Copying puts the password on the X clipboard (from Rust), to be cleared in 30 s.
    app.click(r#"[data-testid="copy-password"]"#).await;
    app.wait_text(r#"[role="status"]"#, |t| t.contains("30 s"))
        .await;
    let mut clipboard = arboard::Clipboard::new().expect("the X clipboard of the test display");
    assert_eq!(clipboard.get_text().unwrap(), "s3cret-pw");

    // With the delay set to 12 s, the connection copies its login's password.
    app.click(r#"[data-testid="security"]"#).await;
    app.type_into(r#"[data-testid="pref-clipboard"]"#, "12")
        .await;
    app.click(r#"[data-testid="save-prefs"]"#).await;
    app.wait(r#"[data-testid="prefs-saved"]"#).await;
    app.shot("08-preferences").await;
    assert_named(&app).await;
    app.click(r#"[data-testid="back"]"#).await;
    clipboard.set_text("something else").unwrap();
    app.click(r#"[data-testid="entry-Build server"]"#).await;
    app.click(r#"[data-testid="copy-password"]"#).await;
    app.wait_text(r#"[role="status"]"#, |t| t.contains("12 s"))
        .await;
    assert_eq!(clipboard.get_text().unwrap(), "s3cret-pw");
    app.shot("09-remote").await;

    // The screen saver says the screen locked: the app locks and says why.
    let bus = zbus::blocking::Connection::session().expect("the test command's session bus");
    bus.emit_signal(
        None::<&str>,
        "/org/freedesktop/ScreenSaver",
        "org.freedesktop.ScreenSaver",
        "ActiveChanged",
        &true,
    )
    .unwrap();
    assert!(app
        .text(r#"[data-testid="lock-notice"]"#)
        .await
        .starts_with("Locked because the screen was locked."));
    app.wait(r#"[data-testid="password"]"#).await;
    app.shot("10-screen-locked").await;

    // Through all of that, with trace logging on, no secret reached the logs.
    let logs = app.logs();
    for event in [
        "password accepted",
        "second factor accepted",
        "second factor refused",
    ] {
        assert!(logs.contains(event), "no `{event}` in the app's logs");
    }
    let mut secrets = vec![
        PASSWORD,
        NEW_PASSWORD,
        "s3cret-pw",
        "JBSWY3DPEHPK3PXP",
        &key,
    ];
    secrets.extend(backup.iter().map(String::as_str));
    let key_ungrouped = key.replace(' ', "");
    secrets.push(&key_ungrouped);
    for secret in secrets {
        assert!(
            !logs.contains(secret),
            "a secret in the app's logs: {secret}"
        );
    }
    app.stop().await;
}
