//! Account-wide settings and what they enforce: the password policy on
//! login profiles, `ChangePassword` and console logons (length, classes,
//! reuse, expiry, `MaxLoginAttemps`), the account alias in logon names, and
//! the security preference (self-service AccessKeys and passwords, logon
//! networks, session length).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::{Creds, Server};

const RAM: &str = "2015-05-01";
const PW: &str = "Start-Passw0rd";

fn err(s: &Server, who: &Creds, action: &str, p: &[(&str, &str)]) -> (u16, String) {
    let (status, body) = s.call_v1(who, RAM, action, p);
    (status, body["Code"].as_str().unwrap_or("OK").to_string())
}

fn user_with_login(s: &Server, name: &str) -> Creds {
    let c = s.user_with_key(name);
    s.ram(
        "CreateLoginProfile",
        &[("UserName", name), ("Password", PW)],
    );
    c
}

fn logon(s: &Server, name: &str, pw: &str, from: Option<&str>) -> Result<bool, String> {
    s.gw.rampart()
        .console_login(name, pw, from)
        .map(|l| l.must_change_password)
        .map_err(|e| e.code.to_string())
}

#[test]
fn the_password_policy_round_trips_with_the_api_spelling() {
    let s = Server::new();
    let got = s.ram("GetPasswordPolicy", &[]);
    let p = &got["PasswordPolicy"];
    assert_eq!(p["MinimumPasswordLength"], 8);
    assert_eq!(p["MaxLoginAttemps"], 0);
    assert_eq!(p["HardExpiry"], false);
    let set = s.ram(
        "SetPasswordPolicy",
        &[
            ("MinimumPasswordLength", "12"),
            ("RequireUppercaseCharacters", "True"),
            ("RequireNumbers", "true"),
            ("RequireSymbols", "true"),
            ("RequireLowercaseCharacters", "true"),
            ("MaxPasswordAge", "90"),
            ("PasswordReusePrevention", "3"),
            ("MaxLoginAttemps", "5"),
            ("HardExpiry", "true"),
        ],
    );
    assert_eq!(
        set["PasswordPolicy"],
        s.ram("GetPasswordPolicy", &[])["PasswordPolicy"]
    );
    assert_eq!(set["PasswordPolicy"]["MaxLoginAttemps"], 5);
    assert_eq!(set["PasswordPolicy"]["HardExpiry"], true);
    for (k, v, code) in [
        (
            "MinimumPasswordLength",
            "7",
            "InvalidParameter.MinimumPasswordLength",
        ),
        (
            "MinimumPasswordLength",
            "33",
            "InvalidParameter.MinimumPasswordLength",
        ),
        ("MaxPasswordAge", "1096", "InvalidParameter.MaxPasswordAge"),
        (
            "PasswordReusePrevention",
            "25",
            "InvalidParameter.PasswordReusePrevention",
        ),
        ("MaxLoginAttemps", "33", "InvalidParameter.MaxLoginAttemps"),
        ("RequireNumbers", "yes", "InvalidParameter.RequireNumbers"),
    ] {
        assert_eq!(
            err(&s, &s.root, "SetPasswordPolicy", &[(k, v)]),
            (400, code.into())
        );
    }
    // A refused change changes nothing.
    assert_eq!(
        s.ram("GetPasswordPolicy", &[])["PasswordPolicy"]["MinimumPasswordLength"],
        12
    );
}

