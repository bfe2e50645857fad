//! IMS identity providers: OIDC (`*OIDCProvider*`) and SAML
//! (`*SAMLProvider*`), authorized as `ram:<Action>` on
//! `acs:ram::<uid>:oidc-provider/<name>` or `…:saml-provider/<name>`.

use rampart_core::federation::{NewOidcProvider, OidcProviderView, SamlProviderView};
use rampart_core::sso::{SetUserSso, UserSsoSettings};
use rampart_core::ApiError;

use crate::action::FromParams;
use crate::on;
use crate::ram::Paging;
use crate::request;
use crate::respond::{key, Nothing, One, Paged};
use crate::{Ctx, Params};

/// `{"OIDCProvider": …}`.
type OidcProviderAnswer = One<key::OIDCProvider, OidcProviderView>;

/// `{"SAMLProvider": …}`.
type SamlProviderAnswer = One<key::SAMLProvider, SamlProviderView>;

/// `{"UserSsoSettings": …}`.
type UserSsoSettingsAnswer = One<key::UserSsoSettings, UserSsoSettings>;

request! {
    /// `CreateOIDCProvider`.
    pub(crate) struct OidcProviderNew {
        issuer_url: String = required("IssuerUrl"),
        client_ids: Option<String> = opt("ClientIds"),
        fingerprints: Option<String> = opt("Fingerprints"),
        issuance_limit_time: Option<String> = opt("IssuanceLimitTime"),
        description: Option<String> = opt("Description"),
    }
}

pub(crate) fn create_oidc(
    ctx: &Ctx<'_>,
    on::NewOidc(provider): on::NewOidc,
    r: OidcProviderNew,
) -> Result<OidcProviderAnswer, ApiError> {
    Ok(One::new(ctx.rampart.create_oidc_provider(
        NewOidcProvider {
            name: provider,
            issuer_url: r.issuer_url,
            client_ids: r.client_ids,
            fingerprints: r.fingerprints,
            issuance_limit_time: r.issuance_limit_time,
            description: r.description,
        },
    )?))
}

pub(crate) fn get_oidc(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    (): (),
) -> Result<OidcProviderAnswer, ApiError> {
    Ok(One::new(ctx.rampart.get_oidc_provider(&provider)?))
}

pub(crate) fn list_oidc(
    ctx: &Ctx<'_>,
    _: on::OidcProviders,
    r: Paging,
) -> Result<Paged<key::OIDCProviders, key::OIDCProvider, OidcProviderView>, ApiError> {
    Ok(ctx
        .rampart
        .list_oidc_providers(r.marker.as_deref(), r.max_items)?
        .into())
}

request! {
    /// `UpdateOIDCProvider`.
    pub(crate) struct OidcProviderUpdate {
        client_ids: Option<String> = opt("ClientIds"),
        issuance_limit_time: Option<String> = opt("IssuanceLimitTime"),
        new_description: Option<String> = opt("NewDescription"),
    }
}

pub(crate) fn update_oidc(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    r: OidcProviderUpdate,
) -> Result<OidcProviderAnswer, ApiError> {
    Ok(One::new(ctx.rampart.update_oidc_provider(
        &provider,
        r.client_ids.as_deref(),
        r.issuance_limit_time.as_deref(),
        r.new_description.as_deref(),
    )?))
}

pub(crate) fn delete_oidc(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_oidc_provider(&provider)?;
    Ok(Nothing)
}

request! {
    /// `AddClientIdToOIDCProvider`, `RemoveClientIdFromOIDCProvider`.
    pub(crate) struct OidcClientId {
        client_id: String = required("ClientId"),
    }
}

pub(crate) fn add_client_id(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    r: OidcClientId,
) -> Result<OidcProviderAnswer, ApiError> {
    Ok(One::new(
        ctx.rampart.add_client_id(&provider, &r.client_id)?,
    ))
}

pub(crate) fn remove_client_id(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    r: OidcClientId,
) -> Result<OidcProviderAnswer, ApiError> {
    Ok(One::new(
        ctx.rampart.remove_client_id(&provider, &r.client_id)?,
    ))
}

request! {
    /// `AddFingerprintToOIDCProvider`, `RemoveFingerprintFromOIDCProvider`.
    pub(crate) struct OidcFingerprint {
        fingerprint: String = required("Fingerprint"),
    }
}

