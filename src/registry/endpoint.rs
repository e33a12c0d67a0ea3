//! Where a registry lives and how to speak to it: scheme, host, TLS verification.
//!
//! Docker's rule: HTTPS always, except that registries on loopback (`localhost`,
//! `127.0.0.0/8`, `::1`) and those the user lists as insecure may also be reached over plain
//! HTTP. Like Docker and go-containerregistry we still try HTTPS first there and fall back to
//! HTTP only when the TLS connection itself fails, so a loopback registry with TLS (and a CA
//! bundle) is verified rather than silently downgraded. A registry listed as insecure is also
//! not verified (Docker's meaning of the word); loopback ones are.
//!
//! Docker Hub's API lives at `registry-1.docker.io`, not at the `docker.io` of image names.

use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// HTTPS, verified. Never plain HTTP.
    Https,
    /// Try HTTPS (verified), fall back to HTTP when the TLS connection fails.
    HttpsThenHttp,
    /// Try HTTPS without verifying the certificate, fall back to HTTP.
    Insecure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The registry as image names spell it, canonical (`docker.io`, `127.0.0.1:5000`).
    pub registry: String,
    /// The host (and port) the API is served from.
    pub host: String,
    pub security: Security,
}

impl Endpoint {
    /// `insecure` lists registries (as `host[:port]`, or `host` for every port) the user
    /// declared insecure.
    pub fn new(registry: &str, insecure: &[String]) -> Endpoint {
        let registry = crate::image::canonical_registry(registry);
        let host = if registry == "docker.io" {
            "registry-1.docker.io".to_string()
        } else {
            registry.clone()
        };
        let security = if is_listed(&registry, insecure) {
            Security::Insecure
        } else if is_loopback(&registry) {
            Security::HttpsThenHttp
        } else {
            Security::Https
        };
        Endpoint {
            registry,
            host,
            security,
        }
    }
}

fn is_listed(registry: &str, insecure: &[String]) -> bool {
    let (host, _) = split_port(registry);
    insecure.iter().any(|entry| {
        let entry = crate::image::canonical_registry(entry.trim());
        let (entry_host, entry_port) = split_port(&entry);
        entry == registry || (entry_port.is_none() && entry_host == host)
    })
}

/// Splits `host:port`, keeping bracketed IPv6 literals whole.
fn split_port(registry: &str) -> (&str, Option<&str>) {
    if let Some(rest) = registry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, port)) => (host, port.strip_prefix(':')),
            None => (registry, None),
        };
    }
    match registry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        _ => (registry, None),
    }
}

/// `localhost`, `127.0.0.0/8` and `::1`, with or without a port.
pub fn is_loopback(registry: &str) -> bool {
    let (host, _) = split_port(registry);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| Ipv4Addr::is_loopback(&v4)),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(registry: &str, insecure: &[&str]) -> Security {
        let list: Vec<String> = insecure.iter().map(|s| s.to_string()).collect();
        Endpoint::new(registry, &list).security
    }

    #[test]
    fn https_unless_loopback_or_listed() {
        assert_eq!(sec("ghcr.io", &[]), Security::Https);
        assert_eq!(sec("registry.example.com:5000", &[]), Security::Https);
        assert_eq!(sec("10.0.0.5:5000", &[]), Security::Https);
        assert_eq!(sec("localhost:5000", &[]), Security::HttpsThenHttp);
        assert_eq!(sec("LOCALHOST", &[]), Security::HttpsThenHttp);
        assert_eq!(sec("127.0.0.1:5000", &[]), Security::HttpsThenHttp);
        assert_eq!(sec("127.3.2.1", &[]), Security::HttpsThenHttp);
        assert_eq!(sec("[::1]:5000", &[]), Security::HttpsThenHttp);
        assert_eq!(sec("128.0.0.1:5000", &[]), Security::Https);
        assert_eq!(sec("localhost.example.com", &[]), Security::Https);
        assert_eq!(sec("reg.lan:5000", &["reg.lan:5000"]), Security::Insecure);
        assert_eq!(sec("reg.lan:5000", &["reg.lan"]), Security::Insecure);
        assert_eq!(sec("reg.lan:5000", &["reg.lan:5001"]), Security::Https);
        assert_eq!(sec("Reg.LAN", &["reg.lan"]), Security::Insecure);
        assert_eq!(sec("[fd00::1]:5000", &["[fd00::1]"]), Security::Insecure);
        assert_eq!(sec("[fd00::1]:5000", &["[fd00::1]:5000"]), Security::Insecure);
        assert_eq!(sec("[fd00::1]:5000", &["[fd00::2]"]), Security::Https);
    }

    #[test]
    fn docker_hub_api_host() {
        let e = Endpoint::new("index.docker.io", &[]);
        assert_eq!(
            (e.registry.as_str(), e.host.as_str()),
            ("docker.io", "registry-1.docker.io")
        );
        assert_eq!(Endpoint::new("ghcr.io", &[]).host, "ghcr.io");
    }
}
