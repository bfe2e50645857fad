//! IP networks for `IpAddress` / `NotIpAddress`: IPv4 and IPv6, CIDR or plain address.

use std::net::IpAddr;

/// An address block; a plain address is a /32 or /128.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    /// The network bits, as a 128-bit number (IPv4 in the low 32 bits).
    network: u128,
    /// The prefix length in bits (≤ 32 for IPv4, ≤ 128 for IPv6).
    prefix: u8,
    v4: bool,
}

impl IpNet {
    /// Parses `10.0.0.0/8`, `10.1.2.3`, `2001:db8::/32` or `::1`. Host bits set below
    /// the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a, Some(p.parse::<u8>().ok()?))
            }
            None => (text, None),
        };
        let (bits, v4) = to_bits(addr.parse::<IpAddr>().ok()?);
        let max = if v4 { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        Some(Self {
            network: bits & mask(prefix, max),
            prefix,
            v4,
        })
    }

    /// Whether `addr` is in this block; an IPv4-mapped IPv6 address counts as IPv4.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = match addr {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
            v4 => v4,
        };
        let (bits, v4) = to_bits(addr);
        let max = if v4 { 32 } else { 128 };
        v4 == self.v4 && bits & mask(self.prefix, max) == self.network
    }
}

fn to_bits(addr: IpAddr) -> (u128, bool) {
    match addr {
        IpAddr::V4(a) => (u128::from(u32::from(a)), true),
        IpAddr::V6(a) => (u128::from(a), false),
    }
}

/// The mask with the top `prefix` of `max` bits set.
fn mask(prefix: u8, max: u8) -> u128 {
    match (prefix, max) {
        (0, _) => 0,
        (p, 32) => u128::from(u32::MAX << (32 - u32::from(p))),
        (p, _) => u128::MAX << (128 - u32::from(p)),
    }
}

/// Parses a context value as an address (surrounding spaces ignored).
pub(crate) fn parse_addr(text: &str) -> Option<IpAddr> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(net: &str, addr: &str) -> bool {
        IpNet::parse(net)
            .unwrap()
            .contains(parse_addr(addr).unwrap())
    }

    #[test]
    fn ipv4() {
        assert!(inside("10.0.0.0/8", "10.255.1.2"));
        assert!(!inside("10.0.0.0/8", "11.0.0.1"));
        assert!(inside("192.168.1.7", "192.168.1.7"));
        assert!(!inside("192.168.1.7", "192.168.1.8"));
        assert!(inside("0.0.0.0/0", "8.8.8.8"));
        assert!(!inside("0.0.0.0/0", "::1"));
        assert!(inside("10.1.2.3/8", "10.9.9.9"));
        assert!(inside("10.0.0.0/8", "::ffff:10.0.0.1"));
        assert!(inside("1.2.3.4/32", "1.2.3.4"));
        assert!(!inside("1.2.3.4/31", "1.2.3.6"));
    }

    #[test]
    fn ipv6() {
        assert!(inside("2001:db8::/32", "2001:db8:ffff::1"));
        assert!(!inside("2001:db8::/32", "2001:db9::1"));
        assert!(inside("::/0", "fe80::1"));
        assert!(inside("::1", "::1"));
        assert!(inside("2001:db8::1/128", "2001:db8::1"));
        assert!(!inside("2001:db8::/32", "10.0.0.1"));
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0/8",
            "999.1.1.1",
            "a.b.c.d",
            "10.0.0.0/-1",
            "10.0.0.0/8/8",
        ] {
            assert_eq!(IpNet::parse(bad), None, "`{bad}`");
        }
    }
}
