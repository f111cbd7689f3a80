//! End to end in the real app: import Aegis's published encrypted export (asked for its
//! password, previewed, then written), read a Steam code from it, and export the workspace as
//! KDBX that keepassxc-cli opens; a plaintext export is warned about; QR screenshots pasted
//! from the clipboard import, or fill the OTP field of the entry form; items that resemble an
//! entry are imported, skipped or replace it, as chosen one by one.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use std::path::Path;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test(flavor = "multi_thread")]
async fn import_preview_and_export() {
    let app = App::start("transfer").await;
    app.create_workspace(PASSWORD).await;
    app.click(r#"[data-testid="transfer"]"#).await;

    // The encrypted export: the app asks for its password, then previews the seven entries.
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/aegis/aegis_encrypted.json");
    app.choose_file(
        r#"[data-testid="import-choose"]"#,
        &fixture,
        r#"[data-testid="import-file"]"#,
    )
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
    app.select(r#"[data-testid="export-format"]"#, "kdbx").await;
    app.choose_file(
        r#"[data-testid="export-choose"]"#,
        &out,
        r#"[data-testid="export-file"]"#,
    )
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
    app.select(r#"[data-testid="export-format"]"#, "csv").await;
    app.wait(r#"[data-testid="plaintext-warning"]"#).await;
    app.shot("02-export").await;

    // A QR code image on the clipboard (as a screenshot puts it there) imports.
    let _owner =
        put_qr_on_clipboard("otpauth://totp/Pasted:me?secret=GEZDGNBVGY3TQOJQ&issuer=Pasted");
    app.click(r#"[data-testid="paste-image"]"#).await;
    assert_eq!(
        app.text(r#"[data-testid="preview-summary"]"#).await,
        "1 to import, 0 already here, 0 skipped."
    );
    app.click(r#"[data-testid="import-commit"]"#).await;
    app.wait_text(r#"[data-testid="imported"]"#, |t| {
        t == "Imported 1 entries."
    })
    .await;

    // Logins that resemble entries already here (the same authenticator secret) are flagged
    // one by one, and the user chooses: the first replaces the authenticator entry Deno, the
    // second is skipped, the third is imported as a new entry.
    let csv = app.home.path().join("similar.csv");
    std::fs::write(
        &csv,
        "title,username,password,url,notes,otp\n\
         Deno,me,pw-deno,https://deno.land,,otpauth://totp/Deno:me?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ\n\
         Deno mirror,me2,pw-mirror,,,otpauth://totp/Deno:me2?secret=4SJHB4GSD43FZBAI7C2HLRJGPQ\n\
         SPDX copy,spdx,pw-spdx,,,otpauth://totp/SPDX:x?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU\n",
    )
    .unwrap();
    app.select(r#"[data-testid="import-format"]"#, "csv").await;
    app.choose_file(
        r#"[data-testid="import-choose"]"#,
        &csv,
        r#"[data-testid="import-file"]"#,
    )
    .await;
    app.click(r#"[data-testid="import-preview-button"]"#).await;
    app.wait_text(r#"[data-testid="similar-note"]"#, |t| {
        t.starts_with("3 resemble an entry")
    })
    .await;
    app.select(r#"[data-testid="choice-0"]"#, "replace").await;
    app.select(r#"[data-testid="choice-1"]"#, "skip").await;
    app.wait_text(r#"[data-testid="import-commit"]"#, |t| {
        t == "Import 2 entries"
    })
    .await;
    app.shot("05-similar").await;
    app.click(r#"[data-testid="import-commit"]"#).await;
    app.wait_text(r#"[data-testid="imported"]"#, |t| {
        t == "Imported 2 entries."
    })
    .await;

    // The entry form's "Paste QR" fills its OTP field from a clipboard image.
    app.click(r#"[data-testid="back"]"#).await;
    app.wait(r#"[data-testid="entry-SPDX copy"]"#).await;
    assert!(
        app.client
            .find(fantoccini::Locator::Css(
                r#"[data-testid="entry-Deno mirror"]"#
            ))
            .await
            .is_err(),
        "the skipped item is not imported"
    );
    app.click(r#"[data-testid="entry-Deno"]"#).await;
    app.wait(r#"[data-testid="password-value"]"#).await;
    app.click(r#"[data-testid="add"]"#).await;
    app.select(r#"[data-testid="kind"]"#, "otp").await;
    let _owner = put_qr_on_clipboard("otpauth://totp/Form:you?secret=JBSWY3DPEHPK3PXP&issuer=Form");
    app.click(r#"[data-testid="paste-qr"]"#).await;
    let started = std::time::Instant::now();
    loop {
        let value = app
            .wait(r#"[data-testid="otp-uri"]"#)
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        if value.contains("secret=JBSWY3DPEHPK3PXP") {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "the OTP field was not filled: {value}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.type_into(r#"[data-testid="title"]"#, "Form").await;
    app.click(r#"[data-testid="save"]"#).await;
    app.wait_text(r#"[data-testid="otp-code"]"#, |t| t.len() == 7)
        .await;
    app.shot("03-pasted-qr").await;

    // What a QR screenshot dropped on the form goes through (WebDriver cannot make a native
    // drop, so the page's command is called directly, with the handle of a file chosen in the
    // app's dialog, as Rust gives the page for a drop).
    let png = app.home.path().join("dropped.png");
    std::fs::write(
        &png,
        portcullis_core::mfa::qr::Qr::new("otpauth://totp/Dropped:x?secret=JBSWY3DPEHPK3PXP")
            .unwrap()
            .png(4)
            .unwrap(),
    )
    .unwrap();
    app.will_pick(&png);
    let uri = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const invoke = window.__TAURI_INTERNALS__.invoke;
             invoke('pick_file', { purpose: 'read', suggested: null })
               .then((f) => invoke('otp_from_image_file', { file: f.handle }))
               .then(done, (e) => done('error: ' + JSON.stringify(e)));",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        uri.as_str()
            .unwrap()
            .starts_with("otpauth://totp/Dropped:x?secret=JBSWY3DPEHPK3PXP"),
        "{uri}"
    );

    // The imported Steam entry shows a five-character code.
    app.click(r#"[data-testid="entry-Boeing"]"#).await;
    let code = app
        .wait_text(r#"[data-testid="otp-code"]"#, |t| t.len() == 5)
        .await;
    assert!(
        code.chars()
            .all(|c| "23456789BCDFGHJKMNPQRTVWXY".contains(c)),
        "{code}"
    );
    app.shot("04-steam").await;
    app.stop().await;
}

/// Puts a QR code of `text` on the X clipboard as an image. The clipboard serves it only
/// while the returned handle lives (X11 selections belong to their owner).
fn put_qr_on_clipboard(text: &str) -> arboard::Clipboard {
    let png = portcullis_core::mfa::qr::Qr::new(text)
        .unwrap()
        .png(4)
        .unwrap();
    let rgba = image::load_from_memory(&png).unwrap().to_rgba8();
    let (width, height) = (rgba.width() as usize, rgba.height() as usize);
    let mut clipboard = arboard::Clipboard::new().expect("the X clipboard of the test display");
    clipboard
        .set_image(arboard::ImageData {
            width,
            height,
            bytes: rgba.into_raw().into(),
        })
        .unwrap();
    clipboard
}
