//! HTTPS, end to end against `rampart serve`: the `--tls-auto`
//! certificate's names, TLS versions, plain HTTP on the TLS port, the safe
//! default on a non-loopback address, `acs:SecureTransport`, the `Secure`
//! cookie and `Strict-Transport-Security`, and SIGHUP swapping the
//! operator's certificate under open connections.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::*;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

type Tls = StreamOwned<ClientConnection, TcpStream>;

/// A TLS connection to `port` asking for `name`, handshake done.
fn connect(port: u16, name: &str, config: Arc<ClientConfig>) -> std::io::Result<Tls> {
    let tcp = TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let name = ServerName::try_from(name.to_string()).map_err(std::io::Error::other)?;
    let conn = ClientConnection::new(config, name).map_err(std::io::Error::other)?;
    let mut s = StreamOwned::new(conn, tcp);
    while s.conn.is_handshaking() {
        s.conn.complete_io(&mut s.sock)?;
    }
    Ok(s)
}

/// `GET path` on a kept-alive connection; the status line and headers.
fn get(s: &mut Tls, path: &str) -> String {
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"
    )
    .unwrap();
    s.flush().unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).unwrap(), 1, "connection closed");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    head
}

fn config_with(
    ca: &Path,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    Arc::new(
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// A TLS 1.1 ClientHello (no `supported_versions`), as an old client sends.
fn tls11_client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x02];
    body.extend([7u8; 32]);
    body.push(0);
    // ECDHE-RSA/ECDSA-AES128-SHA, AES128-SHA.
    body.extend([0x00, 0x06, 0xc0, 0x13, 0xc0, 0x09, 0x00, 0x2f]);
    body.extend([0x01, 0x00]);
    // Extensions: supported groups (P-256), EC point formats.
    let ext = [
        0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
    ];
    body.extend(u16::try_from(ext.len()).unwrap().to_be_bytes());
    body.extend(ext);
    let mut hs = vec![0x01, 0x00];
    hs.extend(u16::try_from(body.len()).unwrap().to_be_bytes());
    hs.extend(body);
    let mut rec = vec![0x16, 0x03, 0x02];
    rec.extend(u16::try_from(hs.len()).unwrap().to_be_bytes());
    rec.extend(hs);
    rec
}

/// What the server sends back to `bytes` before it closes (at most 4 KiB).
fn answer_to(port: u16, bytes: &[u8]) -> Vec<u8> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    tcp.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no close within 5 s: {e}"),
        }
        if out.len() > 4096 {
            break;
        }
    }
    out
}

