//! Quick unlock in the real app, against a real gnome-keyring on a private session bus:
//! "Remember on this computer" in Security, lock, then "Open without the password" on the
//! start screen; "Forget" removes the option.
#![allow(clippy::unwrap_used)]

mod common;

use test_support::Keyring;

use common::App;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread")]
async fn remember_then_open_without_the_password() {
    let keyring_home = tempfile::tempdir().unwrap();
    let keyring = Keyring::start(keyring_home.path());
    let (app, _) = App::start_with(
        "quick",
        &[("DBUS_SESSION_BUS_ADDRESS", keyring.bus.clone())],
    )
    .await;
    app.create_workspace(PASSWORD).await;
    app.click(r#"[data-testid="security"]"#).await;
    // Without MFA the page says plainly that this session alone will open the workspace.
    let warning = app
        .wait_text(r#"[data-testid="quick-no-factor"]"#, |t| !t.is_empty())
        .await;
    assert!(
        warning.contains("this computer's session alone opens it"),
        "{warning}"
    );
    // Remembering needs the password: a wrong one is refused and nothing is remembered.
    app.type_into(r#"[data-testid="quick-password"]"#, "not the password")
        .await;
    app.click(r#"[data-testid="quick-enable"]"#).await;
    app.wait_text(r#"[data-testid="security-error"]"#, |t| {
        t.contains("wrong password")
    })
    .await;
    app.type_into(r#"[data-testid="quick-password"]"#, PASSWORD)
        .await;
    // Remembered for 30 days, not the default 14: the date shown is 30 days on the app's clock.
    app.type_into(r#"[data-testid="quick-days"]"#, "30").await;
    app.shot("00-remember-for").await;
    app.click(r#"[data-testid="quick-enable"]"#).await;
    let in_30_days = app
        .client
        .execute(
            &format!(
                "return new Date(({} + 30 * 86400) * 1000).toLocaleDateString();",
                app.clock.now()
            ),
            vec![],
        )
        .await
        .unwrap();
    let state = app
        .wait_text(r#"[data-testid="quick-state"]"#, |t| {
            t.starts_with("Quick unlock is on until")
        })
        .await;
    assert_eq!(
        state,
        format!("Quick unlock is on until {}.", in_30_days.as_str().unwrap())
    );
    app.shot("01-remembered").await;
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="lock"]"#).await;

    // The start screen offers to open without the password, and does.
    app.click(r#"[data-testid="quick-open"]"#).await;
    app.wait(r#"[data-testid="add"]"#).await;
    app.shot("02-opened").await;

    // Forgotten: the option is gone.
    app.click(r#"[data-testid="security"]"#).await;
    app.click(r#"[data-testid="quick-disable"]"#).await;
    app.wait_text(r#"[data-testid="quick-state"]"#, |t| {
        t == "Quick unlock is off."
    })
    .await;
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="lock"]"#).await;
    app.wait(r#"[data-testid="password"]"#).await;
    // The start screen says when it knows whether quick unlock is on for the file.
    app.wait(r#"form[data-quick="off"]"#).await;
    assert!(
        app.client
            .find(fantoccini::Locator::Css(r#"[data-testid="quick-open"]"#))
            .await
            .is_err(),
        "no quick open after forgetting"
    );
    app.stop().await;
}
