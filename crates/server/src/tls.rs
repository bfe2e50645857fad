//! HTTPS: the certificate the server presents and the TLS configuration.
//!
//! The certificate comes from the operator's PEM files (`--tls-cert`,
//! `--tls-key`) or from a local CA (`--tls-auto`): on first start a CA is
//! made in `<data-dir>/tls` (`ca.pem`, its key `ca.key` 0600 beside it) and
//! a server certificate it signs (`server.pem`, `server.key` 0600) for
//! localhost, the listen address and the Alibaba Cloud endpoint host names
//! of the region. That certificate is issued again when the names change,
//! and renewed when less than a third of its life remains (checked at start
//! and every hour); the CA is kept.
//!
//! The certificate in use sits behind a lock that handshakes read: SIGHUP
//! loads the pair again (the operator's files, or the local CA's) and
//! swaps it in without touching open connections; a pair that does not
//! load is logged and the previous one kept.
//!
//! TLS 1.2 and 1.3 only (rustls, `ring`), HTTP/1.1 by ALPN.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{bail, Context};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::{ClientHello, ParsedCertificate, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, TlsSource};

/// The local CA's directory inside the data dir.
pub const TLS_DIR: &str = "tls";
/// The local CA's certificate: what clients trust.
pub const CA_CERT: &str = "ca.pem";
/// The local CA's private key (0600).
pub const CA_KEY: &str = "ca.key";
/// The server certificate the local CA signed.
pub const SERVER_CERT: &str = "server.pem";
/// Its private key (0600).
pub const SERVER_KEY: &str = "server.key";
/// How long the local CA is valid.
const CA_LIFETIME: time::Duration = time::Duration::days(3650);
/// How long a server certificate of the local CA is valid.
pub const SERVER_LIFETIME: time::Duration = time::Duration::days(90);
/// Certificates start an hour in the past: clocks differ.
const BACKDATE: time::Duration = time::Duration::hours(1);
/// How often the local CA's server certificate is checked for renewal.
const RENEW_CHECK: Duration = Duration::from_secs(3600);

/// The names of a `--tls-auto` certificate: localhost, the listen address
/// (unless it is a wildcard address), the Alibaba Cloud endpoint host names
/// of `region`, then `extra`.
pub fn auto_names(region: &str, listen: SocketAddr, extra: &[String]) -> Vec<String> {
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    if !listen.ip().is_unspecified() {
        names.push(listen.ip().to_canonical().to_string());
    }
    names.extend([
        "ram.aliyuncs.com".to_string(),
        "sts.aliyuncs.com".to_string(),
        format!("sts.{region}.aliyuncs.com"),
        format!("kms.{region}.aliyuncs.com"),
        format!("kms-vpc.{region}.aliyuncs.com"),
        "ims.aliyuncs.com".to_string(),
        format!("actiontrail.{region}.aliyuncs.com"),
    ]);
    names.extend(extra.iter().cloned());
    let mut seen = Vec::with_capacity(names.len());
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen
}

/// When a certificate was made valid and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Validity {
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl Validity {
    /// Less than a third of the certificate's life remains.
    fn due(&self, now: OffsetDateTime) -> bool {
        (self.not_after - now) < (self.not_after - self.not_before) / 3
    }
}

/// The certificate handshakes present, swapped on reload.
struct CertSlot {
    current: RwLock<(Arc<CertifiedKey>, Option<Validity>)>,
}

impl std::fmt::Debug for CertSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertSlot").finish_non_exhaustive()
    }
}

impl ResolvesServerCert for CertSlot {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let slot = self.current.read().unwrap_or_else(|e| e.into_inner());
        Some(slot.0.clone())
    }
}

impl CertSlot {
    fn set(&self, key: Arc<CertifiedKey>, validity: Option<Validity>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = (key, validity);
    }

    fn validity(&self) -> Option<Validity> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).1
    }
}

enum Source {
    Files { cert: PathBuf, key: PathBuf },
    Auto(LocalCa),
}

