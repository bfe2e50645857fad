//! The address rules for server-side fetches: which resolved addresses a fetch
//! may connect to (the SSRF deny table).
//!
//! The table is written out here because the standard library's `is_global`
//! and `is_shared` are unstable. IPv6 forms that embed an IPv4 address
//! (v4-mapped `::ffff:0:0/96`, v4-compatible `::/96`, NAT64 `64:ff9b::/96` and
//! `64:ff9b:1::/48`, 6to4 `2002::/16`) are judged by the IPv4 address inside.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What an address is, as far as the fetch rules care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddrClass {
    /// Globally routable: any issuer may use it.
    Public,
    /// Loopback (`127.0.0.0/8`, `::1`).
    Loopback,
    /// Private, shared (carrier-grade NAT), documentation, benchmarking or
    /// other special-purpose space: used only when the issuer URL names the
    /// address itself.
    Special,
    /// Never connected to, whatever the issuer URL says: cloud metadata
    /// addresses, link-local, unspecified, multicast, broadcast, reserved.
    Never,
}

/// IPv4 ranges of the deny table with their class (network, prefix length).
const V4_TABLE: &[(u32, u8, AddrClass)] = &[
    // The cloud metadata address, inside 100.64.0.0/10: never, even when named.
    (0x6464_64C8, 32, AddrClass::Never),   // 100.100.100.200/32
    (0x0000_0000, 8, AddrClass::Never),    // 0.0.0.0/8 "this network"
    (0xA9FE_0000, 16, AddrClass::Never),   // 169.254.0.0/16 link-local (169.254.169.254 metadata)
    (0xE000_0000, 4, AddrClass::Never),    // 224.0.0.0/4 multicast
    (0xF000_0000, 4, AddrClass::Never),    // 240.0.0.0/4 reserved + broadcast
    (0x7F00_0000, 8, AddrClass::Loopback), // 127.0.0.0/8
    (0x0A00_0000, 8, AddrClass::Special),  // 10.0.0.0/8
    (0x6440_0000, 10, AddrClass::Special), // 100.64.0.0/10 shared address space
    (0xAC10_0000, 12, AddrClass::Special), // 172.16.0.0/12
    (0xC000_0000, 24, AddrClass::Special), // 192.0.0.0/24 IETF protocol assignments
    (0xC000_0200, 24, AddrClass::Special), // 192.0.2.0/24 TEST-NET-1
    (0xC0A8_0000, 16, AddrClass::Special), // 192.168.0.0/16
    (0xC612_0000, 15, AddrClass::Special), // 198.18.0.0/15 benchmarking
    (0xC633_6400, 24, AddrClass::Special), // 198.51.100.0/24 TEST-NET-2
    (0xCB00_7100, 24, AddrClass::Special), // 203.0.113.0/24 TEST-NET-3
];

/// IPv6 ranges of the deny table that do not embed an IPv4 address.
const V6_TABLE: &[(u128, u8, AddrClass)] = &[
    (
        0xfd00_0ec2_0000_0000_0000_0000_0000_0254,
        128,
        AddrClass::Never,
    ), // fd00:ec2::254 metadata
    (0, 128, AddrClass::Never),                  // ::/128 unspecified
    (1, 128, AddrClass::Loopback),               // ::1/128
    (0xfe80 << 112, 10, AddrClass::Never),       // fe80::/10 link-local
    (0xff00 << 112, 8, AddrClass::Never),        // ff00::/8 multicast
    (0xfc00 << 112, 7, AddrClass::Special),      // fc00::/7 unique local
    (0x2001_0db8 << 96, 32, AddrClass::Special), // 2001:db8::/32 documentation
];

fn in_prefix_v4(addr: u32, net: u32, len: u8) -> bool {
    if len == 0 {
        return true;
    }
    let mask = u32::MAX << (32 - u32::from(len));
    addr & mask == net & mask
}

fn in_prefix_v6(addr: u128, net: u128, len: u8) -> bool {
    if len == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - u32::from(len));
    addr & mask == net & mask
}

/// Classifies an IPv4 address with the deny table.
pub(crate) fn classify_v4(ip: Ipv4Addr) -> AddrClass {
    let bits = u32::from(ip);
    V4_TABLE
        .iter()
        .find(|(net, len, _)| in_prefix_v4(bits, *net, *len))
        .map_or(AddrClass::Public, |(_, _, class)| *class)
}

