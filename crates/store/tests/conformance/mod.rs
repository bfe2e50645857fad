//! The store conformance suite: every backend must pass every case here.
//! A backend's test file calls [`run_all`] with a factory of fresh stores.

use rampart_store::*;

mod account;
use account::{account_settings, mfa_devices, ram_tags};
mod sessions;

fn user(name: &str) -> UserRow {
    UserRow {
        user_id: format!("id-{name}"),
        user_name: name.into(),
        display_name: format!("{name} display"),
        created_at: 100,
        updated_at: 100,
        ..Default::default()
    }
}

fn key(id: &str) -> AccessKeyRow {
    AccessKeyRow {
        access_key_id: id.into(),
        user_name: None,
        secret_sealed: vec![1, 2, 3],
        status: KeyStatus::Active,
        created_at: 100,
        last_used_at: None,
    }
}

fn group(name: &str) -> GroupRow {
    GroupRow {
        group_id: format!("gid-{name}"),
        group_name: name.into(),
        comments: "c".into(),
        display_name: format!("{name} team"),
        created_at: 100,
        updated_at: 100,
    }
}

/// Runs every case, each on a fresh store from `fresh`.
pub fn run_all(fresh: &dyn Fn() -> Box<dyn Store>) {
    account_init_once(&*fresh());
    nonces_refuse_replay(&*fresh());
    users_crud_and_paging(&*fresh());
    nul_in_text_is_refused_alike(&*fresh());
    access_keys_limit_and_lifecycle(&*fresh());
    delete_user_conflicts(&*fresh());
    groups_and_membership(&*fresh());
    login_profiles(&*fresh());
    account_settings(&*fresh());
    mfa_devices(&*fresh());
    ram_tags(&*fresh());
    policies_and_versions(&*fresh());
    attachments_and_effective_policies(&*fresh());
    roles(&*fresh());
    kms_keys_aliases_tags(&*fresh());
    secrets_versions_stages(&*fresh());
    rotation_leases_and_commits(&*fresh());
    database_secret_pending_versions(&*fresh());
    audit_trail(&*fresh());
    audit_retention(&*fresh());
    audit_scan_is_bounded(&*fresh());
    sessions::console_sessions(&*fresh());
    sessions::login_failures(&*fresh());
    reset_keeps_the_account_and_its_root_keys(&*fresh());
}

fn account_init_once(s: &dyn Store) {
    assert!(s.account().unwrap().is_none());
    let acct = AccountRow {
        account_id: "1234567890123456".into(),
        console_password_hash: "h".into(),
        created_at: 1,
    };
    s.init_account(&acct, &key("ROOTKEY")).unwrap();
    assert_eq!(s.account().unwrap(), Some(acct.clone()));
    assert!(matches!(
        s.init_account(&acct, &key("ROOTKEY2")),
        Err(StoreError::Conflict(Entity::Account))
    ));
    // The failed second init left nothing behind.
    assert!(s.get_access_key("ROOTKEY2").unwrap().is_none());
    let root = s.get_access_key("ROOTKEY").unwrap().unwrap();
    assert_eq!(root.user_name, None);
    assert_eq!(root.secret_sealed, vec![1, 2, 3]);
}

/// Test mode's reset: everything of the account goes but the account and
/// its root keys; the same names can be used again (the secrets' count
/// follows).
fn reset_keeps_the_account_and_its_root_keys(s: &dyn Store) {
    let acct = AccountRow {
        account_id: "1234567890123456".into(),
        console_password_hash: "h".into(),
        created_at: 1,
    };
    s.init_account(&acct, &key("ROOTKEY")).unwrap();
    let fill = || {
        s.create_user(&user("u"), 100).unwrap();
        s.create_access_key("u", &key("UKEY"), 2).unwrap();
        s.create_group(&group("g"), 100).unwrap();
        s.add_user_to_group("u", "g", 10, 5).unwrap();
        s.put_setting("password-policy", Some("{}"), 10).unwrap();
        let meta = SecretRow {
            secret_name: "s".into(),
            secret_type: "Generic".into(),
            encryption_key_id: "k".into(),
            created_at: 1,
            updated_at: 1,
            ..Default::default()
        };
        s.create_secret(&meta, &secret_version("v0"), &[], 1)
            .unwrap();
    };
    fill();
    assert!(s.use_nonce("ROOTKEY", "n", 100, 200).unwrap());
    s.reset_account().unwrap();
    assert_eq!(s.account().unwrap(), Some(acct));
    assert!(s.get_access_key("ROOTKEY").unwrap().is_some());
    assert!(s.get_access_key("UKEY").unwrap().is_none());
    assert!(s.get_user("u").unwrap().is_none());
    assert!(s.get_group("g").unwrap().is_none());
    assert!(s.get_setting("password-policy").unwrap().is_none());
    assert!(s.list_secrets().unwrap().is_empty());
    // The replay window stays.
    assert!(!s.use_nonce("ROOTKEY", "n", 150, 250).unwrap());
    // Everything again, a secret within a limit of one.
    fill();
    s.reset_account().unwrap();
    s.reset_account().unwrap();
    assert!(s.get_user("u").unwrap().is_none());
}

fn nonces_refuse_replay(s: &dyn Store) {
    assert!(s.use_nonce("k", "n1", 100, 200).unwrap());
    assert!(!s.use_nonce("k", "n1", 150, 250).unwrap());
    assert!(s.use_nonce("k2", "n1", 150, 250).unwrap());
    // Live up to and including its expiry second.
    assert!(!s.use_nonce("k", "n1", 200, 300).unwrap());
    // After the window the nonce may be seen again.
    assert!(s.use_nonce("k", "n1", 300, 400).unwrap());
}

/// A NUL in text: PostgreSQL would fail, SQLite and MySQL would keep it;
/// every backend refuses it alike, and nothing is written.
fn nul_in_text_is_refused_alike(s: &dyn Store) {
    let mut u = user("nul");
    u.comments = "a\0b".into();
    assert!(matches!(
        s.create_user(&u, 1000),
        Err(StoreError::NulInText)
    ));
    assert!(s.get_user("nul").unwrap().is_none());
    u.comments = "ab".into();
    s.create_user(&u, 1000).unwrap();
    u.display_name = "x\0".into();
    assert!(matches!(s.update_user(&u), Err(StoreError::NulInText)));
    assert_eq!(
        s.get_user("nul").unwrap().unwrap().display_name,
        user("nul").display_name
    );
}