/// The server's TLS: the acceptor and where its certificate comes from.
pub struct Tls {
    acceptor: tokio_rustls::TlsAcceptor,
    slot: Arc<CertSlot>,
    source: Source,
    provider: Arc<CryptoProvider>,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl Tls {
    /// Loads (or, for `--tls-auto`, makes) the certificate; `None` without
    /// TLS.
    pub fn from_config(cfg: &Config) -> anyhow::Result<Option<Arc<Self>>> {
        let source = match &cfg.tls {
            None => return Ok(None),
            Some(TlsSource::Files { cert, key }) => Source::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            Some(TlsSource::Auto { hosts }) => Source::Auto(LocalCa {
                dir: cfg.data_dir.join(TLS_DIR),
                names: auto_names(&cfg.region, cfg.listen, hosts),
            }),
        };
        Self::new(source, OffsetDateTime::now_utc()).map(|t| Some(Arc::new(t)))
    }

    fn new(source: Source, now: OffsetDateTime) -> anyhow::Result<Self> {
        let provider = provider();
        let (key, validity) = match &source {
            Source::Files { cert, key } => load_pair(cert, key, &provider)?,
            Source::Auto(ca) => {
                let (key, validity) = ca.ensure(now, &provider)?;
                ca.log_trust();
                (key, Some(validity))
            }
        };
        if let (Source::Files { cert, .. }, Some(v)) = (&source, validity) {
            if v.not_after <= now {
                tracing::warn!(cert = %cert.display(), not_after = %v.not_after, "the TLS certificate has expired");
            }
        }
        let slot = Arc::new(CertSlot {
            current: RwLock::new((key, validity)),
        });
        let mut config = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .context("TLS configuration")?
            .with_no_client_auth()
            .with_cert_resolver(slot.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            slot,
            source,
            provider,
        })
    }

    /// The acceptor handshakes go through.
    pub fn acceptor(&self) -> &tokio_rustls::TlsAcceptor {
        &self.acceptor
    }

    /// Loads the pair again (SIGHUP); on failure the current one stays.
    pub fn reload(&self, now: OffsetDateTime) -> anyhow::Result<()> {
        let (key, validity) = match &self.source {
            Source::Files { cert, key } => load_pair(cert, key, &self.provider)?,
            Source::Auto(ca) => {
                let (k, v) = ca.ensure(now, &self.provider)?;
                (k, Some(v))
            }
        };
        self.slot.set(key, validity);
        tracing::info!(
            not_after = %validity.map(|v| v.not_after.to_string()).unwrap_or_else(|| "?".into()),
            "TLS certificate reloaded"
        );
        Ok(())
    }

    /// For `--tls-auto`: issues a new server certificate when the current
    /// one is due. Whether it did.
    pub fn renew_if_due(&self, now: OffsetDateTime) -> anyhow::Result<bool> {
        let Source::Auto(ca) = &self.source else {
            return Ok(false);
        };
        if !self.slot.validity().is_none_or(|v| v.due(now)) {
            return Ok(false);
        }
        let (key, validity) = ca.ensure(now, &self.provider)?;
        self.slot.set(key, Some(validity));
        Ok(true)
    }
}

/// Reloads the certificate on SIGHUP and renews a `--tls-auto` one when
/// due, until `stop` turns true.
pub fn spawn_maintenance(tls: Arc<Tls>, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut hup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP: the TLS certificate will not be reloaded");
                None
            }
        };
        let mut tick = tokio::time::interval(RENEW_CHECK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            let hangup = async {
                match hup.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = stop.changed() => break,
                _ = hangup => {
                    let t = tls.clone();
                    match tokio::task::spawn_blocking(move || t.reload(OffsetDateTime::now_utc())).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => tracing::warn!(error = %format!("{e:#}"), "SIGHUP: the TLS certificate was not reloaded; the previous one stays in use"),
                        Err(e) => tracing::warn!(error = %e, "SIGHUP: reloading the TLS certificate failed"),
                    }
                }
                _ = tick.tick() => {
                    let t = tls.clone();
                    match tokio::task::spawn_blocking(move || t.renew_if_due(OffsetDateTime::now_utc())).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => tracing::warn!(error = %format!("{e:#}"), "renewing the TLS certificate failed; retrying in an hour"),
                        Err(e) => tracing::warn!(error = %e, "renewing the TLS certificate failed"),
                    }
                }
            }
            if *stop.borrow() {
                break;
            }
        }
    })
}

