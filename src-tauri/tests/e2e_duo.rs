//! End to end with Duo in the real app, against the emulator: set Duo up, choose the second
//! device, approve the test push, lock, and reopen through Duo on that device; a denial is
//! refused with Duo's message. With fail-open chosen, an unreachable Duo opens the workspace
//! with a warning, and a security change then asks for Duo again.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use duo_emulator::{Answer, Config, Emulator};

const PASSWORD: &str = "correct horse battery staple";
const TABLET: &str = "DPAAAAAAAAAAAAAAAAAA";

/// Locks, enters the password, and picks the tablet on the Duo prompt.
async fn lock_and_choose_tablet(app: &App) {
    app.click(r#"[data-testid="lock"]"#).await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.select(r#"[data-testid="duo-device"]"#, TABLET).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn duo_journey() {
    let mut config = Config::demo();
    for d in &mut config.users.get_mut("alice").unwrap().devices {
        d.delay_ms = 1500;
    }
    let emu = Emulator::start(config.clone()).unwrap();
    let app = App::start("duo").await;
    let ca = app.home.path().join("duo-ca.pem");
    std::fs::write(&ca, emu.ca_pem()).unwrap();

    app.create_workspace(PASSWORD).await;

    // The wizard: a wrong secret key is named, then the right keys list both devices.
    app.click(r#"[data-testid="security"]"#).await;
    app.click(r#"[data-testid="add-duo"]"#).await;
    app.type_into(r#"[data-testid="duo-label"]"#, "Duo work")
        .await;
    app.type_into(r#"[data-testid="duo-ikey"]"#, &config.ikey)
        .await;
    app.type_into(r#"[data-testid="duo-skey"]"#, "not-the-secret-key")
        .await;
    app.type_into(r#"[data-testid="duo-host"]"#, &emu.api_host())
        .await;
    app.type_into(r#"[data-testid="duo-username"]"#, "alice")
        .await;
    app.type_into(r#"[data-testid="duo-ca"]"#, ca.to_str().unwrap())
        .await;
    app.click(r#"[data-testid="duo-failmode-safe"]"#).await;
    app.click(r#"[data-testid="duo-check"]"#).await;
    let err = app
        .wait_text(r#"[data-testid="duo-error"]"#, |t| !t.is_empty())
        .await;
    // The page words the code (duo_bad_skey) as a sentence.
    assert_eq!(err, "Duo refused the signature: check the secret key.");
    app.type_into(r#"[data-testid="duo-skey"]"#, &config.skey)
        .await;
    app.shot("01-keys").await;
    app.click(r#"[data-testid="duo-check"]"#).await;
    app.click(&format!(r#"[data-testid="use-{TABLET}"]"#)).await;
    app.shot("02-devices").await;
    app.click(r#"[data-testid="duo-test"]"#).await;
    app.wait_text(r#"[data-testid="duo-status"]"#, |t| {
        t.contains("Pushed a login request")
    })
    .await;
    app.shot("03-test-push").await;
    app.wait(r#"[data-testid="backup-codes"]"#).await;
    app.click(r#"[data-testid="saved"]"#).await;
    app.click(r#"[data-testid="done"]"#).await;
    app.wait_text(r#"[data-testid="method-row-Duo work"]"#, |t| {
        t.contains("Duo")
    })
    .await;
    app.click(r#"[data-testid="back"]"#).await;

    // Reopen through Duo on the tablet.
    lock_and_choose_tablet(&app).await;
    app.shot("04-unlock").await;
    app.click(r#"[data-testid="duo-push"]"#).await;
    app.wait_text(r#"[data-testid="duo-status"]"#, |t| t.contains("Pushed"))
        .await;
    app.shot("05-waiting").await;
    app.wait(r#"[data-testid="add"]"#).await;

    // A denial on that device is refused with Duo's message.
    emu.update(|c| c.users.get_mut("alice").unwrap().devices[1].push = Answer::Deny);
    lock_and_choose_tablet(&app).await;
    app.click(r#"[data-testid="duo-push"]"#).await;
    let err = app
        .wait_text(r#"[data-testid="error"]"#, |t| !t.is_empty())
        .await;
    assert_eq!(err, "Duo refused: Login request denied.");
    app.shot("06-denied").await;

    // Duo cannot be reached: fail-open lets the user in with a warning...
    emu.update(|c| c.users.get_mut("alice").unwrap().devices[1].push = Answer::Approve);
    emu.set_reachable(false);
    app.click(r#"[data-testid="unlock-back"]"#).await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    // (Duo's device list failed too: the prompt offers the device saved at setup.)
    app.click(r#"[data-testid="duo-auto"]"#).await;
    app.wait(r#"[data-testid="failed-open"]"#).await;
    app.shot("07-failed-open").await;

    // ...but a security change asks for a verified factor: Duo again, once it is back.
    app.click(r#"[data-testid="security"]"#).await;
    app.click(r#"[data-testid="method-row-Duo work"] button"#)
        .await;
    app.type_into(r#"[data-testid="rename-input"]"#, "Duo home")
        .await;
    app.click(r#"[data-testid="method-row-Duo work"] button[type="submit"]"#)
        .await;
    let duo_step_up = r#"[data-testid="step-up-duo-Duo work"]"#;
    app.click(duo_step_up).await;
    let err = app
        .wait_text(r#"[data-testid="security-error"]"#, |t| !t.is_empty())
        .await;
    assert!(err.contains("could not be reached"), "{err}");
    emu.set_reachable(true);
    app.click(duo_step_up).await;
    app.wait_text(r#"[data-testid="duo-status"]"#, |t| t.contains("Pushed"))
        .await;
    app.shot("08-step-up-duo").await;
    app.wait(r#"[data-testid="method-row-Duo home"]"#).await;

    // An export asks for a verified factor too, in its own screen: after another fail-open
    // unlock, the export's prompt takes Duo, then the export runs.
    emu.set_reachable(false);
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="lock"]"#).await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.click(r#"[data-testid="duo-auto"]"#).await;
    app.wait(r#"[data-testid="failed-open"]"#).await;
    emu.set_reachable(true);
    app.click(r#"[data-testid="transfer"]"#).await;
    app.select(r#"[data-testid="export-format"]"#, "portcullis")
        .await;
    let backup = app.home.path().join("backup.pcx");
    app.choose_file(
        r#"[data-testid="export-choose"]"#,
        &backup,
        r#"[data-testid="export-file"]"#,
    )
    .await;
    app.click(r#"[data-testid="export-button"]"#).await;
    app.click(r#"[data-testid="step-up-duo-Duo home"]"#).await;
    app.shot("09-export-step-up").await;
    let exported = app
        .wait_text(r#"[data-testid="exported"]"#, |t| !t.is_empty())
        .await;
    assert!(exported.contains("Exported"), "{exported}");
    assert!(backup.is_file());
    app.stop().await;
}
