//! Measurements for the desktop issue, run by bench/app_measure.py (ignored in the test suite):
//! time from launch to an interactive unlock screen, and the memory (PSS) of the app's processes
//! with the workspace named by PORTCULLIS_MEASURE_WORKSPACE open.
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

fn app_pid() -> u32 {
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read_to_string(format!("/proc/{p}/cmdline")).unwrap_or_default();
        if cmd
            .split('\0')
            .next()
            .is_some_and(|c| c.ends_with("/portcullis-app"))
        {
            return p;
        }
    }
    panic!("the app is not running");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, run by bench/app_measure.py"]
async fn launch_time_and_memory() {
    let Ok(workspace) = std::env::var("PORTCULLIS_MEASURE_WORKSPACE") else {
        panic!("set PORTCULLIS_MEASURE_WORKSPACE to a workspace whose password is `bench`")
    };
    let (app, launch) = App::start_timed("measure").await;
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
    println!(
        "MEASURE launch_ms={} pss_kib={} processes={}",
        launch.as_millis(),
        total,
        pids.len()
    );
    app.stop().await;
}
