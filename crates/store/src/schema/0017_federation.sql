-- Identity providers of the account (IMS): OIDC (`kind` 'oidc', its
-- issuer URL unique in the account) and SAML (`kind` 'saml'), their
-- settings as JSON; and the SAML assertions accepted, each kept until it
-- expires so that none is accepted twice (by any replica).
CREATE TABLE federation_providers (
    kind {short_id} NOT NULL,
    name {short_id} NOT NULL,
    issuer {id},
    config {text} NOT NULL,
    description {text} NOT NULL,
    created_at {int} NOT NULL,
    updated_at {int} NOT NULL,
    PRIMARY KEY (kind, name)
){table};
CREATE UNIQUE INDEX federation_providers_issuer ON federation_providers(issuer);
CREATE TABLE saml_assertions (
    provider {short_id} NOT NULL,
    assertion_id {short_id} NOT NULL,
    expires_at {int} NOT NULL,
    PRIMARY KEY (provider, assertion_id)
){table};
CREATE INDEX saml_assertions_expiry ON saml_assertions(expires_at);
