//! Promotion pre-flight (SPEC B3): reads what the target environment holds
//! of what a version needs; the rule of what is missing is the domain's
//! (`domain::preflight`). Inside a promote's or release's transaction it
//! first share-locks the data sources and constants it is about to read
//! (PostgreSQL; SQLite's write transaction already holds the database),
//! then reads them in a statement of its own: changing a value locks its
//! data source or constant for update, so a value removed at the same
//! moment is removed either before the read, which then sees it missing,
//! or after the version moved. (Locking in the reading statement itself
//! would not do: read committed would wait for the removal, then answer
//! from the snapshot taken before it.)
use super::db::{Backend, Db};
use super::{constants, data_sources};
use crate::domain::constant::ConstantType;
use crate::domain::environment::EnvName;
use crate::domain::preflight::{self, Held, Missing, MissingKind};
use crate::error::{AppError, AppResult};
use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the version whose definition is `doc` lacks in `environment`.
/// `lock`: in a transaction that is about to move the version there.
pub(super) async fn missing_in(
    db: &Db,
    conn: &mut AnyConnection,
    doc: &Value,
    environment: &EnvName,
    lock: bool,
) -> AppResult<Vec<Missing>> {
    let needs = preflight::needs(doc);
    let lock = lock && db.backend == Backend::Postgres;
    let mut held = Held::default();
    if !needs.data_sources.is_empty() {
        if lock {
            share_lock(
                conn,
                "data_sources",
                needs.data_sources.iter().map(String::as_str),
            )
            .await?;
        }
        let sql = format!(
            "SELECT d.id, d.name, d.kind, o.environment, o.options, o.secrets FROM data_sources d \
             LEFT JOIN data_source_options o ON o.data_source_id = d.id AND o.environment = $1 \
             WHERE d.name IN ({})",
            marks(2, needs.data_sources.len()),
        );
        let mut q = sqlx::query(&sql).bind(environment);
        for name in &needs.data_sources {
            q = q.bind(name);
        }
        for row in q.fetch_all(&mut *conn).await? {
            if row.get::<Option<String>, _>("environment").is_none() {
                continue;
            }
            let stored = data_sources::stored_options(db, &row)?;
            let named = preflight::constants_in(stored.options.texts().into_iter().map(|(_, t)| t));
            held.data_sources.insert(row.get("name"), named);
        }
    }
    let wanted = preflight::wanted(&needs, &held.data_sources);
    let mut names: Vec<&str> = wanted.iter().map(|(_, n)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if !names.is_empty() {
        if lock {
            share_lock(conn, "constants", names.iter().copied()).await?;
        }
        let sql = format!(
            "SELECT c.name, c.kind FROM constants c \
             LEFT JOIN constant_values v ON v.constant_id = c.id AND v.environment = $1 \
             WHERE v.environment IS NOT NULL AND c.name IN ({})",
            marks(2, names.len()),
        );
        let mut q = sqlx::query(&sql).bind(environment);
        for name in &names {
            q = q.bind(*name);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let kind = match constants::stored_kind(&row.get::<String, _>("kind"))? {
                ConstantType::Secret => MissingKind::Secret,
                ConstantType::Global => MissingKind::Constant,
            };
            held.constants.insert((kind, row.get("name")));
        }
    }
    Ok(preflight::missing(&needs, &held, environment))
}

/// Takes a share lock on the rows of `table` named `names` (PostgreSQL).
async fn share_lock<'a>(
    conn: &mut AnyConnection,
    table: &str,
    names: impl Iterator<Item = &'a str>,
) -> AppResult<()> {
    let names: Vec<&str> = names.collect();
    let sql = format!(
        "SELECT id FROM {table} WHERE name IN ({}) FOR SHARE",
        marks(1, names.len())
    );
    let mut q = sqlx::query(&sql);
    for n in names {
        q = q.bind(n);
    }
    q.fetch_all(&mut *conn).await?;
    Ok(())
}

/// The refusal of a move that lacks values (409 with `details.missing`),
/// unless an admin overrode it: then what was missing, for the audit.
pub(super) fn enforce(missing: Vec<Missing>, overridden: bool) -> AppResult<Option<Value>> {
    if missing.is_empty() {
        return Ok(None);
    }
    if overridden {
        return Ok(Some(json!(missing)));
    }
    let environment = missing[0].environment.clone();
    let listed: Vec<String> = missing
        .iter()
        .map(|m| {
            let what = match m.kind {
                MissingKind::DataSource => "the data source",
                MissingKind::Constant => "the constant",
                MissingKind::Secret => "the secret",
            };
            format!("{what} {}", m.name)
        })
        .collect();
    Err(AppError {
        details: Some(json!({ "missing": missing })),
        ..AppError::conflict(format!(
            "Pre-flight failed: {environment} has no value for {}",
            listed.join(", ")
        ))
    })
}
