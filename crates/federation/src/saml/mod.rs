//! SAML (to be written).
