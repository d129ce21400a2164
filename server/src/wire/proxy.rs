//! Client addresses behind proxies: `X-Forwarded-For` is believed only when the TCP peer is a
//! configured trusted proxy, and then the right-most untrusted address is the client (the
//! left-most entries can be forged by anyone).

use std::{fmt, net::IpAddr, str::FromStr};

/// A trusted network (`10.0.0.0/8`, `::1/128`, or a plain address); an IPv4 address and its
/// IPv4-mapped IPv6 form match the same networks (a dual-stack listener sees the latter).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IpNet(ipnet::IpNet);

impl IpNet {
    /// Whether `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let net = &self.0;
        net.contains(&ip)
            || match ip {
                IpAddr::V4(v4) => net.contains(&IpAddr::V6(v4.to_ipv6_mapped())),
                IpAddr::V6(v6) => v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| net.contains(&IpAddr::V4(v4))),
            }
    }
}

impl FromStr for IpNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.contains('/') {
            s.parse::<ipnet::IpNet>()
                .map(Self)
                .map_err(|_| format!("{s:?} is not an IP network (bad address or prefix length)"))
        } else {
            s.parse::<IpAddr>()
                .map(|addr| Self(addr.into()))
                .map_err(|_| format!("{s:?} is not an IP address or CIDR"))
        }
    }
}

impl fmt::Debug for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Every `X-Forwarded-For` line of a request as one comma-separated list (a proxy may append
/// a line of its own instead of extending the previous one; reading only the first line would
/// let a client choose the address by sending its own header).
pub fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<String> {
    let lines: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or(""))
        .collect();
    (!lines.is_empty()).then(|| lines.join(","))
}

/// Whether `peer` is one of the trusted proxies.
pub fn is_trusted(peer: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(peer))
}

/// The client address for a request from `peer` carrying `forwarded_for` (all its lines, see
/// [`forwarded_for`]). An entry that is not an address stops the walk: nothing left of it can
/// be trusted.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(chain) = forwarded_for else {
        return peer;
    };
    let mut client = peer;
    for hop in chain.rsplit(',') {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = ["10.0.0.0/8", "127.0.0.1"]
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect();
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("10.1.2.3"), Some("1.2.3.4"), &trusted),
            ip("1.2.3.4")
        );
        // A forged left-most entry does not win: the right-most untrusted hop does.
        assert_eq!(
            client_ip(
                ip("127.0.0.1"),
                Some("6.6.6.6, 198.51.100.7, 10.0.0.5"),
                &trusted
            ),
            ip("198.51.100.7")
        );
        assert_eq!(client_ip(ip("10.0.0.1"), None, &trusted), ip("10.0.0.1"));
        // Two header lines read as one list: the right-most untrusted address wins.
        let mut headers = axum::http::HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            axum::http::HeaderValue::from_static("6.6.6.6"),
        );
        headers.append(
            "x-forwarded-for",
            axum::http::HeaderValue::from_static("198.51.100.9, 10.0.0.7"),
        );
        let joined = forwarded_for(&headers);
        assert_eq!(
            client_ip(ip("10.0.0.1"), joined.as_deref(), &trusted),
            ip("198.51.100.9")
        );
        // Garbage stops the walk at the last good hop.
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("1.2.3.4, junk, 10.0.0.9"), &trusted),
            ip("10.0.0.9")
        );
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("10.0.0.0/x".parse::<IpNet>().is_err());
        assert!("::1".parse::<IpNet>().is_ok_and(|n| n.contains(ip("::1"))));
        let net: IpNet = "192.168.7.9/16".parse().unwrap_or(trusted[0]);
        assert!(net.contains(ip("192.168.200.1")) && !net.contains(ip("192.169.0.1")));
        // An IPv4 network matches mapped addresses, and the other way round.
        assert!(net.contains(ip("::ffff:192.168.1.1")));
        let mapped: IpNet = "::ffff:10.0.0.0/104".parse().unwrap_or(trusted[1]);
        assert!(mapped.contains(ip("10.9.9.9")) && !mapped.contains(ip("11.0.0.1")));
    }
}
