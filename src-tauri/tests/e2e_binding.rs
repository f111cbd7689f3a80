//! Device binding in the real app, with two real gnome-keyrings standing for two computers:
//! bind in Security (the warning, the kit saved and shown), reopen on the same computer with
//! the password; on the other computer the same file and password are refused until the
//! recovery key from the kit is typed on the start screen. Without a Secret Service, quick
//! unlock and binding are hidden and the reason is given.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use test_support::Keyring;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread")]
async fn bound_here_restored_there() {
    let homes = tempfile::tempdir().unwrap();
    let here = Keyring::start(&homes.path().join("here"));
    let there = Keyring::start(&homes.path().join("there"));

    let (app, _) =
        App::start_with("binding", &[("DBUS_SESSION_BUS_ADDRESS", here.bus.clone())]).await;
    app.create_workspace(PASSWORD).await;
    app.click(r#"[data-testid="security"]"#).await;
    app.wait_text(r#"[data-testid="binding-state"]"#, |t| {
        t == "This workspace is not bound to a computer."
    })
    .await;
    let kit_path = app.home.path().join("recovery-kit.txt");
    app.type_into(r#"[data-testid="bind-password"]"#, "not the password")
        .await;
    app.choose_file(
        r#"[data-testid="kit-choose"]"#,
        &kit_path,
        r#"[data-testid="kit-file"]"#,
    )
    .await;
    app.shot("01-bind").await;
    app.click(r#"[data-testid="binding-toggle"]"#).await;
    let err = app
        .wait_text(r#"[data-testid="security-error"]"#, |t| !t.is_empty())
        .await;
    assert_eq!(err, "wrong password or damaged workspace");
    assert!(!kit_path.exists(), "no kit is left behind by a failed bind");
    app.type_into(r#"[data-testid="bind-password"]"#, PASSWORD)
        .await;
    app.click(r#"[data-testid="binding-toggle"]"#).await;
    let kit = app
        .wait_text(r#"[data-testid="recovery-kit-text"]"#, |t| !t.is_empty())
        .await;
    app.shot("02-kit").await;
    assert_eq!(
        std::fs::read_to_string(&kit_path).unwrap().trim(),
        kit.trim()
    );
    let recovery_key = test_support::recovery_key_in(&kit);
    app.click(r#"[data-testid="kit-done"]"#).await;
    app.wait_text(r#"[data-testid="binding-state"]"#, |t| {
        t == "This workspace is bound to this computer."
    })
    .await;

    // Here, the password still opens it.
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="lock"]"#).await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.wait(r#"[data-testid="add"]"#).await;
    let file = app.data_dir().join("portcullis/default.pcx");
    let copy = homes.path().join("copied.pcx");
    app.click(r#"[data-testid="lock"]"#).await;
    std::fs::copy(&file, &copy).unwrap();
    app.stop().await;

    // There: the copy and the password are refused, until the recovery key is typed.
    let (app, _) = App::start_with(
        "binding-there",
        &[("DBUS_SESSION_BUS_ADDRESS", there.bus.clone())],
    )
    .await;
    app.type_into(r#"[data-testid="path"]"#, copy.to_str().unwrap())
        .await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    let err = app
        .wait_text(r#"[data-testid="error"]"#, |t| !t.is_empty())
        .await;
    assert!(
        err.starts_with("This workspace is bound to another computer"),
        "{err}"
    );
    app.type_into(r#"[data-testid="recovery-key"]"#, &recovery_key)
        .await;
    app.shot("03-restore").await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.wait(r#"[data-testid="add"]"#).await;
    app.shot("04-opened-there").await;
    app.stop().await;

    // A desktop without a Secret Service: quick unlock and binding are hidden, with the reason.
    let (app, _) = App::start_with(
        "binding-no-keyring",
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/bus".to_owned(),
        )],
    )
    .await;
    app.create_workspace(PASSWORD).await;
    app.click(r#"[data-testid="security"]"#).await;
    let reason = app
        .wait_text(r#"[data-testid="quick-unavailable"]"#, |t| !t.is_empty())
        .await;
    assert!(
        reason.starts_with("The system keyring is not available (no Secret Service"),
        "{reason}"
    );
    assert!(
        app.client
            .find(fantoccini::Locator::Css(
                r#"[data-testid="binding-toggle"]"#
            ))
            .await
            .is_err(),
        "no binding without a keyring"
    );
    app.shot("05-no-keyring").await;
    app.stop().await;
}