pub(crate) fn add_fingerprint(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    r: OidcFingerprint,
) -> Result<OidcProviderAnswer, ApiError> {
    Ok(One::new(
        ctx.rampart.add_fingerprint(&provider, &r.fingerprint)?,
    ))
}

pub(crate) fn remove_fingerprint(
    ctx: &Ctx<'_>,
    on::Oidc(provider): on::Oidc,
    r: OidcFingerprint,
) -> Result<OidcProviderAnswer, ApiError> {
    Ok(One::new(
        ctx.rampart.remove_fingerprint(&provider, &r.fingerprint)?,
    ))
}

request! {
    /// `CreateSAMLProvider`.
    pub(crate) struct SamlProviderNew {
        encoded_saml_metadata_document: String = required("EncodedSAMLMetadataDocument"),
        description: Option<String> = opt("Description"),
        authn_sign_algo: Option<String> = opt("AuthnSignAlgo"),
    }
}

pub(crate) fn create_saml(
    ctx: &Ctx<'_>,
    on::NewSaml(provider): on::NewSaml,
    r: SamlProviderNew,
) -> Result<SamlProviderAnswer, ApiError> {
    Ok(One::new(ctx.rampart.create_saml_provider(
        &provider,
        &r.encoded_saml_metadata_document,
        r.description.as_deref(),
        r.authn_sign_algo.as_deref(),
    )?))
}

pub(crate) fn get_saml(
    ctx: &Ctx<'_>,
    on::Saml(provider): on::Saml,
    (): (),
) -> Result<SamlProviderAnswer, ApiError> {
    Ok(One::new(ctx.rampart.get_saml_provider(&provider)?))
}

pub(crate) fn list_saml(
    ctx: &Ctx<'_>,
    _: on::SamlProviders,
    r: Paging,
) -> Result<Paged<key::SAMLProviders, key::SAMLProvider, SamlProviderView>, ApiError> {
    Ok(ctx
        .rampart
        .list_saml_providers(r.marker.as_deref(), r.max_items)?
        .into())
}

request! {
    /// `UpdateSAMLProvider`.
    pub(crate) struct SamlProviderUpdate {
        new_encoded_saml_metadata_document: Option<String> =
            nonempty("NewEncodedSAMLMetadataDocument"),
        new_description: Option<String> = opt("NewDescription"),
        authn_sign_algo: Option<String> = nonempty("AuthnSignAlgo"),
    }
}

pub(crate) fn update_saml(
    ctx: &Ctx<'_>,
    on::Saml(provider): on::Saml,
    r: SamlProviderUpdate,
) -> Result<SamlProviderAnswer, ApiError> {
    Ok(One::new(ctx.rampart.update_saml_provider(
        &provider,
        r.new_encoded_saml_metadata_document.as_deref(),
        r.new_description.as_deref(),
        r.authn_sign_algo.as_deref(),
    )?))
}

pub(crate) fn delete_saml(
    ctx: &Ctx<'_>,
    on::Saml(provider): on::Saml,
    (): (),
) -> Result<Nothing, ApiError> {
    ctx.rampart.delete_saml_provider(&provider)?;
    Ok(Nothing)
}

pub(crate) fn get_user_sso_settings(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    (): (),
) -> Result<UserSsoSettingsAnswer, ApiError> {
    Ok(One::new(ctx.rampart.user_sso_settings()?))
}

/// `SetUserSsoSettings`.
impl FromParams for SetUserSso {
    fn parse(p: &Params) -> Result<Self, ApiError> {
        Ok(SetUserSso {
            sso_enabled: p.bool("SsoEnabled")?,
            metadata_document: p.opt("MetadataDocument"),
            authn_sign_algo: p.opt("AuthnSignAlgo"),
            auxiliary_domain: p.opt("AuxiliaryDomain"),
            sso_login_with_domain: p.bool("SsoLoginWithDomain")?,
        })
    }
}

pub(crate) fn set_user_sso_settings(
    ctx: &Ctx<'_>,
    _: on::RamAccount,
    r: SetUserSso,
) -> Result<UserSsoSettingsAnswer, ApiError> {
    Ok(One::new(ctx.rampart.set_user_sso_settings(r)?))
}
