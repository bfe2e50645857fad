//! What a client without credentials can make the server hold: oversized
//! requests are refused and leave no trace in the audit trail, the metrics
//! or the data dir; half-open, idle and stalled connections are closed after
//! their timeouts; open connections are capped; old audit events are deleted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod harness;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use harness::*;
use serde_json::Value;

/// A marker that no legitimate request or response contains.
const MARK: &str = "QzXqHostile";

fn connect(p: &Proc) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", p.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s
}

/// Reads one response: status, headers (lowercase names) and body.
fn read_response(s: &mut TcpStream) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(0) => panic!(
                "connection closed before a response head: {:?}",
                String::from_utf8_lossy(&buf)
            ),
            Ok(_) => buf.push(byte[0]),
            Err(e) => panic!("no response head: {e}"),
        }
    }
    let head = String::from_utf8(buf).unwrap();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    (status, headers, body)
}

/// Sends `head` and `body` (write errors ignored: the server may answer and
/// close before reading it all) and reads the response.
fn exchange(p: &Proc, head: &str, body: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = connect(p);
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    read_response(&mut s)
}

fn post_form(p: &Proc, query: &str, body: &str) -> (u16, Value, Vec<u8>) {
    let head = format!(
        "POST /?{query} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (status, _, raw) = exchange(p, &head, body.as_bytes());
    (
        status,
        serde_json::from_slice(&raw).unwrap_or(Value::Null),
        raw,
    )
}

/// How long until the server closes `s` (reading and discarding what comes).
fn time_to_close(s: &mut TcpStream, within: Duration) -> Duration {
    let start = Instant::now();
    s.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return start.elapsed(),
            Err(e) => panic!("still open after {:?}: {e}", start.elapsed()),
        }
    }
}

fn is_open(mut s: &TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 1];
    matches!(s.read(&mut buf), Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut))
}

