//! Timestamps are stored as fixed-width RFC 3339 UTC text, so they sort the
//! same way as text on both databases.
use crate::error::{AppError, AppResult};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::format_description::BorrowedFormatItem;
use time::{
    format_description::FormatItem, macros::format_description, OffsetDateTime, PrimitiveDateTime,
    UtcOffset,
};

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

    /// This clock's time `seconds_ago`, in the stored form.
    pub fn stored(&self, seconds_ago: i64) -> String {
        let t = OffsetDateTime::from_unix_timestamp(self.unix_now() - seconds_ago)
            .unwrap_or_else(|_| OffsetDateTime::now_utc());
        format(t)
    }

    /// Moves this clock forward (tests only have a use for it).
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
    }
}

/// The forms of a `datetime-local` input, read as UTC.
const DATETIME_LOCAL: [&[BorrowedFormatItem<'static>]; 3] = [
    format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]"),
];

/// A time sent by a caller (the audit filters `from` and `to`, a token's
/// `expires_at`) in the stored form, so that it compares as text. The one
/// parser of both doors: RFC 3339 with any offset, and with
/// `datetime_local` also the page's zone-less form, read as UTC.
pub fn parse_time(field: &str, raw: &str, datetime_local: bool) -> AppResult<String> {
    let parsed = OffsetDateTime::parse(raw, &Rfc3339).ok().or_else(|| {
        if !datetime_local {
            return None;
        }
        DATETIME_LOCAL
            .iter()
            .find_map(|f| PrimitiveDateTime::parse(raw, *f).ok())
            .map(PrimitiveDateTime::assume_utc)
    });
    // Out of range in UTC (e.g. year 9999 with a negative offset) is bad
    // input too, not a panic in `to_offset`.
    let utc = parsed.and_then(|t| t.checked_to_offset(UtcOffset::UTC));
    utc.map(format).ok_or_else(|| {
        AppError::invalid(
            field,
            format!("{field} must be an RFC 3339 time, like 2026-01-31T09:00:00Z"),
        )
    })
}
