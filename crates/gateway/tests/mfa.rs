//! Virtual MFA devices: create (seed, QR code), bind with two consecutive
//! RFC 6238 codes, unbind, delete, the exact error codes, users managing
//! their own device, and the console logon's second step.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::{Creds, Server, NOW};
use rampart_crypto::{totp_code, totp_step};
use serde_json::Value;

const RAM: &str = "2015-05-01";
const PW: &str = "Mfa-Passw0rd!";

fn call(s: &Server, who: &Creds, action: &str, p: &[(&str, &str)]) -> (u16, String, Value) {
    let (status, body) = s.call_v1(who, RAM, action, p);
    let code = body["Code"].as_str().unwrap_or("OK").to_string();
    (status, code, body)
}

/// A RAM action by `user`'s console session (no AccessKey; its logon
/// proved the password): status and error code.
fn as_console(s: &Server, user: &str, action: &str, p: &[(&str, &str)]) -> (u16, Option<String>) {
    let session = rampart_core::Principal::User {
        account_id: s.account_id.clone(),
        user_id: s
            .gw
            .rampart()
            .get_user(&rampart_core::ram::UserName::parse(user).unwrap())
            .unwrap()
            .user_id,
        user_name: user.into(),
        access_key_id: String::new(),
        mfa_at: None,
    };
    let params =
        rampart_gateway::Params::from_pairs(p.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let (resp, outcome) = s.gw.handle_as(
        &session,
        rampart_gateway::Product::Ram,
        action,
        &params,
        None,
        false,
    );
    (resp.status, outcome.error_code)
}

fn create(s: &Server, who: &Creds, name: &str) -> (String, Vec<u8>) {
    let (st, code, body) = call(
        s,
        who,
        "CreateVirtualMFADevice",
        &[("VirtualMFADeviceName", name)],
    );
    assert_eq!((st, code.as_str()), (200, "OK"), "{body}");
    let d = &body["VirtualMFADevice"];
    let seed = data_encoding::BASE32_NOPAD
        .decode(d["Base32StringSeed"].as_str().unwrap().as_bytes())
        .unwrap();
    (d["SerialNumber"].as_str().unwrap().to_string(), seed)
}

fn codes(seed: &[u8], now: i64) -> (String, String) {
    let step = totp_step(now);
    (totp_code(seed, step - 1), totp_code(seed, step))
}

#[test]
fn devices_bind_with_two_consecutive_codes() {
    let s = Server::new();
    s.ram("CreateUser", &[("UserName", "alice")]);
    let root = s.root.clone();
    let (serial, seed) = create(&s, &root, "alice-phone");
    assert_eq!(serial, format!("acs:ram::{}:mfa/alice-phone", s.account_id));
    assert_eq!(seed.len(), 20);
    // The QR code is a PNG of the otpauth URL.
    let (_, _, body) = call(
        &s,
        &root,
        "CreateVirtualMFADevice",
        &[("VirtualMFADeviceName", "second")],
    );
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD
        .decode(body["VirtualMFADevice"]["QRCodePNG"].as_str().unwrap())
        .unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    assert_eq!(
        call(
            &s,
            &root,
            "CreateVirtualMFADevice",
            &[("VirtualMFADeviceName", "alice-phone")]
        )
        .1,
        "EntityAlreadyExists.VirtualMFADevice"
    );
    assert_eq!(
        call(
            &s,
            &root,
            "CreateVirtualMFADevice",
            &[("VirtualMFADeviceName", "bad/name")]
        )
        .1,
        "InvalidParameter.VirtualMFADeviceName.InvalidChars"
    );

    // Not bound yet: Terraform's "gone" code.
    assert_eq!(
        call(&s, &root, "UnbindMFADevice", &[("UserName", "alice")]).1,
        "EntityNotExist.User.MFADevice"
    );
    assert_eq!(
        call(&s, &root, "GetUserMFAInfo", &[("UserName", "alice")]).1,
        "EntityNotExist.User.MFADevice"
    );
    let (c1, c2) = codes(&seed, NOW);
    let bind = |c1: &str, c2: &str| {
        call(
            &s,
            &root,
            "BindMFADevice",
            &[
                ("UserName", "alice"),
                ("SerialNumber", &serial),
                ("AuthenticationCode1", c1),
                ("AuthenticationCode2", c2),
            ],
        )
        .1
    };
    // The codes must be consecutive and in order.
    assert_eq!(bind(&c2, &c1), "InvalidParameter.AuthenticationCode");
    assert_eq!(
        bind("12345", &c2),
        "InvalidParameter.AuthenticationCode1.Format"
    );
    assert_eq!(bind(&c1, &c2), "OK");
    assert_eq!(bind(&c1, &c2), "EntityAlreadyExists.User.MFADevice");
    let info = call(&s, &root, "GetUserMFAInfo", &[("UserName", "alice")]).2;
    assert_eq!(info["MFADevice"]["SerialNumber"], serial.as_str());
    assert_eq!(info["MFADevice"]["Type"], "VMFA");
    let list = call(&s, &root, "ListVirtualMFADevices", &[]).2;
    let all = list["VirtualMFADevices"]["VirtualMFADevice"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 2);
    let bound = all
        .iter()
        .find(|d| d["SerialNumber"] == serial.as_str())
        .unwrap();
    assert_eq!(bound["User"]["UserName"], "alice");
    assert!(bound["ActivateDate"].as_str().unwrap().ends_with('Z'));
    assert!(!list.to_string().contains("Base32StringSeed"));

    // A bound device cannot be deleted, nor its user.
    assert_eq!(
        call(
            &s,
            &root,
            "DeleteVirtualMFADevice",
            &[("SerialNumber", &serial)]
        )
        .1,
        "DeleteConflict.VirtualMFADevice.User"
    );
    assert_eq!(
        call(&s, &root, "DeleteUser", &[("UserName", "alice")]).1,
        "DeleteConflict.User.MFADevice"
    );
    let unbound = call(&s, &root, "UnbindMFADevice", &[("UserName", "alice")]).2;
    assert_eq!(unbound["MFADevice"]["SerialNumber"], serial.as_str());
    assert_eq!(
        call(
            &s,
            &root,
            "DeleteVirtualMFADevice",
            &[("SerialNumber", &serial)]
        )
        .1,
        "OK"
    );
    assert_eq!(
        call(
            &s,
            &root,
            "DeleteVirtualMFADevice",
            &[("SerialNumber", &serial)]
        )
        .1,
        "EntityNotExist.VirtualMFADevice"
    );
    assert_eq!(
        call(
            &s,
            &root,
            "DeleteVirtualMFADevice",
            &[("SerialNumber", "acs:ram::1111111111111111:mfa/x")]
        )
        .1,
        "InvalidParameter.SerialNumber.Format"
    );
    assert_eq!(
        call(&s, &root, "DeleteUser", &[("UserName", "alice")]).1,
        "OK"
    );
}

#[test]
fn users_manage_their_own_device_and_log_on_with_it() {
    let s = Server::new();
    let bob = s.user_with_key("bob");
    s.ram(
        "CreateLoginProfile",
        &[("UserName", "bob"), ("Password", PW)],
    );
    // The default preference lets a user manage the device named after it
    // (and no other).
    let (serial, seed) = create(&s, &bob, "bob");
    assert_eq!(
        call(
            &s,
            &bob,
            "CreateVirtualMFADevice",
            &[("VirtualMFADeviceName", "other")]
        )
        .1,
        "NoPermission"
    );
    let (c1, c2) = codes(&seed, NOW);
    let bind = [
        ("SerialNumber", serial.as_str()),
        ("AuthenticationCode1", &c1),
        ("AuthenticationCode2", &c2),
    ];
    // Binding through an AccessKey alone would let a stolen key set the
    // console's second factor: it needs an explicit allow; the console
    // session, whose logon proved the password, may.
    let (st, code, _) = call(&s, &bob, "BindMFADevice", &bind);
    assert_eq!((st, code.as_str()), (403, "NoPermission"));
    let (st, code) = as_console(&s, "bob", "BindMFADevice", &bind);
    assert_eq!((st, code.as_deref()), (200, None));
    assert_eq!(call(&s, &bob, "GetUserMFAInfo", &[]).1, "OK");

    // The console logon asks for a code, once the password is right.
    let name = format!("bob@{}", s.account_id);
    let r = s.gw.rampart();
    let login = |code: Option<&str>| {
        r.console_login_mfa(&name, PW, None, code)
            .map(|_| ())
            .map_err(|e| e.code.to_string())
    };
    assert_eq!(
        r.console_login(&name, "Wrong-Passw0rd", None)
            .map(|_| ())
            .map_err(|e| e.code.to_string()),
        Err("InvalidLogin".into())
    );
    assert_eq!(login(None), Err("InvalidLogin.MFARequired".into()));
    assert_eq!(login(Some("000000")), Err("InvalidLogin.MFACode".into()));
    // The binding used the current code: the next one works, once.
    s.clock.advance(30);
    let next = totp_code(&seed, totp_step(NOW + 30));
    assert_eq!(login(Some(&next)), Ok(()));
    assert_eq!(login(Some(&next)), Err("InvalidLogin.MFACode".into()));

    // Without the preference, the user's own device is the administrator's.
    s.ram(
        "SetSecurityPreference",
        &[("AllowUserToManageMFADevices", "false")],
    );
    assert_eq!(call(&s, &bob, "UnbindMFADevice", &[]).1, "NoPermission");
    s.ram(
        "SetSecurityPreference",
        &[("AllowUserToManageMFADevices", "true")],
    );
    // With the preference, an AccessKey alone (no console logon, so no
    // code proved) may not strip the device: that needs an explicit allow.
    let (st, code, _) = call(&s, &bob, "UnbindMFADevice", &[]);
    assert_eq!((st, code.as_str()), (403, "NoPermission"));
    // The console session, whose logon proved the code, may.
    let (st, code) = as_console(&s, "bob", "UnbindMFADevice", &[]);
    assert_eq!((st, code.as_deref()), (200, None));
    // Bound again, an explicit allow lets the AccessKey unbind it.
    s.clock.advance(90);
    let (c1, c2) = codes(&seed, NOW + 120);
    let (st, code) = as_console(
        &s,
        "bob",
        "BindMFADevice",
        &[
            ("SerialNumber", &serial),
            ("AuthenticationCode1", &c1),
            ("AuthenticationCode2", &c2),
        ],
    );
    assert_eq!((st, code.as_deref()), (200, None));
    s.ram(
        "CreatePolicy",
        &[
            ("PolicyName", "UnbindOwn"),
            (
                "PolicyDocument",
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:UnbindMFADevice","Resource":"*"}]}"#,
            ),
        ],
    );
    s.ram(
        "AttachPolicyToUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "UnbindOwn"),
            ("UserName", "bob"),
        ],
    );
    assert_eq!(call(&s, &bob, "UnbindMFADevice", &[]).1, "OK");
    assert_eq!(
        call(
            &s,
            &bob,
            "DeleteVirtualMFADevice",
            &[("SerialNumber", &serial)]
        )
        .1,
        "OK"
    );
    assert_eq!(login(None), Ok(()));
}
