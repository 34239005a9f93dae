//! The client's IP address.
//!
//! The peer address of the connection, unless that peer is a trusted proxy: then the right-most
//! address in `X-Forwarded-For` that is not itself a trusted proxy (everything to its left could
//! have been written by the client). Addresses are normalised: an IPv4-mapped IPv6 address is the
//! IPv4 address.

use std::net::IpAddr;

use ipnet::IpNet;

/// An address with IPv4-mapped IPv6 folded to IPv4.
pub fn normalize(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The client address for a request from `peer` with the given `X-Forwarded-For` values.
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    let peer = normalize(peer);
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .rev();
    for hop in hops {
        let Some(ip) = parse_hop(hop) else {
            // An unreadable entry: nothing left of it can be trusted.
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(normalize(ip));
    }
    // "[v6]:port" or "v4:port"
    hop.parse::<std::net::SocketAddr>()
        .ok()
        .map(|s| normalize(s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_ip_table() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()];
        let cases: [(&str, &[&str], &str); 9] = [
            ("203.0.113.5", &["198.51.100.1"], "203.0.113.5"),
            ("10.0.0.2", &[], "10.0.0.2"),
            ("10.0.0.2", &["198.51.100.1"], "198.51.100.1"),
            (
                "10.0.0.2",
                &["6.6.6.6, 198.51.100.1, 10.0.0.9"],
                "198.51.100.1",
            ),
            ("10.0.0.2", &["6.6.6.6", "198.51.100.1"], "198.51.100.1"),
            ("10.0.0.2", &["garbage, 198.51.100.1"], "198.51.100.1"),
            ("10.0.0.2", &["198.51.100.1, garbage"], "10.0.0.2"),
            ("::ffff:203.0.113.5", &[], "203.0.113.5"),
            ("::1", &["[2001:db8::1]:443"], "2001:db8::1"),
        ];
        for (peer, xff, expected) in cases {
            assert_eq!(
                client_ip(ip(peer), xff, &trusted),
                ip(expected),
                "{peer} {xff:?}"
            );
        }
    }
}