fn users_crud_and_paging(s: &dyn Store) {
    for n in ["carol", "alice", "bob"] {
        s.create_user(&user(n), 1000).unwrap();
    }
    assert!(matches!(
        s.create_user(&user("alice"), 1000),
        Err(StoreError::Conflict(Entity::User))
    ));
    assert!(matches!(
        s.create_user(&user("dave"), 3),
        Err(StoreError::Limit(Entity::User))
    ));
    let page1 = s.list_users(None, 2).unwrap();
    assert_eq!(
        page1
            .iter()
            .map(|u| u.user_name.as_str())
            .collect::<Vec<_>>(),
        ["alice", "bob"]
    );
    let page2 = s.list_users(Some("bob"), 2).unwrap();
    assert_eq!(
        page2
            .iter()
            .map(|u| u.user_name.as_str())
            .collect::<Vec<_>>(),
        ["carol"]
    );
    let mut a = s.get_user("alice").unwrap().unwrap();
    a.user_name = "alicia".into();
    a.email = "a@example.com".into();
    s.update_user(&a).unwrap();
    assert!(s.get_user("alice").unwrap().is_none());
    let by_id = s.get_user_by_id(&a.user_id).unwrap().unwrap();
    assert_eq!(by_id.user_name, "alicia");
    assert!(s.get_user_by_id("no-such-id").unwrap().is_none());
    assert_eq!(
        s.get_user("alicia").unwrap().unwrap().email,
        "a@example.com"
    );
    let mut b = s.get_user("bob").unwrap().unwrap();
    b.user_name = "carol".into();
    assert!(matches!(
        s.update_user(&b),
        Err(StoreError::Conflict(Entity::User))
    ));
    s.delete_user("bob").unwrap();
    assert!(matches!(
        s.delete_user("bob"),
        Err(StoreError::NotFound(Entity::User))
    ));
}

fn access_keys_limit_and_lifecycle(s: &dyn Store) {
    s.create_user(&user("u"), 1000).unwrap();
    assert!(matches!(
        s.create_access_key("nobody", &key("K0"), 2),
        Err(StoreError::NotFound(Entity::User))
    ));
    s.create_access_key("u", &key("K1"), 2).unwrap();
    s.create_access_key("u", &key("K2"), 2).unwrap();
    assert!(matches!(
        s.create_access_key("u", &key("K3"), 2),
        Err(StoreError::Limit(Entity::AccessKey))
    ));
    assert!(s.get_access_key("K3").unwrap().is_none());
    let keys = s.list_access_keys("u").unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].user_name.as_deref(), Some("u"));
    s.set_access_key_status("u", "K1", KeyStatus::Inactive, 200)
        .unwrap();
    assert_eq!(
        s.get_access_key("K1").unwrap().unwrap().status,
        KeyStatus::Inactive
    );
    assert!(matches!(
        s.set_access_key_status("u", "NOPE", KeyStatus::Active, 200),
        Err(StoreError::NotFound(Entity::AccessKey))
    ));
    s.touch_access_key("K2", 555).unwrap();
    assert_eq!(
        s.get_access_key("K2").unwrap().unwrap().last_used_at,
        Some(555)
    );
    s.delete_access_key("u", "K1").unwrap();
    assert!(matches!(
        s.delete_access_key("u", "K1"),
        Err(StoreError::NotFound(Entity::AccessKey))
    ));
    // A renamed user keeps its keys.
    let mut u = s.get_user("u").unwrap().unwrap();
    u.user_name = "u2".into();
    s.update_user(&u).unwrap();
    assert_eq!(s.list_access_keys("u2").unwrap().len(), 1);
    assert_eq!(
        s.get_access_key("K2")
            .unwrap()
            .unwrap()
            .user_name
            .as_deref(),
        Some("u2")
    );
}

fn delete_user_conflicts(s: &dyn Store) {
    s.create_user(&user("x"), 1000).unwrap();
    s.create_group(&group("g"), 1000).unwrap();
    s.create_access_key("x", &key("KX"), 2).unwrap();
    assert!(matches!(
        s.delete_user("x"),
        Err(StoreError::DeleteConflict(Entity::AccessKey))
    ));
    s.delete_access_key("x", "KX").unwrap();
    s.add_user_to_group("x", "g", 1, 5).unwrap();
    assert!(matches!(
        s.delete_user("x"),
        Err(StoreError::DeleteConflict(Entity::Group))
    ));
    s.remove_user_from_group("x", "g").unwrap();
    let p = LoginProfileRow {
        password_hash: "h".into(),
        password_reset_required: false,
        mfa_bind_required: false,
        created_at: 1,
        updated_at: 1,
        password_changed_at: 1,
        previous_hashes: vec![],
    };
    s.create_login_profile("x", &p).unwrap();
    assert!(matches!(
        s.delete_user("x"),
        Err(StoreError::DeleteConflict(Entity::LoginProfile))
    ));
    s.delete_login_profile("x").unwrap();
    s.delete_user("x").unwrap();
}

fn groups_and_membership(s: &dyn Store) {
    for n in ["g1", "g2", "g3"] {
        s.create_group(&group(n), 1000).unwrap();
    }
    assert!(matches!(
        s.create_group(&group("g1"), 1000),
        Err(StoreError::Conflict(Entity::Group))
    ));
    s.create_user(&user("m"), 1000).unwrap();
    s.create_user(&user("n"), 1000).unwrap();
    s.add_user_to_group("m", "g1", 10, 2).unwrap();
    s.add_user_to_group("m", "g2", 11, 2).unwrap();
    assert!(matches!(
        s.add_user_to_group("m", "g1", 12, 2),
        Err(StoreError::Conflict(Entity::Membership))
    ));
    assert!(matches!(
        s.add_user_to_group("m", "g3", 12, 2),
        Err(StoreError::Limit(Entity::Membership))
    ));
    assert!(matches!(
        s.add_user_to_group("m", "zz", 12, 2),
        Err(StoreError::NotFound(Entity::Group))
    ));
    s.add_user_to_group("n", "g1", 13, 2).unwrap();
    let gs = s.list_groups_for_user("m").unwrap();
    assert_eq!(
        gs.iter()
            .map(|(g, t)| (g.group_name.as_str(), *t))
            .collect::<Vec<_>>(),
        [("g1", 10), ("g2", 11)]
    );
    let us = s.list_users_for_group("g1", None, 10).unwrap();
    assert_eq!(
        us.iter()
            .map(|(u, _)| u.user_name.as_str())
            .collect::<Vec<_>>(),
        ["m", "n"]
    );
    assert_eq!(
        s.list_users_for_group("g1", Some("m"), 10).unwrap().len(),
        1
    );
    assert!(matches!(
        s.delete_group("g1"),
        Err(StoreError::DeleteConflict(Entity::User))
    ));
    assert!(matches!(
        s.remove_user_from_group("n", "g2"),
        Err(StoreError::NotFound(Entity::Membership))
    ));
    let mut g = s.get_group("g3").unwrap().unwrap();
    g.group_name = "g4".into();
    g.comments = "new".into();
    s.update_group(&g).unwrap();
    assert_eq!(s.get_group("g4").unwrap().unwrap().comments, "new");
    s.delete_group("g4").unwrap();
    assert_eq!(s.list_groups(None, 10).unwrap().len(), 2);
    assert_eq!(s.list_groups(Some("g1"), 10).unwrap().len(), 1);
}