#[test]
fn login_profiles_and_change_password_meet_the_policy() {
    let s = Server::new();
    let alice = user_with_login(&s, "alice");
    s.ram(
        "SetPasswordPolicy",
        &[
            ("MinimumPasswordLength", "10"),
            ("RequireNumbers", "true"),
            ("RequireSymbols", "true"),
            ("PasswordReusePrevention", "2"),
        ],
    );
    s.ram("CreateUser", &[("UserName", "bob")]);
    let weak = [("UserName", "bob"), ("Password", "abcdefghij")];
    assert_eq!(
        err(&s, &s.root, "CreateLoginProfile", &weak),
        (400, "InvalidParameter.Password".into())
    );
    s.ram(
        "CreateLoginProfile",
        &[("UserName", "bob"), ("Password", "abcdefgh1!")],
    );
    // UpdateLoginProfile: the rules, and no reuse of the current password.
    assert_eq!(
        err(
            &s,
            &s.root,
            "UpdateLoginProfile",
            &[("UserName", "bob"), ("Password", "abcdefgh1!")]
        ),
        (400, "InvalidParameter.Password".into())
    );
    s.ram(
        "UpdateLoginProfile",
        &[("UserName", "bob"), ("Password", "abcdefgh2!")],
    );

    // ChangePassword: the caller's own, the old one checked.
    let change = |old: &str, new: &str| {
        err(
            &s,
            &alice,
            "ChangePassword",
            &[("OldPassword", old), ("NewPassword", new)],
        )
    };
    assert_eq!(
        change("Wrong-Passw0rd", "Next-Passw0rd1"),
        (400, "InvalidParameter.OldPassword".into())
    );
    assert_eq!(
        change(PW, "short1!"),
        (400, "InvalidParameter.Password".into())
    );
    assert_eq!(change(PW, "Next-Passw0rd1"), (200, "OK".into()));
    // The last two passwords cannot come back; the third-last can.
    assert_eq!(
        change("Next-Passw0rd1", PW),
        (400, "InvalidParameter.Password".into())
    );
    assert_eq!(
        change("Next-Passw0rd1", "Third-Passw0rd1"),
        (200, "OK".into())
    );
    assert_eq!(change("Third-Passw0rd1", PW), (200, "OK".into()));
    let acct = s.account_id.clone();
    assert_eq!(logon(&s, &format!("alice@{acct}"), PW, None), Ok(false));
    // Only a RAM user has a password of its own to change.
    assert_eq!(
        err(
            &s,
            &s.root,
            "ChangePassword",
            &[("OldPassword", PW), ("NewPassword", "Other-Passw0rd1")]
        ),
        (403, "Forbidden.NotRAMUser".into())
    );
    // The security preference can take the right away (a policy can give
    // it back).
    s.ram(
        "SetSecurityPreference",
        &[("AllowUserToChangePassword", "false")],
    );
    assert_eq!(change(PW, "Fourth-Passw0rd1"), (403, "NoPermission".into()));
}

#[test]
fn logons_follow_the_alias_the_lockout_and_the_expiry() {
    let s = Server::new();
    user_with_login(&s, "carol");
    let acct = s.account_id.clone();
    // The alias names the account in logon names, as the id still does.
    assert_eq!(s.ram("GetAccountAlias", &[])["AccountAlias"], acct.as_str());
    for (bad, code) in [
        ("ab", "InvalidParameter.AccountAlias.Length"),
        ("My-Corp", "InvalidParameter.AccountAlias.InvalidChars"),
        ("my--corp", "InvalidParameter.AccountAlias.Format"),
    ] {
        assert_eq!(
            err(&s, &s.root, "SetAccountAlias", &[("AccountAlias", bad)]),
            (400, code.into())
        );
    }
    s.ram("SetAccountAlias", &[("AccountAlias", "my-corp")]);
    assert_eq!(s.ram("GetAccountAlias", &[])["AccountAlias"], "my-corp");
    assert_eq!(logon(&s, "carol@my-corp.onaliyun.com", PW, None), Ok(false));
    assert_eq!(logon(&s, "carol@MY-CORP", PW, None), Ok(false));
    assert_eq!(
        logon(&s, &format!("carol@{acct}.onaliyun.com"), PW, None),
        Ok(false)
    );
    s.ram("ClearAccountAlias", &[]);
    assert_eq!(
        logon(&s, "carol@my-corp.onaliyun.com", PW, None),
        Err("InvalidLogin".into())
    );
    let name = format!("carol@{acct}");

    // MaxLoginAttemps: locked for the rest of the hour, from any address;
    // a new password set by an administrator lifts it.
    s.ram("SetPasswordPolicy", &[("MaxLoginAttemps", "3")]);
    for i in 0..3 {
        let from = format!("192.0.2.{i}");
        assert_eq!(
            logon(&s, &name, "Wrong-Passw0rd", Some(&from)),
            Err("InvalidLogin".into())
        );
    }
    assert_eq!(
        logon(&s, &name, PW, Some("192.0.2.99")),
        Err("InvalidLogin.Locked".into())
    );
    s.clock.advance(3601);
    assert_eq!(logon(&s, &name, PW, Some("192.0.2.99")), Ok(false));
    for _ in 0..3 {
        let _ = logon(&s, &name, "Wrong-Passw0rd", Some("192.0.2.1"));
    }
    assert_eq!(
        logon(&s, &name, PW, None),
        Err("InvalidLogin.Locked".into())
    );
    s.ram(
        "UpdateLoginProfile",
        &[("UserName", "carol"), ("Password", "Reset-Passw0rd")],
    );
    assert_eq!(logon(&s, &name, "Reset-Passw0rd", None), Ok(false));

    // MaxPasswordAge: a soft expiry makes the user change the password at
    // logon; a hard one refuses the logon.
    s.ram("SetPasswordPolicy", &[("MaxPasswordAge", "30")]);
    s.clock.advance(30 * 86_400);
    assert_eq!(logon(&s, &name, "Reset-Passw0rd", None), Ok(true));
    s.ram(
        "SetPasswordPolicy",
        &[("MaxPasswordAge", "30"), ("HardExpiry", "true")],
    );
    assert_eq!(
        logon(&s, &name, "Reset-Passw0rd", None),
        Err("InvalidLogin.PasswordExpired".into())
    );
    // PasswordResetRequired asks for a change too.
    s.ram("SetPasswordPolicy", &[]);
    s.ram(
        "UpdateLoginProfile",
        &[("UserName", "carol"), ("PasswordResetRequired", "true")],
    );
    assert_eq!(logon(&s, &name, "Reset-Passw0rd", None), Ok(true));
}

