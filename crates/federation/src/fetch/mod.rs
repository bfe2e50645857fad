//! The SSRF-safe, pinned HTTPS client that fetches OIDC discovery documents
//! and JWKS, run on a small runtime of its own.
//!
//! A [`Fetcher`] owns one background thread that drives a current-thread tokio
//! runtime. Synchronous callers hand it a request and wait on a channel, so the
//! caller may be plain synchronous code, including code that runs inside
//! `tokio::task::block_in_place` on a multi-thread runtime's worker: nothing
//! here calls `Handle::current().block_on` on the caller's thread.
//!
//! Rules of a fetch:
//! - `https` only; the host and port come from the parsed URL;
//! - the host is resolved once, every address is vetted with
//!   [`addr::AddrPolicy`], and the TCP connection goes to a vetted address
//!   (never resolved again), with SNI and `Host` set to the URL's host;
//! - proxy environment variables are not read; no cookies or credentials;
//! - no redirects: any status other than 200 fails;
//! - `Content-Encoding` other than `identity` fails; a `Content-Length` over
//!   the cap fails before the body is read, and the body is read with a limit;
//! - one deadline covers resolve, connect, handshake, request and body.

pub(crate) mod addr;
pub(crate) mod tls;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{
    HeaderValue, ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, HOST,
    USER_AGENT,
};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;
use url::{Host, Url};

use addr::AddrPolicy;
use tls::Fingerprint;

/// Resolves a host name to addresses (a test hook; the default uses the
/// system resolver through tokio).
pub type Resolver = Arc<dyn Fn(&str, u16) -> std::io::Result<Vec<IpAddr>> + Send + Sync>;

/// Rewrites the vetted address just before connecting (a test hook, so a
/// test can vet a public address and still connect to a local server).
pub type ConnectOverride = Arc<dyn Fn(SocketAddr) -> SocketAddr + Send + Sync>;

/// How a fetch failed, before it is mapped to an OIDC error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// The document could not be fetched or was not acceptable (reason).
    Broken(String),
    /// The server's certificate matched none of the pins.
    PinMismatch,
    /// The certificate chain or host name did not validate (reason).
    Chain(String),
}

/// A fetched document.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// The body (at most the cap).
    pub(crate) body: Vec<u8>,
    /// `Cache-Control: max-age` in seconds, when given; `Some(0)` for
    /// `no-cache`/`no-store`.
    pub(crate) max_age: Option<u64>,
}

/// Settings of the fetcher (copied from `FetchOptions`).
#[derive(Clone)]
pub(crate) struct FetchConfig {
    pub(crate) connect_timeout: Duration,
    pub(crate) total_timeout: Duration,
    pub(crate) max_body: usize,
    pub(crate) resolver: Option<Resolver>,
    pub(crate) connect_override: Option<ConnectOverride>,
    pub(crate) roots: Arc<rustls::RootCertStore>,
}

/// One parsed, vetted https URL.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    url: Url,
    host: Host<String>,
    port: u16,
}

