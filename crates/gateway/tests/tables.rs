//! The action tables: every action the real RAM, IMS, STS, KMS and
//! ActionTrail APIs have is known; those not built answer 400
//! `InvalidAction.NotImplemented`, anything else 404 `InvalidAction.NotFound`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod common;

use common::Server;
use rampart_core::audit::EventRw;
use rampart_gateway::{action_table, Product};

#[test]
fn every_real_action_is_served_or_answers_not_implemented() {
    let s = Server::new();
    let samples = [
        (Product::Kms, "GenerateMac"),
        (Product::Kms, "ExportDataKey"),
        (Product::Kms, "GetManagedDataKey"),
        (Product::Kms, "GenerateAndExportDataKey"),
        (Product::Kms, "ListKmsInstances"),
        (Product::Sts, "GenerateSessionAccessKey"),
        (Product::Ram, "GetServiceLinkedRoleTemplate"),
        (Product::Ims, "GetAccountSummary"),
        (Product::Ims, "ListApplications"),
        (Product::Ims, "GetApplication"),
    ];
    for (product, action) in samples {
        assert!(
            !action_table(product).iter().any(|a| a.name == action),
            "{action} is implemented now: pick another sample"
        );
        let (st, body) = s.call_v3(&s.root, product.version(), action, &[]);
        assert_eq!(
            (st, body["Code"].as_str().unwrap()),
            (400, "InvalidAction.NotImplemented"),
            "{product:?} {action}: {body}"
        );
    }
    for (product, action) in [
        (Product::Kms, "GetSecretValues"),
        (Product::Ram, "GetServiceLinkedRoleDeletionStatus"),
        (Product::Ims, "CreateSecret"),
    ] {
        let (st, body) = s.call_v1(&s.root, product.version(), action, &[]);
        assert_eq!(
            (st, body["Code"].as_str().unwrap()),
            (404, "InvalidAction.NotFound"),
            "{product:?} {action}: {body}"
        );
    }
}

#[test]
fn the_tables_know_every_action_of_the_sdks() {
    // Counts of the actions the official Tea clients expose.
    for (product, count) in [
        (Product::Ram, 69),
        (Product::Kms, 91),
        (Product::Ims, 106),
        (Product::Sts, 5),
    ] {
        let known = rampart_gateway::known_actions(product);
        assert_eq!(known.len(), count, "{product:?}");
        for spec in action_table(product) {
            assert!(
                known.contains(&spec.name),
                "{} is not a real action",
                spec.name
            );
        }
    }
}

#[test]
fn every_entry_is_named_once_and_declares_whether_it_changes_anything() {
    // The declaration is what counts (audit class, nonce deferral, the
    // oracle's write check); this catches a declaration that contradicts
    // the product's naming, as a copied entry would. An action whose name
    // misleads goes in one of these lists, with the reason.
    const READS_NAMED_AS_WRITES: &[&str] = &[];
    const WRITES_NAMED_AS_READS: &[&str] = &[];
    // What the name says: the rule the audit trail applies to actions
    // Rampart does not serve.
    let query = |n: &str| EventRw::of_unserved(n) == EventRw::Read;
    let mut total = 0;
    for product in Product::all() {
        let table = action_table(product);
        let mut names: Vec<&str> = table.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            table.len(),
            "{product:?}: an action is named twice"
        );
        for spec in table {
            total += 1;
            if spec.reads {
                assert!(
                    query(spec.name) || READS_NAMED_AS_WRITES.contains(&spec.name),
                    "{product:?} {} is declared `read` but its name says it changes something",
                    spec.name
                );
                assert!(
                    spec.anonymous.is_none(),
                    "{} is anonymous and declared `read`",
                    spec.name
                );
            } else {
                assert!(
                    !query(spec.name) || WRITES_NAMED_AS_READS.contains(&spec.name),
                    "{product:?} {} is declared `write` but its name says it is a query",
                    spec.name
                );
            }
            assert_eq!(
                spec.may_run_before_verdict(),
                spec.reads && !spec.costly,
                "{}",
                spec.name
            );
        }
    }
    assert!(total > 180, "{total} actions");
}
