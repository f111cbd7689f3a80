//! Driving the real app: tauri-driver (from crates.io, installed under tools/ by scripts/test)
//! in front of WebKitWebDriver (Debian webkit2gtk-driver), under the X server the test command
//! starts (xvfb-run), with private XDG directories, on a test clock the test moves
//! (`PORTCULLIS_TEST_CLOCK`, read by debug builds). Screenshots go to target/e2e-screenshots/.
#![allow(dead_code, clippy::unwrap_used)]

pub mod large;

use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct App {
    pub client: Client,
    driver: Child,
    pub home: tempfile::TempDir,
    /// The app's clock: it stays where the test puts it.
    pub clock: TestClock,
    shots: PathBuf,
    name: String,
}

/// The clock of a debug app: a file of Unix seconds named by `PORTCULLIS_TEST_CLOCK`, which the
/// app reads again at every reading. It starts at the real time and moves only when the test
/// moves it, so no test waits for a TOTP step or the email minute.
#[derive(Clone, Debug)]
pub struct TestClock {
    file: PathBuf,
}

impl TestClock {
    /// A clock at the real time, kept in `file`.
    fn start(file: PathBuf) -> Self {
        let clock = Self { file };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        clock.set(now);
        clock
    }

    /// Unix seconds on the app's clock.
    pub fn now(&self) -> u64 {
        std::fs::read_to_string(&self.file)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    /// Moves the app's clock to `unix` (written whole, then renamed: the app never reads
    /// half a time).
    pub fn set(&self, unix: u64) {
        let next = self.file.with_extension("next");
        std::fs::write(&next, unix.to_string()).unwrap();
        std::fs::rename(&next, &self.file).unwrap();
    }

    /// Moves the app's clock `seconds` on.
    pub fn advance(&self, seconds: u64) {
        self.set(self.now() + seconds);
    }
}

/// The variable naming the test clock's file; only debug builds read it (a release build, as
/// the timing benchmark runs, keeps the real time and the core does not name it).
#[cfg(debug_assertions)]
const TEST_CLOCK_VAR: &str = portcullis_core::clock::TEST_CLOCK_VAR;
#[cfg(not(debug_assertions))]
const TEST_CLOCK_VAR: &str = "PORTCULLIS_TEST_CLOCK";

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return p.into();
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/bin/tauri-driver");
    if local.exists() {
        return local;
    }
    PathBuf::from("tauri-driver")
}

/// The app these tests drive: the debug build cargo built for them, or the one
/// `PORTCULLIS_APP_BIN` names (bench/app_measure.py measures a release build this way; the
/// journeys need a debug build, which reads the test clock, KDF and file picks).
pub fn app_binary() -> PathBuf {
    std::env::var_os("PORTCULLIS_APP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_portcullis-app")))
}

impl App {
    /// Starts the app for the test `name`.
    pub async fn start(name: &str) -> App {
        Self::start_timed(name).await.0
    }

    /// Starts the app and says how long it took from asking WebDriver to launch it to an
    /// interactive start screen.
    pub async fn start_timed(name: &str) -> (App, Duration) {
        Self::start_with(name, &[]).await
    }