impl Target {
    /// Parses and checks an https URL (no user info, a host).
    pub(crate) fn parse(s: &str) -> Result<Self, FetchError> {
        let url = Url::parse(s).map_err(|_| FetchError::Broken("not a valid URL".into()))?;
        if url.scheme() != "https" {
            return Err(FetchError::Broken("the URL is not https".into()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Broken("the URL carries user info".into()));
        }
        let host = url
            .host()
            .map(|h| h.to_owned())
            .ok_or_else(|| FetchError::Broken("the URL has no host".into()))?;
        if matches!(host, Host::Ipv4(_) | Host::Ipv6(_)) {
            // An IP literal must be written in its canonical form: `127.1`,
            // `0x7f000001` or `2130706433` are refused rather than reinterpreted.
            let raw = raw_host(s);
            if !url.host_str().is_some_and(|h| h.eq_ignore_ascii_case(raw)) {
                return Err(FetchError::Broken(
                    "the URL's IP address is not written in canonical form".into(),
                ));
            }
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| FetchError::Broken("the URL has no port".into()))?;
        Ok(Self { url, host, port })
    }

    /// Whether `other` names the same host and port.
    pub(crate) fn same_origin(&self, other: &Target) -> bool {
        self.host == other.host && self.port == other.port
    }

    /// The URL has a query or a fragment.
    pub(crate) fn has_query_or_fragment(&self) -> bool {
        self.url.query().is_some() || self.url.fragment().is_some()
    }

    /// The address policy for this URL's host (see [`AddrPolicy`]).
    pub(crate) fn policy(&self) -> AddrPolicy {
        match &self.host {
            Host::Ipv4(ip) => AddrPolicy::Literal(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => AddrPolicy::Literal(IpAddr::V6(*ip)),
            Host::Domain(d) if d.eq_ignore_ascii_case("localhost") => AddrPolicy::LoopbackOnly,
            Host::Domain(_) => AddrPolicy::PublicOnly,
        }
    }

    fn server_name(&self) -> Result<ServerName<'static>, FetchError> {
        match &self.host {
            Host::Ipv4(ip) => Ok(ServerName::IpAddress(IpAddr::V4(*ip).into())),
            Host::Ipv6(ip) => Ok(ServerName::IpAddress(IpAddr::V6(*ip).into())),
            Host::Domain(d) => ServerName::try_from(d.clone())
                .map_err(|_| FetchError::Broken("the host is not a valid DNS name".into())),
        }
    }

    fn host_header(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        }
    }

    fn path_and_query(&self) -> String {
        match self.url.query() {
            Some(q) => format!("{}?{q}", self.url.path()),
            None => self.url.path().to_string(),
        }
    }
}

/// The host as written in a URL string (between `//` and the port, path,
/// query or fragment).
fn raw_host(s: &str) -> &str {
    let after = s.split_once("://").map_or(s, |(_, rest)| rest);
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..end];
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.starts_with('[') {
        return hostport.find(']').map_or(hostport, |i| &hostport[..=i]);
    }
    hostport.split_once(':').map_or(hostport, |(h, _)| h)
}

/// The background thread and its runtime.
pub(crate) struct Fetcher {
    handle: tokio::runtime::Handle,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    config: Arc<FetchConfig>,
    count: Arc<AtomicU64>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("fetches", &self.count.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// Starts the thread (named `federation-fetch`) and its runtime.
    pub(crate) fn start(config: FetchConfig, count: Arc<AtomicU64>) -> Result<Self, String> {
        let (handle_tx, handle_rx) = mpsc::sync_channel(1);
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("federation-fetch".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .enable_time()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = handle_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = handle_tx.send(Ok(rt.handle().clone()));
                rt.block_on(async {
                    let _ = shutdown_rx.await;
                });
            })
            .map_err(|e| format!("cannot start the fetch thread: {e}"))?;
        let handle = handle_rx
            .recv()
            .map_err(|_| "the fetch thread did not start".to_string())??;
        Ok(Self {
            handle,
            shutdown: Some(shutdown_tx),
            config: Arc::new(config),
            count,
        })
    }

    /// Fetches `target` over pinned (or web-PKI) HTTPS, blocking the calling
    /// thread until the background runtime answers.
    pub(crate) fn get(&self, target: &Target, pins: &[Fingerprint]) -> Result<Fetched, FetchError> {
        self.count.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::sync_channel(1);
        let config = self.config.clone();
        let target = target.clone();
        let pins = pins.to_vec();
        let total = config.total_timeout;
        self.handle.spawn(async move {
            let result = match tokio::time::timeout(total, get(&config, &target, &pins)).await {
                Ok(r) => r,
                Err(_) => Err(FetchError::Broken("timed out".into())),
            };
            let _ = tx.send(result);
        });
        match rx.recv_timeout(total + Duration::from_secs(1)) {
            Ok(r) => r,
            Err(_) => Err(FetchError::Broken("timed out".into())),
        }
    }
}

