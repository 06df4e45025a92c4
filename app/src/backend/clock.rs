//! Timestamps are stored as fixed-width RFC 3339 UTC text, so they sort the
//! same way as text on both databases.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::{format_description::FormatItem, macros::format_description, OffsetDateTime};

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// `t` in the stored form, in UTC.
pub fn format(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .expect("a UTC time always formats")
}

pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The time windows go by (the sign-in throttle). One per server, so a
/// test can move its server's clock forward without touching the others
/// that run in the same process.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    pub fn unix_now(&self) -> i64 {
        unix_now() + self.offset_seconds.load(Ordering::Relaxed)
    }

    /// Moves this clock forward (tests only have a use for it).
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
    }
}