fn all_files_contain(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let data = std::fs::read(&path).unwrap();
            if data.windows(needle.len()).any(|w| w == needle) {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

#[test]
fn oversized_requests_are_refused_and_leave_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &[]);
    let root = p.root();
    let long = |n: usize| MARK.repeat(n / MARK.len() + 1);

    // A 1.5 MB Action in a form body: refused by its declared length.
    let (status, v, _) = post_form(
        &p,
        "",
        &format!("Action={}&Version=2015-05-01", long(1_500_000)),
    );
    assert_eq!(status, 413, "{v}");
    assert_eq!(v["Code"], "Request.BodyTooLarge");
    for k in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(v.get(k).is_some(), "{k} in {v}");
    }
    // The same in a chunked body: refused once past the bound.
    let mut s = connect(&p);
    s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let chunk = long(64 * 1024);
    let mut sent = 0;
    while sent < 300 * 1024 {
        let piece = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        if s.write_all(piece.as_bytes()).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let (status, _, raw) = read_response(&mut s);
    assert_eq!(status, 413);
    let v: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(v["Code"], "Request.BodyTooLarge");

    // A 60 KB Action in the query: not an action; not echoed.
    let (status, v, raw) = post_form(
        &p,
        &format!("Action={}&Version=2015-05-01", long(60_000)),
        "",
    );
    assert_eq!(status, 404, "{v}");
    assert_eq!(v["Code"], "InvalidAction.NotFound");
    assert!(!String::from_utf8_lossy(&raw).contains(MARK));
    // A long Version, alone and with a long Action.
    let (status, v, raw) = post_form(
        &p,
        &format!("Action=ListUsers&Version={}", long(30_000)),
        "",
    );
    assert_eq!((status, v["Code"].as_str()), (400, Some("InvalidVersion")));
    assert!(!String::from_utf8_lossy(&raw).contains(MARK));
    let (status, _, raw) = post_form(
        &p,
        "",
        &format!("Action={}&Version={}", long(100_000), long(100_000)),
    );
    assert_eq!(status, 400);
    assert!(!String::from_utf8_lossy(&raw).contains(MARK));
    // The same through the V3 headers.
    let (status, _, raw) = exchange(
        &p,
        &format!(
            "POST / HTTP/1.1\r\nHost: x\r\nx-acs-version: 2015-05-01\r\nx-acs-action: {}\r\nContent-Length: 0\r\n\r\n",
            long(20_000)
        ),
        b"",
    );
    assert_eq!(status, 404);
    assert!(!String::from_utf8_lossy(&raw).contains(MARK));
    // Too many parameters, a long name, a long value.
    let many: String = (0..300).map(|i| format!("P{i}=v&")).collect();
    let (status, v, _) = post_form(&p, "Action=ListUsers&Version=2015-05-01", &many);
    assert_eq!(
        (status, v["Code"].as_str()),
        (400, Some("InvalidParameter.TooMany"))
    );
    let (status, v, _) = post_form(
        &p,
        "Action=ListUsers&Version=2015-05-01",
        &format!("{}=v", long(1000)),
    );
    assert_eq!(
        (status, v["Code"].as_str()),
        (400, Some("InvalidParameter.NameTooLong"))
    );
    let (status, v, _) = post_form(
        &p,
        "Action=CreatePolicy&Version=2015-05-01",
        &format!("PolicyDocument={}", long(100_000)),
    );
    assert_eq!(
        (status, v["Code"].as_str()),
        (400, Some("InvalidParameter.ValueTooLong"))
    );
    // A URI past hyper's bound; headers past ours; too many headers.
    let (status, _, _) = exchange(
        &p,
        &format!("GET /?Action={} HTTP/1.1\r\nHost: x\r\n\r\n", long(70_000)),
        b"",
    );
    assert_eq!(status, 414);
    let (status, _, raw) = exchange(
        &p,
        &format!(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: {}\r\n\r\n",
            long(40_000)
        ),
        b"",
    );
    assert_eq!(status, 431);
    let v: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(v["Code"], "Request.HeadersTooLarge");
    let (status, _, _) = exchange(
        &p,
        &format!(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: {}\r\n\r\n",
            long(200_000)
        ),
        b"",
    );
    assert_eq!(status, 431);
    let headers: String = (0..100).map(|i| format!("x-h{i}: v\r\n")).collect();
    let (status, _, _) = exchange(
        &p,
        &format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{headers}\r\n"),
        b"",
    );
    assert_eq!(status, 431);
    // An oversized user agent is cut.
    let (status, _, _) = exchange(
        &p,
        &format!(
            "POST /?Action=ListUsers&Version=2015-05-01 HTTP/1.1\r\nHost: x\r\nUser-Agent: {}\r\nContent-Length: 0\r\n\r\n",
            long(20_000)
        ),
        b"",
    );
    assert_eq!(status, 400);

    // Still serving, and nothing of it was kept.
    p.ok(&root, RAM, "CreateUser", &[("UserName", "after")]);
    let trail = p.ok(&root, "2020-07-06", "LookupEvents", &[("MaxResults", "50")]);
    let events = trail["Events"].as_array().unwrap();
    assert!(events.len() >= 9, "{trail}");
    for e in events {
        let name = e["eventName"].as_str().unwrap();
        assert!(name.len() <= 64, "{name:.100}");
        assert!(e["userAgent"].as_str().unwrap().len() <= 512);
    }
    assert!(!trail.to_string().contains(&MARK.repeat(40)));
    let metrics = ureq::get(&format!("http://127.0.0.1:{}/metrics", p.port))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(metrics.len() < 64 * 1024, "{}", metrics.len());
    assert!(!metrics.contains(MARK), "{metrics}");
    assert!(
        metrics.contains(r#"code="Request.BodyTooLarge""#),
        "{metrics}"
    );
    drop(p);
    let hits = all_files_contain(dir.path(), MARK.repeat(40).as_bytes());
    assert!(hits.is_empty(), "{hits:?}");
}

#[test]
fn half_open_connections_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(
        dir.path(),
        &["--header-timeout", "1s", "--idle-timeout", "20s"],
    );
    let mut silent = connect(&p);
    let mut partial = connect(&p);
    partial
        .write_all(b"POST /?Action=ListUsers HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    let mut trickle = connect(&p);
    trickle.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    let t = std::thread::spawn(move || {
        // One header byte every 300 ms: the deadline is for the whole head.
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(300));
            if trickle.write_all(b"x").is_err() {
                break;
            }
        }
        trickle
    });
    for s in [&mut silent, &mut partial] {
        let d = time_to_close(s, Duration::from_secs(10));
        assert!(d < Duration::from_secs(4), "{d:?}");
    }
    let trickle = t.join().unwrap();
    assert!(!is_open(&trickle), "the trickling connection was closed");
}