impl Drop for Fetcher {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Resolves the target's host and keeps only the addresses its policy allows.
async fn vetted_addresses(
    config: &FetchConfig,
    target: &Target,
) -> Result<Vec<SocketAddr>, FetchError> {
    let policy = target.policy();
    let ips: Vec<IpAddr> = match (&target.host, policy) {
        (_, AddrPolicy::Literal(ip)) => vec![ip],
        (Host::Domain(name), _) => {
            if let Some(resolver) = &config.resolver {
                resolver(name, target.port)
                    .map_err(|_| FetchError::Broken("the host name does not resolve".into()))?
            } else {
                tokio::net::lookup_host((name.as_str(), target.port))
                    .await
                    .map_err(|_| FetchError::Broken("the host name does not resolve".into()))?
                    .map(|sa| sa.ip())
                    .collect()
            }
        }
        _ => Vec::new(),
    };
    let vetted: Vec<SocketAddr> = ips
        .into_iter()
        .filter(|ip| policy.allows(*ip))
        .map(|ip| SocketAddr::new(ip, target.port))
        .collect();
    if vetted.is_empty() {
        return Err(FetchError::Broken(
            "the host resolves only to addresses that are not allowed".into(),
        ));
    }
    Ok(vetted)
}

fn classify_tls_error(e: &std::io::Error) -> FetchError {
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(c)) if *c == tls::PIN_MISMATCH => {
            FetchError::PinMismatch
        }
        Some(rustls::Error::InvalidCertificate(c)) => FetchError::Chain(cert_reason(c).into()),
        Some(other) => FetchError::Broken(format!("TLS handshake failed ({other})")),
        None => FetchError::Broken("TLS handshake failed".into()),
    }
}

/// A short, fixed description of a certificate error (never the names or
/// other strings the server's certificate carries).
fn cert_reason(e: &rustls::CertificateError) -> &'static str {
    use rustls::CertificateError as C;
    match e {
        C::Expired | C::ExpiredContext { .. } => "the certificate has expired",
        C::NotValidYet | C::NotValidYetContext { .. } => "the certificate is not valid yet",
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "the certificate is not valid for the issuer's host name"
        }
        C::UnknownIssuer => "the certificate does not chain to a trusted or pinned CA",
        C::BadSignature => "a certificate signature is invalid",
        C::Revoked => "the certificate is revoked",
        _ => "the certificate chain is invalid",
    }
}

/// `Cache-Control` max-age (no-cache/no-store → 0).
fn max_age(v: Option<&HeaderValue>) -> Option<u64> {
    let s = v?.to_str().ok()?;
    let mut age = None;
    for d in s.split(',') {
        let d = d.trim();
        if d.eq_ignore_ascii_case("no-store") || d.eq_ignore_ascii_case("no-cache") {
            return Some(0);
        }
        if let Some((k, v)) = d.split_once('=') {
            if k.trim().eq_ignore_ascii_case("max-age") {
                age = v.trim().trim_matches('"').parse::<u64>().ok();
            }
        }
    }
    age
}

