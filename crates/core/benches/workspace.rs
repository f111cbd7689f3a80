//! Criterion benches: unlock (cheap KDF, so the rest shows), search, list, getting one entry,
//! add and OTP codes on a 10,000-entry workspace (1,000 with TOTP). `open + …` benches unlock
//! and read once, as a CLI command does; `… (open workspace)` ones read from a workspace that
//! is already open and has read once, as the app does. `history_benches`: the same with entry
//! history (issue 18).
#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use portcullis_core::otp::OtpParams;
use portcullis_core::{
    EntryKind, KdfParams, LockedWorkspace, Login, NewEntry, OpenWorkspace, SecretString,
};
use std::hint::black_box;
use std::path::Path;

const ENTRIES: usize = 10_000;

fn password() -> SecretString {
    SecretString::from("bench")
}

fn build(path: &Path) {
    let mut ws =
        OpenWorkspace::create(path, &password(), KdfParams::new(1024, 1, 1).unwrap()).unwrap();
    let entries = (0..ENTRIES)
        .map(|i| {
            let otp = (i % 10 == 0).then(|| {
                // Each generator its own key, as accounts have.
                let key = data_encoding::BASE32_NOPAD.encode(&(i as u64).to_be_bytes().repeat(3));
                OtpParams::parse(&format!("otpauth://totp/S{i}:u?secret={key}&issuer=S{i}"))
                    .unwrap()
            });
            NewEntry::new(
                format!("Service {i:06}"),
                EntryKind::Login(Login {
                    username: format!("user{i:06}@example.com"),
                    password: SecretString::from(format!("pw-{i}-xxxxxxxxxxxx")),
                    url: format!("https://service{i:06}.example.com"),
                    otp,
                    ssh_key: None,
                }),
            )
        })
        .collect();
    ws.add_all(entries).unwrap();
}

fn open(path: &Path) -> OpenWorkspace {
    LockedWorkspace::open(path)
        .unwrap()
        .unlock(&password())
        .unwrap()
        .into_open()
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.pcx");
    build(&path);

    c.bench_function("unlock 10k (1 MiB KDF)", |b| {
        b.iter(|| {
            LockedWorkspace::open(&path)
                .unwrap()
                .unlock(&password())
                .unwrap()
                .into_open()
                .unwrap()
        })
    });
    c.bench_function("open + search 10k", |b| {
        b.iter(|| {
            let mut ws = LockedWorkspace::open(&path)
                .unwrap()
                .unlock(&password())
                .unwrap()
                .into_open()
                .unwrap();
            black_box(ws.search("user004242").unwrap())
        })
    });
    c.bench_function("open + search_summaries 10k", |b| {
        b.iter(|| {
            let mut ws = open(&path);
            black_box(ws.search_summaries("user004242").unwrap())
        })
    });
    let one = open(&path).find("Service 004242").unwrap().id;
    c.bench_function("open + get one 10k", |b| {
        b.iter(|| black_box(open(&path).find(&one).unwrap()))
    });
    let mut ws = open(&path);
    ws.search("warm up").unwrap();
    c.bench_function("search 10k (open workspace)", |b| {
        b.iter(|| black_box(ws.search("user004242").unwrap()))
    });
    c.bench_function("search_summaries 10k (open workspace)", |b| {
        b.iter(|| black_box(ws.search_summaries("user004242").unwrap()))
    });
    c.bench_function("summaries 10k (open workspace)", |b| {
        b.iter(|| black_box(ws.summaries().unwrap()))
    });
    c.bench_function("get one by id 10k (open workspace)", |b| {
        b.iter(|| black_box(ws.find(&one).unwrap()))
    });
    c.bench_function("add one to 10k", |b| {
        b.iter_batched(
            || NewEntry::new("added", EntryKind::Note),
            |e| ws.add(e).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let otp =
        OtpParams::parse("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&digits=8")
            .unwrap();
    let mut t = 1_700_000_000u64;
    c.bench_function("otp code", |b| {
        b.iter(|| {
            t += 30;
            black_box(otp.code_at(t))
        })
    });
}

/// The same workspace where every hundredth entry has 20 earlier versions (issue 18): opening,
/// reading one entry and listing must cost what they cost without history (history is read
/// on demand); an update reads and seals the entry's history record besides its bucket.
fn history_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.pcx");
    build(&path);
    let mut ws = open(&path);
    let ids: Vec<String> = ws.summaries().unwrap().into_iter().map(|s| s.id).collect();
    // Each update is its own transaction (a synced write): 2,000 of them.
    for id in ids.iter().step_by(100) {
        for v in 0..20 {
            let mut e = ws.find(id).unwrap();
            e.notes = format!("change {v}");
            ws.update(e).unwrap();
        }
    }
    drop(ws);
    let one = ids[4200].clone();
    c.bench_function("open + get one 10k (100 with 20 versions)", |b| {
        b.iter(|| black_box(open(&path).find(&one).unwrap()))
    });
    let mut ws = open(&path);
    ws.summaries().unwrap();
    c.bench_function(
        "summaries 10k (100 with 20 versions, open workspace)",
        |b| b.iter(|| black_box(ws.summaries().unwrap())),
    );
    c.bench_function("history of one entry (20 versions, open workspace)", |b| {
        b.iter(|| black_box(ws.history(&one).unwrap()))
    });
    let mut n = 0u64;
    c.bench_function("update one with 20 versions kept (open workspace)", |b| {
        b.iter(|| {
            n += 1;
            let mut e = ws.find(&one).unwrap();
            e.notes = format!("bench {n}");
            ws.update(e).unwrap()
        })
    });
    let plain = ids[4201].clone();
    c.bench_function("get one by id 10k, no history (same workspace)", |b| {
        b.iter(|| black_box(ws.find(&plain).unwrap()))
    });
}

criterion_group! {
    name = workspace;
    config = Criterion::default().sample_size(20);
    targets = benches, history_benches
}
criterion_main!(workspace);
