//! Issue 13, "also", in the real app: a workspace whose header python3's sqlite3 edited to ask
//! for 4 GiB × 16 passes of Argon2 is not derived on "Open": the app shows what the file asks
//! for, with "Open anyway" and "Cancel", and Cancel leaves it closed.
#![allow(clippy::unwrap_used)]

mod common;

use common::App;

const PASSWORD: &str = "correct horse battery staple";

/// Sets the header's memory (KiB) and passes, at their offsets in FILE_FORMAT.md.
const ASK_FOR_4_GIB_16_PASSES: &str = r#"
import sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
h = bytearray(db.execute("SELECT value FROM meta WHERE name = 'header'").fetchone()[0])
h[27:31] = struct.pack(">I", 4 * 1024 * 1024)
h[31:35] = struct.pack(">I", 16)
assert db.execute("UPDATE meta SET value = ? WHERE name = 'header'", (bytes(h),)).rowcount == 1
db.commit()
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_costly_key_derivation_is_shown_before_it_runs() {
    let app = App::start("kdf-cost").await;
    let path = app.data_dir().join("portcullis/default.pcx");
    app.create_workspace(PASSWORD).await;
    app.click(r#"[data-testid="lock"]"#).await;
    app.wait(r#"[data-testid="password"]"#).await;

    let edited = std::process::Command::new("python3")
        .args(["-c", ASK_FOR_4_GIB_16_PASSES, path.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(edited.success());

    app.type_into(r#"[data-testid="password"]"#, PASSWORD).await;
    app.click(r#"[data-testid="submit"]"#).await;
    let asked = app
        .wait_text(r#"[data-testid="costly-kdf"]"#, |t| !t.is_empty())
        .await;
    assert!(
        asked.contains("4096 MiB") && asked.contains("16 passes"),
        "{asked}"
    );
    app.wait(r#"[data-testid="costly-kdf-open"]"#).await;
    app.shot("costly-kdf").await;

    app.click(r#"[data-testid="costly-kdf-cancel"]"#).await;
    app.wait(r#"[data-testid="submit"]"#).await;
    assert!(app
        .client
        .find(fantoccini::Locator::Css(r#"[data-testid="costly-kdf"]"#))
        .await
        .is_err());
    assert!(app
        .client
        .find(fantoccini::Locator::Css(r#"[data-testid="add"]"#))
        .await
        .is_err());
    app.stop().await;
}
