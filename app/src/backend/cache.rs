//! What rarely changes, held in memory: whether the installation is set up,
//! the environments, the groups with their flags and members, each user's
//! dashboard pages, the sessions with their users, and what a released
//! app's page reads (the app by its address, the version's definition,
//! the constants and data-source options of an environment).
//!
//! Everything held was made at a *generation*; the generation moves on, and
//! everything held is dropped, whenever something may have changed:
//! - on this instance, when a request that changed something has finished
//!   (its transaction committed): every change bumps `cache_epoch.n` in its
//!   own transaction (`bump`, called by `audit::record`), and the server's
//!   `cache_guard` middleware sees that a change happened during the request;
//! - on another instance, or by the operator's `server admin` command, when
//!   `watch` hears of it: PostgreSQL's `NOTIFY`, sent by the same
//!   transaction and delivered when it commits, and on both databases a
//!   poll of `cache_epoch.n` a few times a second (what a lost notification
//!   or a SQLite file shared by two processes needs).
//!
//! A copy is kept only if the generation did not move while it was read, so
//! a copy read before a change committed is never kept past it.
use super::db::Tx;
use crate::domain::access::GroupFlags;
use crate::domain::app::Dashboard;
use crate::domain::environment::Environment;
use crate::domain::user::User;
use crate::error::AppResult;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The groups as far as a user's flags need them.
#[derive(Debug, Default)]
pub struct GroupIndex {
    /// (name key, role, name and flags), by name key.
    pub groups: Vec<(String, Option<String>, GroupFlags)>,
    /// user id → indexes into `groups` of their custom groups.
    pub members: HashMap<String, Vec<usize>>,
}

impl GroupIndex {
    /// The user's groups (role group and custom groups), by name.
    pub fn of(&self, user: &User) -> Vec<GroupFlags> {
        let custom = self.members.get(&user.id);
        self.groups
            .iter()
            .enumerate()
            .filter(|(i, (_, role, _))| {
                role.as_deref() == Some(user.role.as_str()) || custom.is_some_and(|c| c.contains(i))
            })
            .map(|(_, (_, _, g))| g.clone())
            .collect()
    }
}

/// Values by key, all made at one generation, at most `max` of them:
/// beyond that the copies are dropped and made again, so memory stays
/// bounded whatever the number of users, apps or sessions.
pub struct Memo<K, V> {
    held: RwLock<(u64, HashMap<K, Arc<V>>)>,
    max: usize,
}

/// Only how many: what is held may include opened secrets.
impl<K, V> std::fmt::Debug for Memo<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held = self.held.read().map(|h| h.1.len()).unwrap_or_default();
        write!(f, "Memo({held} held)")
    }
}

impl<K: Eq + Hash, V> Memo<K, V> {
    pub fn new(max: usize) -> Self {
        Memo {
            held: RwLock::new((0, HashMap::new())),
            max,
        }
    }

    /// The copy of `key` made at `generation`, if one is held.
    pub fn peek(&self, generation: u64, key: &K) -> Option<Arc<V>> {
        let held = self.held.read().expect("cache lock");
        (held.0 == generation)
            .then(|| held.1.get(key).cloned())
            .flatten()
    }

    /// Keeps `value`, read at `generation`, unless the generation has moved
    /// on since (`cache` is the current one).
    pub fn keep(&self, cache: &Cache, generation: u64, key: K, value: Arc<V>) {
        let mut held = self.held.write().expect("cache lock");
        // A copy read before an `invalidate` is labelled with the older
        // generation, which `peek` no longer matches: the check here only
        // spares keeping it.
        if cache.generation() != generation || held.0 > generation {
            return;
        }
        if held.0 < generation || held.1.len() >= self.max {
            held.1.clear();
            held.0 = generation;
        }
        held.1.insert(key, value);
    }

    pub fn forget(&self, key: &K) {
        self.held.write().expect("cache lock").1.remove(key);
    }
}

#[derive(Debug)]
pub struct Cache {
    generation: AtomicU64,
    set_up: AtomicBool,
    environments: Memo<(), Vec<Environment>>,
    groups: Memo<(), GroupIndex>,
    dashboards: Memo<DashboardKey, Dashboard>,
    /// Sessions by id, with their user (`server::sessions`).
    pub sessions: Memo<String, tower_sessions::session::Record>,
    /// Apps by address (`runtime`).
    pub(crate) apps: Memo<String, super::runtime::AppRow>,
    /// Versions by id, their definition parsed (`runtime`).
    pub(crate) versions: Memo<String, super::runtime::Runnable>,
    /// The data sources' kinds, by name.
    pub(crate) source_kinds: Memo<(), HashMap<String, crate::domain::data_source::DataSourceKind>>,
    /// One data source's options in one environment: (name, environment).
    pub(crate) source_options: Memo<(String, String), super::data_sources::ForRun>,
    /// The constants of an environment, secrets opened.
    pub(crate) constants: Memo<String, super::constants::ConstantValues>,
    /// A user's access to an app: (user id, app id).
    pub(crate) access: Memo<(String, String), crate::domain::access::Access>,
}

/// A dashboard page depends on the user (through their groups, held at the
/// same generation), their role and the page number.
pub type DashboardKey = (String, String, i64);

