//! Any request: decoding, the V1 canonical form and the V3 `Authorization`
//! parser must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_gateway::sign::{v1, v3};
use rampart_gateway::{decode, RpcRequest};

fuzz_target!(|data: &[u8]| {
    // Split the input into query, body, and one header value.
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default().to_vec();
    let header = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let req = RpcRequest {
        method: "POST".into(),
        path: "/".into(),
        query,
        headers: vec![
            ("content-type".into(), "application/x-www-form-urlencoded".into()),
            ("authorization".into(), header.clone()),
            ("x-acs-version".into(), "2016-01-20".into()),
        ],
        body,
        source_ip: None,
        secure: false,
    };
    let _ = decode::decode(&req);
    let _ = decode::format_of(&req);
    let pairs = req.pairs();
    let canonical = v1::canonical_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let _ = v1::string_to_sign_plus("POST", &canonical);
    let _ = v3::parse_authorization(&header);
    let _ = v3::canonical_query(&pairs, true);
});
