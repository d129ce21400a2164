//! Which addresses the link preview fetcher may connect to: public unicast only. Private,
//! loopback, link-local, unique-local, carrier-grade NAT, cloud metadata, multicast,
//! unspecified, documentation and IPv4-mapped (or translated) addresses are refused, after DNS
//! resolution and on every redirect. An explicit allow list of `host:port` (for the test
//! suite's local servers) is the only way around it.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use ipnet::{Ipv4Net, Ipv6Net};

/// True when `ip` is a public unicast address a preview may be fetched from.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix)
}

const fn v6(s: [u16; 8], prefix: u8) -> Ipv6Net {
    Ipv6Net::new_assert(
        Ipv6Addr::new(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]),
        prefix,
    )
}

/// IPv4 networks no preview is fetched from (checked when compiled: a bad entry does not
/// build).
const REFUSED_V4: &[Ipv4Net] = &[
    v4(0, 0, 0, 0, 8),       // "this network", with the unspecified address
    v4(10, 0, 0, 0, 8),      // private
    v4(100, 64, 0, 0, 10),   // carrier-grade NAT
    v4(127, 0, 0, 0, 8),     // loopback
    v4(169, 254, 0, 0, 16),  // link-local, with the cloud metadata address 169.254.169.254
    v4(172, 16, 0, 0, 12),   // private
    v4(192, 0, 0, 0, 24),    // IETF protocol assignments
    v4(192, 0, 2, 0, 24),    // documentation
    v4(192, 88, 99, 0, 24),  // 6to4 relay anycast
    v4(192, 168, 0, 0, 16),  // private
    v4(198, 18, 0, 0, 15),   // benchmarking
    v4(198, 51, 100, 0, 24), // documentation
    v4(203, 0, 113, 0, 24),  // documentation
    v4(224, 0, 0, 0, 4),     // multicast
    v4(240, 0, 0, 0, 4),     // reserved, with the broadcast address
];

/// IPv6 networks no preview is fetched from.
const REFUSED_V6: &[Ipv6Net] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 0], 96), // unspecified, loopback, IPv4-compatible ::a.b.c.d
    v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96), // IPv4-mapped ::ffff:a.b.c.d
    v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 32), // NAT64 64:ff9b::/96 and 64:ff9b:1::/48
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64), // discard-only
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32), // Teredo
    v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16), // 6to4
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), // unique local (AWS metadata fd00:ec2::254)
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), // link-local
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10), // site-local (deprecated)
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), // multicast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    !REFUSED_V4.iter().any(|net| net.contains(&ip))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    !REFUSED_V6.iter().any(|net| net.contains(&ip))
}

/// The allow list (`LINK_PREVIEW_ALLOW`): `host:port` pairs reachable whatever their address.
#[derive(Clone, Debug, Default)]
pub struct AllowList(Arc<Vec<(String, u16)>>);

impl AllowList {
    /// Parses `host:port` entries (hosts lower-cased; IPv6 hosts in brackets).
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let mut list = Vec::new();
        for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let (host, port) = entry
                .rsplit_once(':')
                .ok_or_else(|| format!("LINK_PREVIEW_ALLOW: {entry} is not host:port"))?;
            let port: u16 = port
                .parse()
                .map_err(|_| format!("LINK_PREVIEW_ALLOW: {entry} has no valid port"))?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err(format!("LINK_PREVIEW_ALLOW: {entry} has no host"));
            }
            list.push((host.to_ascii_lowercase(), port));
        }
        Ok(Self(Arc::new(list)))
    }

    /// True when `host:port` is on the list.
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.0
            .iter()
            .any(|(h, p)| *p == port && h.eq_ignore_ascii_case(host))
    }

    /// True when `host` is on the list with any port.
    pub fn names(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.0.iter().any(|(h, _)| h.eq_ignore_ascii_case(host))
    }
}

