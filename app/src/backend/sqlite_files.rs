//! SQLite data sources (D5): a few open connections per file, used on
//! tokio's blocking threads. Not through sqlx: its SQLite driver sends each
//! row from its own worker thread over a channel, and a page that reads a
//! 50-row table paid more for those hand-overs than for the query. Here a
//! query is one hand-over to a blocking thread and back.
use super::runner::{Param, RunError};
use crate::domain::query::{QueryResult, ROW_LIMIT};
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One data source's file in one environment, with its idle connections.
pub(super) struct SqliteFile {
    path: PathBuf,
    busy_timeout: Duration,
    idle: Mutex<Vec<(Connection, Refusal)>>,
    keep: usize,
}

/// What the authorizer refused while the statement was prepared, so the
/// query's error says why instead of SQLite's bare "not authorized".
type Refusal = Arc<Mutex<Option<String>>>;

impl SqliteFile {
    /// Nothing is opened yet: the first use opens the file, which must exist
    /// (it is never created).
    pub(super) fn new(path: PathBuf, busy_timeout: Duration, keep: usize) -> SqliteFile {
        SqliteFile {
            path,
            busy_timeout,
            idle: Mutex::new(Vec::new()),
            keep,
        }
    }

    /// Runs `sql` with `params` until `deadline`: its columns and at most
    /// `ROW_LIMIT` rows, each value by its own SQLite type.
    pub(super) fn query(
        &self,
        sql: &str,
        params: &[Param],
        deadline: Instant,
    ) -> Result<QueryResult, RunError> {
        self.with_connection(deadline, |c| {
            let mut stmt = c.prepare_cached(sql)?;
            let columns: Vec<String> = stmt
                .column_names()
                .into_iter()
                .map(str::to_string)
                .collect();
            for (i, p) in params.iter().enumerate() {
                let value = match p {
                    Param::Null => SqlValue::Null,
                    Param::Int(n) => SqlValue::Integer(*n),
                    Param::Float(f) => SqlValue::Real(*f),
                    Param::Text(t) => SqlValue::Text(t.clone()),
                };
                stmt.raw_bind_parameter(i + 1, value)?;
            }
            let mut rows = Vec::new();
            let mut truncated = false;
            let mut cursor = stmt.raw_query();
            while let Some(row) = cursor.next()? {
                if rows.len() == ROW_LIMIT {
                    truncated = true;
                    break;
                }
                rows.push(
                    (0..columns.len())
                        .map(|i| row.get_ref(i).map(json_of).unwrap_or(Value::Null))
                        .collect(),
                );
            }
            Ok(QueryResult::Sql {
                columns,
                rows,
                truncated,
                elapsed_ms: 0,
            })
        })
    }

    /// Opens the file (or takes an open connection) and runs a trivial query.
    pub(super) fn ping(&self, deadline: Instant) -> Result<(), RunError> {
        self.with_connection(deadline, |c| c.query_row("SELECT 1", [], |_| Ok(())))
    }

    fn with_connection<T>(
        &self,
        deadline: Instant,
        run: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, RunError> {
        let held = self.idle.lock().expect("sqlite pool lock").pop();
        let (conn, refusal) = match held {
            Some(c) => c,
            None => self.open().map_err(|e| failure(e, None))?,
        };
        // SQLite has no statement timeout: the progress handler interrupts
        // the statement once the deadline passes. Every use sets its own.
        conn.progress_handler(1_000, Some(move || Instant::now() >= deadline));
        *refusal.lock().expect("refusal lock") = None;
        let outcome =
            run(&conn).map_err(|e| failure(e, refusal.lock().expect("refusal lock").take()));
        conn.progress_handler(1_000, None::<fn() -> bool>);
        let mut idle = self.idle.lock().expect("sqlite pool lock");
        if idle.len() < self.keep {
            idle.push((conn, refusal));
        }
        outcome
    }

    fn open(&self) -> rusqlite::Result<(Connection, Refusal)> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(self.busy_timeout)?;
        let refusal = confine(&c);
        Ok((c, refusal))
    }
}

/// D7: a data source reaches its own file and nothing else. Enforced by the
/// connection itself, not by reading the SQL (which comments, quoting and
/// `PRAGMA` function forms would walk past): no database may be attached
/// (`VACUUM INTO` and `VACUUM` attach one internally, so they fail too),
/// and the authorizer refuses attach, detach, extension loading and every
/// pragma but read-only introspection.
fn confine(c: &Connection) -> Refusal {
    c.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0);
    let refusal: Refusal = Arc::new(Mutex::new(None));
    let seen = refusal.clone();
    c.authorizer(Some(move |ctx: AuthContext<'_>| {
        match refused(&ctx.action) {
            None => Authorization::Allow,
            Some(why) => {
                *seen.lock().expect("refusal lock") = Some(why);
                Authorization::Deny
            }
        }
    }));
    refusal
}

/// Pragmas that only read the file's own schema or state.
const READ_ONLY_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
    "collation_list",
    "function_list",
    "pragma_list",
    "module_list",
    "data_version",
];

/// Why an action is refused in a data source's connection, or `None`.
pub(super) fn refused(action: &AuthAction<'_>) -> Option<String> {
    match action {
        // VACUUM INTO attaches its target internally, so it lands here too.
        AuthAction::Attach { .. } => Some(
            "ATTACH and VACUUM INTO are not allowed in a data source query: it reaches only its own file".into(),
        ),
        AuthAction::Detach { .. } => Some("DETACH is not allowed in a data source query".into()),
        AuthAction::Function { function_name } if function_name.eq_ignore_ascii_case("load_extension") => {
            Some("load_extension is not allowed in a data source query".into())
        }
        AuthAction::Pragma { pragma_name, .. } => {
            let name = pragma_name.to_ascii_lowercase();
            (!READ_ONLY_PRAGMAS.contains(&name.as_str()))
                .then(|| format!("PRAGMA {name} is not allowed in a data source query (only read-only pragmas such as table_info are)"))
        }
        _ => None,
    }
}

fn failure(e: rusqlite::Error, refusal: Option<String>) -> RunError {
    if let Some(why) = refusal {
        return RunError::Failed(why);
    }
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::OperationInterrupted => {
            RunError::Timeout
        }
        // SQLITE_LIMIT_ATTACHED is 0 (confine): VACUUM attaches its target.
        rusqlite::Error::SqliteFailure(_, Some(message))
            if message.starts_with("too many attached databases") =>
        {
            RunError::Failed(
                "VACUUM is not allowed in a data source query: it attaches a second database"
                    .into(),
            )
        }
        rusqlite::Error::SqliteFailure(_, Some(message)) => RunError::Failed(message.clone()),
        other => RunError::Failed(other.to_string()),
    }
}

/// SQLite types each value, not each column: decode by the value's own type.
fn json_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::from(format!("({} bytes)", b.len())),
    }
}
