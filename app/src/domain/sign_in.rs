//! Sign-in throttling (SPEC S3): after 5 failed sign-ins for one account, or
//! 20 from one address, within 15 minutes, further attempts are refused.
pub const WINDOW_SECONDS: i64 = 15 * 60;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Whether a new attempt is refused, given the failures within the window.
pub fn throttled(failures_for_account: i64, failures_from_address: i64) -> bool {
    failures_for_account >= MAX_FAILURES_PER_ACCOUNT
        || failures_from_address >= MAX_FAILURES_PER_ADDRESS
}

/// The one answer for an unknown email and a wrong password alike.
pub const BAD_CREDENTIALS: &str = "Email or password is incorrect";
pub const THROTTLED: &str = "Too many failed sign-ins. Try again in 15 minutes.";

/// S7: what the address throttle counts a client as. An IPv6 client gets a
/// whole /64 from any provider, so each of its addresses would otherwise be
/// a fresh count; an IPv4-mapped address is the IPv4 address it maps. An
/// address that does not parse (the `unknown` of a request without a peer)
/// counts as itself.
pub fn throttle_key(address: &str) -> String {
    use std::net::{IpAddr, Ipv6Addr};
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let network = u128::from(v6) & (u128::MAX << 64);
                format!("{}/64", Ipv6Addr::from(network))
            }
        },
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => address.to_string(),
    }
}