#[test]
fn auto_certificate_names_versions_and_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(
        dir.path(),
        &[
            "--tls-auto",
            "--region",
            "cn-shanghai",
            "--tls-hosts",
            "rampart.test,10.9.8.7",
        ],
    );
    let ca = dir.path().join("tls/ca.pem");
    let mode = |f: &str| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(dir.path().join("tls").join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("ca.key"), 0o600);
    assert_eq!(mode("server.key"), 0o600);
    let both = config_with(&ca, &[&rustls::version::TLS13, &rustls::version::TLS12]);

    // Every name of the certificate verifies against ca.pem alone.
    for name in [
        "localhost",
        "127.0.0.1",
        "::1",
        "ram.aliyuncs.com",
        "sts.aliyuncs.com",
        "sts.cn-shanghai.aliyuncs.com",
        "kms.cn-shanghai.aliyuncs.com",
        "kms-vpc.cn-shanghai.aliyuncs.com",
        "ims.aliyuncs.com",
        "actiontrail.cn-shanghai.aliyuncs.com",
        "rampart.test",
        "10.9.8.7",
    ] {
        let mut s = connect(p.port, name, both.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let head = get(&mut s, "/healthz");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("strict-transport-security: max-age=31536000"),
            "{head}"
        );
    }
    // Another region's names, or any other, are not in it.
    for name in ["kms.cn-hangzhou.aliyuncs.com", "example.com"] {
        let e = connect(p.port, name, both.clone()).err().unwrap();
        assert!(
            e.to_string()
                .to_ascii_lowercase()
                .contains("not valid for name"),
            "{name}: {e}"
        );
    }
    // TLS 1.2 and 1.3 each work; ALPN is HTTP/1.1.
    for v in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let mut cfg = (*config_with(&ca, &[v])).clone();
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let s = connect(p.port, "localhost", Arc::new(cfg)).unwrap();
        assert_eq!(s.conn.protocol_version(), Some(v.version));
        assert_eq!(s.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    }
    // TLS 1.1: refused with an alert or a close, never a ServerHello.
    let answer = answer_to(p.port, &tls11_client_hello());
    assert!(
        answer.is_empty() || answer[0] == 0x15,
        "a TLS 1.1 hello got {answer:02x?}"
    );
    // Plain HTTP on the TLS port: closed without a byte.
    let answer = answer_to(
        p.port,
        b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(
        answer.is_empty(),
        "plain HTTP got {:?}",
        String::from_utf8_lossy(&answer)
    );
    // The server still serves (signed calls over HTTPS).
    let root = p.root();
    let body = p.ok(&root, STS, "GetCallerIdentity", &[]);
    assert_eq!(body["IdentityType"], "Account", "{body}");
    // A restart keeps the CA and the certificate.
    let before = std::fs::read(dir.path().join("tls/server.pem")).unwrap();
    let ca_before = std::fs::read(&ca).unwrap();
    let mut p = p;
    p.restart();
    assert_eq!(
        std::fs::read(dir.path().join("tls/server.pem")).unwrap(),
        before
    );
    assert_eq!(std::fs::read(&ca).unwrap(), ca_before);
}

#[test]
fn plain_http_on_a_public_address_needs_insecure_http() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let listen = format!("0.0.0.0:{port}");
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--listen", &listen, "--data-dir"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for flag in ["--tls-auto", "--tls-cert", "--insecure-http"] {
        assert!(err.contains(flag), "{err}");
    }
    assert!(
        !dir.path().join("root-credentials.json").exists(),
        "nothing was initialized"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args([
            "serve",
            "--listen",
            &listen,
            "--insecure-http",
            "--data-dir",
        ])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ok = false;
    while Instant::now() < deadline && !ok {
        ok = ureq::get(&format!("http://127.0.0.1:{port}/healthz"))
            .call()
            .is_ok_and(|r| r.status() == 200);
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "--insecure-http serves plain HTTP on 0.0.0.0");

    // And with TLS a public address needs nothing more.
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["serve", "--listen", &listen, "--tls-auto", "--data-dir"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut p = Proc::attach(port, dir.path());
    p.ca = Some(dir.path().join("tls/ca.pem"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut ok = false;
    while Instant::now() < deadline && !ok {
        ok = p
            .agent()
            .get(&format!("{}/healthz", p.base_url()))
            .call()
            .is_ok_and(|r| r.status() == 200);
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "--tls-auto serves HTTPS on 0.0.0.0");
}

const SECURE_ONLY: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:ListUsers","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"true"}}}]}"#;