fn login_profiles(s: &dyn Store) {
    s.create_user(&user("l"), 1000).unwrap();
    assert!(s.get_login_profile("l").unwrap().is_none());
    assert!(matches!(
        s.get_login_profile("zz"),
        Err(StoreError::NotFound(Entity::User))
    ));
    let mut p = LoginProfileRow {
        password_hash: "h1".into(),
        password_reset_required: true,
        mfa_bind_required: false,
        created_at: 1,
        updated_at: 1,
        password_changed_at: 1,
        previous_hashes: vec![],
    };
    s.create_login_profile("l", &p).unwrap();
    assert_eq!(s.get_login_profile("l").unwrap().unwrap(), p);
    assert!(matches!(
        s.create_login_profile("l", &p),
        Err(StoreError::Conflict(Entity::LoginProfile))
    ));
    p.previous_hashes = vec![p.password_hash.clone(), "h0".into()];
    p.password_hash = "h2".into();
    p.updated_at = 2;
    p.password_changed_at = 2;
    s.update_login_profile("l", &p).unwrap();
    assert_eq!(s.get_login_profile("l").unwrap().unwrap(), p);
    s.delete_login_profile("l").unwrap();
    assert!(matches!(
        s.update_login_profile("l", &p),
        Err(StoreError::NotFound(Entity::LoginProfile))
    ));
}

fn policy(name: &str) -> (PolicyRow, PolicyVersionRow) {
    (
        PolicyRow {
            policy_name: name.into(),
            description: "d".into(),
            default_version: 1,
            created_at: 1,
            updated_at: 1,
        },
        PolicyVersionRow {
            version: 1,
            document: format!("doc-{name}-1"),
            created_at: 1,
        },
    )
}

fn role(name: &str) -> RoleRow {
    RoleRow {
        role_id: format!("rid-{name}"),
        role_name: name.into(),
        description: "r".into(),
        trust_policy: "{}".into(),
        max_session_duration: 3600,
        service_linked: false,
        created_at: 1,
        updated_at: 1,
    }
}

const LIMITS: AttachLimits = AttachLimits {
    system: 20,
    custom: 2,
};

fn policies_and_versions(s: &dyn Store) {
    let (p, v) = policy("P");
    s.create_policy(&p, &v, 10).unwrap();
    assert!(matches!(
        s.create_policy(&p, &v, 10),
        Err(StoreError::Conflict(Entity::Policy))
    ));
    assert!(matches!(
        s.create_policy(&policy("Q").0, &policy("Q").1, 1),
        Err(StoreError::Limit(Entity::Policy))
    ));
    for i in 2..=5 {
        let nv = s
            .create_policy_version("P", &format!("doc-{i}"), false, false, 5, 10)
            .unwrap();
        assert_eq!(nv.version, i);
    }
    assert!(matches!(
        s.create_policy_version("P", "doc-6", false, false, 5, 10),
        Err(StoreError::Limit(Entity::PolicyVersion))
    ));
    // Rotation drops the oldest non-default version (v2; v1 is default).
    let v6 = s
        .create_policy_version("P", "doc-6", true, true, 5, 11)
        .unwrap();
    assert_eq!(v6.version, 6);
    let versions: Vec<i64> = s
        .list_policy_versions("P")
        .unwrap()
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(versions, [1, 3, 4, 5, 6]);
    assert_eq!(s.get_policy("P").unwrap().unwrap().default_version, 6);
    assert!(matches!(
        s.delete_policy_version("P", 6),
        Err(StoreError::DeleteConflict(Entity::DefaultPolicyVersion))
    ));
    s.delete_policy_version("P", 3).unwrap();
    assert!(matches!(
        s.delete_policy_version("P", 3),
        Err(StoreError::NotFound(Entity::PolicyVersion))
    ));
    s.set_default_policy_version("P", 1, 12).unwrap();
    assert!(matches!(
        s.set_default_policy_version("P", 99, 12),
        Err(StoreError::NotFound(Entity::PolicyVersion))
    ));
    assert_eq!(
        s.get_policy_version("P", 1).unwrap().unwrap().document,
        "doc-P-1"
    );
    assert!(s.get_policy_version("P", 3).unwrap().is_none());
    assert!(matches!(
        s.delete_policy("P", false),
        Err(StoreError::DeleteConflict(Entity::PolicyVersion))
    ));
    s.update_policy_description("P", "new", 13).unwrap();
    assert_eq!(s.list_policies(None, 10).unwrap()[0].description, "new");
    s.delete_policy("P", true).unwrap();
    assert!(s.get_policy("P").unwrap().is_none());
    assert!(matches!(
        s.list_policy_versions("P"),
        Err(StoreError::NotFound(Entity::Policy))
    ));
}

