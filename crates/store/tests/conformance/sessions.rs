//! Console sessions: stored by token hash, live until they expire, the
//! oldest dropped beyond the cap.

use rampart_store::*;

fn session(hash: &str, created_at: i64) -> ConsoleSessionRow {
    ConsoleSessionRow {
        token_hash: hash.into(),
        user_id: "U1".into(),
        user_name: "alice".into(),
        fingerprint: "fp".into(),
        csrf: "csrf".into(),
        must_change_password: created_at % 2 == 1,
        created_at,
        expires_at: created_at + 100,
        mfa_at: (created_at % 3 == 0).then_some(created_at - 5),
        role: (created_at % 4 == 0).then(|| SessionRole {
            role_id: "R1".into(),
            role_name: "admin".into(),
            session_name: "alice@example.com".into(),
        }),
    }
}

pub fn console_sessions(s: &dyn Store) {
    s.open_console_session(&session("a", 10), 10, 2).unwrap();
    assert_eq!(
        s.get_console_session("a", 20).unwrap(),
        Some(session("a", 10))
    );
    assert_eq!(s.get_console_session("nope", 20).unwrap(), None);
    // Expired at its end.
    assert_eq!(s.get_console_session("a", 110).unwrap(), None);
    // Beyond the cap the oldest goes.
    s.open_console_session(&session("b", 20), 20, 2).unwrap();
    s.open_console_session(&session("c", 30), 30, 2).unwrap();
    assert_eq!(s.get_console_session("a", 40).unwrap(), None);
    assert!(s.get_console_session("b", 40).unwrap().is_some());
    assert!(s.get_console_session("c", 40).unwrap().is_some());
    s.close_console_session("b").unwrap();
    s.close_console_session("b").unwrap();
    assert_eq!(s.get_console_session("b", 40).unwrap(), None);
    // Expired sessions are deleted when another opens.
    s.open_console_session(&session("d", 500), 500, 2).unwrap();
    assert_eq!(s.get_console_session("c", 40).unwrap(), None);
}

/// Failed logons count within the window the first of them opened; a
/// closed window starts over; clearing forgets them.
pub fn login_failures(s: &dyn Store) {
    const HOUR: i64 = 3600;
    assert_eq!(s.login_failures("u-1", 1000, HOUR).unwrap(), None);
    assert_eq!(s.count_login_failure("u-1", 1000, HOUR).unwrap(), (1, 1000));
    assert_eq!(s.count_login_failure("u-1", 1500, HOUR).unwrap(), (2, 1000));
    // A failure counted first and taken back when the attempt was right.
    assert_eq!(s.count_login_failure("u-1", 1500, HOUR).unwrap(), (3, 1000));
    s.take_back_login_failure("u-1").unwrap();
    s.count_login_failure("u-2", 1500, HOUR).unwrap();
    assert_eq!(
        s.login_failures("u-1", 2000, HOUR).unwrap(),
        Some((2, 1000))
    );
    assert_eq!(
        s.login_failures("u-2", 2000, HOUR).unwrap(),
        Some((1, 1500))
    );
    // The window of u-1 closes at 1000 + 3600.
    assert_eq!(
        s.login_failures("u-1", 4599, HOUR).unwrap(),
        Some((2, 1000))
    );
    assert_eq!(s.login_failures("u-1", 4600, HOUR).unwrap(), None);
    s.count_login_failure("u-1", 4600, HOUR).unwrap();
    assert_eq!(
        s.login_failures("u-1", 4600, HOUR).unwrap(),
        Some((1, 4600))
    );
    // Counting at 5200 deletes the windows closed by then (u-2's).
    s.count_login_failure("u-1", 5200, HOUR).unwrap();
    assert_eq!(
        s.login_failures("u-1", 5200, HOUR).unwrap(),
        Some((2, 4600))
    );
    assert_eq!(s.login_failures("u-2", 1500, HOUR).unwrap(), None);
    s.clear_login_failures("u-1").unwrap();
    assert_eq!(s.login_failures("u-1", 4600, HOUR).unwrap(), None);
}
