//! Crash safety of rotation: `kill -9` at random moments while RAM secrets
//! rotate every 2 s; after every restart the current key of every secret
//! works, no user holds more than two keys, and no key is orphaned. On the
//! embedded store, PostgreSQL and MariaDB/MySQL (see `harness/db.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;

use std::time::{Duration, Instant};

use harness::*;
use rand::Rng;

#[test]
fn kill_nine_during_rotations_never_loses_the_current_key() {
    kill_nine_during_rotations(&[]);
}

#[test]
fn postgres_kill_nine_during_rotations_never_loses_the_current_key() {
    if let Some(db) = TestDb::create(Shared::Postgres, "crash") {
        kill_nine_during_rotations(&["--database", &db.url()]);
    }
}

#[test]
fn mysql_kill_nine_during_rotations_never_loses_the_current_key() {
    if let Some(db) = TestDb::create(Shared::Mysql, "crash") {
        kill_nine_during_rotations(&["--database", &db.url()]);
    }
}

fn kill_nine_during_rotations(database: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "--rotation-grace-period",
        "3s",
        "--min-rotation-interval",
        "2s",
    ];
    args.extend_from_slice(database);
    let mut p = Proc::start(dir.path(), &args);
    let root = p.root();
    let names = setup_ram_secrets(&p, &root, 15, "2s");
    let first = check_invariants(&p, &root, &names);
    let mut rng = rand::thread_rng();
    let mut kills = 0;
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(rng.gen_range(300..2500)));
        p.restart();
        kills += 1;
        check_invariants(&p, &root, &names);
    }
    // Every secret is due again within seconds; on a loaded machine the
    // last one may need longer than the interval, so wait for it (bounded).
    let deadline = Instant::now() + Duration::from_secs(30);
    let rotated = loop {
        std::thread::sleep(Duration::from_secs(3));
        let last = check_invariants(&p, &root, &names);
        let rotated = first.iter().zip(&last).filter(|(a, b)| a != b).count();
        if rotated == names.len() || Instant::now() >= deadline {
            break rotated;
        }
    };
    assert_eq!(
        rotated,
        names.len(),
        "every secret rotated across {kills} kills"
    );
}
