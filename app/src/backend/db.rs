//! One database handle for both backends. Queries are written once with
//! `$n` placeholders, which SQLite and PostgreSQL both accept through sqlx's
//! `Any` driver; only the migrations differ per backend.
use crate::error::AppError;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::AnyConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The suffix that locks the rows a SELECT reads until the transaction
    /// ends: PostgreSQL's `FOR UPDATE`; SQLite's write transaction already
    /// holds the whole database (`Db::begin`).
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        }
    }
}

/// The product database and what goes with it. Every request and server
/// function takes a copy, so a copy is one reference count: one atomic
/// step instead of one per part, each a cache line the two cores fight
/// over under load.
#[derive(Clone, Debug)]
pub struct Db(std::sync::Arc<DbParts>);

impl std::ops::Deref for Db {
    type Target = DbParts;

    fn deref(&self) -> &DbParts {
        &self.0
    }
}

impl Db {
    /// The parts, to set up before the database is shared (start-up and
    /// tests): copied first if another copy exists.
    pub fn parts_mut(&mut self) -> &mut DbParts {
        std::sync::Arc::make_mut(&mut self.0)
    }
}

#[derive(Clone, Debug)]
pub struct DbParts {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The clock of the time windows (sign-in throttle); tests move it.
    pub clock: super::clock::Clock,
    /// What rarely changes, held in memory (`cache`).
    pub cache: std::sync::Arc<super::cache::Cache>,
    /// The key secrets are sealed with, once checked against the database
    /// (`secrets::check`).
    pub master_key: Option<std::sync::Arc<super::secrets::MasterKey>>,
    /// The connections of data sources, per (data source, environment).
    pub pools: std::sync::Arc<super::runner::Pools>,
}

pub type Tx = Transaction<'static, Any>;

impl Db {
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url).ok_or_else(|| {
            sqlx::Error::Configuration("DATABASE_URL must start with sqlite: or postgres:".into())
        })?;
        let sqlite = backend == Backend::Sqlite;
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 10 })
            .after_connect(move |conn: &mut AnyConnection, _| {
                Box::pin(async move {
                    if sqlite {
                        conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 15000;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        if sqlite {
            // WAL lets readers go on while one writer commits.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        Ok(Db(std::sync::Arc::new(DbParts {
            pool,
            backend,
            clock: Default::default(),
            cache: Default::default(),
            master_key: None,
            pools: Default::default(),
        })))
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    /// A write transaction. On SQLite it takes the write lock up front, so two
    /// writers queue on the busy timeout instead of failing on upgrade.
    pub async fn begin(&self) -> Result<Tx, AppError> {
        let stmt = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        Ok(self.pool.begin_with(stmt).await?)
    }

    /// Makes the transactions that name the same `key` run one after the
    /// other, until `tx` ends: the check-then-write rules (the sign-in
    /// throttle, the last active admin) count rows that a concurrent
    /// transaction may be about to add or change. On SQLite every write
    /// transaction already holds the database (`BEGIN IMMEDIATE`).
    pub async fn serialize(&self, tx: &mut Tx, key: &str) -> Result<(), AppError> {
        if self.backend == Backend::Postgres {
            // The lock function returns `void`, which the Any driver cannot
            // decode: count its one row instead.
            sqlx::query(
                "SELECT COUNT(*) AS n FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS l",
            )
            .bind(key)
            .fetch_one(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

/// Database failures are logged here with their cause and leave as a
/// generic 500; unique violations become the caller's conflict.
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error");
        AppError::internal()
    }
}

/// `a = $1, b = $2, …`: the SET list of an UPDATE writing only `columns`;
/// the key of the row binds after them, at `$(columns.len() + 1)`.
pub fn assignments<'a>(columns: impl Iterator<Item = &'a str>) -> String {
    columns
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// What a unique violation is about, if `e` is one: the constraint's name
/// where the database reports one (PostgreSQL, e.g. `apps_slug_key`), and
/// otherwise the columns SQLite names (`UNIQUE constraint failed: apps.slug`
/// gives `apps.slug`; a composite key gives `versions.app_id, versions.name_key`).
pub fn unique_violation_on(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => Some(match d.constraint() {
            Some(name) => name.to_string(),
            None => {
                let m = d.message();
                m.strip_prefix("UNIQUE constraint failed: ")
                    .unwrap_or(m)
                    .trim()
                    .to_string()
            }
        }),
        _ => None,
    }
}

/// A unique violation as the caller's 409 on `field` (a name already
/// taken, even by a concurrent request); any other failure as itself.
pub fn taken(e: sqlx::Error, field: &str, message: String) -> AppError {
    match unique_violation_on(&e) {
        Some(_) => AppError {
            field: Some(field.into()),
            ..AppError::conflict(message)
        },
        None => e.into(),
    }
}

/// The `name` and `kind` of row `id` of `table`, locked until `tx` ends so
/// a concurrent change or delete of it waits; 404 saying `missing`.
pub async fn lock_name_kind(
    db: &Db,
    tx: &mut Tx,
    table: &str,
    id: &str,
    missing: &str,
) -> Result<(String, String), AppError> {
    use sqlx::Row;
    let row = sqlx::query(&format!(
        "SELECT name, kind FROM {table} WHERE id = $1{}",
        db.backend.for_update()
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found(missing))?;
    Ok((row.get("name"), row.get("kind")))
}
