//! The private-network guard: URLs taken from feed content (article pages, Mastodon
//! posts, ActivityPub actors) must not reach loopback, private, link-local or cloud
//! metadata addresses, whether the URL names such an address or a host name
//! resolves to one, before or after redirects.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Whether an address is one that URLs from feed content may not reach.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_forbidden_v4(v4),
            None => is_forbidden_v6(v6),
        },
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254.0.0/16, cloud metadata included
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let first = segments[0];
    // IPv4-compatible ::a.b.c.d (deprecated, but some stacks still route it to a.b.c.d).
    if segments[..6].iter().all(|s| *s == 0) {
        return true;
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7 (AWS metadata fd00:ec2::254 too)
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (first == 0x64 && ip.segments()[1] == 0xff9b) // NAT64 (embeds an IPv4 address)
        || first == 0x2002 // 6to4 (embeds an IPv4 address)
        || (first == 0x2001 && segments[1] == 0) // Teredo 2001::/32 (embeds an IPv4 address)
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
}

/// Refuses a URL whose host is a forbidden address written out (`http://127.0.0.1/`,
/// `http://[::1]/`, `http://2130706433/`); host names are checked when resolved.
pub fn check_url(url: &Url) -> Result<(), String> {
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost") => {
            return Err(format!("{url}: refusing to fetch a local address (allow_private_networks is off)"));
        }
        Some(Host::Domain(_)) => return Ok(()),
        None => return Err(format!("{url}: no host")),
    };
    if is_forbidden(ip) {
        Err(format!("{url}: refusing to fetch {ip}, a private or local address (allow_private_networks is off)"))
    } else {
        Ok(())
    }
}

/// Name resolution for the HTTP client: fixed addresses from `[fetch.hosts]` first,
/// then the system resolver; when guarding, forbidden addresses are dropped and a
/// name that resolves only to such addresses is refused.
#[derive(Debug, Clone)]
pub struct Resolver {
    hosts: Arc<BTreeMap<String, IpAddr>>,
    guard: bool,
}

impl Resolver {
    /// A resolver with fixed host addresses; `guard` refuses private addresses.
    pub fn new(hosts: BTreeMap<String, IpAddr>, guard: bool) -> Self {
        Resolver { hosts: Arc::new(hosts), guard }
    }
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let hosts = Arc::clone(&self.hosts);
        let guard = self.guard;
        Box::pin(async move {
            let host = name.as_str().to_ascii_lowercase();
            let addresses: Vec<SocketAddr> = match hosts.get(&host) {
                Some(ip) => vec![SocketAddr::new(*ip, 0)],
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            let allowed: Vec<SocketAddr> =
                addresses.iter().copied().filter(|a| !(guard && is_forbidden(a.ip()))).collect();
            if allowed.is_empty() && !addresses.is_empty() {
                let shown: Vec<String> = addresses.iter().map(|a| a.ip().to_string()).collect();
                return Err(format!(
                    "refusing to connect to {host}: it resolves to {}, a private or local address (allow_private_networks is off)",
                    shown.join(", ")
                )
                .into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "224.0.0.1",
            "::127.0.0.1",
            "::a9fe:a9fe",
            "::10.0.0.1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001::1",
            "64:ff9b::127.0.0.1",
        ] {
            assert!(is_forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "8.8.8.8"] {
            assert!(!is_forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn literal_hosts_are_checked() {
        for url in [
            "http://127.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "http://2130706433/",
            "http://localhost:8080/",
            "http://0x7f.1/",
        ] {
            assert!(check_url(&Url::parse(url).unwrap()).is_err(), "{url}");
        }
        assert!(check_url(&Url::parse("https://news.example/a").unwrap()).is_ok());
    }
}
