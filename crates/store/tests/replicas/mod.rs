//! What only several replicas on one database can show, for every backend
//! that serves replicas: shared limits, a shared replay window, concurrent
//! migrations. A backend's test file calls each with a way to open a
//! replica on one fresh database.

use std::sync::{Arc, Barrier};

use rampart_store::{AccessKeyRow, Entity, KeyStatus, Store, StoreError, UserRow};

/// Opens one more replica of the database under test.
pub type Open<'a> = &'a (dyn Fn() -> Arc<dyn Store> + Sync);

fn user(name: &str) -> UserRow {
    UserRow {
        user_id: format!("id-{name}"),
        user_name: name.into(),
        ..Default::default()
    }
}

fn key(id: &str) -> AccessKeyRow {
    AccessKeyRow {
        access_key_id: id.into(),
        user_name: None,
        secret_sealed: vec![1],
        status: KeyStatus::Active,
        created_at: 1,
        last_used_at: None,
    }
}

const THREADS: usize = 8;

/// Runs `f(store, thread)` on `THREADS` threads released together, the
/// threads alternating between the two replicas; returns the results.
fn race<T: Send + 'static>(
    replicas: &[Arc<dyn Store>; 2],
    f: impl Fn(&dyn Store, usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let f = Arc::new(f);
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let store = Arc::clone(&replicas[i % 2]);
            let (f, start) = (Arc::clone(&f), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                f(&*store, i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// A user's keys, an account-wide limit and a unique name, raced by two
/// replicas: never more than the limit, one winner per name.
pub fn share_limits(open: Open<'_>) {
    let replicas = [open(), open()];
    // Failed logons counted on both replicas at once: none lost.
    let counted = race(&replicas, |s, _| {
        (0..5)
            .map(|_| s.count_login_failure("racer", 1000, 3600))
            .collect::<Result<Vec<_>, _>>()
    });
    assert!(counted.iter().all(Result::is_ok), "{counted:?}");
    let all = u32::try_from(THREADS * 5).unwrap();
    assert_eq!(
        replicas[1].login_failures("racer", 1000, 3600).unwrap(),
        Some((all, 1000))
    );
    for round in 0..10 {
        let name = format!("u{round}");
        replicas[0].create_user(&user(&name), 1000).unwrap();
        let who = name.clone();
        let results = race(&replicas, move |s, i| {
            s.create_access_key(&who, &key(&format!("K{round}-{i}")), 2)
        });
        let created = results.iter().filter(|r| r.is_ok()).count();
        for r in &results {
            assert!(
                matches!(r, Ok(()) | Err(StoreError::Limit(Entity::AccessKey))),
                "unexpected outcome: {r:?}"
            );
        }
        assert_eq!(created, 2, "round {round}: {results:?}");
        assert_eq!(replicas[1].list_access_keys(&name).unwrap().len(), 2);
    }
    // An account-wide limit: 10 users exist; at most 13 allowed.
    let results = race(&replicas, |s, i| s.create_user(&user(&format!("n{i}")), 13));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert_eq!(replicas[0].list_users(None, 100).unwrap().len(), 13);
    // Uniqueness across replicas: one name, one winner.
    let results = race(&replicas, |s, _| s.create_user(&user("same"), 1000));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results
        .iter()
        .all(|r| matches!(r, Ok(()) | Err(StoreError::Conflict(Entity::User)))));
}

/// One nonce raced by two replicas is fresh once; expiry is shared; old
/// entries are pruned (`expired` counts the entries that expired before
/// a time).
pub fn share_the_replay_window(open: Open<'_>, expired: &dyn Fn(i64) -> i64) {
    let replicas = [open(), open()];
    for round in 0..20 {
        let nonce = format!("nonce-{round}");
        let results = race(&replicas, move |s, _| {
            s.use_nonce("AK", &nonce, 100, 200).unwrap()
        });
        assert_eq!(
            results.iter().filter(|fresh| **fresh).count(),
            1,
            "round {round}: {results:?}"
        );
    }
    // Seen by one replica, refused by the other up to and including its
    // expiry second; free again after it.
    assert!(replicas[0].use_nonce("AK", "x", 100, 200).unwrap());
    assert!(!replicas[1].use_nonce("AK", "x", 199, 299).unwrap());
    assert!(!replicas[1].use_nonce("AK", "x", 200, 300).unwrap());
    assert!(replicas[1].use_nonce("AK", "x", 201, 301).unwrap());
    // Expired entries are pruned as the window moves on.
    for i in 0..2048 {
        replicas[0]
            .use_nonce("AK", &format!("p{i}"), 1000, 1001)
            .unwrap();
    }
    // Pruning may run after the answers (PostgreSQL's nonce writer).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while expired(1000) != 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(expired(1000), 0, "expired nonces were pruned");
}

/// Four replicas opening a fresh database together apply each migration
/// once (`versions` reads the applied versions).
pub fn migrate_together(open: &(dyn Fn() + Sync), versions: &dyn Fn() -> Vec<i64>) {
    let start = Barrier::new(4);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                start.wait();
                open();
            });
        }
    });
    let versions = versions();
    // Each version once, in order (versions may leave gaps: each feature
    // has its own numbers).
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert_eq!(versions[..5], [1, 2, 3, 4, 5]);
}