fn attachments_and_effective_policies(s: &dyn Store) {
    s.create_user(&user("u"), 100).unwrap();
    s.create_group(&group("g"), 100).unwrap();
    s.add_user_to_group("u", "g", 1, 5).unwrap();
    s.create_role(&role("R"), 100, &[]).unwrap();
    for n in ["A", "B", "C"] {
        let (p, v) = policy(n);
        s.create_policy(&p, &v, 10).unwrap();
    }
    s.attach_policy(PrincipalKind::User, "u", PolicyType::Custom, "A", 5, LIMITS)
        .unwrap();
    assert!(matches!(
        s.attach_policy(PrincipalKind::User, "u", PolicyType::Custom, "A", 5, LIMITS),
        Err(StoreError::Conflict(Entity::Attachment))
    ));
    s.attach_policy(
        PrincipalKind::User,
        "u",
        PolicyType::System,
        "AdministratorAccess",
        5,
        LIMITS,
    )
    .unwrap();
    s.attach_policy(PrincipalKind::User, "u", PolicyType::Custom, "B", 5, LIMITS)
        .unwrap();
    assert!(matches!(
        s.attach_policy(PrincipalKind::User, "u", PolicyType::Custom, "C", 5, LIMITS),
        Err(StoreError::Limit(Entity::Attachment))
    ));
    assert!(matches!(
        s.attach_policy(
            PrincipalKind::User,
            "u",
            PolicyType::Custom,
            "Nope",
            5,
            LIMITS
        ),
        Err(StoreError::NotFound(Entity::Policy))
    ));
    assert!(matches!(
        s.attach_policy(
            PrincipalKind::Role,
            "nope",
            PolicyType::Custom,
            "A",
            5,
            LIMITS
        ),
        Err(StoreError::NotFound(Entity::Role))
    ));
    s.attach_policy(
        PrincipalKind::Group,
        "g",
        PolicyType::Custom,
        "C",
        6,
        LIMITS,
    )
    .unwrap();
    s.attach_policy(PrincipalKind::Role, "R", PolicyType::Custom, "A", 7, LIMITS)
        .unwrap();
    let mut eff: Vec<String> = s
        .effective_policies_for_user("id-u")
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}:{}:{}",
                e.policy_type.as_str(),
                e.policy_name,
                e.version,
                e.document
            )
        })
        .collect();
    eff.sort();
    assert_eq!(
        eff,
        [
            "Custom:A:1:doc-A-1",
            "Custom:B:1:doc-B-1",
            "Custom:C:1:doc-C-1",
            "System:AdministratorAccess:0:"
        ]
    );
    // A new default version is what applies.
    s.create_policy_version("A", "doc-A-2", true, false, 5, 8)
        .unwrap();
    let role_eff = s.effective_policies_for_role("rid-R").unwrap();
    assert_eq!(role_eff.len(), 1);
    assert_eq!(role_eff[0].document, "doc-A-2");
    assert_eq!(s.attachment_count(PolicyType::Custom, "A").unwrap(), 2);
    let ents = s.list_entities_for_policy(PolicyType::Custom, "A").unwrap();
    assert_eq!(
        ents.iter()
            .map(|e| (e.kind, e.name.as_str()))
            .collect::<Vec<_>>(),
        [(PrincipalKind::Role, "R"), (PrincipalKind::User, "u")]
    );
    assert_eq!(
        s.list_attachments(PrincipalKind::User, "u").unwrap().len(),
        3
    );
    assert!(matches!(
        s.delete_policy("A", false),
        Err(StoreError::DeleteConflictOn(PrincipalKind::User))
    ));
    assert!(matches!(
        s.delete_user("u"),
        Err(StoreError::DeleteConflict(Entity::Group))
    ));
    s.remove_user_from_group("u", "g").unwrap();
    assert!(matches!(
        s.delete_user("u"),
        Err(StoreError::DeleteConflict(Entity::Attachment))
    ));
    assert!(matches!(
        s.delete_group("g"),
        Err(StoreError::DeleteConflict(Entity::Attachment))
    ));
    assert!(matches!(
        s.delete_role("R"),
        Err(StoreError::DeleteConflict(Entity::Attachment))
    ));
    s.detach_policy(PrincipalKind::User, "u", PolicyType::Custom, "A")
        .unwrap();
    assert!(matches!(
        s.detach_policy(PrincipalKind::User, "u", PolicyType::Custom, "A"),
        Err(StoreError::NotFound(Entity::Attachment))
    ));
    assert!(matches!(
        s.delete_policy("A", false),
        Err(StoreError::DeleteConflictOn(PrincipalKind::Role))
    ));
    // Cascading delete detaches everywhere.
    s.delete_policy("A", true).unwrap();
    assert_eq!(s.effective_policies_for_role("rid-R").unwrap().len(), 0);
    s.delete_role("R").unwrap();
}

fn roles(s: &dyn Store) {
    s.create_role(&role("Admin"), 2, &[]).unwrap();
    assert!(matches!(
        s.create_role(&role("admin"), 2, &[]),
        Err(StoreError::Conflict(Entity::Role))
    ));
    s.create_role(&role("Reader"), 2, &[]).unwrap();
    assert!(matches!(
        s.create_role(&role("Third"), 2, &[]),
        Err(StoreError::Limit(Entity::Role))
    ));
    // Role names are case-insensitive for lookup and keep their case.
    let r = s.get_role("ADMIN").unwrap().unwrap();
    assert_eq!(r.role_name, "Admin");
    let mut r2 = r.clone();
    r2.description = "changed".into();
    r2.max_session_duration = 7200;
    s.update_role(&r2).unwrap();
    assert_eq!(
        s.get_role("Admin").unwrap().unwrap().max_session_duration,
        7200
    );
    assert_eq!(s.list_roles(None, 1).unwrap()[0].role_name, "Admin");
    assert_eq!(
        s.list_roles(Some("Admin"), 10).unwrap()[0].role_name,
        "Reader"
    );
    s.delete_role("reader").unwrap();
    s.create_role(&role("Linked"), 3, &["SomeSystemPolicy"])
        .unwrap();
    assert_eq!(
        s.list_attachments(PrincipalKind::Role, "Linked").unwrap()[0].policy_name,
        "SomeSystemPolicy"
    );
    assert!(matches!(
        s.delete_role("Reader"),
        Err(StoreError::NotFound(Entity::Role))
    ));
    // A role with policies goes with them, unless secrets of a type exist.
    let ram_secret = SecretRow {
        secret_name: "acs/ram/user/u".into(),
        secret_type: "RAMCredentials".into(),
        encryption_key_id: "k".into(),
        created_at: 1,
        updated_at: 1,
        ..Default::default()
    };
    s.create_secret(&ram_secret, &secret_version("v1"), &[], 10)
        .unwrap();
    assert_eq!(
        s.delete_role_unless_used("linked", "RAMCredentials", 4)
            .unwrap(),
        vec!["acs/ram/user/u".to_string()]
    );
    assert_eq!(
        s.list_attachments(PrincipalKind::Role, "Linked")
            .unwrap()
            .len(),
        1
    );
    assert!(s
        .delete_role_unless_used("LINKED", "Generic", 4)
        .unwrap()
        .is_empty());
    assert!(s.get_role("Linked").unwrap().is_none());
    assert!(matches!(
        s.list_attachments(PrincipalKind::Role, "Linked"),
        Err(StoreError::NotFound(Entity::Role))
    ));
    assert!(matches!(
        s.delete_role_unless_used("Linked", "Generic", 4),
        Err(StoreError::NotFound(Entity::Role))
    ));
}

fn kms_key(id: &str) -> (KeyRow, KeyVersionRow) {
    (
        KeyRow {
            key_id: id.into(),
            key_spec: "Aliyun_AES_256".into(),
            key_usage: "ENCRYPT/DECRYPT".into(),
            origin: "Aliyun_KMS".into(),
            protection_level: "SOFTWARE".into(),
            key_state: "Enabled".into(),
            created_at: 10,
            last_rotation_at: 10,
            primary_version: format!("{id}-v1"),
            ..Default::default()
        },
        KeyVersionRow {
            version_id: format!("{id}-v1"),
            material_sealed: vec![9; 8],
            created_at: 10,
        },
    )
}

fn secret_version(id: &str) -> SecretVersionRow {
    SecretVersionRow {
        version_id: id.into(),
        seq: 0,
        data_type: "text".into(),
        key_id: "k".into(),
        key_version_id: "k-v1".into(),
        wrapped_key: vec![1],
        ciphertext: format!("ct-{id}").into_bytes(),
        created_at: 20,
    }
}

