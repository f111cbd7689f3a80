//! Criterion benches of what the app's entry list asks for at 100,000 entries (a tenth TOTP,
//! 20 groups): one window of the list (`OpenWorkspace::list_page`, `view::page` over the
//! index's summaries by reference), the window of a search, and the window of a group, from a
//! workspace that is already open.
#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use portcullis_core::otp::OtpParams;
use portcullis_core::view::{self, ListQuery};
use portcullis_core::{
    EntryKind, KdfParams, LockedWorkspace, Login, NewEntry, OpenWorkspace, SecretString,
};
use std::hint::black_box;

const ENTRIES: usize = 100_000;

fn entry(i: usize) -> NewEntry {
    let kind = if i.is_multiple_of(10) {
        let key = data_encoding::BASE32_NOPAD.encode(&(i as u64).to_be_bytes().repeat(3));
        EntryKind::Otp {
            otp: OtpParams::from_base32(&key).unwrap(),
        }
    } else {
        EntryKind::Login(Login {
            username: format!("user{i}@example.org"),
            password: SecretString::from(format!("pw-{i}-secret")),
            url: format!("https://service{i}.example.org/login"),
            otp: None,
            ssh_key: None,
        })
    };
    let title = if i.is_multiple_of(10) {
        "Token"
    } else {
        "Service"
    };
    let mut e = NewEntry::new(format!("{title} {i:06}"), kind);
    e.group = Some(format!("Team {}/Area {}", i % 5, i % 4));
    e
}

/// The app's `list_entries`: the search's matches (or every summary), then the window.
fn window(ws: &mut OpenWorkspace, list: &ListQuery) -> view::EntryPage {
    ws.list_page(list).unwrap()
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = OpenWorkspace::create(
        dir.path().join("bench.pcx"),
        &SecretString::from("bench"),
        KdfParams::new(1024, 1, 1).unwrap(),
    )
    .unwrap();
    for chunk in (0..ENTRIES).collect::<Vec<_>>().chunks(10_000) {
        ws.add_all(chunk.iter().map(|&i| entry(i)).collect())
            .unwrap();
    }
    let list = |query: Option<&str>, group: Option<&str>| ListQuery {
        query: query.map(str::to_owned),
        group: group.map(str::to_owned),
        kind: None,
        offset: 50_000,
        limit: 120,
    };
    c.bench_function("summaries 100k (open workspace)", |b| {
        b.iter(|| black_box(ws.summaries().unwrap()))
    });
    c.bench_function("search_summaries 100k, 1 letter (open workspace)", |b| {
        b.iter(|| black_box(ws.search_summaries("s").unwrap()))
    });
    let all = list(None, None);
    assert_eq!(window(&mut ws, &all).rows.len(), 120);
    c.bench_function("list window 100k (open workspace)", |b| {
        b.iter(|| black_box(window(&mut ws, &all)))
    });
    let wide = list(Some("s"), None);
    c.bench_function("search window 100k, 1 letter (open workspace)", |b| {
        b.iter(|| black_box(window(&mut ws, &wide)))
    });
    let narrow = ListQuery {
        offset: 0,
        ..list(Some("service 04242"), None)
    };
    c.bench_function("search window 100k, 13 letters (open workspace)", |b| {
        b.iter(|| black_box(window(&mut ws, &narrow)))
    });
    let group = ListQuery {
        offset: 1_000,
        ..list(None, Some("Team 3"))
    };
    c.bench_function("group window 100k (open workspace)", |b| {
        b.iter(|| black_box(window(&mut ws, &group)))
    });
    // The app's unlock: the file opened and unlocked (1 MiB key derivation), then the first
    // window, which builds the index (every bucket decrypted) and sorts it. The workspace's
    // drop is not timed (the app frees it on a thread of its own).
    drop(ws);
    let path = dir.path().join("bench.pcx");
    let first = ListQuery {
        limit: 100,
        ..ListQuery::default()
    };
    c.bench_function("unlock + first window 100k", |b| {
        // One at a time: the file's lease is held until the last one is dropped.
        b.iter_batched(
            || (),
            |()| {
                let mut ws = LockedWorkspace::open(&path)
                    .unwrap()
                    .unlock(&SecretString::from("bench"))
                    .unwrap()
                    .into_open()
                    .unwrap();
                let page = window(&mut ws, &first);
                (ws, page)
            },
            BatchSize::PerIteration,
        )
    });
}

criterion_group! {
    name = list;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(list);
