//! Where a data source may connect (SPEC D10), as a pure rule on one
//! address: the runner resolves a host, asks this about every address, and
//! connects only to an address it allowed. Link-local (cloud metadata) and
//! unspecified addresses are refused by default; loopback and private
//! ranges are allowed, since internal tools call internal services.
//! `STAGECRAFT_EGRESS_DENY` adds refusals, `STAGECRAFT_EGRESS_ALLOW` lifts
//! any refusal of an address (allow wins).
use super::network::IpRange;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const DENY_SETTING: &str = "STAGECRAFT_EGRESS_DENY";
pub const ALLOW_SETTING: &str = "STAGECRAFT_EGRESS_ALLOW";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    pub deny: Vec<IpRange>,
    pub allow: Vec<IpRange>,
}

fn ranges(setting: &str, raw: &str) -> Result<Vec<IpRange>, String> {
    raw.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| IpRange::parse(p).map_err(|e| format!("{setting}: {e}")))
        .collect()
}

/// The IPv4 address an IPv6 address stands for, if it embeds one the
/// network would deliver to: IPv4-mapped (`::ffff:a.b.c.d`, which the
/// kernel sends as IPv4), the deprecated IPv4-compatible form
/// (`::a.b.c.d`) and the NAT64 well-known prefix (`64:ff9b::a.b.c.d`).
/// `::` and `::1` are IPv6's own unspecified and loopback addresses.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1) {
        return Some(tail);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail);
    }
    None
}

/// The address as the rule judges it: an embedded IPv4 address is that
/// IPv4 address, so no spelling of 169.254.169.254 passes where it would not.
pub fn judged(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

/// Why an address is refused when no setting says otherwise.
fn default_refusal(addr: IpAddr) -> Option<&'static str> {
    match addr {
        // Linux connects 0.0.0.0 to this machine; the rest of 0/8 is
        // "this network", never a destination.
        IpAddr::V4(v4) if v4.octets()[0] == 0 => Some("unspecified addresses are not reached"),
        IpAddr::V6(v6) if v6.is_unspecified() => Some("unspecified addresses are not reached"),
        IpAddr::V4(v4) if v4.is_link_local() => {
            Some("link-local addresses are not reached by default")
        }
        IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => {
            Some("link-local addresses are not reached by default")
        }
        _ => None,
    }
}

impl EgressPolicy {
    /// The policy of the two settings' values (comma-separated addresses or
    /// CIDR ranges); an error names the setting.
    pub fn parse(deny: &str, allow: &str) -> Result<EgressPolicy, String> {
        Ok(EgressPolicy {
            deny: ranges(DENY_SETTING, deny)?,
            allow: ranges(ALLOW_SETTING, allow)?,
        })
    }

    /// Whether a data source may connect to `addr`; a refusal names the
    /// address and the setting that decides it.
    pub fn check(&self, addr: IpAddr) -> Result<(), String> {
        let judged = judged(addr);
        let shown = if judged == addr {
            addr.to_string()
        } else {
            format!("{addr} ({judged})")
        };
        if self.allow.iter().any(|r| r.contains(judged)) {
            return Ok(());
        }
        if let Some(why) = default_refusal(judged) {
            return Err(format!("{shown} is refused: {why} ({ALLOW_SETTING})"));
        }
        if self.deny.iter().any(|r| r.contains(judged)) {
            return Err(format!("{shown} is refused by {DENY_SETTING}"));
        }
        Ok(())
    }
}

fn list(ranges: &[IpRange]) -> String {
    if ranges.is_empty() {
        return "(none)".into();
    }
    ranges
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl std::fmt::Display for EgressPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "egress_deny={} egress_allow={}",
            list(&self.deny),
            list(&self.allow)
        )
    }
}