/// A user allowed ListUsers only over a secure transport: allowed over
/// HTTPS, refused over HTTP.
#[test]
fn secure_transport_cookie_and_hsts_follow_tls() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let https = Proc::start(a.path(), &["--tls-auto"]);
    let http = Proc::start(b.path(), &[]);
    for (p, over_tls) in [(&https, true), (&http, false)] {
        let root = p.root();
        p.ok(
            &root,
            RAM,
            "CreatePolicy",
            &[
                ("PolicyName", "secure-only"),
                ("PolicyDocument", SECURE_ONLY),
            ],
        );
        p.ok(&root, RAM, "CreateUser", &[("UserName", "st")]);
        p.ok(
            &root,
            RAM,
            "AttachPolicyToUser",
            &[
                ("PolicyType", "Custom"),
                ("PolicyName", "secure-only"),
                ("UserName", "st"),
            ],
        );
        let k = p.ok(&root, RAM, "CreateAccessKey", &[("UserName", "st")]);
        let user = Creds {
            id: k["AccessKey"]["AccessKeyId"].as_str().unwrap().into(),
            secret: k["AccessKey"]["AccessKeySecret"].as_str().unwrap().into(),
        };
        let (status, body) = p.call(&user, RAM, "ListUsers", &[]);
        if over_tls {
            assert_eq!(status, 200, "{body}");
        } else {
            assert_eq!(status, 403, "{body}");
        }

        // The console's cookie is Secure over TLS only; HSTS likewise.
        let creds: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(p.data_dir.join("root-credentials.json")).unwrap(),
        )
        .unwrap();
        let r = p
            .agent()
            .post(&format!("{}/console/api/login", p.base_url()))
            .send_form(&[
                ("LoginName", creds["AccountId"].as_str().unwrap()),
                ("Password", creds["ConsolePassword"].as_str().unwrap()),
            ])
            .unwrap();
        let cookie = r.header("set-cookie").unwrap().to_string();
        assert_eq!(cookie.contains("; Secure"), over_tls, "{cookie}");
        assert_eq!(
            r.header("strict-transport-security").is_some(),
            over_tls,
            "HSTS"
        );
    }
}

/// Writes a CA and a localhost certificate it signs; returns the CA's path.
fn write_pair(dir: &Path, cert: &Path, key: &Path) -> std::path::PathBuf {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("test CA {}", rampart_crypto::random_hex(4)),
    );
    let ca = ca.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    std::fs::write(cert, leaf.pem()).unwrap();
    std::fs::write(key, leaf_key.serialize_pem()).unwrap();
    let ca_path = dir.join(format!("ca-{}.pem", rampart_crypto::random_hex(4)));
    std::fs::write(&ca_path, ca.pem()).unwrap();
    ca_path
}

fn hup(p: &Proc) {
    let pid = rustix::process::Pid::from_raw(i32::try_from(p.pid().unwrap()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::HUP).unwrap();
}

#[test]
fn sighup_swaps_the_operator_certificate_under_open_connections() {
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let (cert, key) = (files.path().join("cert.pem"), files.path().join("key.pem"));
    let ca1 = write_pair(files.path(), &cert, &key);
    let p = Proc::start_with_ca(
        dir.path(),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        Some(ca1.clone()),
    );
    let versions = [&rustls::version::TLS13, &rustls::version::TLS12];
    let mut open = connect(p.port, "localhost", config_with(&ca1, &versions)).unwrap();
    assert!(get(&mut open, "/healthz").starts_with("HTTP/1.1 200"));

    let ca2 = write_pair(files.path(), &cert, &key);
    hup(&p);
    let deadline = Instant::now() + Duration::from_secs(10);
    while connect(p.port, "localhost", config_with(&ca2, &versions)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the new certificate was not loaded"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // New connections get the new certificate; the open one goes on.
    assert!(connect(p.port, "localhost", config_with(&ca1, &versions)).is_err());
    assert!(get(&mut open, "/healthz").starts_with("HTTP/1.1 200"));

    // A broken pair is not loaded: the current one stays.
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    hup(&p);
    std::thread::sleep(Duration::from_millis(500));
    let mut again = connect(p.port, "localhost", config_with(&ca2, &versions)).unwrap();
    assert!(get(&mut again, "/healthz").starts_with("HTTP/1.1 200"));
    assert!(get(&mut open, "/healthz").starts_with("HTTP/1.1 200"));
    let log = std::fs::read_to_string(dir.path().join(format!("server-{}.log", p.port))).unwrap();
    assert!(log.contains("TLS certificate reloaded"), "{log}");
    assert!(log.contains("the previous one stays in use"), "{log}");
    assert!(!log.contains("PRIVATE KEY"), "no key material in the log");
}
