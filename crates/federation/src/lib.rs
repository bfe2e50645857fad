//! Verifying federated identities for STS `AssumeRoleWithOIDC` /
//! `AssumeRoleWithSAML` and the console's SAML SSO.
//!
//! Both STS actions are anonymous: everything here runs on attacker-supplied
//! input before any authentication, so every parser is strict and bounded,
//! and the only outbound traffic is to hosts an administrator registered.
//!
//! # OIDC ([`oidc`])
//!
//! ```no_run
//! use rampart_federation::oidc::{self, FetchOptions, ProviderConfig, Verifier};
//! # fn provider_for(_: Option<&str>) -> ProviderConfig { unimplemented!() }
//! let verifier = Verifier::new(FetchOptions::default()); // share it (cheap clone)
//! # let token = "";
//! let unverified = oidc::parse(token)?;                  // checks 1–4, no I/O
//! let provider = provider_for(unverified.issuer());      // check 5 is the caller's
//! # let now_unix = 0;
//! let verified = verifier.verify(&provider, &unverified, now_unix)?; // checks 6–11
//! # Ok::<(), oidc::OidcError>(())
//! ```
//!
//! **What is fetched, from where.** Only after the token's `iss` equals the
//! provider's `IssuerUrl` byte for byte (no URL normalisation: a trailing
//! slash, a different case or an explicit default port do not match):
//! 1. `<IssuerUrl without one trailing />/.well-known/openid-configuration`;
//!    its `issuer` must equal `IssuerUrl` byte for byte;
//! 2. its `jwks_uri`, which must be `https` **on the same host and port as the
//!    issuer** (a `jwks_uri` elsewhere, e.g. a separate Kubernetes JWKS host or
//!    a metadata address, is refused as `IssuerConfigurationBroken`).
//!
//! Nothing named by a token (`jku`, `x5u`, `jwk`, `x5c`, `kid` as a URL) is
//! ever fetched or used; `kid` is only a map key.
//!
//! **SSRF rules of every fetch.** `https` only; user info, query and
//! fragment refused in `IssuerUrl`; an IP literal must be written canonically
//! (`127.1`, `0x7f000001`, `2130706433` are refused). The host is resolved
//! once and each address is vetted; the TCP connection goes to the vetted
//! address (no second resolution), with SNI and `Host` set to the URL's host.
//! A DNS name may reach public addresses only: the deny table (written out in
//! `fetch::addr`, with v4-mapped, v4-compatible, NAT64 and 6to4 forms
//! unwrapped) covers loopback, RFC 1918, `100.64.0.0/10`, link-local,
//! documentation, benchmarking, multicast, reserved and unique-local ranges.
//! Private and loopback addresses are reachable only when `IssuerUrl` itself
//! names one as an IP literal, and `localhost` reaches loopback only (local
//! test issuers, self-hosted Kubernetes or Keycloak). The cloud metadata
//! addresses (`100.100.100.200`, `169.254.0.0/16`, `fd00:ec2::254`), `0.0.0.0/8`,
//! multicast and reserved space are never reached, even when named. Proxy
//! environment variables are ignored; no redirects are followed (3xx is
//! `IssuerConfigurationBroken`); `Content-Encoding` other than `identity` is
//! refused; documents are capped at 64 KiB (a larger `Content-Length` aborts
//! before reading, and the body is read with a limit); each document has a
//! 5 s deadline (connect 3 s) covering resolve to last byte.
//!
//! **Certificate pins** (`Fingerprints`: SHA-1 of a certificate's DER, hex,
//! any case, colons ignored; see [`oidc::normalize_fingerprint`]). The host
//! name, or the IP address SAN for an IP literal, is **always** checked
//! against the leaf, and the TLS handshake signature is always verified.
//! Then: a pin on the **leaf** accepts that leaf (its validity dates are
//! checked; the handshake proves its key), which is how a self-signed issuer
//! is trusted by its pin alone; a pin on **another certificate the server
//! presents** (an intermediate or a root sent in the chain) makes it the
//! **only trust anchor** the leaf must chain to (webpki path building,
//! server-auth usage, validity dates); otherwise the result is
//! `PublicKeyFingerprintMismatch`. A bare "some presented certificate
//! matches" rule is not used: it would accept an attacker's chain with the
//! public pinned CA certificate appended (such a chain fails with
//! `HttpsUrlInvalid`, as do a wrong host name and expired certificates). The
//! pinned certificate must be one the server presents. A provider **without
//! fingerprints** is verified against the Mozilla root program as compiled
//! into the `webpki-roots` crate (no system store is read), plus the host name.
//! The pins apply to both documents.
//!
//! **Keys and cache.** JWKS keys are filtered (see the `jwks` rules: RSA
//! 2048–8192 bits, EC P-256/P-384 with matching `crv`/`alg`, `use` = `sig`;
//! `oct`, OKP and anything else dropped; more than 32 keys refuses the whole
//! document). Algorithms: RS256, RS384, RS512, PS256, ES256, ES384 — never
//! `none` or HS*; the header `alg` must fit the key's family and the JWK's
//! `alg`. A token without `kid` is accepted only when the set has exactly one
//! key. The cache is per provider ARN and is keyed also by the issuer URL and
//! fingerprints, so a changed provider never uses keys fetched under old
//! pins ([`oidc::Verifier::forget`] drops an entry). Lifetime: `Cache-Control:
//! max-age` clamped to [5 min, 1 h] (`no-cache`/`no-store` → 5 min), 1 h
//! without the header. An unknown `kid` refetches at most once per 60 s per
//! provider; at most one fetch per provider is in flight and concurrent
//! callers wait for it; a failed refresh keeps the last good set (up to 24 h
//! past its expiry) and is itself not retried within the 60 s.
//!
//! **Claims.** Typed: `exp`, `nbf`, `iat` must be JSON numbers (strings are
//! refused, not ignored); one leeway of 60 s; `iat` is required, not in the
//! future and not older than `IssuanceLimitTime`; `aud` is a string or a
//! non-empty array and any element may match a client ID; `sub` is required
//! (at most 1024 bytes).
//!
//! **Threading.** The API is synchronous. A [`oidc::Verifier`] starts, at
//! its first fetch, one background thread (`federation-fetch`) running a
//! current-thread tokio runtime; callers hand it requests and wait on a
//! channel, so a caller may run inside `tokio::task::block_in_place` on a
//! multi-thread runtime worker. The thread stops when the last clone of the
//! verifier is dropped.
//!
//! # SAML ([`saml`])
//!
//! ```no_run
//! use rampart_federation::saml::{self, Expectations, SignAlgo, ALIBABA_AUDIENCE};
//! # let metadata_xml = ""; let b64 = ""; let now_unix = 0;
//! let md = saml::parse_metadata(metadata_xml).map_err(saml::SamlError::from)?; // at CreateSAMLProvider too
//! let exp = Expectations {
//!     audiences: &[ALIBABA_AUDIENCE],
//!     recipients: &["https://signin.aliyun.com/saml-role/sso"],
//!     now_unix,
//!     skew_secs: saml::DEFAULT_SKEW_SECS,
//!     algo: SignAlgo::RsaSha1, // the provider's AuthnSignAlgo
//!     max_age_secs: saml::DEFAULT_MAX_AGE_SECS,
//! };
//! let assertion = saml::verify_response(b64, &md, &exp)?;
//! // Then: the replay cache (assertion.id until not_on_or_after + skew),
//! // assertion.allows_role(role_arn, provider_arn), assertion.role_session_name().
//! # Ok::<(), saml::SamlError>(())
//! ```
//!
//! The verifier is narrow and pure Rust: one parse with `roxmltree` (DTDs
//! refused, 10,000 nodes at most), one accepted shape (documented on
//! [`saml::verify_response`]), its own exclusive C14N for that subset, and
//! aws-lc-rs for RSA (2048–8192 bits; PKCS#1 v1.5 SHA-256, or SHA-1 only when
//! `AuthnSignAlgo` is `rsa-sha1`) and ECDSA P-256 SHA-256. The key comes only
//! from the registered metadata (`KeyInfo` is ignored). The values returned
//! are read from the very Assertion element the verified signature covers,
//! with a strict text reader (a comment, processing instruction or element
//! inside `NameID`, `Issuer`, `Audience` or an `AttributeValue` is refused,
//! never truncated). Replay protection is the caller's: the assertion ID and
//! its expiry are returned.
//!
//! # Error codes
//!
//! [`oidc::OidcError::code`] and [`saml::SamlError::code`] give the exact
//! Alibaba Cloud codes (`AuthenticationFail.OIDCToken.*`,
//! `AuthenticationFail.SAMLAssertion.*`, `AuthenticationFail.IDPMetadata.Invalid`),
//! `status()` the HTTP status, `message()` the documented message with a short
//! hint that echoes at most 64 characters of input.

#![deny(missing_docs)]

mod fetch;
pub mod oidc;
pub mod saml;
