//! Test helpers: an in-process HTTPS issuer on 127.0.0.1 and a small PKI.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One canned response.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Route {
    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn status(mut self, s: u16) -> Self {
        self.status = s;
        self
    }

    pub fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

/// A TLS server speaking just enough HTTP/1.1.
pub struct TestServer {
    pub port: u16,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    hits: Arc<Mutex<HashMap<String, u64>>>,
    pub connections: Arc<AtomicU64>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

async fn handle(
    stream: tokio::net::TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    hits: Arc<Mutex<HashMap<String, u64>>>,
) {
    let Ok(mut tls) = acceptor.accept(stream).await else {
        return;
    };
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tls.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.len() > 65536 {
            break;
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_string();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let route = routes.lock().unwrap().get(&path).cloned().unwrap_or(Route {
        status: 404,
        headers: vec![],
        body: b"not found".to_vec(),
        delay: Duration::ZERO,
    });
    if !route.delay.is_zero() {
        tokio::time::sleep(route.delay).await;
    }
    let mut resp = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", route.status);
    let mut has_len = false;
    for (k, v) in &route.headers {
        if k.eq_ignore_ascii_case("content-length") {
            has_len = true;
        }
        resp.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_len {
        resp.push_str(&format!("Content-Length: {}\r\n", route.body.len()));
    }
    resp.push_str("\r\n");
    let _ = tls.write_all(resp.as_bytes()).await;
    let _ = tls.write_all(&route.body).await;
    let _ = tls.shutdown().await;
}

impl TestServer {
    /// Serves TLS with this chain (leaf first) and key on 127.0.0.1.
    pub fn start(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> Self {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<HashMap<String, Route>>> = Arc::default();
        let hits: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
        let connections = Arc::new(AtomicU64::new(0));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (r2, h2, c2) = (routes.clone(), hits.clone(), connections.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let accept = async {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        c2.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(handle(stream, acceptor.clone(), r2.clone(), h2.clone()));
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = rx => {}
                }
            });
        });
        Self {
            port,
            routes,
            hits,
            connections,
            shutdown: Some(tx),
        }
    }

    pub fn set(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    pub fn hits(&self, path: &str) -> u64 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    pub fn total_hits(&self) -> u64 {
        self.hits.lock().unwrap().values().sum()
    }

    pub fn connection_count(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A certificate and its key.
pub struct Issued {
    pub der: CertificateDer<'static>,
    pub key: KeyPair,
    pub cert: rcgen::Certificate,
}

impl Issued {
    pub fn sha1_hex(&self) -> String {
        sha1_hex(self.der.as_ref())
    }
}

pub fn sha1_hex(der: &[u8]) -> String {
    Sha1::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn params(dns: &[&str], ips: &[IpAddr]) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(
        DnType::CommonName,
        dns.first().copied().unwrap_or("rampart test"),
    );
    for d in dns {
        p.subject_alt_names
            .push(SanType::DnsName((*d).try_into().unwrap()));
    }
    for ip in ips {
        p.subject_alt_names.push(SanType::IpAddress(*ip));
    }
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2090, 1, 1);
    p
}

/// A CA.
pub fn ca(name: &str) -> Issued {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2090, 1, 1);
    let cert = p.self_signed(&key).unwrap();
    Issued {
        der: cert.der().clone(),
        key,
        cert,
    }
}

/// A leaf issued by `ca` for these names.
pub fn leaf(ca: &Issued, dns: &[&str], ips: &[IpAddr]) -> Issued {
    let key = KeyPair::generate().unwrap();
    let cert = params(dns, ips).signed_by(&key, &ca.cert, &ca.key).unwrap();
    Issued {
        der: cert.der().clone(),
        key,
        cert,
    }
}

/// A leaf issued by `ca`, expired.
pub fn expired_leaf(ca: &Issued, dns: &[&str], ips: &[IpAddr]) -> Issued {
    let key = KeyPair::generate().unwrap();
    let mut p = params(dns, ips);
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let cert = p.signed_by(&key, &ca.cert, &ca.key).unwrap();
    Issued {
        der: cert.der().clone(),
        key,
        cert,
    }
}

/// A self-signed leaf for these names.
pub fn self_signed(dns: &[&str], ips: &[IpAddr]) -> Issued {
    let key = KeyPair::generate().unwrap();
    let cert = params(dns, ips).self_signed(&key).unwrap();
    Issued {
        der: cert.der().clone(),
        key,
        cert,
    }
}

pub fn localhost_ip() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}