#[test]
fn the_security_preference_is_kept_and_enforced() {
    let s = Server::new();
    let dave = user_with_login(&s, "dave");
    let pref = s.ram("GetSecurityPreference", &[]);
    let p = &pref["SecurityPreference"];
    assert_eq!(
        p["LoginProfilePreference"]["AllowUserToChangePassword"],
        true
    );
    assert_eq!(p["LoginProfilePreference"]["LoginSessionDuration"], 6);
    assert_eq!(
        p["AccessKeyPreference"]["AllowUserToManageAccessKeys"],
        false
    );
    assert_eq!(p["MFAPreference"]["AllowUserToManageMFADevices"], true);
    assert_eq!(
        p["PublicKeyPreference"]["AllowUserToManagePublicKeys"],
        false
    );

    // Own AccessKeys: only with the preference (or a policy), and only one's own.
    assert_eq!(
        err(&s, &dave, "ListAccessKeys", &[]),
        (403, "NoPermission".into())
    );
    let set = s.ram(
        "SetSecurityPreference",
        &[
            ("AllowUserToManageAccessKeys", "true"),
            ("LoginSessionDuration", "2"),
            ("LoginNetworkMasks", "10.0.0.0/8;192.168.1.0/24"),
        ],
    );
    assert_eq!(
        set["SecurityPreference"]["LoginProfilePreference"]["LoginNetworkMasks"],
        "10.0.0.0/8;192.168.1.0/24"
    );
    // Fields not given keep their values.
    assert_eq!(
        s.ram("GetSecurityPreference", &[])["SecurityPreference"]["MFAPreference"]
            ["AllowUserToManageMFADevices"],
        true
    );
    assert_eq!(err(&s, &dave, "ListAccessKeys", &[]), (200, "OK".into()));
    assert_eq!(
        err(&s, &dave, "CreateAccessKey", &[("UserName", "dave")]),
        (200, "OK".into())
    );
    s.ram("CreateUser", &[("UserName", "erin")]);
    assert_eq!(
        err(&s, &dave, "ListAccessKeys", &[("UserName", "erin")]),
        (403, "NoPermission".into())
    );
    for (k, v, code) in [
        (
            "LoginSessionDuration",
            "25",
            "InvalidParameter.LoginSessionDuration",
        ),
        (
            "LoginNetworkMasks",
            "10.0.0.0/40",
            "InvalidParameter.LoginNetworkMasks",
        ),
    ] {
        assert_eq!(
            err(&s, &s.root, "SetSecurityPreference", &[(k, v)]),
            (400, code.into())
        );
    }

    // Logon networks and session length.
    let name = format!("dave@{}", s.account_id);
    assert_eq!(
        logon(&s, &name, PW, Some("172.16.0.1")),
        Err("InvalidLogin.NetworkNotAllowed".into())
    );
    // Outside the networks the answer is the same whatever the password
    // (and for a name that names no one), and nothing is counted: the
    // right password then works at once from inside.
    s.ram("SetPasswordPolicy", &[("MaxLoginAttemps", "2")]);
    for pw in [PW, "Wrong-Passw0rd", "Wrong-Passw0rd", "Wrong-Passw0rd"] {
        assert_eq!(
            logon(&s, &name, pw, Some("172.16.0.1")),
            Err("InvalidLogin.NetworkNotAllowed".into())
        );
    }
    assert_eq!(
        logon(
            &s,
            &format!("nobody@{}", s.account_id),
            PW,
            Some("172.16.0.1")
        ),
        Err("InvalidLogin.NetworkNotAllowed".into())
    );
    s.ram("SetPasswordPolicy", &[]);
    let l =
        s.gw.rampart()
            .console_login(&name, PW, Some("10.1.2.3"))
            .unwrap();
    assert!(s.gw.rampart().console_session_valid(&l).unwrap());
    s.clock.advance(2 * 3600);
    assert!(!s.gw.rampart().console_session_valid(&l).unwrap());
    // Changing the settings takes the account's own rights.
    assert_eq!(
        err(&s, &dave, "SetPasswordPolicy", &[]),
        (403, "NoPermission".into())
    );
    assert_eq!(
        err(&s, &dave, "GetAccountAlias", &[]),
        (403, "NoPermission".into())
    );
}

