//! TLS for database connections.
//!
//! [`postgres`] reads a `postgres://` URL the way libpq does for TLS:
//! `sslmode` and `sslrootcert` are taken out of the URL (the driver knows
//! neither `verify-ca` nor `verify-full` nor `sslrootcert`), and the rest
//! goes to the driver with a connector that does what the mode says:
//!
//! | `sslmode` | connection |
//! |---|---|
//! | absent, `disable`, `allow`, `prefer` | plain |
//! | `require` | TLS, the certificate not checked (with `sslrootcert`: as `verify-ca`, as libpq does) |
//! | `verify-ca` | TLS, the certificate must chain to `sslrootcert` |
//! | `verify-full` | TLS, the certificate must chain to `sslrootcert` and name the host |
//!
//! TLS is rustls (TLS 1.2 and 1.3) with the `ring` provider.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How a PostgreSQL connection is protected (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS (`disable`, `allow`, `prefer`, or no `sslmode`).
    Plain,
    /// TLS without checking the server's certificate.
    Require,
    /// TLS; the certificate must chain to the root certificates.
    VerifyCa,
    /// TLS; the certificate must chain to the root certificates and name
    /// the host connected to.
    VerifyFull,
}

/// Why a URL's TLS options cannot be used.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// The driver's configuration for `url` and the connector its `sslmode`
/// asks for. The URL's other parameters are the driver's own.
pub fn postgres(url: &str) -> Result<(postgres::Config, MakeTls), Error> {
    let (rest, mode, root) = take_ssl_params(url)?;
    let mut config: postgres::Config = rest
        .parse()
        .map_err(|e| Error(format!("invalid PostgreSQL URL: {e}")))?;
    let mode = match (mode, &root) {
        (SslMode::Require, Some(_)) => SslMode::VerifyCa,
        (m, _) => m,
    };
    let tls = match mode {
        SslMode::Plain => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            MakeTls::plain()
        }
        _ => {
            config.ssl_mode(postgres::config::SslMode::Require);
            MakeTls::new(mode, root.as_deref())?
        }
    };
    Ok((config, tls))
}

/// Splits `sslmode` and `sslrootcert` off a URL's query.
fn take_ssl_params(url: &str) -> Result<(String, SslMode, Option<String>), Error> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut mode = SslMode::Plain;
    let mut root = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let value = || {
            percent_encoding::percent_decode_str(v)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| Error(format!("the URL's `{k}` is not UTF-8")))
        };
        match k {
            "sslmode" => {
                mode = match value()?.as_str() {
                    "disable" | "allow" | "prefer" => SslMode::Plain,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(Error(format!(
                    "sslmode `{other}` must be disable, prefer, require, verify-ca or verify-full"
                )))
                    }
                }
            }
            "sslrootcert" => root = Some(value()?),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, mode, root))
}

/// A connector for the `postgres` driver: plain, or rustls configured for
/// one [`SslMode`].
#[derive(Clone)]
pub struct MakeTls {
    mode: SslMode,
    config: Option<Arc<ClientConfig>>,
}

impl std::fmt::Debug for MakeTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MakeTls").field("mode", &self.mode).finish()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl MakeTls {
    /// No TLS.
    pub fn plain() -> Self {
        Self {
            mode: SslMode::Plain,
            config: None,
        }
    }

    /// TLS in `mode`, trusting the PEM certificates of the file `root`
    /// (needed by `verify-ca` and `verify-full`).
    pub fn new(mode: SslMode, root: Option<&str>) -> Result<Self, Error> {
        let provider = provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error(format!("TLS: {e}")))?;
        let roots = match root {
            Some(path) => Some(Arc::new(load_roots(path)?)),
            None => None,
        };
        let verifier: Arc<dyn ServerCertVerifier> = match (mode, roots) {
            (SslMode::Plain, _) => return Ok(Self::plain()),
            (SslMode::Require, _) => Arc::new(Unverified {
                algs: provider.signature_verification_algorithms,
            }),
            (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
                return Err(Error(
                    "sslmode=verify-ca and sslmode=verify-full need sslrootcert=FILE: the PEM certificate of the CA that signed the server's certificate".into(),
                ))
            }
            (SslMode::VerifyCa, Some(roots)) => Arc::new(ChainOnly {
                roots,
                algs: provider.signature_verification_algorithms,
            }),
            (SslMode::VerifyFull, Some(roots)) => {
                rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(|e| Error(format!("TLS: {e}")))?
            }
        };
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Self {
            mode,
            config: Some(Arc::new(config)),
        })
    }

    /// The mode this connector was made for.
    pub fn mode(&self) -> SslMode {
        self.mode
    }
}

