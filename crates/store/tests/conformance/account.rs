//! Conformance of the account-level parts: settings, virtual MFA devices,
//! and tags on RAM roles and policies.

use rampart_store::*;

use super::{policy, role, user};

pub fn account_settings(s: &dyn Store) {
    assert_eq!(s.get_setting("PasswordPolicy").unwrap(), None);
    s.put_setting("PasswordPolicy", Some(r#"{"a":1}"#), 1)
        .unwrap();
    s.put_setting("AccountAlias", Some("corp"), 1).unwrap();
    s.put_setting("PasswordPolicy", Some(r#"{"a":2}"#), 2)
        .unwrap();
    assert_eq!(
        s.get_setting("PasswordPolicy").unwrap().as_deref(),
        Some(r#"{"a":2}"#)
    );
    s.put_setting("AccountAlias", None, 3).unwrap();
    assert_eq!(s.get_setting("AccountAlias").unwrap(), None);
    s.put_setting("AccountAlias", None, 3).unwrap();
}

pub fn ram_tags(s: &dyn Store) {
    s.create_role(&role("Tagged"), 10, &[]).unwrap();
    let rid = s.get_role("Tagged").unwrap().unwrap().role_id;
    let (p, v) = policy("tp");
    s.create_policy(&p, &v, 10).unwrap();
    let items = [
        (TagResource::Role, rid.clone()),
        (TagResource::Policy, "tp".to_string()),
    ];
    let t = |k: &str, v: &str| (k.to_string(), v.to_string());
    s.tag_resources(&items, &[t("a", "1"), t("b", "2")], 3)
        .unwrap();
    // One resource over the limit: nothing changes anywhere.
    s.tag_resource(TagResource::Policy, "tp", &[t("c", "3")], 3)
        .unwrap();
    assert!(matches!(
        s.tag_resources(&items, &[t("d", "4")], 3),
        Err(StoreError::Limit(Entity::Tag))
    ));
    assert_eq!(s.list_tags(TagResource::Role, &rid).unwrap().len(), 2);
    s.untag_resources(&items, Some(&["a".to_string()])).unwrap();
    assert_eq!(s.list_tags(TagResource::Role, &rid).unwrap(), [t("b", "2")]);
    s.untag_resources(&items[1..], None).unwrap();
    assert!(s.list_tags(TagResource::Policy, "tp").unwrap().is_empty());
    // Tags go with their role or policy.
    s.tag_resources(&items, &[t("x", "y")], 3).unwrap();
    s.delete_role("Tagged").unwrap();
    s.delete_policy("tp", true).unwrap();
    assert!(s.list_tags(TagResource::Role, &rid).unwrap().is_empty());
    assert!(s.list_tags(TagResource::Policy, "tp").unwrap().is_empty());
    // Tags given at creation are part of it.
    s.create_role_with_tags(&role("Born"), 10, &[], &[t("k", "v")])
        .unwrap();
    assert_eq!(
        s.list_tags(TagResource::Role, "rid-Born").unwrap(),
        [t("k", "v")]
    );
    let (p, v) = policy("bp");
    s.create_policy_with_tags(&p, &v, 10, &[t("k", "v")])
        .unwrap();
    assert_eq!(
        s.list_tags(TagResource::Policy, "bp").unwrap(),
        [t("k", "v")]
    );
    // Users: tags at creation (over the limit: no user), gone with the user.
    let u = user("tagged-user");
    let three = [t("a", "1"), t("b", "2"), t("c", "3")];
    assert!(matches!(
        s.create_user_with_tags(&u, 10, &three, 2),
        Err(StoreError::Limit(Entity::Tag))
    ));
    assert!(s.get_user("tagged-user").unwrap().is_none());
    s.create_user_with_tags(&u, 10, &three[..2], 2).unwrap();
    assert_eq!(s.list_tags(TagResource::User, &u.user_id).unwrap().len(), 2);
    s.delete_user("tagged-user").unwrap();
    assert!(s
        .list_tags(TagResource::User, &u.user_id)
        .unwrap()
        .is_empty());
}

fn mfa_device(serial: &str) -> MfaDeviceRow {
    MfaDeviceRow {
        serial_number: serial.into(),
        seed_sealed: vec![1, 2, 3],
        user: None,
        created_at: 5,
        activated_at: None,
        last_step: 0,
    }
}

pub fn mfa_devices(s: &dyn Store) {
    s.create_user(&user("m1"), 1000).unwrap();
    s.create_user(&user("m2"), 1000).unwrap();
    s.create_mfa_device(&mfa_device("acs:ram::1:mfa/a"), 2)
        .unwrap();
    assert!(matches!(
        s.create_mfa_device(&mfa_device("acs:ram::1:mfa/a"), 2),
        Err(StoreError::Conflict(Entity::MfaDevice))
    ));
    s.create_mfa_device(&mfa_device("acs:ram::1:mfa/b"), 2)
        .unwrap();
    assert!(matches!(
        s.create_mfa_device(&mfa_device("acs:ram::1:mfa/c"), 2),
        Err(StoreError::Limit(Entity::MfaDevice))
    ));
    assert_eq!(
        s.get_mfa_device("acs:ram::1:mfa/a").unwrap().unwrap(),
        mfa_device("acs:ram::1:mfa/a")
    );
    assert!(s.user_mfa_device("m1").unwrap().is_none());
    assert!(matches!(
        s.bind_mfa_device("nobody", "acs:ram::1:mfa/a", 9, 100),
        Err(StoreError::NotFound(Entity::User))
    ));
    assert!(matches!(
        s.bind_mfa_device("m1", "acs:ram::1:mfa/zz", 9, 100),
        Err(StoreError::NotFound(Entity::MfaDevice))
    ));
    s.bind_mfa_device("m1", "acs:ram::1:mfa/a", 9, 100).unwrap();
    // A bound device, a user with a device: both refused.
    assert!(matches!(
        s.bind_mfa_device("m2", "acs:ram::1:mfa/a", 9, 100),
        Err(StoreError::Conflict(Entity::MfaDevice))
    ));
    assert!(matches!(
        s.bind_mfa_device("m1", "acs:ram::1:mfa/b", 9, 100),
        Err(StoreError::Conflict(Entity::MfaDevice))
    ));
    let d = s.user_mfa_device("m1").unwrap().unwrap();
    assert_eq!(d.serial_number, "acs:ram::1:mfa/a");
    assert_eq!(d.activated_at, Some(9));
    assert_eq!(d.last_step, 100);
    assert_eq!(d.user.as_ref().map(|u| u.1.as_str()), Some("m1"));
    let all = s.list_mfa_devices().unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[1].user.is_none());
    // A code is good once: only later steps.
    assert!(!s.use_mfa_step("acs:ram::1:mfa/a", 100).unwrap());
    assert!(s.use_mfa_step("acs:ram::1:mfa/a", 101).unwrap());
    assert!(matches!(
        s.delete_mfa_device("acs:ram::1:mfa/a"),
        Err(StoreError::DeleteConflict(Entity::MfaDevice))
    ));
    assert!(matches!(
        s.delete_user("m1"),
        Err(StoreError::DeleteConflict(Entity::MfaDevice))
    ));
    assert_eq!(
        s.unbind_mfa_device("m1").unwrap().serial_number,
        "acs:ram::1:mfa/a"
    );
    assert!(matches!(
        s.unbind_mfa_device("m1"),
        Err(StoreError::NotFound(Entity::MfaDevice))
    ));
    s.delete_user("m1").unwrap();
    s.delete_mfa_device("acs:ram::1:mfa/a").unwrap();
    assert!(matches!(
        s.delete_mfa_device("acs:ram::1:mfa/a"),
        Err(StoreError::NotFound(Entity::MfaDevice))
    ));
}