pub fn kms_keys_aliases_tags(s: &dyn Store) {
    let (k, v) = kms_key("k1");
    s.create_key(&k, &v, &[("env".into(), "prod".into())], 10)
        .unwrap();
    assert!(matches!(
        s.create_key(&kms_key("k2").0, &kms_key("k2").1, &[], 1),
        Err(StoreError::Limit(Entity::Key))
    ));
    let d1 = s
        .ensure_default_key(&kms_key("d1").0, &kms_key("d1").1)
        .unwrap();
    let d2 = s
        .ensure_default_key(&kms_key("d2").0, &kms_key("d2").1)
        .unwrap();
    assert_eq!((d1.key_id.as_str(), d2.key_id.as_str()), ("d1", "d1"));
    assert!(d1.is_default);
    let (keys, total) = s.list_keys(0, 10).unwrap();
    assert_eq!((keys.len(), total), (2, 2));
    s.add_key_version(
        "k1",
        &KeyVersionRow {
            version_id: "k1-v2".into(),
            material_sealed: vec![1],
            created_at: 30,
        },
    )
    .unwrap();
    let k1 = s.get_key("k1").unwrap().unwrap();
    assert_eq!(
        (k1.primary_version.as_str(), k1.last_rotation_at),
        ("k1-v2", 30)
    );
    assert_eq!(k1.policy, None);
    let with_policy = KeyRow {
        policy: Some(r#"{"Version":"1","Statement":[]}"#.into()),
        ..k1.clone()
    };
    s.update_key(&with_policy).unwrap();
    assert_eq!(s.get_key("k1").unwrap().unwrap().policy, with_policy.policy);
    s.update_key(&k1).unwrap();
    assert_eq!(s.get_key("k1").unwrap().unwrap().policy, None);
    // Imported material: the version's material and the key's fields together.
    let imported = KeyRow {
        key_state: "PendingImport".into(),
        material_expire_at: Some(99),
        ..k1.clone()
    };
    s.set_key_material(&imported, "k1-v2", &[]).unwrap();
    let got = s.get_key("k1").unwrap().unwrap();
    assert_eq!(
        (got.key_state.as_str(), got.material_expire_at),
        ("PendingImport", Some(99))
    );
    assert!(s
        .get_key_version("k1", "k1-v2")
        .unwrap()
        .unwrap()
        .material_sealed
        .is_empty());
    assert!(matches!(
        s.set_key_material(&imported, "nope", &[1]),
        Err(StoreError::NotFound(Entity::KeyVersion))
    ));
    s.set_key_material(&k1, "k1-v2", &[1]).unwrap();
    assert_eq!(
        s.get_key_version("k1", "k1-v2")
            .unwrap()
            .unwrap()
            .material_sealed,
        vec![1]
    );
    assert_eq!(s.get_key("k1").unwrap().unwrap(), k1);
    assert_eq!(s.list_key_versions("k1").unwrap().len(), 2);
    assert!(s.get_key_version("k1", "k1-v1").unwrap().is_some());
    let mut k1b = k1.clone();
    k1b.key_state = "PendingDeletion".into();
    k1b.delete_at = Some(100);
    s.update_key(&k1b).unwrap();
    let alias = AliasRow {
        alias_name: "alias/a".into(),
        key_id: "k1".into(),
        created_at: 1,
        updated_at: 1,
    };
    s.create_alias(&alias).unwrap();
    assert!(matches!(
        s.create_alias(&alias),
        Err(StoreError::Conflict(Entity::Alias))
    ));
    assert!(matches!(
        s.create_alias(&AliasRow {
            key_id: "nope".into(),
            alias_name: "alias/b".into(),
            ..alias.clone()
        }),
        Err(StoreError::NotFound(Entity::Key))
    ));
    s.update_alias("alias/a", "d1", 2).unwrap();
    assert_eq!(s.get_alias("alias/a").unwrap().unwrap().key_id, "d1");
    assert_eq!(s.list_aliases(Some("d1"), 0, 10).unwrap().1, 1);
    s.update_alias("alias/a", "k1", 3).unwrap();
    s.tag_resource(
        TagResource::Key,
        "k1",
        &[("env".into(), "dev".into()), ("team".into(), "x".into())],
        20,
    )
    .unwrap();
    assert_eq!(
        s.list_tags(TagResource::Key, "k1").unwrap(),
        [("env".into(), "dev".into()), ("team".into(), "x".into())]
    );
    assert!(matches!(
        s.tag_resource(TagResource::Key, "k1", &[("z".into(), "z".into())], 2),
        Err(StoreError::Limit(Entity::Tag))
    ));
    assert_eq!(
        s.list_tags(TagResource::Key, "k1").unwrap().len(),
        2,
        "a refused tag change leaves nothing behind"
    );
    s.untag_resource(TagResource::Key, "k1", &["team".into()])
        .unwrap();
    assert_eq!(s.list_tags(TagResource::Key, "k1").unwrap().len(), 1);
    assert!(s.purge_keys(99).unwrap().is_empty());
    assert_eq!(s.purge_keys(100).unwrap(), ["k1"]);
    assert!(s.get_key("k1").unwrap().is_none());
    assert!(s.get_alias("alias/a").unwrap().is_none());
}

pub fn secrets_versions_stages(s: &dyn Store) {
    let meta = SecretRow {
        secret_name: "db".into(),
        secret_type: "Generic".into(),
        encryption_key_id: "k".into(),
        created_at: 1,
        updated_at: 1,
        ..Default::default()
    };
    s.create_secret(
        &meta,
        &secret_version("v1"),
        &[("env".into(), "prod".into())],
        10,
    )
    .unwrap();
    assert!(matches!(
        s.create_secret(&meta, &secret_version("v1"), &[], 10),
        Err(StoreError::Conflict(Entity::Secret))
    ));
    let cur = s
        .get_secret_version("db", None, Some("ACSCurrent"))
        .unwrap()
        .unwrap();
    assert_eq!(
        (cur.version.version_id.as_str(), cur.stages.clone()),
        ("v1", vec!["ACSCurrent".to_string()])
    );
    let current = vec!["ACSCurrent".to_string()];
    s.put_secret_version("db", &secret_version("v2"), &current, 10)
        .unwrap();
    assert!(matches!(
        s.put_secret_version("db", &secret_version("v2"), &current, 10),
        Err(StoreError::Conflict(Entity::SecretVersion))
    ));
    let prev = s
        .get_secret_version("db", None, Some("ACSPrevious"))
        .unwrap()
        .unwrap();
    assert_eq!(prev.version.version_id, "v1");
    // A custom label leaves ACSCurrent where it is.
    s.put_secret_version("db", &secret_version("v3"), &["Pending".to_string()], 10)
        .unwrap();
    assert_eq!(
        s.get_secret_version("db", None, Some("ACSCurrent"))
            .unwrap()
            .unwrap()
            .version
            .version_id,
        "v2"
    );
    // Moving ACSCurrent to v3 makes v2 ACSPrevious.
    let mv = StageMove {
        stage: "ACSCurrent".into(),
        remove_from: Some("v2".into()),
        move_to: Some("v3".into()),
    };
    s.move_secret_stage("db", &mv, 5).unwrap();
    let versions = s.list_secret_versions("db").unwrap();
    let labels: Vec<(String, Vec<String>)> = versions
        .iter()
        .map(|v| (v.version.version_id.clone(), v.stages.clone()))
        .collect();
    assert_eq!(
        labels,
        [
            ("v1".to_string(), vec![]),
            ("v2".to_string(), vec!["ACSPrevious".to_string()]),
            (
                "v3".to_string(),
                vec!["ACSCurrent".to_string(), "Pending".to_string()]
            ),
        ]
    );
    // The secret and one version in one read: by stage, by id, or none.
    let (row, v) = s
        .get_secret_with_version("db", None, Some("ACSCurrent"))
        .unwrap()
        .unwrap();
    assert_eq!(row.secret_name, "db");
    let v = v.unwrap();
    let mut want = secret_version("v3");
    want.seq = v.version.seq;
    assert_eq!(v.version, want);
    assert_eq!(v.stages, ["ACSCurrent", "Pending"]);
    let (_, v) = s
        .get_secret_with_version("db", Some("v1"), None)
        .unwrap()
        .unwrap();
    let v = v.unwrap();
    assert_eq!((v.version.version_id.as_str(), v.stages.len()), ("v1", 0));
    let (_, v) = s
        .get_secret_with_version("db", Some("v2"), Some("ACSCurrent"))
        .unwrap()
        .unwrap();
    assert_eq!(
        v.unwrap().stages,
        ["ACSPrevious"],
        "an id wins over a stage"
    );
    for (id, stage) in [(Some("nope"), None), (None, Some("Nope")), (None, None)] {
        let (row, v) = s.get_secret_with_version("db", id, stage).unwrap().unwrap();
        assert_eq!(row.secret_name, "db");
        assert!(v.is_none(), "{id:?} {stage:?}");
    }
    assert!(s
        .get_secret_with_version("missing", None, Some("ACSCurrent"))
        .unwrap()
        .is_none());
    assert!(matches!(
        s.move_secret_stage(
            "db",
            &StageMove {
                stage: "Pending".into(),
                remove_from: Some("v1".into()),
                move_to: None
            },
            6
        ),
        Err(StoreError::Conflict(Entity::Stage))
    ));
    assert!(matches!(
        s.move_secret_stage(
            "db",
            &StageMove {
                stage: "X".into(),
                remove_from: None,
                move_to: Some("nope".into())
            },
            6
        ),
        Err(StoreError::NotFound(Entity::SecretVersion))
    ));
    // Retention: at most 4 versions here; the oldest unlabelled ones go.
    for i in 4..=6 {
        s.put_secret_version("db", &secret_version(&format!("v{i}")), &current, 4)
            .unwrap();
    }
    let ids: Vec<String> = s
        .list_secret_versions("db")
        .unwrap()
        .iter()
        .map(|v| v.version.version_id.clone())
        .collect();
    assert!(ids.len() <= 4 && ids.contains(&"v6".to_string()) && ids.contains(&"v5".to_string()));
    assert!(
        !ids.contains(&"v1".to_string()),
        "the oldest unlabelled version is evicted first: {ids:?}"
    );
    let mut m2 = s.get_secret("db").unwrap().unwrap();
    m2.planned_delete_at = Some(50);
    m2.description = "bye".into();
    s.update_secret(&m2).unwrap();
    assert_eq!(s.list_secrets().unwrap().len(), 1);
    assert!(s.purge_secrets(49).unwrap().is_empty());
    assert_eq!(s.purge_secrets(50).unwrap(), ["db"]);
    assert!(s.get_secret("db").unwrap().is_none());
    assert!(s.list_tags(TagResource::Secret, "db").unwrap().is_empty());
    assert!(matches!(
        s.delete_secret("db"),
        Err(StoreError::NotFound(Entity::Secret))
    ));
}

pub fn rotation_leases_and_commits(s: &dyn Store) {
    s.create_user(&user("ru"), 100).unwrap();
    s.create_access_key("ru", &key("OLD"), 2).unwrap();
    let meta = SecretRow {
        secret_name: "acs/ram/user/ru".into(),
        secret_type: "RAMCredentials".into(),
        encryption_key_id: "k".into(),
        created_at: 1,
        updated_at: 1,
        rotation_enabled: true,
        rotation_interval: Some(100),
        next_rotation_at: Some(50),
        ..Default::default()
    };
    s.create_secret(&meta, &secret_version("v0"), &[], 10)
        .unwrap();
    // Nothing due yet; then due; a lease keeps another owner out.
    assert!(s
        .claim_due_rotations(49, 49, "a", 200, 10)
        .unwrap()
        .is_empty());
    assert_eq!(
        s.claim_due_rotations(50, 50, "a", 200, 10).unwrap(),
        ["acs/ram/user/ru"]
    );
    assert!(s
        .claim_due_rotations(60, 60, "b", 300, 10)
        .unwrap()
        .is_empty());
    // Leases are measured on their own clock: work due long after (a test
    // clock ahead) does not end a lease the wall clock still runs.
    assert!(s
        .claim_due_rotations(100_000, 60, "b", 300, 10)
        .unwrap()
        .is_empty());
    assert!(!s.claim_rotation("acs/ram/user/ru", 60, "b", 300).unwrap());
    // A lost lease fences the commit out.
    let new_key = AccessKeyRow {
        access_key_id: "NEW".into(),
        ..key("NEW")
    };
    let v1 = secret_version("v1");
    let commit = |owner: &'static str, k: &AccessKeyRow, v: &SecretVersionRow| {
        s.commit_rotation(&RotationCommit {
            secret_name: "acs/ram/user/ru",
            owner,
            user_name: "ru",
            key: k,
            max_keys: 2,
            version: v,
            previous_key_id: Some("OLD"),
            pending_key_delete_at: 260,
            now: 60,
            next_rotation_at: Some(160),
        })
    };
    assert!(matches!(
        commit("b", &new_key, &v1),
        Err(StoreError::Conflict(Entity::Secret))
    ));
    assert!(
        s.get_access_key("NEW").unwrap().is_none(),
        "a fenced commit leaves nothing behind"
    );
    commit("a", &new_key, &v1).unwrap();
    let sec = s.get_secret("acs/ram/user/ru").unwrap().unwrap();
    assert_eq!(
        (
            sec.last_rotation_at,
            sec.next_rotation_at,
            sec.pending_key_delete_at
        ),
        (Some(60), Some(160), Some(260))
    );
    assert_eq!(sec.pending_key_id.as_deref(), Some("OLD"));
    assert_eq!(
        s.get_secret_version("acs/ram/user/ru", None, Some("ACSCurrent"))
            .unwrap()
            .unwrap()
            .version
            .version_id,
        "v1"
    );
    assert_eq!(
        s.get_secret_version("acs/ram/user/ru", None, Some("ACSPrevious"))
            .unwrap()
            .unwrap()
            .version
            .version_id,
        "v0"
    );
    assert_eq!(s.list_access_keys("ru").unwrap().len(), 2);
    // The key limit holds inside the rotation transaction.
    let third = AccessKeyRow {
        access_key_id: "THIRD".into(),
        ..key("THIRD")
    };
    assert!(matches!(
        commit("a", &third, &secret_version("v2")),
        Err(StoreError::Limit(Entity::AccessKey))
    ));
    assert!(s
        .get_secret_version("acs/ram/user/ru", Some("v2"), None)
        .unwrap()
        .is_none());
    // Failures are recorded; the grace period's end deletes the old key and ACSPrevious.
    s.record_rotation_failure("acs/ram/user/ru", "a", "NoPermission: x", 500)
        .unwrap();
    let sec = s.get_secret("acs/ram/user/ru").unwrap().unwrap();
    assert_eq!(
        (sec.rotation_failures, sec.rotation_retry_at),
        (1, Some(500))
    );
    assert_eq!(sec.rotation_error.as_deref(), Some("NoPermission: x"));
    s.finish_rotation("acs/ram/user/ru", "a", "ru", "OLD")
        .unwrap();
    assert!(s.get_access_key("OLD").unwrap().is_none());
    assert!(s
        .get_secret_version("acs/ram/user/ru", None, Some("ACSPrevious"))
        .unwrap()
        .is_none());
    assert!(s
        .get_secret_version("acs/ram/user/ru", Some("v0"), None)
        .unwrap()
        .is_none());
    assert!(s
        .get_secret("acs/ram/user/ru")
        .unwrap()
        .unwrap()
        .pending_key_id
        .is_none());
    s.release_rotation("acs/ram/user/ru", "a").unwrap();
    assert!(s.claim_rotation("acs/ram/user/ru", 61, "b", 300).unwrap());
    // A released lease is free; an expired one is taken over.
    assert!(s.claim_rotation("acs/ram/user/ru", 400, "c", 500).unwrap());
}