/// The IPv4 address embedded in an IPv6 address of a translation or
/// compatibility form, if it is one.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(ip);
    let low32 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    // ::ffff:0:0/96 (v4-mapped)
    if in_prefix_v6(bits, 0xffff_u128 << 32, 96) {
        return Some(low32);
    }
    // ::/96 (deprecated v4-compatible), except :: and ::1 which the table names.
    if in_prefix_v6(bits, 0, 96) && bits > 1 {
        return Some(low32);
    }
    // 64:ff9b::/96 (NAT64 well-known prefix, RFC 6052)
    if in_prefix_v6(bits, 0x0064_ff9b_u128 << 96, 96) {
        return Some(low32);
    }
    // 64:ff9b:1::/48 (local-use NAT64, RFC 8215): the v4 address sits in the low 32 bits.
    if in_prefix_v6(bits, (0x0064_ff9b_0001_u128) << 80, 48) {
        return Some(low32);
    }
    // 2002::/16 (6to4): the v4 address is bits 16..48.
    if in_prefix_v6(bits, 0x2002_u128 << 112, 16) {
        return Some(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
    }
    None
}

/// Classifies an IPv6 address with the deny table, unwrapping embedded IPv4.
pub(crate) fn classify_v6(ip: Ipv6Addr) -> AddrClass {
    let bits = u128::from(ip);
    if let Some((_, _, class)) = V6_TABLE
        .iter()
        .find(|(net, len, _)| in_prefix_v6(bits, *net, *len))
    {
        return *class;
    }
    if let Some(v4) = embedded_v4(ip) {
        return match classify_v4(v4) {
            // A translated public address is still a translation gateway: allow it
            // only as public. A translated special address keeps its class.
            AddrClass::Public => AddrClass::Public,
            other => other,
        };
    }
    AddrClass::Public
}

/// Classifies any address.
pub(crate) fn classify(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// Which addresses a fetch for one issuer may connect to, derived from the
/// host of the issuer URL as the administrator registered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AddrPolicy {
    /// The issuer host is a DNS name: public addresses only.
    PublicOnly,
    /// The issuer host is `localhost`: loopback addresses only.
    LoopbackOnly,
    /// The issuer host is this IP literal: that address, unless it is of the
    /// never-class.
    Literal(IpAddr),
}

impl AddrPolicy {
    /// Whether a resolved address may be connected to under this policy.
    pub(crate) fn allows(self, ip: IpAddr) -> bool {
        let class = classify(ip);
        match self {
            AddrPolicy::PublicOnly => class == AddrClass::Public,
            AddrPolicy::LoopbackOnly => class == AddrClass::Loopback,
            AddrPolicy::Literal(named) => named == ip && class != AddrClass::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> AddrClass {
        classify(s.parse().unwrap())
    }

    #[test]
    fn metadata_addresses_are_never() {
        assert_eq!(v4("100.100.100.200"), AddrClass::Never);
        assert_eq!(v4("169.254.169.254"), AddrClass::Never);
        assert_eq!(v4("fd00:ec2::254"), AddrClass::Never);
        assert_eq!(v4("::ffff:169.254.169.254"), AddrClass::Never);
        assert_eq!(v4("::ffff:a9fe:a9fe"), AddrClass::Never);
        assert_eq!(v4("::ffff:100.100.100.200"), AddrClass::Never);
        assert_eq!(v4("64:ff9b::a9fe:a9fe"), AddrClass::Never);
        assert_eq!(v4("64:ff9b::6464:64c8"), AddrClass::Never);
        assert_eq!(v4("2002:a9fe:a9fe::1"), AddrClass::Never);
        assert_eq!(v4("2002:6464:64c8::"), AddrClass::Never);
    }

    #[test]
    fn deny_table_ranges() {
        for s in [
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "fc00::1",
            "fd12:3456::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "64:ff9b::c0a8:0101",
            "2002:0a00:0001::",
        ] {
            assert_eq!(v4(s), AddrClass::Special, "{s}");
        }
        for s in [
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "fe80::1",
            "ff02::1",
        ] {
            assert_eq!(v4(s), AddrClass::Never, "{s}");
        }
        for s in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
        ] {
            assert_eq!(v4(s), AddrClass::Loopback, "{s}");
        }
        for s in [
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::",
        ] {
            assert_eq!(v4(s), AddrClass::Public, "{s}");
        }
    }

    #[test]
    fn policies() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let pubip: IpAddr = "8.8.8.8".parse().unwrap();
        let meta: IpAddr = "100.100.100.200".parse().unwrap();
        assert!(AddrPolicy::PublicOnly.allows(pubip));
        assert!(!AddrPolicy::PublicOnly.allows(lo));
        assert!(AddrPolicy::LoopbackOnly.allows(lo));
        assert!(!AddrPolicy::LoopbackOnly.allows(pubip));
        assert!(AddrPolicy::Literal(lo).allows(lo));
        assert!(!AddrPolicy::Literal(lo).allows("127.0.0.2".parse().unwrap()));
        assert!(!AddrPolicy::Literal(meta).allows(meta));
        let private: IpAddr = "10.0.0.5".parse().unwrap();
        assert!(AddrPolicy::Literal(private).allows(private));
    }
}