#[test]
fn idle_keep_alive_connections_are_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(
        dir.path(),
        &["--header-timeout", "1s", "--idle-timeout", "3s"],
    );
    let mut s = connect(&p);
    let get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    s.write_all(get).unwrap();
    assert_eq!(read_response(&mut s).0, 200);
    // Idle past the header timeout: a kept-alive connection is governed by
    // the idle timeout, and still serves.
    std::thread::sleep(Duration::from_millis(1800));
    s.write_all(get).unwrap();
    assert_eq!(read_response(&mut s).0, 200);
    let d = time_to_close(&mut s, Duration::from_secs(10));
    assert!(
        d > Duration::from_millis(2500) && d < Duration::from_secs(6),
        "closed after {d:?}"
    );
    // The head of a later request must also arrive within the idle timeout.
    let mut s = connect(&p);
    s.write_all(get).unwrap();
    assert_eq!(read_response(&mut s).0, 200);
    s.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    let d = time_to_close(&mut s, Duration::from_secs(10));
    assert!(d < Duration::from_secs(6), "closed after {d:?}");
}

#[test]
fn a_stalled_body_is_answered_408_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &["--body-timeout", "1s"]);
    let mut s = connect(&p);
    let started = Instant::now();
    s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=ListUsers")
        .unwrap();
    let (status, headers, body) = read_response(&mut s);
    assert_eq!(status, 408);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(headers
        .iter()
        .any(|(k, v)| k == "connection" && v == "close"));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["Code"], "Request.Timeout");
    let d = time_to_close(&mut s, Duration::from_secs(5));
    assert!(d < Duration::from_secs(2), "{d:?}");
}

#[test]
fn open_connections_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &["--max-connections", "3"]);
    // Let the health check's connection go.
    std::thread::sleep(Duration::from_millis(300));
    // Three requests in flight (their bodies still coming) hold every slot;
    // such connections are not shed.
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = connect(&p);
            s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nAction=")
                .unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut s = connect(&p);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_millis(2500)))
        .unwrap();
    let mut buf = [0u8; 1];
    let waiting = s.read(&mut buf);
    assert!(
        matches!(&waiting, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "a fourth connection must wait: {waiting:?}"
    );
    // One held connection goes: the waiting one is served.
    held.pop();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(read_response(&mut s).0, 200);
    assert!(is_open(&held[0]));
}

#[test]
fn connections_without_a_request_are_shed_when_slots_run_out() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &["--max-connections", "4"]);
    std::thread::sleep(Duration::from_millis(300));
    // Every slot taken by connections that send nothing (the header timeout
    // is 10 s): past one second they are shed, and a new client is served.
    let silent: Vec<TcpStream> = (0..4).map(|_| connect(&p)).collect();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let mut s = connect(&p);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).0, 200);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    // Only as many as needed: the slot a shed connection freed went to
    // the new client.
    let shed = silent.iter().filter(|c| !is_open(c)).count();
    assert!((1..4).contains(&shed), "{shed} shed");
}

#[test]
fn request_bodies_share_a_bounded_budget() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &[]);
    // 70 bodies of 256 KiB, all but their last bytes sent: past the 16 MiB
    // that bodies may hold together.
    let len = 256 * 1024;
    let part = vec![b'a'; len - 100];
    let mut conns: Vec<TcpStream> = (0..70)
        .map(|_| {
            let mut s = connect(&p);
            s.write_all(
                format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap();
            let _ = s.write_all(&part);
            s
        })
        .collect();
    let mut busy = 0;
    std::thread::sleep(Duration::from_millis(500));
    for s in &mut conns {
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut first = [0u8; 12];
        if s.read_exact(&mut first).is_ok() {
            assert_eq!(
                &first,
                b"HTTP/1.1 503",
                "{}",
                String::from_utf8_lossy(&first)
            );
            busy += 1;
        }
    }
    assert!((1..=10).contains(&busy), "{busy} refused");
    // The others are still being read, and finish normally.
    let s = conns
        .iter_mut()
        .find(|s| is_open(s))
        .expect("a body still being read");
    s.write_all(&[b'a'; 100]).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let (status, _, _) = read_response(s);
    assert_eq!(status, 400, "a whole body is served");
}

