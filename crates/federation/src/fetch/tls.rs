//! TLS server-certificate verification for issuer fetches: the
//! fingerprint-pinned verifier and the web-PKI verifier.
//!
//! Pin semantics (a provider's `Fingerprints`, SHA-1 of a certificate's DER):
//! - the host name (or IP address SAN) is always checked against the leaf;
//! - a pin on the **leaf** accepts that leaf, with its validity dates checked;
//!   possession of its key is proven by the handshake signature, which is
//!   always verified;
//! - a pin on another certificate of the presented chain makes that
//!   certificate the **only trust anchor**: the leaf must chain to it (webpki
//!   path building, server-auth usage, validity dates);
//! - otherwise the fingerprint does not match.
//!
//! A bare "some presented certificate matches" rule would be exploitable by
//! appending the (public) pinned CA certificate to another chain; here such a
//! chain fails to build to the anchor and is refused.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use sha1::{Digest, Sha1};

/// A SHA-1 certificate fingerprint.
pub(crate) type Fingerprint = [u8; 20];

/// SHA-1 of a certificate's DER.
pub(crate) fn fingerprint(cert: &[u8]) -> Fingerprint {
    Sha1::digest(cert).into()
}

/// The error the pinned verifier returns when no pin matches; recognised
/// after the handshake to report `PublicKeyFingerprintMismatch`.
pub(crate) const PIN_MISMATCH: CertificateError = CertificateError::ApplicationVerificationFailure;

fn bad(e: CertificateError) -> rustls::Error {
    rustls::Error::InvalidCertificate(e)
}

fn webpki_to_rustls(e: &webpki::Error) -> CertificateError {
    match e {
        webpki::Error::CertNotValidForName(_) => CertificateError::NotValidForName,
        webpki::Error::CertExpired { .. } => CertificateError::Expired,
        webpki::Error::CertNotValidYet { .. } => CertificateError::NotValidYet,
        webpki::Error::UnknownIssuer => CertificateError::UnknownIssuer,
        webpki::Error::InvalidSignatureForPublicKey => CertificateError::BadSignature,
        _ => CertificateError::BadEncoding,
    }
}

/// Checks the leaf's notBefore/notAfter against `now`.
fn check_validity_dates(ee: &CertificateDer<'_>, now: UnixTime) -> Result<(), rustls::Error> {
    let (_, cert) = x509_parser::parse_x509_certificate(ee.as_ref())
        .map_err(|_| bad(CertificateError::BadEncoding))?;
    let secs = i64::try_from(now.as_secs()).map_err(|_| bad(CertificateError::BadEncoding))?;
    let validity = cert.validity();
    if secs < validity.not_before.timestamp() {
        return Err(bad(CertificateError::NotValidYet));
    }
    if secs > validity.not_after.timestamp() {
        return Err(bad(CertificateError::Expired));
    }
    Ok(())
}

/// The fingerprint-pinned verifier (see the module docs for the rules).
#[derive(Debug)]
pub(crate) struct PinnedVerifier {
    pins: Vec<Fingerprint>,
    algs: WebPkiSupportedAlgorithms,
}

impl PinnedVerifier {
    /// A verifier for these pins, verifying signatures with `algs`.
    pub(crate) fn new(pins: Vec<Fingerprint>, algs: WebPkiSupportedAlgorithms) -> Self {
        Self { pins, algs }
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let leaf =
            webpki::EndEntityCert::try_from(end_entity).map_err(|e| bad(webpki_to_rustls(&e)))?;
        // Always: the certificate must name the host we connected for.
        leaf.verify_is_valid_for_subject_name(server_name)
            .map_err(|e| bad(webpki_to_rustls(&e)))?;
        if self.pins.contains(&fingerprint(end_entity.as_ref())) {
            check_validity_dates(end_entity, now)?;
            return Ok(ServerCertVerified::assertion());
        }
        for (i, pinned) in intermediates
            .iter()
            .enumerate()
            .filter(|(_, c)| self.pins.contains(&fingerprint(c.as_ref())))
        {
            let anchor =
                webpki::anchor_from_trusted_cert(pinned).map_err(|e| bad(webpki_to_rustls(&e)))?;
            let rest: Vec<CertificateDer<'_>> = intermediates
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, c)| c.clone())
                .collect();
            let anchors = [anchor];
            let verified = leaf.verify_for_usage(
                self.algs.all,
                &anchors,
                &rest,
                now,
                webpki::KeyUsage::server_auth(),
                None,
                None,
            );
            if verified.is_ok() {
                return Ok(ServerCertVerified::assertion());
            }
        }
        // Either no presented certificate is pinned, or a pinned CA is present
        // but the leaf does not chain to it (another chain with the pinned CA
        // certificate appended).
        let any_pinned = intermediates
            .iter()
            .any(|c| self.pins.contains(&fingerprint(c.as_ref())));
        if any_pinned {
            Err(bad(CertificateError::UnknownIssuer))
        } else {
            Err(bad(PIN_MISMATCH))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// The crypto provider used for issuer fetches (ring, like the rest of the
/// workspace's TLS).
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration for one fetch: pinned when `pins` is non-empty,
/// otherwise web PKI (`roots`).
pub(crate) fn client_config(
    pins: &[Fingerprint],
    roots: &Arc<rustls::RootCertStore>,
) -> Result<Arc<rustls::ClientConfig>, String> {
    let provider = provider();
    let algs = provider.signature_verification_algorithms;
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("tls setup: {e}"))?;
    let config = if pins.is_empty() {
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(roots.clone(), provider)
                .build()
                .map_err(|e| format!("tls setup: {e}"))?;
        builder.with_webpki_verifier(verifier).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedVerifier::new(pins.to_vec(), algs)))
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}