/// A wrong `OldPassword` counts like a failed console logon: the same
/// brake, the same `MaxLoginAttemps` count and lock (RAM and IMS), and a
/// locked user's `ChangePassword` is refused even with the right password.
#[test]
fn change_password_guesses_count_as_failed_logons() {
    let s = Server::new();
    let frank = user_with_login(&s, "frank");
    let name = format!("frank@{}", s.account_id);
    s.ram("SetPasswordPolicy", &[("MaxLoginAttemps", "3")]);
    let change = |old: &str| {
        err(
            &s,
            &frank,
            "ChangePassword",
            &[("OldPassword", old), ("NewPassword", "Next-Passw0rd1")],
        )
    };
    // Through RAM and IMS alike.
    assert_eq!(
        change("Guess-Passw0rd1"),
        (400, "InvalidParameter.OldPassword".into())
    );
    let (st, body) = s.call_v1(
        &frank,
        "2019-08-15",
        "ChangePassword",
        &[
            ("OldPassword", "Guess-Passw0rd2"),
            ("NewPassword", "Next-Passw0rd1"),
        ],
    );
    assert_eq!(
        (st, body["Code"].as_str()),
        (400, Some("InvalidParameter.OldPassword"))
    );
    assert_eq!(
        change("Guess-Passw0rd3"),
        (400, "InvalidParameter.OldPassword".into())
    );
    // Three failures: the console is locked, and so is ChangePassword, the
    // right old password included.
    assert_eq!(
        logon(&s, &name, PW, Some("192.0.2.7")),
        Err("InvalidLogin.Locked".into())
    );
    assert_eq!(change(PW), (429, "InvalidLogin.Locked".into()));
    s.clock.advance(3601);
    assert_eq!(change(PW), (200, "OK".into()));
    assert_eq!(logon(&s, &name, "Next-Passw0rd1", None), Ok(false));

    // Without MaxLoginAttemps, the per-address brake still slows guessing:
    // five guesses are free, the sixth must wait.
    s.ram("SetPasswordPolicy", &[]);
    for i in 0..5 {
        assert_eq!(
            change(&format!("Guess-Passw0rd{i}")),
            (400, "InvalidParameter.OldPassword".into()),
            "guess {i}"
        );
    }
    assert_eq!(change("Guess-Passw0rd9").0, 429);
}

/// Guesses made at once cannot slip under `MaxLoginAttemps`: each attempt
/// is counted before its password is checked, so exactly that many are
/// checked, from as many addresses as the guesser likes.
#[test]
fn simultaneous_guesses_do_not_exceed_max_login_attempts() {
    let s = Server::new();
    user_with_login(&s, "gina");
    s.ram("SetPasswordPolicy", &[("MaxLoginAttemps", "3")]);
    let name = format!("gina@{}", s.account_id);
    let r = s.gw.rampart().clone();
    let answers: Vec<Result<bool, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|i| {
                let (r, name) = (&r, &name);
                scope.spawn(move || {
                    r.console_login(name, "Wrong-Passw0rd", Some(&format!("198.51.100.{i}")))
                        .map(|l| l.must_change_password)
                        .map_err(|e| e.code.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = answers
        .iter()
        .filter(|a| a.as_ref().err().map(String::as_str) == Some("InvalidLogin"))
        .count();
    let locked = answers
        .iter()
        .filter(|a| a.as_ref().err().map(String::as_str) == Some("InvalidLogin.Locked"))
        .count();
    assert_eq!((checked, locked), (3, 9), "{answers:?}");
    assert_eq!(
        logon(&s, &name, PW, Some("198.51.100.200")),
        Err("InvalidLogin.Locked".into())
    );
}

/// A right password takes back the attempt counted before it was checked.
#[test]
fn a_right_password_is_not_counted() {
    let s = Server::new();
    user_with_login(&s, "hank");
    s.ram("SetPasswordPolicy", &[("MaxLoginAttemps", "2")]);
    let name = format!("hank@{}", s.account_id);
    for _ in 0..5 {
        assert_eq!(logon(&s, &name, PW, None), Ok(false));
    }
    assert_eq!(
        logon(&s, &name, "Wrong-Passw0rd", None),
        Err("InvalidLogin".into())
    );
    assert_eq!(logon(&s, &name, PW, None), Ok(false));
}