/// A PEM certificate chain and its key, checked to belong together.
fn load_pair(
    cert: &Path,
    key: &Path,
    provider: &CryptoProvider,
) -> anyhow::Result<(Arc<CertifiedKey>, Option<Validity>)> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read the TLS certificate `{}`", cert.display()))?;
    if chain.is_empty() {
        bail!(
            "the TLS certificate file `{}` holds no PEM certificate",
            cert.display()
        );
    }
    warn_if_readable(key);
    let key_der = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read the TLS private key `{}`", key.display()))?;
    let signer = provider
        .key_provider
        .load_private_key(key_der)
        .with_context(|| {
            format!(
                "the TLS private key `{}` is not a usable key",
                key.display()
            )
        })?;
    let pair = CertifiedKey::new(chain, signer);
    pair.keys_match().with_context(|| {
        format!(
            "the TLS private key `{}` does not belong to the certificate `{}`",
            key.display(),
            cert.display()
        )
    })?;
    let validity = pair.cert.first().and_then(|c| {
        CertificateParams::from_ca_cert_der(c)
            .ok()
            .map(|p| Validity {
                not_before: p.not_before,
                not_after: p.not_after,
            })
    });
    Ok((Arc::new(pair), validity))
}

fn warn_if_readable(key: &Path) {
    if let Ok(m) = fs::metadata(key) {
        let mode = m.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(key = %key.display(), mode = format!("{mode:o}"), "the TLS private key can be read by others than its owner; make it 0600");
        }
    }
}

/// The local CA of `--tls-auto` and the names its server certificate must
/// carry.
struct LocalCa {
    dir: PathBuf,
    names: Vec<String>,
}

impl LocalCa {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The server certificate to use at `now`: the one on disk if it is
    /// this CA's, carries every name and is not due for renewal; else a new
    /// one (the CA made first if there is none).
    fn ensure(
        &self,
        now: OffsetDateTime,
        provider: &CryptoProvider,
    ) -> anyhow::Result<(Arc<CertifiedKey>, Validity)> {
        crate::setup::private_dir(&self.dir)?;
        let (ca_cert, ca_key, ca_der) = self.ca(now)?;
        let (cert_path, key_path) = (self.path(SERVER_CERT), self.path(SERVER_KEY));
        if cert_path.exists() && key_path.exists() {
            match self.usable(&cert_path, &ca_der, now) {
                Ok(validity) => {
                    if let Ok((pair, _)) = load_pair(&cert_path, &key_path, provider) {
                        return Ok((pair, validity));
                    }
                    tracing::info!(
                        "the local CA's server certificate does not load; issuing a new one"
                    );
                }
                Err(why) => tracing::info!(reason = why, "issuing a new server certificate"),
            }
        }
        let validity = self.issue(&ca_cert, &ca_key, &ca_der, now)?;
        let (pair, _) = load_pair(&cert_path, &key_path, provider)?;
        tracing::info!(
            cert = %cert_path.display(),
            names = %self.names.join(","),
            not_after = %validity.not_after,
            "issued a server certificate signed by the local CA"
        );
        Ok((pair, validity))
    }