impl Default for Cache {
    fn default() -> Self {
        Cache {
            generation: AtomicU64::new(1),
            set_up: AtomicBool::new(false),
            environments: Memo::new(1),
            groups: Memo::new(1),
            dashboards: Memo::new(2_000),
            sessions: Memo::new(20_000),
            apps: Memo::new(1_000),
            // Definitions can be large: few of them.
            versions: Memo::new(64),
            source_kinds: Memo::new(1),
            source_options: Memo::new(1_000),
            constants: Memo::new(64),
            access: Memo::new(20_000),
        }
    }
}

impl Cache {
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Something may have changed: nothing held so far is used again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Set-up never goes back, so once seen it needs no generation.
    pub fn set_up(&self) -> bool {
        self.set_up.load(Ordering::Acquire)
    }

    pub fn mark_set_up(&self) {
        self.set_up.store(true, Ordering::Release);
    }

    /// The copy of `key` in `memo`, or what `load` reads, kept for next time.
    pub async fn get<K, V, F>(&self, memo: &Memo<K, V>, key: K, load: F) -> AppResult<Arc<V>>
    where
        K: Eq + Hash,
        F: Future<Output = AppResult<V>>,
    {
        let generation = self.generation();
        if let Some(value) = memo.peek(generation, &key) {
            return Ok(value);
        }
        let value = Arc::new(load.await?);
        memo.keep(self, generation, key, value.clone());
        Ok(value)
    }

    pub async fn environments<F>(&self, load: F) -> AppResult<Arc<Vec<Environment>>>
    where
        F: Future<Output = AppResult<Vec<Environment>>>,
    {
        self.get(&self.environments, (), load).await
    }

    pub async fn groups<F>(&self, load: F) -> AppResult<Arc<GroupIndex>>
    where
        F: Future<Output = AppResult<GroupIndex>>,
    {
        self.get(&self.groups, (), load).await
    }

    pub async fn dashboard<F>(&self, key: DashboardKey, load: F) -> AppResult<Arc<Dashboard>>
    where
        F: Future<Output = AppResult<Dashboard>>,
    {
        self.get(&self.dashboards, key, load).await
    }
}

/// How many changes this process has made (`bump`): the server's
/// `cache_guard` compares it before and after a request.
static CHANGES: AtomicU64 = AtomicU64::new(0);

pub fn changes() -> u64 {
    CHANGES.load(Ordering::Acquire)
}

const CHANNEL: &str = "stagecraft_cache";

/// Tells every instance that what they hold in memory is old; called in
/// the transaction of the change.
pub async fn bump(tx: &mut Tx) -> AppResult<()> {
    sqlx::query("UPDATE cache_epoch SET n = n + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    if tx.backend_name() == "PostgreSQL" {
        // Delivered when the transaction commits, never before.
        sqlx::query(&format!("NOTIFY {CHANNEL}"))
            .execute(&mut **tx)
            .await?;
    }
    CHANGES.fetch_add(1, Ordering::AcqRel);
    Ok(())
}

/// `bump` for a change made outside a transaction of its own (a session
/// ended), and what this instance holds dropped at once.
pub async fn bump_now(db: &super::db::Db) -> AppResult<()> {
    let mut tx = db.begin().await?;
    bump(&mut tx).await?;
    tx.commit().await?;
    db.cache.invalidate();
    Ok(())
}

/// Hears of the changes other instances (or processes) make, for as long as
/// the cache of `db` is in use: `NOTIFY` on PostgreSQL, and on both a poll
/// of the epoch every `every`.
pub fn watch(db: &super::db::Db, url: &str, every: Duration) {
    let cache = Arc::downgrade(&db.cache);
    let pool = db.pool.clone();
    let pg_url = (db.backend == super::db::Backend::Postgres).then(|| url.to_string());
    tokio::spawn(async move {
        let mut listener = match pg_url {
            Some(url) => listen(&url).await,
            None => None,
        };
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut seen: Option<i64> = None;
        loop {
            let heard = tokio::select! {
                _ = tick.tick() => None,
                n = async {
                    match listener.as_mut() {
                        Some(l) => l.recv().await,
                        None => std::future::pending().await,
                    }
                } => Some(n),
            };
            let Some(cache) = cache.upgrade() else {
                return;
            };
            match heard {
                Some(Ok(_)) => cache.invalidate(),
                Some(Err(e)) => {
                    // The poll below still sees every change, a little later.
                    tracing::warn!(error = %e, "lost the change notifications; polling only");
                    listener = None;
                    cache.invalidate();
                }
                None => {
                    let epoch =
                        sqlx::query_scalar::<_, i64>("SELECT n FROM cache_epoch WHERE id = 1")
                            .fetch_one(&pool)
                            .await;
                    match epoch {
                        Ok(n) => {
                            if seen.is_some_and(|s| s != n) {
                                cache.invalidate();
                            }
                            seen = Some(n);
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot read the cache epoch");
                            cache.invalidate();
                        }
                    }
                }
            }
        }
    });
}

async fn listen(url: &str) -> Option<sqlx::postgres::PgListener> {
    let attempt = async {
        let mut l = sqlx::postgres::PgListener::connect(url).await?;
        l.listen(CHANNEL).await?;
        Ok::<_, sqlx::Error>(l)
    };
    match attempt.await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for changes; polling only");
            None
        }
    }
}
