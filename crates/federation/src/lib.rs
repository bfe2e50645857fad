//! Federated identity verification for Rampart (placeholder docs, filled in below).

mod fetch;
pub mod oidc;
pub mod saml;