    /// The CA: loaded, or made if neither file exists.
    fn ca(
        &self,
        now: OffsetDateTime,
    ) -> anyhow::Result<(rcgen::Certificate, KeyPair, CertificateDer<'static>)> {
        let (cert_path, key_path) = (self.path(CA_CERT), self.path(CA_KEY));
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => {
                let pem = fs::read_to_string(&cert_path)
                    .with_context(|| format!("cannot read `{}`", cert_path.display()))?;
                let key_pem = fs::read_to_string(&key_path)
                    .with_context(|| format!("cannot read `{}`", key_path.display()))?;
                let key = KeyPair::from_pem(&key_pem)
                    .with_context(|| format!("`{}` is not a usable key", key_path.display()))?;
                let der = CertificateDer::from_pem_slice(pem.as_bytes())
                    .with_context(|| format!("`{}` is not a PEM certificate", cert_path.display()))?;
                let params = CertificateParams::from_ca_cert_der(&der)
                    .with_context(|| format!("`{}` is not a certificate", cert_path.display()))?;
                let cert = params
                    .self_signed(&key)
                    .context("the local CA cannot sign")?;
                Ok((cert, key, der))
            }
            (false, false) => {
                let key = KeyPair::generate().context("cannot make the local CA's key")?;
                let mut params = CertificateParams::default();
                let mut dn = DistinguishedName::new();
                let tag = uuid::Uuid::new_v4().simple().to_string();
                dn.push(
                    DnType::CommonName,
                    format!("Rampart local CA {}", &tag[..8]),
                );
                dn.push(DnType::OrganizationName, "Rampart");
                params.distinguished_name = dn;
                params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
                params.key_usages = vec![
                    KeyUsagePurpose::KeyCertSign,
                    KeyUsagePurpose::CrlSign,
                    KeyUsagePurpose::DigitalSignature,
                ];
                params.not_before = now - BACKDATE;
                params.not_after = now + CA_LIFETIME;
                params.serial_number = Some(serial());
                let cert = params
                    .self_signed(&key)
                    .context("cannot make the local CA")?;
                write_private(&key_path, key.serialize_pem().as_bytes())?;
                write_public(&cert_path, cert.pem().as_bytes())?;
                let der = cert.der().clone();
                tracing::info!(ca = %cert_path.display(), "made a local CA for HTTPS");
                Ok((cert, key, der))
            }
            (true, false) => bail!(
                "`{}` exists without its key `{}`: restore the key, or move both away to make a new CA",
                cert_path.display(),
                key_path.display()
            ),
            (false, true) => bail!(
                "`{}` exists without its certificate `{}`: restore the certificate, or move both away to make a new CA",
                key_path.display(),
                cert_path.display()
            ),
        }
    }

    /// Whether the server certificate on disk can stay: signed by this CA,
    /// carrying every name, not due. Its validity, or why not.
    fn usable(
        &self,
        cert_path: &Path,
        ca_der: &CertificateDer<'static>,
        now: OffsetDateTime,
    ) -> Result<Validity, &'static str> {
        let der = CertificateDer::pem_file_iter(cert_path)
            .ok()
            .and_then(|mut certs| certs.next())
            .and_then(Result::ok)
            .ok_or("the server certificate does not load")?;
        let params = CertificateParams::from_ca_cert_der(&der)
            .map_err(|_| "the server certificate does not parse")?;
        let validity = Validity {
            not_before: params.not_before,
            not_after: params.not_after,
        };
        if validity.due(now) {
            return Err("less than a third of the server certificate's life remains");
        }
        let has: Vec<String> = params
            .subject_alt_names
            .iter()
            .filter_map(|san| match san {
                SanType::DnsName(n) => Some(n.as_str().to_ascii_lowercase()),
                SanType::IpAddress(ip) => Some(ip.to_string()),
                _ => None,
            })
            .collect();
        if self.names.iter().any(|n| !has.contains(n)) {
            return Err("the host names changed");
        }
        if !signed_by(&der, ca_der, now) {
            return Err("the server certificate is not the local CA's");
        }
        Ok(validity)
    }

    fn issue(
        &self,
        ca_cert: &rcgen::Certificate,
        ca_key: &KeyPair,
        ca_der: &CertificateDer<'static>,
        now: OffsetDateTime,
    ) -> anyhow::Result<Validity> {
        let mut params = CertificateParams::new(self.names.clone())
            .context("a --tls-auto host name is not valid in a certificate")?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "rampart");
        params.distinguished_name = dn;
        // No basicConstraints at all: an explicit `cA FALSE` is the default
        // value encoded, which strict DER parsers refuse.
        params.is_ca = IsCa::NoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = now - BACKDATE;
        params.not_after = now + SERVER_LIFETIME;
        params.serial_number = Some(serial());
        let key = KeyPair::generate().context("cannot make the server certificate's key")?;
        let cert = params
            .signed_by(&key, ca_cert, ca_key)
            .context("the local CA cannot sign the server certificate")?;
        if !signed_by(cert.der(), ca_der, now) {
            bail!(
                "`{}` does not match `{}`: restore the pair, or move both away to make a new CA",
                self.path(CA_KEY).display(),
                self.path(CA_CERT).display()
            );
        }
        write_private(&self.path(SERVER_KEY), key.serialize_pem().as_bytes())?;
        write_public(&self.path(SERVER_CERT), cert.pem().as_bytes())?;
        Ok(Validity {
            not_before: now - BACKDATE,
            not_after: now + SERVER_LIFETIME,
        })
    }

    /// Logs how clients come to trust the CA.
    fn log_trust(&self) {
        let ca = self.path(CA_CERT);
        let ca = ca.canonicalize().unwrap_or(ca);
        let ca = ca.display();
        tracing::info!(
            ca = %ca,
            names = %self.names.join(","),
            "serving HTTPS with a certificate of the local CA; clients must trust its ca.pem"
        );
        tracing::info!("  Python (requests, the SDKs): SSL_CERT_FILE={ca} or REQUESTS_CA_BUNDLE={ca} (these replace the default trust store), or Config(ca='{ca}') in the Tea SDKs");
        tracing::info!("  Node.js: NODE_EXTRA_CA_CERTS={ca} (added to the default trust store)");
        tracing::info!("  Java: keytool -importcert -cacerts -alias rampart -file {ca}");
        tracing::info!("  the system store (Debian, Ubuntu): cp {ca} /usr/local/share/ca-certificates/rampart.crt && update-ca-certificates");
        tracing::info!("  clients whose endpoint is fixed to an Alibaba Cloud host name (sts.aliyuncs.com, kms.<region>.aliyuncs.com, ...): point that name at this host in /etc/hosts or DNS");
    }
}

