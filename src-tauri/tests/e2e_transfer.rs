//! End to end in the real app: import Aegis's published encrypted export (asked for its
//! password, previewed, then written), read a Steam code from it, and export the workspace as
//! KDBX that keepassxc-cli opens; a plaintext export is warned about.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use std::path::Path;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread")]
async fn import_preview_and_export() {
    let app = App::start("transfer").await;
    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.type_into(r#"[data-testid="repeat"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.click(r#"[data-testid="transfer"]"#).await;

    // The encrypted export: the app asks for its password, then previews the seven entries.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/aegis/aegis_encrypted.json");
    app.type_into(r#"[data-testid="import-path"]"#, fixture.to_str().unwrap())
        .await;
    app.click(r#"[data-testid="import-preview-button"]"#).await;
    let err = app
        .wait_text(r#"[data-testid="import-error"]"#, |t| !t.is_empty())
        .await;
    assert!(err.contains("encrypted"), "{err}");
    app.type_into(r#"[data-testid="import-password"]"#, "test")
        .await;
    app.click(r#"[data-testid="import-preview-button"]"#).await;
    assert_eq!(
        app.text(r#"[data-testid="preview-summary"]"#).await,
        "7 to import, 0 already here, 0 skipped."
    );
    app.shot("01-preview").await;
    app.click(r#"[data-testid="import-commit"]"#).await;
    app.wait_text(r#"[data-testid="imported"]"#, |t| {
        t == "Imported 7 entries."
    })
    .await;

    // Export as KDBX; keepassxc-cli lists the entries.
    let out = app.home.path().join("out.kdbx");
    app.wait(r#"[data-testid="export-format"] option[value="kdbx"]"#)
        .await
        .click()
        .await
        .unwrap();
    app.type_into(r#"[data-testid="export-path"]"#, out.to_str().unwrap())
        .await;
    app.type_into(r#"[data-testid="export-password"]"#, "kx-pass")
        .await;
    app.click(r#"[data-testid="export-button"]"#).await;
    app.wait_text(r#"[data-testid="exported"]"#, |t| {
        t == "Exported 7 entries."
    })
    .await;
    let mut child = std::process::Command::new("keepassxc-cli")
        .args(["ls", "-q", "-f"])
        .arg(&out)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("keepassxc-cli is installed by scripts/test (Debian package keepassxc)");
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"kx-pass\n").unwrap();
    }
    let listing = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert!(
        listing.contains("Boeing") && listing.contains("Air Canada"),
        "{listing}"
    );

    // A CSV export is warned about before anything is written.
    app.wait(r#"[data-testid="export-format"] option[value="csv"]"#)
        .await
        .click()
        .await
        .unwrap();
    app.wait(r#"[data-testid="plaintext-warning"]"#).await;
    app.shot("02-export").await;

    // The imported Steam entry shows a five-character code.
    app.click(r#"[data-testid="back"]"#).await;
    app.click(r#"[data-testid="entry-Boeing"]"#).await;
    let code = app
        .wait_text(r#"[data-testid="otp-code"]"#, |t| t.len() == 5)
        .await;
    assert!(
        code.chars()
            .all(|c| "23456789BCDFGHJKMNPQRTVWXY".contains(c)),
        "{code}"
    );
    app.shot("03-steam").await;
    app.stop().await;
}
