//! The `{{…}}` references of a definition (SPEC R2, R3, C2–C4): parsed
//! once here, by the save's validation and by every runtime that fills
//! them, so what a save accepts is exactly what a run understands.
use std::fmt;

/// What a `{{…}}` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `{{constants.NAME}}`: the global constant's value in the running
    /// environment (C2).
    Constant(String),
    /// `{{secrets.NAME}}`: a secret, on the server only, where
    /// [`secret_misplaced`] allows it (C3).
    Secret(String),
    /// `{{inputs.NAME}}`: an input of the version.
    Input(String),
    /// `{{queries.Q.rows[N].COL}}`: one cell of a query's result.
    Cell {
        query: String,
        row: usize,
        column: String,
    },
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Constant(n) => write!(f, "{{{{constants.{n}}}}}"),
            Reference::Secret(n) => write!(f, "{{{{secrets.{n}}}}}"),
            Reference::Input(n) => write!(f, "{{{{inputs.{n}}}}}"),
            Reference::Cell { query, row, column } => {
                write!(f, "{{{{queries.{query}.rows[{row}].{column}}}}}")
            }
        }
    }
}

/// Where a template sits, as far as secrets go (C3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A secret field of a data source's options: a PostgreSQL `password`,
    /// a REST `bearer_token`, a REST header marked secret.
    SecretOption,
    /// A header of a REST query: it goes only to the data source's host.
    QueryHeader,
    /// Anything else: components, SQL, a REST path, query string or body,
    /// a host, URL, database, user name or file. A secret there could be
    /// sent to another host or come back in a result.
    Open,
}

/// C3, the one rule of where `{{secrets.NAME}}` may resolve: used when a
/// data source or a version is saved and again by every run, so a stored
/// definition that predates the rule fails instead of resolving.
pub fn secret_misplaced(at: &str, r: &Reference, slot: Slot) -> Option<String> {
    match (r, slot) {
        (Reference::Secret(_), Slot::Open) => Some(format!(
            "{at}: {r} is a secret: it may be used only in a data source's secret fields \
             (password, bearer_token, a header marked secret) and in a REST query's headers"
        )),
        _ => None,
    }
}

/// A piece of a template: text as written, or a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Ref(Reference),
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.len() <= 50
}

fn reference(inner: &str) -> Result<Reference, String> {
    let bad = || {
        format!(
            "{{{{{inner}}}}} is not a reference: use constants.NAME, secrets.NAME, inputs.NAME \
             or queries.NAME.rows[N].COLUMN"
        )
    };
    let (namespace, rest) = inner.split_once('.').ok_or_else(bad)?;
    let named = |n: &str| {
        if is_name(n) {
            Ok(n.to_string())
        } else {
            Err(bad())
        }
    };
    match namespace {
        "constants" => named(rest).map(Reference::Constant),
        "secrets" => named(rest).map(Reference::Secret),
        "inputs" => named(rest).map(Reference::Input),
        "queries" => {
            let (query, cell) = rest.split_once(".rows[").ok_or_else(bad)?;
            let (row, column) = cell.split_once("].").ok_or_else(bad)?;
            let row = row.parse::<usize>().map_err(|_| bad())?;
            Ok(Reference::Cell {
                query: named(query)?,
                row,
                column: named(column)?,
            })
        }
        _ => Err(bad()),
    }
}

/// Splits `text` into text and references; an unclosed `{{` or a
/// reference of no known form is an error saying which.
pub fn parse(text: &str) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            out.push(Segment::Text(rest[..start].to_string()));
        }
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| "a {{ is never closed with }}".to_string())?;
        out.push(Segment::Ref(reference(after[..end].trim())?));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest.to_string()));
    }
    Ok(out)
}

/// The references of `text`, in order.
pub fn references(text: &str) -> Result<Vec<Reference>, String> {
    Ok(parse(text)?
        .into_iter()
        .filter_map(|s| match s {
            Segment::Ref(r) => Some(r),
            Segment::Text(_) => None,
        })
        .collect())
}
