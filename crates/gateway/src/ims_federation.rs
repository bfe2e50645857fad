//! IMS identity providers: OIDC (`*OIDCProvider*`) and SAML
//! (`*SAMLProvider*`), authorized as `ram:<Action>` on
//! `acs:ram::<uid>:oidc-provider/<name>` or `…:saml-provider/<name>`.

use rampart_core::federation::NewOidcProvider;
use rampart_core::ApiError;

use crate::on;
use crate::respond::{field as one, page};
use crate::{Ctx, Output};

pub(crate) fn create_oidc(
    ctx: &Ctx<'_>,
    on::NewOidc(provider): on::NewOidc,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    one(
        "OIDCProvider",
        ctx.rampart.create_oidc_provider(NewOidcProvider {
            name: provider,
            issuer_url: p.required("IssuerUrl")?.to_string(),
            client_ids: p.opt("ClientIds"),
            fingerprints: p.opt("Fingerprints"),
            issuance_limit_time: p.opt("IssuanceLimitTime"),
            description: p.opt("Description"),
        })?,
    )
}

pub(crate) fn get_oidc(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    (): (),
) -> Result<Output, ApiError> {
    one("OIDCProvider", ctx.rampart.get_oidc_provider(&provider)?)
}

pub(crate) fn list_oidc(ctx: &Ctx<'_>, _: on::OidcProviders, (): ()) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "OIDCProviders",
        "OIDCProvider",
        ctx.rampart
            .list_oidc_providers(p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

pub(crate) fn update_oidc(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    one(
        "OIDCProvider",
        ctx.rampart.update_oidc_provider(
            &provider,
            p.get("ClientIds"),
            p.get("IssuanceLimitTime"),
            p.get("NewDescription"),
        )?,
    )
}

pub(crate) fn delete_oidc(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.delete_oidc_provider(&provider)?;
    Ok(serde_json::Map::new().into())
}

pub(crate) fn add_client_id(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    (): (),
) -> Result<Output, ApiError> {
    one(
        "OIDCProvider",
        ctx.rampart
            .add_client_id(&provider, ctx.params.required("ClientId")?)?,
    )
}

pub(crate) fn remove_client_id(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    (): (),
) -> Result<Output, ApiError> {
    one(
        "OIDCProvider",
        ctx.rampart
            .remove_client_id(&provider, ctx.params.required("ClientId")?)?,
    )
}

pub(crate) fn add_fingerprint(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    (): (),
) -> Result<Output, ApiError> {
    one(
        "OIDCProvider",
        ctx.rampart
            .add_fingerprint(&provider, ctx.params.required("Fingerprint")?)?,
    )
}

pub(crate) fn remove_fingerprint(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    (): (),
) -> Result<Output, ApiError> {
    one(
        "OIDCProvider",
        ctx.rampart
            .remove_fingerprint(&provider, ctx.params.required("Fingerprint")?)?,
    )
}

pub(crate) fn create_saml(
    ctx: &Ctx<'_>,
    on::NewSaml(provider): on::NewSaml,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    one(
        "SAMLProvider",
        ctx.rampart.create_saml_provider(
            &provider,
            p.required("EncodedSAMLMetadataDocument")?,
            p.get("Description"),
            p.get("AuthnSignAlgo"),
        )?,
    )
}

pub(crate) fn get_saml(
    ctx: &Ctx<'_>,
    on::Saml(provider): on::Saml,
    (): (),
) -> Result<Output, ApiError> {
    one("SAMLProvider", ctx.rampart.get_saml_provider(&provider)?)
}

pub(crate) fn list_saml(ctx: &Ctx<'_>, _: on::SamlProviders, (): ()) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "SAMLProviders",
        "SAMLProvider",
        ctx.rampart
            .list_saml_providers(p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

pub(crate) fn update_saml(
    ctx: &Ctx<'_>,
    on::Saml(provider): on::Saml,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    one(
        "SAMLProvider",
        ctx.rampart.update_saml_provider(
            &provider,
            p.get("NewEncodedSAMLMetadataDocument")
                .filter(|s| !s.is_empty()),
            p.get("NewDescription"),
            p.get("AuthnSignAlgo").filter(|s| !s.is_empty()),
        )?,
    )
}

pub(crate) fn delete_saml(
    ctx: &Ctx<'_>,
    on::Saml(provider): on::Saml,
    (): (),
) -> Result<Output, ApiError> {
    ctx.rampart.delete_saml_provider(&provider)?;
    Ok(serde_json::Map::new().into())
}

pub(crate) fn get_user_sso_settings(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<Output, ApiError> {
    one("UserSsoSettings", ctx.rampart.user_sso_settings()?)
}

pub(crate) fn set_user_sso_settings(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<Output, ApiError> {
    let p = ctx.params;
    one(
        "UserSsoSettings",
        ctx.rampart
            .set_user_sso_settings(rampart_core::sso::SetUserSso {
                sso_enabled: p.bool("SsoEnabled")?,
                metadata_document: p.opt("MetadataDocument"),
                authn_sign_algo: p.opt("AuthnSignAlgo"),
                auxiliary_domain: p.opt("AuxiliaryDomain"),
                sso_login_with_domain: p.bool("SsoLoginWithDomain")?,
            })?,
    )
}