/// A database secret: created with a pending first version (no
/// `ACSCurrent` until committed) and a previous one; an interrupted
/// rotation's pending version makes the secret due on any replica once the
/// lease lapses; commits are fenced by the lease.
pub fn database_secret_pending_versions(s: &dyn Store) {
    let name = "db/app";
    let meta = SecretRow {
        secret_name: name.into(),
        secret_type: "Redis".into(),
        encryption_key_id: "k".into(),
        created_at: 1,
        updated_at: 1,
        rotation_enabled: true,
        rotation_interval: Some(1000),
        next_rotation_at: Some(1001),
        pending_version_id: Some("v1".into()),
        ..Default::default()
    };
    let (v1, v0) = (secret_version("v1"), secret_version("v0"));
    let accounts = [
        ("r-1".to_string(), "app".to_string()),
        ("r-1".to_string(), "app_clone".to_string()),
    ];
    let new = NewSecret {
        secret: &meta,
        versions: &[(&v1, None), (&v0, Some("ACSPrevious"))],
        tags: &[],
        max_secrets: 10,
        db_accounts: &accounts,
    };
    s.create_secret_with(&new).unwrap();
    // Another secret may not manage the same account; nothing of it stays.
    let other = SecretRow {
        secret_name: "db/other".into(),
        pending_version_id: None,
        ..meta.clone()
    };
    let taken = [("r-1".to_string(), "app_clone".to_string())];
    assert!(matches!(
        s.create_secret_with(&NewSecret {
            secret: &other,
            versions: &[(&v0, Some("ACSCurrent"))],
            tags: &[],
            max_secrets: 10,
            db_accounts: &taken,
        }),
        Err(StoreError::Conflict(Entity::DbAccount))
    ));
    assert!(s.get_secret("db/other").unwrap().is_none());
    // The same account name on another instance is another account.
    let elsewhere = [("r-2".to_string(), "app".to_string())];
    let again = NewSecret {
        secret: &other,
        versions: &[(&v0, Some("ACSCurrent"))],
        tags: &[],
        max_secrets: 10,
        db_accounts: &elsewhere,
    };
    s.create_secret_with(&again).unwrap();
    // Deleting a secret gives its accounts back.
    s.delete_secret("db/other").unwrap();
    s.create_secret_with(&again).unwrap();
    assert!(s
        .get_secret_version(name, None, Some("ACSCurrent"))
        .unwrap()
        .is_none());
    let prev = s
        .get_secret_version(name, None, Some("ACSPrevious"))
        .unwrap()
        .unwrap();
    assert_eq!(prev.version.version_id, "v0");
    // Pending work is due at once, whatever the schedule says.
    assert_eq!(s.claim_due_rotations(5, 5, "a", 20, 10).unwrap(), [name]);
    assert!(s.claim_due_rotations(6, 6, "b", 30, 10).unwrap().is_empty());
    assert!(matches!(
        s.commit_pending(name, "b", 6, None, false),
        Err(StoreError::Conflict(Entity::Secret))
    ));
    // The lease runs on its own clock (other secrets may be due by then).
    let later = s.claim_due_rotations(5000, 19, "b", 40, 10).unwrap();
    for other in &later {
        s.release_rotation(other, "b").unwrap();
    }
    assert!(!later.iter().any(|n| n == name), "{later:?}");
    // The lease lapses; another owner finishes the creation.
    assert_eq!(s.claim_due_rotations(21, 21, "b", 40, 10).unwrap(), [name]);
    s.commit_pending(name, "b", 21, None, false).unwrap();
    let row = s.get_secret(name).unwrap().unwrap();
    assert_eq!(row.pending_version_id, None);
    assert_eq!(row.last_rotation_at, None, "a creation is not a rotation");
    assert_eq!(row.next_rotation_at, Some(1001));
    let cur = s
        .get_secret_version(name, None, Some("ACSCurrent"))
        .unwrap()
        .unwrap();
    assert_eq!(cur.version.version_id, "v1");
    assert!(matches!(
        s.commit_pending(name, "b", 22, None, true),
        Err(StoreError::NotFound(Entity::SecretVersion))
    ));
    // A rotation: the pending version is stored first, then committed.
    s.stage_pending(name, "b", &secret_version("v2")).unwrap();
    assert!(matches!(
        s.stage_pending(name, "b", &secret_version("v3")),
        Err(StoreError::Conflict(Entity::SecretVersion))
    ));
    assert!(matches!(
        s.stage_pending(name, "x", &secret_version("v3")),
        Err(StoreError::Conflict(Entity::Secret))
    ));
    let staged = s
        .get_secret_version(name, Some("v2"), None)
        .unwrap()
        .unwrap();
    assert!(staged.stages.is_empty());
    assert_eq!(
        s.get_secret(name)
            .unwrap()
            .unwrap()
            .pending_version_id
            .as_deref(),
        Some("v2")
    );
    s.commit_pending(name, "b", 30, Some(1030), true).unwrap();
    let row = s.get_secret(name).unwrap().unwrap();
    assert_eq!(
        (
            row.last_rotation_at,
            row.next_rotation_at,
            row.pending_version_id
        ),
        (Some(30), Some(1030), None)
    );
    let stage_of = |v: &str| {
        s.get_secret_version(name, Some(v), None)
            .unwrap()
            .map(|x| x.stages)
    };
    assert_eq!(stage_of("v2").unwrap(), ["ACSCurrent"]);
    assert_eq!(stage_of("v1").unwrap(), ["ACSPrevious"]);
    assert!(stage_of("v0").unwrap().is_empty());
    // A version id is never staged twice.
    assert!(s.stage_pending(name, "b", &secret_version("v2")).is_err());
}