async fn get(
    config: &FetchConfig,
    target: &Target,
    pins: &[Fingerprint],
) -> Result<Fetched, FetchError> {
    let addrs = vetted_addresses(config, target).await?;
    let mut stream = None;
    for addr in addrs {
        let addr = match &config.connect_override {
            Some(f) => f(addr),
            None => addr,
        };
        if let Ok(Ok(s)) =
            tokio::time::timeout(config.connect_timeout, tokio::net::TcpStream::connect(addr)).await
        {
            stream = Some(s);
            break;
        }
    }
    let tcp = stream.ok_or_else(|| FetchError::Broken("cannot connect".into()))?;
    let _ = tcp.set_nodelay(true);
    let tls_config = tls::client_config(pins, &config.roots).map_err(FetchError::Broken)?;
    let tls = TlsConnector::from(tls_config)
        .connect(target.server_name()?, tcp)
        .await
        .map_err(|e| classify_tls_error(&e))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(tls))
            .await
            .map_err(|_| FetchError::Broken("HTTP handshake failed".into()))?;
    let conn_task = tokio::spawn(async move {
        let _ = conn.await;
    });
    let host = HeaderValue::from_str(&target.host_header())
        .map_err(|_| FetchError::Broken("bad host".into()))?;
    let req = Request::get(target.path_and_query())
        .header(HOST, host)
        .header(ACCEPT, "application/json")
        .header(ACCEPT_ENCODING, "identity")
        .header(USER_AGENT, "rampart-federation")
        .body(Empty::<Bytes>::new())
        .map_err(|_| FetchError::Broken("bad request".into()))?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|_| FetchError::Broken("the request failed".into()))?;
    let status = resp.status();
    if status.is_redirection() {
        conn_task.abort();
        return Err(FetchError::Broken(format!(
            "redirects are not followed (HTTP {})",
            status.as_u16()
        )));
    }
    if status != StatusCode::OK {
        conn_task.abort();
        return Err(FetchError::Broken(format!("HTTP {}", status.as_u16())));
    }
    if let Some(enc) = resp.headers().get(CONTENT_ENCODING) {
        if !enc.as_bytes().eq_ignore_ascii_case(b"identity") {
            conn_task.abort();
            return Err(FetchError::Broken(
                "compressed responses are refused".into(),
            ));
        }
    }
    if let Some(len) = resp.headers().get(CONTENT_LENGTH) {
        let len: u64 = len
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| FetchError::Broken("bad Content-Length".into()))?;
        if len > config.max_body as u64 {
            conn_task.abort();
            return Err(FetchError::Broken("the document is too large".into()));
        }
    }
    let max_age = max_age(resp.headers().get(CACHE_CONTROL));
    let body = Limited::new(resp.into_body(), config.max_body)
        .collect()
        .await
        .map_err(|_| FetchError::Broken("the document is too large or the body failed".into()))?
        .to_bytes();
    conn_task.abort();
    Ok(Fetched {
        body: body.to_vec(),
        max_age,
    })
}

/// The counter shared by a fetcher and its owner.
pub(crate) fn new_counter() -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control() {
        let h = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(max_age(Some(&h("public, max-age=600"))), Some(600));
        assert_eq!(max_age(Some(&h("no-store"))), Some(0));
        assert_eq!(max_age(Some(&h("max-age=600, no-cache"))), Some(0));
        assert_eq!(max_age(Some(&h("public"))), None);
        assert_eq!(max_age(None), None);
    }

    #[test]
    fn targets() {
        assert!(Target::parse("http://a.example/").is_err());
        assert!(Target::parse("https://u:p@a.example/").is_err());
        for obfuscated in [
            "https://0x7f000001/",
            "https://127.1/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://[0:0:0:0:0:0:0:1]/",
        ] {
            assert!(Target::parse(obfuscated).is_err(), "{obfuscated}");
        }
        let t = Target::parse("https://127.0.0.1:8443/").unwrap();
        assert_eq!(
            t.policy(),
            AddrPolicy::Literal("127.0.0.1".parse().unwrap())
        );
        let t = Target::parse("https://[::1]/").unwrap();
        assert_eq!(t.policy(), AddrPolicy::Literal("::1".parse().unwrap()));
        assert_eq!(t.host_header(), "[::1]");
        let t = Target::parse("https://LOCALHOST:8443/x").unwrap();
        assert_eq!(t.policy(), AddrPolicy::LoopbackOnly);
        assert_eq!(t.host_header(), "localhost:8443");
        let a = Target::parse("https://issuer.example/a").unwrap();
        let b = Target::parse("https://ISSUER.example:443/keys?x=1").unwrap();
        assert!(a.same_origin(&b));
        assert_eq!(b.path_and_query(), "/keys?x=1");
        let c = Target::parse("https://issuer.example:8443/keys").unwrap();
        assert!(!a.same_origin(&c));
        // user info is refused outright
        assert!(Target::parse("https://user@evil.example@issuer.example/").is_err());
    }
}
