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