pub fn audit_trail(s: &dyn Store) {
    let ev = |id: &str, t: i64, name: &str, user: &str| AuditEvent {
        event_id: id.into(),
        event_time: t,
        event_name: name.into(),
        service_name: "Ram".into(),
        user_name: user.into(),
        event_rw: "Write".into(),
        ..Default::default()
    };
    s.append_audit(&[
        ev("a", 10, "CreateUser", "root"),
        ev("b", 20, "CreateAccessKey", "svc"),
        ev("c", 20, "ListUsers", "bob"),
    ])
    .unwrap();
    s.append_audit(&[ev("a", 10, "CreateUser", "root")])
        .unwrap(); // idempotent
    let all = s
        .lookup_audit(&AuditQuery {
            start: 0,
            end: 100,
            limit: 10,
            ..Default::default()
        })
        .unwrap()
        .events;
    assert_eq!(
        all.iter().map(|e| e.event_id.as_str()).collect::<Vec<_>>(),
        ["c", "b", "a"]
    );
    let page1 = s
        .lookup_audit(&AuditQuery {
            start: 0,
            end: 100,
            limit: 2,
            ..Default::default()
        })
        .unwrap()
        .events;
    let last = page1.last().unwrap();
    let page2 = s
        .lookup_audit(&AuditQuery {
            start: 0,
            end: 100,
            limit: 2,
            before: Some((last.event_time, last.event_id.clone())),
            ..Default::default()
        })
        .unwrap()
        .events;
    assert_eq!(
        page2
            .iter()
            .map(|e| e.event_id.as_str())
            .collect::<Vec<_>>(),
        ["a"]
    );
    let by_name = s
        .lookup_audit(&AuditQuery {
            start: 0,
            end: 100,
            limit: 10,
            event_name: Some("CreateAccessKey".into()),
            ..Default::default()
        })
        .unwrap()
        .events;
    assert_eq!(by_name.len(), 1);
    let by_user = s
        .lookup_audit(&AuditQuery {
            start: 15,
            end: 100,
            limit: 10,
            user_name: Some("root".into()),
            ..Default::default()
        })
        .unwrap()
        .events;
    assert!(by_user.is_empty(), "time range applies");
}

