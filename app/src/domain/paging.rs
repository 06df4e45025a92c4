//! The paging inputs of the lists of API.md (`GET /apps`, `GET /audit`):
//! `limit` defaults to 100 and is at most 500; cursors are whole numbers or
//! ids. One parser, so every list refuses the same way.
use crate::error::{AppError, AppResult};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 500;

/// A whole-number query value; absent is `None`, anything else is 422 on
/// `field`.
pub fn whole_number(field: &str, raw: Option<&str>) -> AppResult<Option<i64>> {
    raw.map(|v| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid(field, format!("{field} must be a whole number")))
    })
    .transpose()
}

/// `limit`: 1 to 500, 100 when absent.
pub fn limit(raw: Option<&str>) -> AppResult<i64> {
    let limit = whole_number("limit", raw)?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(limit)
}
