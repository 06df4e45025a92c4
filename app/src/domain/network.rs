//! Which address a request comes from (SPEC S3): the connection's peer, or,
//! when the peer is a trusted proxy, the right-most address of
//! `X-Forwarded-For` that is not a trusted proxy. Everyone behind one proxy
//! would otherwise share the proxy's address, and anyone could claim any
//! address if the header were believed from any peer.
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One address or CIDR range, e.g. `10.0.0.0/8` or `::1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    base: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(raw: &str) -> Result<IpRange, String> {
        let raw = raw.trim();
        let bad = || format!("{raw:?} is not an address or a CIDR range like 10.0.0.0/8");
        let (addr, prefix) = match raw.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (raw, None),
        };
        let base: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
        };
        Ok(IpRange { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // A range written in IPv4-mapped form (`::ffff:10.0.0.0/104`) is
        // the IPv4 range it maps when its prefix reaches into the IPv4
        // part; a shorter one is compared as IPv6 (the mask would
        // otherwise be shifted by a negative amount).
        let (base, prefix, ip) = match (self.base, canonical(ip)) {
            (IpAddr::V6(b), a) if b.to_ipv4_mapped().is_some() && self.prefix < 96 => {
                let a = match a {
                    IpAddr::V4(v4) => IpAddr::V6(v4.to_ipv6_mapped()),
                    v6 => v6,
                };
                (IpAddr::V6(b), self.prefix, a)
            }
            (IpAddr::V6(b), a) if b.to_ipv4_mapped().is_some() => {
                (canonical(self.base), self.prefix - 96, a)
            }
            (b, a) => (b, self.prefix, a),
        };
        match (base, ip) {
            (IpAddr::V4(b), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - prefix as u32).unwrap_or(0);
                u32::from(b) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(b), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - prefix as u32).unwrap_or(0);
                u128::from(b) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

impl std::fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(none)");
        }
        let all: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&all.join(","))
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:1.2.3.4`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `STAGECRAFT_TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    pub fn parse(raw: &str) -> Result<TrustedProxies, String> {
        raw.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(IpRange::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|r| r.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client's address: the peer unless the peer is trusted; then the
    /// right-most `X-Forwarded-For` entry that is not trusted (an
    /// unparseable entry stops the walk: nothing left of it can be
    /// believed, so the last trusted hop is the answer).
    pub fn client_address(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        for entry in forwarded_for.iter().rev().flat_map(|h| h.rsplit(',')) {
            match entry.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = canonical(ip);
                    if !self.trusts(client) {
                        return client;
                    }
                }
                Err(_) => return client,
            }
        }
        client
    }
}

/// The address a request comes from, as the server's middleware decided it
/// (a request extension both doors read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientAddress(pub IpAddr);