/// A filter matching one event among many examines at most the scan bound
/// (`AUDIT_SCAN_BOUND` unless the query sets a smaller one) a call and says
/// where to resume; paging through finds every match, once.
pub fn audit_scan_is_bounded(s: &dyn Store) {
    let bound = 100;
    let total = bound * 2 + 50;
    let events: Vec<AuditEvent> = (0..total)
        .map(|i| AuditEvent {
            event_id: format!("e{i:06}"),
            event_time: 1_000 + i as i64,
            event_name: if i == 100 || i == total - 10 {
                "CreateUser".into()
            } else {
                "ListUsers".into()
            },
            service_name: "Ram".into(),
            event_rw: "Read".into(),
            ..Default::default()
        })
        .collect();
    s.append_audit(&events).unwrap();
    let mut q = AuditQuery {
        start: 0,
        end: i64::MAX,
        limit: 10,
        scan_bound: bound as u32,
        event_name: Some("CreateUser".into()),
        ..Default::default()
    };
    let mut found = Vec::new();
    let mut calls = 0;
    loop {
        let page = s.lookup_audit(&q).unwrap();
        calls += 1;
        assert!(page.events.len() <= 10);
        found.extend(page.events.iter().map(|e| e.event_id.clone()));
        match page.scanned_to {
            Some(at) => q.before = Some(at),
            None => break,
        }
        assert!(calls < 10, "the scan moves on every call");
    }
    assert_eq!(
        found,
        [format!("e{:06}", total - 10), "e000100".to_string()]
    );
    assert_eq!(calls, 3, "three bounded scans cover {total} events");
}

pub fn audit_retention(s: &dyn Store) {
    let ev = |id: String, t: i64| AuditEvent {
        event_id: id,
        event_time: t,
        event_name: "ListUsers".into(),
        service_name: "Ram".into(),
        event_rw: "Read".into(),
        ..Default::default()
    };
    let events: Vec<AuditEvent> = (0..25).map(|i| ev(format!("e{i:02}"), 100 + i)).collect();
    s.append_audit(&events).unwrap();
    let ids = |s: &dyn Store| {
        s.lookup_audit(&AuditQuery {
            start: 0,
            end: i64::MAX,
            limit: 100,
            ..Default::default()
        })
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.event_time)
        .collect::<Vec<_>>()
    };
    // Nothing older than the cut: nothing deleted.
    assert_eq!(s.delete_audit_before(100, 10).unwrap(), 0);
    assert_eq!(ids(s).len(), 25);
    // Oldest first, at most `limit` a call, strictly before the cut.
    assert_eq!(s.delete_audit_before(120, 8).unwrap(), 8);
    assert_eq!(ids(s).iter().min(), Some(&108));
    assert_eq!(s.delete_audit_before(120, 8).unwrap(), 8);
    assert_eq!(s.delete_audit_before(120, 8).unwrap(), 4);
    assert_eq!(s.delete_audit_before(120, 8).unwrap(), 0);
    let left = ids(s);
    assert_eq!(left.len(), 5);
    assert!(left.iter().all(|t| *t >= 120), "{left:?}");
    // New events are appended as before.
    s.append_audit(&[ev("late".into(), 50)]).unwrap();
    assert_eq!(s.delete_audit_before(i64::MAX, 100).unwrap(), 6);
    assert!(ids(s).is_empty());
}