fn load_roots(path: &str) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| Error(format!("cannot read sslrootcert `{path}`: {e}")))?;
    for cert in certs {
        let cert = cert.map_err(|e| Error(format!("sslrootcert `{path}`: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| Error(format!("sslrootcert `{path}`: {e}")))?;
    }
    if roots.is_empty() {
        return Err(Error(format!(
            "sslrootcert `{path}` holds no PEM certificate"
        )));
    }
    Ok(roots)
}

/// `sslmode=require`: any certificate; the handshake's signatures are still
/// checked against it.
#[derive(Debug)]
struct Unverified {
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
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

/// `sslmode=verify-ca`: the certificate must chain to a root; its names are
/// not checked.
#[derive(Debug)]
struct ChainOnly {
    roots: Arc<RootCertStore>,
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.algs.all,
        )?;
        Ok(ServerCertVerified::assertion())
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

impl<S> MakeTlsConnect<S> for MakeTls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type TlsConnect = Connect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> io::Result<Connect> {
        Ok(Connect {
            mode: self.mode,
            config: self.config.clone(),
            domain: domain.to_string(),
        })
    }
}

/// One connection's TLS handshake.
pub struct Connect {
    mode: SslMode,
    config: Option<Arc<ClientConfig>>,
    domain: String,
}

impl<S> TlsConnect<S> for Connect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<TlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let config = self.config.ok_or_else(|| {
                io::Error::other("the server asked for TLS, but the URL's sslmode does not use it")
            })?;
            let name = match ServerName::try_from(self.domain.clone()) {
                Ok(n) => n,
                // A name is only checked by verify-full; the others need
                // one for the handshake (a socket path is none).
                Err(_) if self.mode != SslMode::VerifyFull => {
                    ServerName::try_from("localhost").map_err(io::Error::other)?
                }
                Err(e) => {
                    return Err(io::Error::other(format!(
                        "sslmode=verify-full: `{}` is not a host name: {e}",
                        self.domain
                    )))
                }
            };
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, stream)
                .await?;
            Ok(TlsStream(tls))
        })
    }
}

/// A TLS connection to the database.
pub struct TlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> postgres::tls::TlsStream for TlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_params_are_taken_out_of_the_url() {
        let (rest, mode, root) = take_ssl_params(
            "postgres://u@h:5432/db?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca%20x.pem",
        )
        .unwrap();
        assert_eq!(rest, "postgres://u@h:5432/db?application_name=x");
        assert_eq!(mode, SslMode::VerifyFull);
        assert_eq!(root.as_deref(), Some("/tmp/ca x.pem"));
        let (rest, mode, root) = take_ssl_params("postgres://u@h/db").unwrap();
        assert_eq!(
            (rest.as_str(), mode, root),
            ("postgres://u@h/db", SslMode::Plain, None)
        );
        let (rest, mode, _) = take_ssl_params("postgres://u@h/db?sslmode=prefer").unwrap();
        assert_eq!((rest.as_str(), mode), ("postgres://u@h/db", SslMode::Plain));
        assert!(take_ssl_params("postgres://u@h/db?sslmode=sometimes").is_err());
    }

    #[test]
    fn modes() {
        let (_, tls) = postgres("postgres://u@h/db?sslmode=require").unwrap();
        assert_eq!(tls.mode(), SslMode::Require);
        let (_, tls) = postgres("postgres://u@h/db").unwrap();
        assert_eq!(tls.mode(), SslMode::Plain);
        let e = postgres("postgres://u@h/db?sslmode=verify-full").unwrap_err();
        assert!(e.to_string().contains("sslrootcert"), "{e}");
        let e = postgres("postgres://u@h/db?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem")
            .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
    }
}
