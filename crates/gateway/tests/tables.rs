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
