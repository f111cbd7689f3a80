//! Criterion benches of a team workspace on a private PostgreSQL 15 (loopback, started here):
//! 10,000 entries (1,000 with TOTP) and 50 members. `first full sync` opens the workspace for a
//! member whose password already checked, on a computer with no offline copy (the chain
//! replayed and every signature checked, every record fetched, checked and decrypted, the copy
//! written); `open from the offline copy` opens it again (the copy read and decrypted, nothing
//! changed on the server, the copy written again); `changes since, after one remote edit` is a
//! member's sync after another member changed one entry; `add one entry` writes one record and
//! its change. Each of these ends with the member's offline copy written. Key derivation is
//! cheap (1 MiB) so the rest shows.
#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use portcullis_core::otp::OtpParams;
use portcullis_core::team::{self, Access, Member, Team, TeamUrl, TeamWorkspace};
use portcullis_core::{EntryKind, EntryStore, KdfParams, Login, NewEntry, SecretString};
use std::hint::black_box;
use test_support::Postgres;

const ENTRIES: usize = 10_000;
const MEMBERS: usize = 50;

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

fn role(i: usize) -> String {
    format!("member{i:02}")
}

fn url(pg: &Postgres, role: &str) -> TeamUrl {
    TeamUrl::parse(&format!(
        "postgresql://{role}@127.0.0.1:{}/vault?workspace=ops&sslmode=disable",
        pg.port
    ))
    .unwrap()
}

fn connect(pg: &Postgres, role: &str) -> Team {
    Team::connect(&url(pg, role), &secret("db")).unwrap()
}

fn member(pg: &Postgres, role: &str) -> Member {
    connect(pg, role)
        .unlock_member(&secret("master"), false)
        .unwrap()
        .into_open()
        .unwrap()
}

/// The server, its roles, the workspace with every member approved, and the entries.
fn build() -> Postgres {
    let pg = Postgres::start();
    pg.admin("postgres", "CREATE DATABASE vault");
    let mut roles = String::from("CREATE ROLE portcullis_member NOLOGIN;");
    for i in 0..MEMBERS {
        let r = role(i);
        roles.push_str(&format!(
            "CREATE ROLE {r} LOGIN PASSWORD 'db'; GRANT portcullis_member TO {r};"
        ));
    }
    pg.admin("vault", &roles);
    let admin = TeamUrl::parse(&format!(
        "postgresql://{}@127.0.0.1:{}/vault?sslmode=disable",
        test_support::POSTGRES_ADMIN,
        pg.port
    ))
    .unwrap();
    team::setup(&mut team::connect(&admin, &secret(&pg.admin_password)).unwrap()).unwrap();
    let kdf = KdfParams::new(1024, 1, 1).unwrap();
    let mut founder = connect(&pg, &role(0))
        .new_member(&secret("master"), kdf)
        .unwrap();
    founder.create_workspace().unwrap();
    for i in 1..MEMBERS {
        let mut m = connect(&pg, &role(i))
            .new_member(&secret("master"), kdf)
            .unwrap();
        m.request_join().unwrap();
        let fp = m.identity().public().fingerprint();
        founder.approve(&role(i), &fp, Access::Editor).unwrap();
    }
    let mut ws = founder.open_workspace().unwrap();
    let entries: Vec<_> = (0..ENTRIES)
        .map(|i| {
            let otp = (i % 10 == 0).then(|| {
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
    // Written in batches of 1,000 (each all or none), as an import would.
    let mut entries = entries;
    while !entries.is_empty() {
        let rest = entries.split_off(entries.len().min(1_000));
        ws.add_all(entries).unwrap();
        entries = rest;
    }
    pg
}

fn benches(c: &mut Criterion) {
    // Each member's verified head is kept under the data directory: a private one.
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_DATA_HOME", home.path());
    let pg = build();
    let mut group = c.benchmark_group("team (10,000 entries, 50 members)");
    group.sample_size(10);

    let copies = home.path().join("portcullis").join("team");
    let forget_copies = || {
        for entry in std::fs::read_dir(&copies).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "copy") {
                std::fs::remove_file(path).unwrap();
            }
        }
    };
    group.bench_function("first full sync", |b| {
        b.iter_batched(
            || {
                forget_copies();
                member(&pg, &role(MEMBERS - 1))
            },
            |m| black_box(m.open_workspace().unwrap()),
            BatchSize::PerIteration,
        )
    });

    group.bench_function("open from the offline copy", |b| {
        b.iter_batched(
            || member(&pg, &role(MEMBERS - 1)),
            |m| black_box(m.open_workspace().unwrap()),
            BatchSize::PerIteration,
        )
    });

    let mut writer: TeamWorkspace = member(&pg, &role(1)).open_workspace().unwrap();
    let mut reader: TeamWorkspace = member(&pg, &role(2)).open_workspace().unwrap();
    let target = writer.find("Service 004242").unwrap();
    let mut n = 0u64;
    group.bench_function("changes since, after one remote edit", |b| {
        b.iter_batched(
            || {
                n += 1;
                let mut e = writer.find(&target.id).unwrap();
                e.notes = format!("edit {n}");
                writer.update(e).unwrap();
            },
            |()| {
                reader.sync().unwrap();
                black_box(reader.synced_to())
            },
            BatchSize::PerIteration,
        )
    });

    group.bench_function("add one entry", |b| {
        b.iter(|| {
            writer
                .add(NewEntry::new(
                    "Added",
                    EntryKind::Login(Login {
                        username: "u".into(),
                        password: SecretString::from("p"),
                        url: String::new(),
                        otp: None,
                        ssh_key: None,
                    }),
                ))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(team_benches, benches);
criterion_main!(team_benches);