    /// Starts the app with extra environment variables (a private keyring bus, say).
    pub async fn start_with(name: &str, env: &[(&str, String)]) -> (App, Duration) {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "the end-to-end tests need an X display: run them under xvfb-run (scripts/test does)"
        );
        let home = tempfile::tempdir().unwrap();
        for d in ["data", "config", "cache", "run", "picks"] {
            std::fs::create_dir_all(home.path().join(d)).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                home.path().join("run"),
                std::fs::Permissions::from_mode(0o700),
            )
            .unwrap();
        }
        let clock = TestClock::start(home.path().join("clock"));
        // Two TLS back ends are linked in the test build; say which one to use.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut attempt = 0;
        let (driver, client, launched) = loop {
            attempt += 1;
            let (port, native) = (test_support::free_port(), test_support::free_port());
            // The app's own output (trace logging on) lands in the driver's: kept for `logs()`.
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(home.path().join("app.log"))
                .unwrap();
            let mut driver = Command::new(tauri_driver())
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native.to_string(),
                ])
                .env("XDG_DATA_HOME", home.path().join("data"))
                .env("XDG_CONFIG_HOME", home.path().join("config"))
                .env("XDG_CACHE_HOME", home.path().join("cache"))
                .env("XDG_RUNTIME_DIR", home.path().join("run"))
                .env("PORTCULLIS_TEST_KDF", "1024,1,1")
                .env(TEST_CLOCK_VAR, &clock.file)
                // The native file dialog answers from here (see `will_pick`): WebDriver cannot
                // drive it, and the page cannot name a file.
                .env("PORTCULLIS_TEST_PICK_DIR", home.path().join("picks"))
                .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
                .env("PORTCULLIS_LOG", "trace")
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("tauri-driver is installed by scripts/test under tools/bin");
            let started = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "tauri-driver did not start"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let mut caps = serde_json::Map::new();
            caps.insert(
                "tauri:options".into(),
                serde_json::json!({ "application": app_binary() }),
            );
            let launched = Instant::now();
            match ClientBuilder::rustls()
                .unwrap()
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break (driver, client, launched),
                // Once in a CI run the first session of a test binary was dropped (the driver
                // answered `IncompleteMessage`): the app's log says why, and a second launch runs.
                Err(e) if attempt == 1 => {
                    stop_driver(&mut driver);
                    let log = std::fs::read(home.path().join("app.log")).unwrap_or_default();
                    eprintln!(
                        "no WebDriver session with the app ({e:?}), launching again; its log:\n{}",
                        String::from_utf8_lossy(&log)
                    );
                }
                Err(e) => panic!("a WebDriver session with the app: {e:?}"),
            }
        };
        let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let app = App {
            client,
            driver,
            home,
            clock,
            shots,
            name: name.to_owned(),
        };
        app.wait(r#"[data-testid="submit"]"#).await;
        let took = launched.elapsed();
        (app, took)
    }

    /// What the app and the drivers printed so far (the app logs at trace level).
    pub fn logs(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(self.home.path().join("app.log")).unwrap())
            .into_owned()
    }

    /// The next file dialog of the app (test builds) answers `path`, as if the user chose it.
    pub fn will_pick(&self, path: &Path) {
        std::fs::write(self.home.path().join("picks/next"), path.to_str().unwrap()).unwrap();
    }

    /// Chooses `path` with the button `css` that opens the app's file dialog, and waits until
    /// the page shows its name in `shown`.
    pub async fn choose_file(&self, css: &str, path: &Path, shown: &str) {
        self.will_pick(path);
        self.click(css).await;
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        self.wait_text(shown, |t| t == name).await;
    }

    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// Creates a workspace at the start screen's default path and waits for its entries.
    pub async fn create_workspace(&self, password: &str) {
        self.type_into(r#"[data-testid="password"]"#, password)
            .await;
        self.type_into(r#"[data-testid="repeat"]"#, password).await;
        self.click(r#"[data-testid="submit"]"#).await;
        self.wait(r#"[data-testid="add"]"#).await;
    }

    /// Chooses the option `value` of the `<select>` at `css`, by a native click (the page's own
    /// `click()` does not choose an option), clicked again until the select holds it.
    pub async fn select(&self, css: &str, value: &str) {
        let option = format!(r#"{css} option[value="{value}"]"#);
        let started = Instant::now();
        loop {
            self.wait(&option).await.click().await.unwrap();
            let chosen = self.wait(css).await.prop("value").await.unwrap();
            if chosen.as_deref() == Some(value) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{option} was never chosen"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for an element to appear.
    pub async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    /// Clicks an element once a user could: enabled, scrolled into view, and on top at its
    /// centre. The click is the page's own `el.click()`: WebKit's WebDriver now and then reports
    /// a native click as done that the page never received (seen once in CI, as with Safari's
    /// driver), and a lost click fails a test far from its cause.
    pub async fn click(&self, css: &str) {
        const CLICK_WHEN_CLICKABLE: &str = r#"
            const el = arguments[0];
            el.scrollIntoView({ block: "center" });
            const r = el.getBoundingClientRect();
            const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            if (el.disabled || !top || !(top === el || el.contains(top))) return false;
            el.click();
            return true;
        "#;
        let started = Instant::now();
        loop {
            let el = self.wait(css).await;
            let arg = serde_json::to_value(&el).unwrap();
            let clicked = self
                .client
                .execute(CLICK_WHEN_CLICKABLE, vec![arg])
                .await
                .is_ok_and(|v| v == serde_json::Value::Bool(true));
            if clicked {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{css} never became clickable"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap()
    }

    /// Waits until an element's text satisfies `ok`.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if ok(&t) {
                        return t;
                    }
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{css} never had the expected text"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Controls on the screen that a screen reader could not name: buttons without text or
    /// aria-label, fields without a label or aria-label.
    pub async fn unnamed_controls(&self) -> Vec<String> {
        let script = r#"
            const named = (el) => {
                if ((el.getAttribute("aria-label") || "").trim()) return true;
                if (el.tagName === "BUTTON" || el.tagName === "SUMMARY") return el.textContent.trim() !== "";
                return el.labels && el.labels.length > 0;
            };
            return [...document.querySelectorAll("button, input, select, textarea, summary")]
                .filter((el) => !named(el))
                .map((el) => el.outerHTML.slice(0, 120));
        "#;
        let found = self.client.execute(script, vec![]).await.unwrap();
        serde_json::from_value(found).unwrap()
    }

    /// Types into whatever has the keyboard focus.
    pub async fn type_into_focused(&self, text: &str) {
        self.client
            .active_element()
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }

    /// Saves a screenshot of the X display as target/e2e-screenshots/<test>-<step>.png
    /// (ImageMagick's `import`; WebKitWebDriver's own screenshot hangs under Xvfb here).
    pub async fn shot(&self, step: &str) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let file = self.shots.join(format!("{}-{step}.png", self.name));
        let status = tokio::process::Command::new("import")
            .args(["-window", "root"])
            .arg(&file)
            .status();
        let status = tokio::time::timeout(Duration::from_secs(20), status)
            .await
            .expect("import finished")
            .expect("ImageMagick's import is installed by scripts/test");
        assert!(status.success(), "screenshot {step}");
    }

    /// After a failed step: the screen as it was (`<name>-FAILED.png`) and the app's last log
    /// lines, so that a red CI run says what the app showed and did.
    fn show_failure(&self) {
        let file = self.shots.join(format!("{}-FAILED.png", self.name));
        let _ = Command::new("import")
            .args(["-window", "root"])
            .arg(&file)
            .status();
        let log = std::fs::read(self.home.path().join("app.log")).unwrap_or_default();
        let log = String::from_utf8_lossy(&log);
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!(
            "screen at the failure: {}\nthe app's last log lines:",
            file.display()
        );
        for line in tail.iter().rev() {
            eprintln!("  {line}");
        }
    }

    /// Closes the session and stops the driver (in that order, so no app is left running).
    pub async fn stop(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for App {
    /// Also when a test fails half-way: no driver or app is left running.
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.show_failure();
        }
        // tauri-driver's WebKitWebDriver, and the app it started, would outlive a killed
        // tauri-driver (and a live app makes the next test's app hand over to it, as a second
        // launch does): stop the app, then WebKitWebDriver, then tauri-driver.
        stop_driver(&mut self.driver);
    }
}

/// Stops the app tauri-driver started, then its WebKitWebDriver, then tauri-driver itself.
fn stop_driver(driver: &mut Child) {
    let id = driver.id().to_string();
    let webdrivers = Command::new("pgrep")
        .args(["-P", &id])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    for pid in webdrivers.split_whitespace() {
        let _ = Command::new("pkill").args(["-P", pid]).status();
    }
    let _ = Command::new("pkill").args(["-P", &id]).status();
    let _ = driver.kill();
    let _ = driver.wait();
}

/// TOTP codes of one secret as an authenticator app shows them, each for a later step than the
/// last one used (the app's clock moved on when needed).
pub struct Authenticator {
    otp: portcullis_core::otp::OtpParams,
    clock: TestClock,
    last_step: u64,
}

impl Authenticator {
    pub fn new(key: &str, clock: &TestClock) -> Self {
        Self {
            otp: portcullis_core::otp::OtpParams::from_base32(key).unwrap(),
            clock: clock.clone(),
            last_step: 0,
        }
    }

    /// The next code. The app accepts a code one step early: its clock moves only when the
    /// next step is further on, to the step before it.
    pub fn next(&mut self) -> String {
        let current = self.clock.now() / 30;
        let step = (self.last_step + 1).max(current.saturating_sub(1));
        if step > current + 1 {
            self.clock.set((step - 1) * 30);
        }
        self.last_step = step;
        self.otp.code_at(step * 30).code
    }

    /// A code the app refuses now, by construction: none of the three it accepts (the
    /// current step and the two beside it).
    pub fn wrong(&self) -> String {
        let current = self.clock.now() / 30;
        let accepted: Vec<String> = (current - 1..=current + 1)
            .map(|step| self.otp.code_at(step * 30).code)
            .collect();
        test_support::wrong_code(&accepted)
    }
}