#[test]
fn audit_events_past_the_retention_are_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &["--audit-retention", "2s"]);
    let root = p.root();
    p.ok(&root, RAM, "CreateUser", &[("UserName", "brief")]);
    let created = |p: &Proc| {
        p.ok(
            &root,
            "2020-07-06",
            "LookupEvents",
            &[
                ("LookupAttribute.1.Key", "EventName"),
                ("LookupAttribute.1.Value", "CreateUser"),
            ],
        )["Events"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(created(&p), 1);
    let deadline = Instant::now() + Duration::from_secs(15);
    while created(&p) > 0 {
        assert!(
            Instant::now() < deadline,
            "the event outlived its retention"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    p.ok(&root, RAM, "CreateUser", &[("UserName", "fresh")]);
    assert_eq!(created(&p), 1);
}

/// The server's resident memory, in KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A V1-signed request with every parameter in a form body.
fn signed_form(p: &Proc, version: &str, action: &str, params: &[(&str, &str)]) -> String {
    let c = p.root();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ts = rampart_core::time::format(i64::try_from(now).unwrap());
    let signer = rampart_gateway::sign::client::Signer {
        id: &c.id,
        secret: &c.secret,
        token: None,
    };
    let body = rampart_gateway::sign::client::v1_query(
        &signer,
        "POST",
        version,
        action,
        params,
        &ts,
        &rampart_crypto::random_hex(16),
    );
    format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Clients that ask for large answers and never read them: what the server
/// holds stays bounded (the answers' budget), whatever the number of
/// connections; a client that reads still gets its answer.
#[test]
fn slow_readers_cannot_pin_large_answers() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::start(dir.path(), &[]);
    let pid = p.pid().unwrap();
    // 20 secrets of 30 KB of control characters: each escapes to 6 bytes
    // in JSON, so one BatchGetSecretValue answer is about 3.7 MB.
    let value = "\u{1}".repeat(30_720);
    let names: Vec<String> = (0..20).map(|i| format!("big-{i}")).collect();
    for n in &names {
        let req = signed_form(
            &p,
            "2016-01-20",
            "CreateSecret",
            &[
                ("SecretName", n),
                ("VersionId", "v1"),
                ("SecretData", &value),
            ],
        );
        let mut s = connect(&p);
        s.write_all(req.as_bytes()).unwrap();
        let (status, _, body) = read_response(&mut s);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }
    let list: String = serde_json::to_string(
        &names
            .iter()
            .map(|n| serde_json::json!({"SecretName": n}))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let batch = || {
        signed_form(
            &p,
            "2016-01-20",
            "BatchGetSecretValue",
            &[("SecretsList", &list)],
        )
    };
    // One client that reads: the whole answer.
    let mut s = connect(&p);
    s.write_all(batch().as_bytes()).unwrap();
    let (status, _, body) = read_response(&mut s);
    assert_eq!(status, 200);
    assert!(body.len() > 3_000_000, "{}", body.len());
    drop(s);
    std::thread::sleep(Duration::from_millis(300));
    let before = rss_kib(pid);
    let mut held: Vec<TcpStream> = Vec::new();
    let (mut served, mut refused) = (0, 0);
    for round in [60usize, 140] {
        let start = held.len();
        for _ in 0..round {
            // A small receive buffer that is never read: the answer stays
            // with the server, not in the kernel's buffers.
            let sock =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            sock.set_recv_buffer_size(4096).unwrap();
            let addr: std::net::SocketAddr = ([127, 0, 0, 1], p.port).into();
            sock.connect(&addr.into()).unwrap();
            let mut s: TcpStream = sock.into();
            s.write_all(batch().as_bytes()).unwrap();
            held.push(s);
        }
        // Each answer's status line is read (so every answer has been
        // made), and nothing more.
        for s in &mut held[start..] {
            s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
            let mut line = [0u8; 12];
            s.read_exact(&mut line).unwrap();
            match &line {
                b"HTTP/1.1 200" => served += 1,
                b"HTTP/1.1 503" => refused += 1,
                other => panic!("{}", String::from_utf8_lossy(other)),
            }
        }
        std::thread::sleep(Duration::from_millis(500));
        let grew = rss_kib(pid).saturating_sub(before) / 1024;
        eprintln!(
            "{} connections not reading ({served} answers held, {refused} refused): RSS +{grew} MB",
            held.len()
        );
        assert!(
            grew < 60,
            "{} connections not reading: RSS grew {grew} MB",
            held.len()
        );
    }
    assert!(
        refused > 0 && served > 0,
        "{served} served, {refused} refused"
    );
    // Meanwhile a client that reads is served (a small answer at once; a
    // large one once the budget frees, or a 503 it can retry).
    let (status, body) = p.call(&p.root(), "2015-04-01", "GetCallerIdentity", &[]);
    assert_eq!(status, 200, "{body}");
    let mut s = connect(&p);
    s.write_all(batch().as_bytes()).unwrap();
    let (status, _, _) = read_response(&mut s);
    assert!(status == 200 || status == 503, "{status}");
    drop(held);
}