/// Whether `cert` chains to `ca` at `now`.
fn signed_by(cert: &CertificateDer<'_>, ca: &CertificateDer<'static>, now: OffsetDateTime) -> bool {
    let mut roots = RootCertStore::empty();
    if roots.add(ca.clone()).is_err() {
        return false;
    }
    let Ok(parsed) = ParsedCertificate::try_from(cert) else {
        return false;
    };
    let secs = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    rustls::client::verify_server_cert_signed_by_trust_anchor(
        &parsed,
        &roots,
        &[],
        UnixTime::since_unix_epoch(Duration::from_secs(secs)),
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .all,
    )
    .is_ok()
}

/// A random positive 128-bit serial number.
fn serial() -> SerialNumber {
    let mut bytes = *uuid::Uuid::new_v4().as_bytes();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

/// Writes `bytes` to `path` through a temporary file renamed over it, with
/// `mode` from the first byte.
fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .with_context(|| format!("cannot create `{}`", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    fs::set_permissions(&tmp, fs::Permissions::from_mode(mode))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic(path, bytes, 0o600)
}

fn write_public(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic(path, bytes, 0o644)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(dir: &Path, extra: &[String]) -> Source {
        Source::Auto(LocalCa {
            dir: dir.join(TLS_DIR),
            names: auto_names("cn-shanghai", "127.0.0.1:7433".parse().unwrap(), extra),
        })
    }

    fn serial_of(tls: &Tls) -> Vec<u8> {
        let slot = tls.slot.current.read().unwrap();
        let p = CertificateParams::from_ca_cert_der(&slot.0.cert[0]).unwrap();
        p.serial_number.unwrap().to_bytes()
    }

    fn mode(p: PathBuf) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn names_of_the_auto_certificate() {
        let n = auto_names(
            "cn-beijing",
            "10.1.2.3:443".parse().unwrap(),
            &["rampart.internal".into(), "localhost".into()],
        );
        assert_eq!(
            n,
            [
                "localhost",
                "127.0.0.1",
                "::1",
                "10.1.2.3",
                "ram.aliyuncs.com",
                "sts.aliyuncs.com",
                "sts.cn-beijing.aliyuncs.com",
                "kms.cn-beijing.aliyuncs.com",
                "kms-vpc.cn-beijing.aliyuncs.com",
                "ims.aliyuncs.com",
                "actiontrail.cn-beijing.aliyuncs.com",
                "rampart.internal",
            ]
        );
        let n = auto_names("cn-beijing", "0.0.0.0:443".parse().unwrap(), &[]);
        assert!(!n.contains(&"0.0.0.0".to_string()));
    }

    #[test]
    fn auto_makes_a_ca_once_and_renews_the_server_certificate_when_due() {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        let tls = Tls::new(auto(dir.path(), &[]), now).unwrap();
        let tdir = dir.path().join(TLS_DIR);
        assert_eq!(mode(tdir.join(CA_KEY)), 0o600);
        assert_eq!(mode(tdir.join(SERVER_KEY)), 0o600);
        assert_eq!(mode(tdir.clone()), 0o700);
        let ca = fs::read(tdir.join(CA_CERT)).unwrap();
        let first = serial_of(&tls);

        // A restart keeps both.
        let again = Tls::new(auto(dir.path(), &[]), now).unwrap();
        assert_eq!(serial_of(&again), first);

        // Two thirds of 90 days on: not yet; past that: renewed, same CA.
        assert!(!tls.renew_if_due(now + time::Duration::days(59)).unwrap());
        assert_eq!(serial_of(&tls), first);
        assert!(tls.renew_if_due(now + time::Duration::days(61)).unwrap());
        let renewed = serial_of(&tls);
        assert_ne!(renewed, first);
        assert_eq!(fs::read(tdir.join(CA_CERT)).unwrap(), ca);
        let slot = tls.slot.current.read().unwrap();
        let ca_der = CertificateDer::from_pem_slice(&ca).unwrap();
        assert!(signed_by(
            &slot.0.cert[0],
            &ca_der,
            now + time::Duration::days(100)
        ));
        drop(slot);

        // A new name issues a new certificate at start, from the same CA.
        let more = Tls::new(auto(dir.path(), &["rampart.example".into()]), now).unwrap();
        assert_ne!(serial_of(&more), renewed);
        assert_eq!(fs::read(tdir.join(CA_CERT)).unwrap(), ca);
        let p = CertificateParams::from_ca_cert_der(&more.slot.current.read().unwrap().0.cert[0])
            .unwrap();
        assert!(p
            .subject_alt_names
            .iter()
            .any(|s| matches!(s, SanType::DnsName(n) if n.as_str() == "rampart.example")));
    }

    #[test]
    fn a_ca_without_its_key_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        Tls::new(auto(dir.path(), &[]), now).unwrap();
        fs::remove_file(dir.path().join(TLS_DIR).join(CA_KEY)).unwrap();
        let e = Tls::new(auto(dir.path(), &[]), now).err().unwrap();
        assert!(format!("{e:#}").contains("without its key"), "{e:#}");
    }

    #[test]
    fn operator_files_must_match_and_reload_keeps_the_old_pair_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let now = OffsetDateTime::now_utc();
        // Make a pair with the local CA, then serve it as operator files.
        Tls::new(auto(dir.path(), &[]), now).unwrap();
        let tdir = dir.path().join(TLS_DIR);
        let (cert, key) = (tdir.join(SERVER_CERT), tdir.join(SERVER_KEY));
        let tls = Tls::new(
            Source::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            now,
        )
        .unwrap();
        let before = serial_of(&tls);
        // The CA's key is not the certificate's.
        let wrong = Tls::new(
            Source::Files {
                cert: cert.clone(),
                key: tdir.join(CA_KEY),
            },
            now,
        );
        assert!(format!("{:#}", wrong.err().unwrap()).contains("does not belong"));
        fs::write(&cert, "not a certificate").unwrap();
        assert!(tls.reload(now).is_err());
        assert_eq!(serial_of(&tls), before);
        assert!(!tls.renew_if_due(now + time::Duration::days(365)).unwrap());
    }
}