/// Why a URL may not be fetched.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    /// Not http or https.
    #[error("only http and https URLs are fetched")]
    Scheme,
    /// No host, credentials in the URL, or a host the allow list names with another port.
    #[error("the URL's host is not allowed")]
    Host,
    /// The address is not public.
    #[error("{0} is not a public address")]
    Address(IpAddr),
}

/// Checks a URL before any connection: the scheme, and an IP literal's address. A host name is
/// checked when it is resolved ([`Resolver`]).
pub fn check_url(url: &url::Url, allow: &AllowList) -> Result<(), Refused> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Host);
    }
    let port = url.port_or_known_default().ok_or(Refused::Scheme)?;
    let host = url.host().ok_or(Refused::Host)?;
    let name = match &host {
        url::Host::Domain(d) => (*d).to_owned(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    };
    if allow.allows(&name, port) {
        return Ok(());
    }
    if allow.names(&name) {
        // The resolver lets allow-listed names through whatever their address; with another
        // port such a name is not allowed at all.
        return Err(Refused::Host);
    }
    match host {
        url::Host::Ipv4(ip) if !is_public(IpAddr::V4(ip)) => Err(Refused::Address(ip.into())),
        url::Host::Ipv6(ip) if !is_public(IpAddr::V6(ip)) => Err(Refused::Address(ip.into())),
        _ => Ok(()),
    }
}

/// Checks the address a response actually came from (a second line behind the resolver).
pub fn check_peer(
    url: &url::Url,
    peer: Option<SocketAddr>,
    allow: &AllowList,
) -> Result<(), Refused> {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or_default();
    if allow.allows(host, port) {
        return Ok(());
    }
    match peer {
        Some(peer) if !is_public(peer.ip()) => Err(Refused::Address(peer.ip())),
        _ => Ok(()),
    }
}

/// The DNS resolver of the fetcher: resolves with the system resolver and keeps only public
/// addresses (all of them for a name on the allow list); a name with none fails to resolve, so
/// no connection is ever made to a refused address.
pub struct Resolver {
    allow: AllowList,
}

impl Resolver {
    /// A resolver honouring `allow`.
    pub fn new(allow: AllowList) -> Self {
        Self { allow }
    }
}

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.allow.names(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allowed || is_public(addr.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap_or_else(|e| panic!("{s}: {e}")))
    }

    #[test]
    fn refuses_internal_addresses() {
        for refused in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
        ] {
            assert!(!public(refused), "{refused} should be refused");
        }
        for allowed in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            assert!(public(allowed), "{allowed} should be allowed");
        }
    }

    #[test]
    fn checks_urls_before_connecting() {
        let allow = AllowList::parse(&["127.0.0.1:8080".to_owned(), "localhost:9000".to_owned()])
            .unwrap_or_default();
        let url = |s: &str| url::Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(check_url(&url("http://127.0.0.1:8080/x"), &allow), Ok(()));
        assert!(check_url(&url("http://127.0.0.1:8081/x"), &allow).is_err());
        assert!(check_url(&url("http://localhost:9001/x"), &allow).is_err());
        assert!(check_url(&url("http://[::1]:8080/"), &allow).is_err());
        assert!(check_url(&url("http://[::ffff:7f00:1]/"), &allow).is_err());
        assert!(check_url(&url("http://169.254.169.254/latest"), &allow).is_err());
        assert!(check_url(&url("ftp://example.com/"), &allow).is_err());
        assert!(check_url(&url("file:///etc/passwd"), &allow).is_err());
        assert!(check_url(&url("http://user:pw@example.com/"), &allow).is_err());
        assert_eq!(check_url(&url("https://example.com/"), &allow), Ok(()));
        // Integer and short forms of IPv4 are normalised by the URL parser.
        assert!(check_url(&url("http://2130706433/"), &allow).is_err());
        assert!(check_url(&url("http://0x7f.1/"), &allow).is_err());
    }
}
