//! IMS identity providers: OIDC (`*OIDCProvider*`) and SAML
//! (`*SAMLProvider*`), authorized as `ram:<Action>` on
//! `acs:ram::<uid>:oidc-provider/<name>` or `…:saml-provider/<name>`.

use rampart_core::federation::NewOidcProvider;
use rampart_core::ApiError;
use rampart_store::ProviderKind;

use crate::respond::{field as one, page};
use crate::target::Sel;
use crate::{Ctx, Output};

pub(crate) const OIDC: Sel = Sel::Provider {
    kind: ProviderKind::Oidc,
    param: "OIDCProviderName",
    existing: true,
};
pub(crate) const NEW_OIDC: Sel = Sel::Provider {
    kind: ProviderKind::Oidc,
    param: "OIDCProviderName",
    existing: false,
};
pub(crate) const SAML: Sel = Sel::Provider {
    kind: ProviderKind::Saml,
    param: "SAMLProviderName",
    existing: true,
};
pub(crate) const NEW_SAML: Sel = Sel::Provider {
    kind: ProviderKind::Saml,
    param: "SAMLProviderName",
    existing: false,
};

pub(crate) fn create_oidc(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    one(
        "OIDCProvider",
        ctx.rampart.create_oidc_provider(NewOidcProvider {
            name: ctx.target.provider()?.to_string(),
            issuer_url: p.required("IssuerUrl")?.to_string(),
            client_ids: p.opt("ClientIds"),
            fingerprints: p.opt("Fingerprints"),
            issuance_limit_time: p.opt("IssuanceLimitTime"),
            description: p.opt("Description"),
        })?,
    )
}

pub(crate) fn get_oidc(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    one(
        "OIDCProvider",
        ctx.rampart.get_oidc_provider(ctx.target.provider()?)?,
    )
}

pub(crate) fn list_oidc(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "OIDCProviders",
        "OIDCProvider",
        ctx.rampart
            .list_oidc_providers(p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

pub(crate) fn update_oidc(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    one(
        "OIDCProvider",
        ctx.rampart.update_oidc_provider(
            ctx.target.provider()?,
            p.get("ClientIds"),
            p.get("IssuanceLimitTime"),
            p.get("NewDescription"),
        )?,
    )
}

pub(crate) fn delete_oidc(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_oidc_provider(ctx.target.provider()?)?;
    Ok(serde_json::Map::new().into())
}

pub(crate) fn add_client_id(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    one(
        "OIDCProvider",
        ctx.rampart
            .add_client_id(ctx.target.provider()?, ctx.params.required("ClientId")?)?,
    )
}

pub(crate) fn remove_client_id(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    one(
        "OIDCProvider",
        ctx.rampart
            .remove_client_id(ctx.target.provider()?, ctx.params.required("ClientId")?)?,
    )
}

pub(crate) fn add_fingerprint(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    one(
        "OIDCProvider",
        ctx.rampart
            .add_fingerprint(ctx.target.provider()?, ctx.params.required("Fingerprint")?)?,
    )
}

pub(crate) fn remove_fingerprint(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    one(
        "OIDCProvider",
        ctx.rampart
            .remove_fingerprint(ctx.target.provider()?, ctx.params.required("Fingerprint")?)?,
    )
}

pub(crate) fn create_saml(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    one(
        "SAMLProvider",
        ctx.rampart.create_saml_provider(
            ctx.target.provider()?,
            p.required("EncodedSAMLMetadataDocument")?,
            p.get("Description"),
            p.get("AuthnSignAlgo"),
        )?,
    )
}

pub(crate) fn get_saml(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    one(
        "SAMLProvider",
        ctx.rampart.get_saml_provider(ctx.target.provider()?)?,
    )
}

pub(crate) fn list_saml(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    page(
        "SAMLProviders",
        "SAMLProvider",
        ctx.rampart
            .list_saml_providers(p.get("Marker"), p.u32("MaxItems")?)?,
    )
}

pub(crate) fn update_saml(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    let p = ctx.params;
    one(
        "SAMLProvider",
        ctx.rampart.update_saml_provider(
            ctx.target.provider()?,
            p.get("NewEncodedSAMLMetadataDocument")
                .filter(|s| !s.is_empty()),
            p.get("NewDescription"),
            p.get("AuthnSignAlgo").filter(|s| !s.is_empty()),
        )?,
    )
}

pub(crate) fn delete_saml(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    ctx.rampart.delete_saml_provider(ctx.target.provider()?)?;
    Ok(serde_json::Map::new().into())
}

pub(crate) fn get_user_sso_settings(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
    one("UserSsoSettings", ctx.rampart.user_sso_settings()?)
}

pub(crate) fn set_user_sso_settings(ctx: &Ctx<'_>) -> Result<Output, ApiError> {
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
