//! Measurements for the desktop issue, run by bench/app_measure.py (ignored in the test suite):
//! time from launch to an interactive unlock screen, and the memory (PSS) of the app's processes
//! with the workspace named by PORTCULLIS_MEASURE_WORKSPACE open. The app is the debug build
//! cargo builds for the tests, or the one PORTCULLIS_APP_BIN names (a release build).
#![allow(clippy::unwrap_used)]

mod common;

use common::App;
use std::time::Duration;

fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let ppid: u32 = after.split(' ').nth(1).unwrap().parse().unwrap();
        if ppid == pid {
            out.push(p);
            out.extend(children(p));
        }
    }
    out
}

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The app this test started: the process running its binary (other worktrees' tests may run
/// other copies of the app beside it, under the same name).
fn app_pid() -> u32 {
    let ours = std::fs::canonicalize(common::app_binary()).unwrap();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|exe| exe == ours) {
            return p;
        }
    }
    panic!("the app is not running");
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Milliseconds since boot (CLOCK_BOOTTIME, what /proc/PID/stat's start time counts in).
fn uptime_ms() -> f64 {
    let up = std::fs::read_to_string("/proc/uptime").unwrap();
    up.split_whitespace()
        .next()
        .unwrap()
        .parse::<f64>()
        .unwrap()
        * 1000.0
}

/// When the app's process started, in Unix milliseconds (10 ms resolution: clock ticks).
fn started_unix_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    // Field 22 of stat, the 20th after the command: start time in clock ticks since boot
    // (USER_HZ, 100 on Linux).
    let ticks: f64 = after.split(' ').nth(19).unwrap().parse().unwrap();
    let now_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0;
    let boot_unix = now_unix - uptime_ms();
    boot_unix + ticks * 10.0
}

/// From the app's process start to the page's first contentful paint (the start screen: the
/// page has one screen at a time and paints nothing before it), read from the page's own
/// Paint Timing entry, and the part of it before the page's navigation began (native start-up:
/// GTK, the plugins, the window, WebKit's processes); None if the engine gave no paint entry.
/// Free of WebDriver's own start-up and polling, which the session figure includes.
async fn launch_to_first_paint(app: &App) -> Option<(u64, u64)> {
    let started = started_unix_ms(app_pid());
    let v = app
        .client
        .execute(
            "const p = performance.getEntriesByType('paint')
                 .find(e => e.name === 'first-contentful-paint');
             return p ? [performance.timeOrigin, p.startTime] : null;",
            vec![],
        )
        .await
        .unwrap();
    let origin = v.get(0)?.as_f64()?;
    let paint = v.get(1)?.as_f64()?;
    let ms = |x: f64| x.max(0.0).round() as u64;
    Some((ms(origin + paint - started), ms(origin - started)))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, run by bench/app_measure.py"]
async fn launch_time_and_memory() {
    let Ok(workspace) = std::env::var("PORTCULLIS_MEASURE_WORKSPACE") else {
        panic!("set PORTCULLIS_MEASURE_WORKSPACE to a workspace whose password is `bench`")
    };
    // The tests run WebKit with its DMA-BUF renderer off; a user's launch has it on unless the
    // app turns it off (webview.rs): PORTCULLIS_MEASURE_DMABUF=default measures that.
    let dmabuf_default = std::env::var("PORTCULLIS_MEASURE_DMABUF").is_ok_and(|v| v == "default");
    let env: Vec<(&str, String)> = if dmabuf_default {
        vec![("WEBKIT_DISABLE_DMABUF_RENDERER", "0".to_owned())]
    } else {
        Vec::new()
    };
    let (app, launch) = App::start_with("measure", &env).await;
    let first_paint = launch_to_first_paint(&app).await;
    app.type_into(r#"[data-testid="path"]"#, &workspace).await;
    app.type_into(r#"[data-testid="password"]"#, "bench").await;
    app.click(r#"[data-testid="submit"]"#).await;
    app.wait(r#"[data-testid="add"]"#).await;
    app.wait(r#"[data-testid="entry-Service 000001"]"#).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    app.shot("10k-open").await;
    let pid = app_pid();
    let pids: Vec<u32> = std::iter::once(pid).chain(children(pid)).collect();
    let total: u64 = pids.iter().map(|p| pss_kib(*p)).sum();
    let each: Vec<String> = pids
        .iter()
        .map(|p| format!("{}:{}", comm(*p), pss_kib(*p)))
        .collect();
    println!(
        "MEASURE launch_ms={} pss_kib={} processes={} first_paint_ms={} navigation_ms={} each={}",
        launch.as_millis(),
        total,
        pids.len(),
        first_paint.map_or_else(|| "none".to_owned(), |(ms, _)| ms.to_string()),
        first_paint.map_or_else(|| "none".to_owned(), |(_, ms)| ms.to_string()),
        each.join(",")
    );
    app.stop().await;
}
