//! Network address rules for outbound requests to URLs that users give (webhooks): which addresses
//! are not public, and operator allow-lists written as CIDR blocks.
//!
//! [`is_forbidden`] is a deny-list of special-purpose ranges (IANA IPv4/IPv6 special-purpose
//! registries) rather than an allow-list of "global" space, so a newly allocated public block is
//! reachable without a code change. Decisions beyond the obvious ranges:
//! - IPv4-mapped IPv6 (`::ffff:0:0/96`) is always forbidden, whatever it embeds: the OS connects
//!   to the embedded IPv4 address, and no public receiver needs to be written that way.
//! - IPv4-compatible IPv6 (`::/96`, deprecated by RFC 4291) is forbidden whole for the same reason.
//! - NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`) take the verdict of the IPv4 address they
//!   embed, so a DNS64 network can still reach public receivers; the local-use NAT64 prefix
//!   `64:ff9b:1::/48` is forbidden whole (what it translates to is a local decision).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A CIDR block such as `10.0.0.0/8`, `127.0.0.1` (one address) or `fd00::/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `ADDR/PREFIX` or a bare address; `None` when it is neither.
    pub fn parse(text: &str) -> Option<Cidr> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// IPv4 ranges that are not public unicast: `(network, prefix length)`.
const FORBIDDEN_V4: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 8), // "this network", incl. 0.0.0.0 (which Linux treats as localhost)
    ([10, 0, 0, 0], 8), // private (RFC 1918)
    ([100, 64, 0, 0], 10), // carrier-grade NAT (RFC 6598)
    ([127, 0, 0, 0], 8), // loopback
    ([169, 254, 0, 0], 16), // link-local, incl. cloud metadata 169.254.169.254
    ([172, 16, 0, 0], 12), // private (RFC 1918)
    ([192, 0, 0, 0], 24), // IETF protocol assignments
    ([192, 0, 2, 0], 24), // documentation (TEST-NET-1)
    ([192, 168, 0, 0], 16), // private (RFC 1918)
    ([198, 18, 0, 0], 15), // benchmarking
    ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24), // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4), // multicast
    ([240, 0, 0, 0], 4), // reserved, incl. broadcast 255.255.255.255
];

/// IPv6 ranges that are not public unicast and embed no IPv4 address worth checking.
const FORBIDDEN_V6: &[(u128, u32)] = &[
    (0, 96),                      // ::, ::1 and IPv4-compatible ::a.b.c.d
    (0xffff_0000_0000, 96),       // IPv4-mapped ::ffff:a.b.c.d
    (0x0064_ff9b_0001 << 80, 48), // local-use NAT64 (RFC 8215)
    (0x0100 << 112, 64),          // discard-only (RFC 6666)
    (0x2001_0000 << 96, 32),      // Teredo
    (0x2001_0002 << 96, 48),      // benchmarking
    (0x2001_0db8 << 96, 32),      // documentation
    (0xfc00 << 112, 7),           // unique local
    (0xfe80 << 112, 10),          // link-local
    (0xfec0 << 112, 10),          // site-local (deprecated)
    (0xff00 << 112, 8),           // multicast
];

/// Whether an outbound request on a user's behalf (a webhook) must never reach `ip`: loopback,
/// private, link-local, carrier-grade NAT, multicast, documentation, benchmarking, reserved and
/// IPv6 addresses that lead to such an IPv4 address. Operators allow-list exceptions themselves.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_forbidden_v4(ip),
        IpAddr::V6(ip) => is_forbidden_v6(ip),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let ip = u32::from(ip);
    FORBIDDEN_V4.iter().any(|&(network, prefix)| {
        let mask = u32::MAX << (32 - prefix);
        ip & mask == u32::from_be_bytes(network)
    })
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    let within = |network: u128, prefix: u32| bits & (u128::MAX << (128 - prefix)) == network;
    if FORBIDDEN_V6
        .iter()
        .any(|&(network, prefix)| within(network, prefix))
    {
        return true;
    }
    // Translation prefixes lead to the IPv4 address they carry; truncation picks its 32 bits.
    if within(0x0064_ff9b << 96, 96) {
        return is_forbidden_v4(Ipv4Addr::from(bits as u32));
    }
    if within(0x2002 << 112, 16) {
        return is_forbidden_v4(Ipv4Addr::from((bits >> 80) as u32));
    }
    false
}

