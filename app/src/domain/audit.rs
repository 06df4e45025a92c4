//! Audit entries as readers see them (SPEC L2, API.md `GET /audit`).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: String,
    pub app_id: Option<String>,
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub target: String,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next: Option<String>,
}

/// The query parameters of the audit page's filters, in API.md's order.
pub const FILTERS: [&str; 5] = ["app_id", "user_id", "action", "from", "to"];

/// The audit page's link to the following page: `before` plus the filters
/// that are set, percent-encoded (a time like `…+02:00` keeps its `+`).
pub fn next_page_href(before: &str, filters: &[(&str, Option<String>)]) -> String {
    let mut params = vec![format!("before={}", encode(before))];
    for (k, v) in filters {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            params.push(format!("{k}={}", encode(v)));
        }
    }
    format!("/admin/audit?{}", params.join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
