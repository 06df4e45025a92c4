//! Timestamps are stored as fixed-width RFC 3339 UTC text, so they sort the
//! same way as text on both databases.
use time::{format_description::FormatItem, macros::format_description, OffsetDateTime};

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

pub fn now() -> String {
    OffsetDateTime::now_utc()
        .format(FORMAT)
        .expect("a UTC time always formats")
}

pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