/// Parses a list of CIDR blocks separated by commas or spaces.
pub fn parse_cidrs(text: &str) -> Option<Vec<Cidr>> {
    text.split([',', ' '])
        .filter(|part| !part.trim().is_empty())
        .map(Cidr::parse)
        .collect()
}

/// Parses a duration such as `0s`, `250ms`, `5m`, `2h` or `1d`.
pub fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let millis = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    Some(std::time::Duration::from_millis(
        number.checked_mul(millis)?,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_parse_and_match() {
        let block = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(block.contains("10.200.1.1".parse().unwrap()));
        assert!(!block.contains("11.0.0.1".parse().unwrap()));
        let one = Cidr::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            Cidr::parse("fd00::/8")
                .unwrap()
                .contains("fd12::1".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("nonsense").is_none());
        assert_eq!(parse_cidrs("127.0.0.1/32, ::1").unwrap().len(), 2);
        assert!(parse_cidrs("127.0.0.1, x").is_none());
    }

    fn forbidden(text: &str) -> bool {
        is_forbidden(text.parse().unwrap())
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "9.255.255.255",
            "11.0.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "126.255.255.255",
            "128.0.0.1",
            "169.253.255.255",
            "169.255.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.1.1",
            "192.0.3.1",
            "192.167.255.255",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.1",
            "198.51.101.1",
            "203.0.114.1",
            "223.255.255.255",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4001::1",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:db9::1",
            "100::1:0:0:0:1",
        ] {
            assert!(!forbidden(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn special_ipv4_ranges_are_forbidden() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.0.1",
            "192.168.255.255",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(forbidden(ip), "{ip} should be forbidden");
        }
    }

    #[test]
    fn special_ipv6_ranges_are_forbidden() {
        for ip in [
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "2001:db8::1",
            "2001:db8:ffff::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "64:ff9b:1::a00:1",
        ] {
            assert!(forbidden(ip), "{ip} should be forbidden");
        }
    }

    #[test]
    fn ipv6_forms_of_ipv4_addresses() {
        // IPv4-mapped and IPv4-compatible: forbidden whatever they embed.
        assert!(forbidden("::ffff:127.0.0.1"));
        assert!(forbidden("::ffff:10.0.0.1"));
        assert!(forbidden("::ffff:8.8.8.8"));
        assert!(forbidden("::127.0.0.1"));
        assert!(forbidden("::8.8.8.8"));
        // NAT64 and 6to4: the embedded address decides.
        assert!(forbidden("64:ff9b::127.0.0.1"));
        assert!(forbidden("64:ff9b::a9fe:a9fe")); // 169.254.169.254
        assert!(!forbidden("64:ff9b::8.8.8.8"));
        assert!(forbidden("2002:7f00:1::1")); // 127.0.0.1
        assert!(forbidden("2002:c0a8:101::1")); // 192.168.1.1
        assert!(!forbidden("2002:101:101::1")); // 1.1.1.1
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("0s"), Some(std::time::Duration::ZERO));
        assert_eq!(parse_duration("250ms").unwrap().as_millis(), 250);
        assert_eq!(parse_duration("5m").unwrap().as_secs(), 300);
        assert_eq!(parse_duration("10h").unwrap().as_secs(), 36_000);
        assert!(parse_duration("5").is_none());
        assert!(parse_duration("m").is_none());
        assert!(parse_duration("5y").is_none());
    }
}
