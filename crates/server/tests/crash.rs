//! Crash safety of rotation: `kill -9` at random moments while RAM secrets
//! rotate every 2 s; after every restart the current key of every secret
//! works, no user holds more than two keys, and no key is orphaned.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::time::Duration;

use harness::*;
use rand::Rng;

fn check_invariants(p: &Proc, root: &Creds, names: &[String]) -> Vec<String> {
    let mut currents = Vec::new();
    for name in names {
        let user = name.rsplit('/').next().unwrap();
        // Rotations go on while this reads: judge the user's keys only
        // between two identical readings of the secret (each rotation step
        // changes the secret and the keys in one transaction).
        let (current, previous, held) = (0..20)
            .find_map(|_| {
                let before = secret_keys(p, root, name);
                let held = user_keys(p, root, user);
                let after = secret_keys(p, root, name);
                let same = before.0.id == after.0.id
                    && before.1.as_ref().map(|k| &k.id) == after.1.as_ref().map(|k| &k.id);
                same.then_some((before.0, before.1, held))
            })
            .expect("the secret kept changing while it was read");
        let (st, body) = p.call(&current, STS, "GetCallerIdentity", &[]);
        assert_eq!(st, 200, "the current key of {name} must work: {body}");
        assert!(held.len() <= 2, "{user} holds {held:?}");
        assert!(
            held.contains(&current.id),
            "{user}: current key {} missing from {held:?}",
            current.id
        );
        for k in &held {
            let is_prev = previous.as_ref().is_some_and(|pk| &pk.id == k);
            assert!(
                k == &current.id || is_prev,
                "{user}: key {k} is orphaned (current {}, previous {previous:?})",
                current.id
            );
        }
        currents.push(current.id);
    }
    currents
}

#[test]
fn kill_nine_during_rotations_never_loses_the_current_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = Proc::start(
        dir.path(),
        &[
            "--rotation-grace-period",
            "3s",
            "--min-rotation-interval",
            "2s",
        ],
    );
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
    std::thread::sleep(Duration::from_secs(3));
    let last = check_invariants(&p, &root, &names);
    let rotated = first.iter().zip(&last).filter(|(a, b)| a != b).count();
    assert_eq!(
        rotated,
        names.len(),
        "every secret rotated across {kills} kills"
    );
}
