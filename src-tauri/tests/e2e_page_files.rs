//! What a page that runs hostile script could ask of the app (issue 13, items 10 and 11): name
//! files to read or write, reach a Duo host with no workspace open, and read a copied secret
//! from a clipboard manager's history or after the lock. Each command is called straight from
//! the page, as such a script would.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::process::Command;

const PASSWORD: &str = "correct horse battery staple";

/// Calls a command from the page; the answer, or `{"error": ...}`.
async fn invoke(app: &App, command: &str, args: Value) -> Value {
    app.client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])
               .then(done, (e) => done({ error: e }));",
            vec![json!(command), args],
        )
        .await
        .unwrap()
}

fn refused(answer: &Value) -> bool {
    answer.get("error").is_some()
}

/// What the test display's clipboard offers (`xclip -t TARGETS`), or its text.
fn xclip(target: &str) -> String {
    let out = Command::new("xclip")
        .args(["-selection", "clipboard", "-t", target, "-o"])
        .output()
        .expect("xclip is installed by scripts/test (Debian package xclip)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_names_no_file_and_reaches_no_host() {
    let app = App::start("page-files").await;

    // No workspace open: Duo's preauth reaches no host.
    let duo = TcpListener::bind("127.0.0.1:0").unwrap();
    duo.set_nonblocking(true).unwrap();
    let host = format!("127.0.0.1:{}", duo.local_addr().unwrap().port());
    let answer = invoke(
        &app,
        "duo_preauth",
        json!({ "settings": {
            "host": host, "ikey": "DIXXXXXXXXXXXXXXXXXX",
            "skey": "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef", "username": "alice",
        }}),
    )
    .await;
    assert!(
        duo.accept().is_err(),
        "duo_preauth connected with no workspace open: {answer}"
    );
    assert!(refused(&answer), "{answer}");

    app.create_workspace(PASSWORD).await;

    // A path the user never chose, to write: nothing is written.
    let out = app.home.path().join("written-by-the-page.csv");
    let named = json!(out.to_str().unwrap());
    let answer = invoke(
        &app,
        "export_workspace",
        json!({ "format": "csv", "path": named, "file": named }),
    )
    .await;
    assert!(!out.exists(), "the page wrote {}", out.display());
    assert!(refused(&answer), "{answer}");
    let kit = app.home.path().join("kit-by-the-page.txt");
    let named = json!(kit.to_str().unwrap());
    let answer = invoke(
        &app,
        "enable_device_binding",
        json!({ "password": PASSWORD, "kitPath": named, "kit": named }),
    )
    .await;
    assert!(!kit.exists(), "the page wrote {}", kit.display());
    assert!(refused(&answer), "{answer}");

    // Files the user never chose, to read: nothing is read.
    let secret = app.home.path().join("someone-elses.csv");
    std::fs::write(
        &secret,
        "title,username,password,url,notes,otp\nPrivate,me,hunter2,,,\n",
    )
    .unwrap();
    let named = json!(secret.to_str().unwrap());
    let answer = invoke(
        &app,
        "preview_import",
        json!({ "format": "csv", "path": named, "file": named }),
    )
    .await;
    assert!(
        refused(&answer),
        "the page read {}: {answer}",
        secret.display()
    );
    let png = app.home.path().join("someone-elses.png");
    std::fs::write(
        &png,
        portcullis_core::mfa::qr::Qr::new("otpauth://totp/Other:x?secret=JBSWY3DPEHPK3PXP")
            .unwrap()
            .png(4)
            .unwrap(),
    )
    .unwrap();
    let named = json!(png.to_str().unwrap());
    let answer = invoke(
        &app,
        "otp_from_image_file",
        json!({ "path": named, "file": named }),
    )
    .await;
    assert!(
        refused(&answer),
        "the page read {}: {answer}",
        png.display()
    );

    // A copied password is marked for clipboard managers to keep out of their history, and
    // the lock takes it off the clipboard.
    app.click(r#"[data-testid="add"]"#).await;
    app.type_into(r#"[data-testid="title"]"#, "Mail").await;
    app.type_into(r#"[data-testid="entry-password"]"#, "s3cret-pw")
        .await;
    app.click(r#"[data-testid="save"]"#).await;
    app.click(r#"[data-testid="copy-password"]"#).await;
    app.wait_text(r#"[role="status"]"#, |t| t.contains("30 s"))
        .await;
    assert_eq!(xclip("UTF8_STRING"), "s3cret-pw");
    let targets = xclip("TARGETS");
    assert!(
        targets.lines().any(|t| t == "x-kde-passwordManagerHint"),
        "{targets}"
    );
    assert_eq!(xclip("x-kde-passwordManagerHint"), "secret");
    app.click(r#"[data-testid="lock"]"#).await;
    app.wait(r#"[data-testid="password"]"#).await;
    let started = std::time::Instant::now();
    while xclip("UTF8_STRING") == "s3cret-pw" {
        assert!(
            started.elapsed().as_secs() < 5,
            "the password is still on the clipboard after the lock"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.stop().await;
}
