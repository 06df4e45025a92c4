//! What rarely changes, held in memory: whether the installation is set up,
//! the environments, the groups with their flags and members, and each
//! user's dashboard pages.
//!
//! Every change bumps `cache_epoch.n` in its own transaction (through the
//! audit entry every change writes, `audit::record`), and
//! every signed-in request reads that number in the statement that loads
//! its session (`server::sessions`). A copy is used only while it was made
//! at the epoch the current request saw, so a change made by any instance
//! is seen by the next request of every instance, as if it had read the
//! tables itself. Without an observed epoch (no session), nothing is cached.
use super::db::Tx;
use crate::domain::access::GroupFlags;
use crate::domain::app::Dashboard;
use crate::domain::environment::Environment;
use crate::domain::user::User;
use crate::error::AppResult;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

const UNSEEN: i64 = i64::MIN;

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

type Slot<T> = RwLock<Option<(i64, Arc<T>)>>;
/// Values by key, all made at one epoch.
type Keyed<K, T> = RwLock<(i64, HashMap<K, Arc<T>>)>;

/// A dashboard page depends on the user (through their groups, held at the
/// same epoch), their role and the page number.
pub type DashboardKey = (String, String, i64);

/// Beyond this many dashboard pages the copies are dropped and made again:
/// memory stays bounded whatever the number of users.
const MAX_DASHBOARDS: usize = 2_000;

#[derive(Debug)]
pub struct Cache {
    epoch: AtomicI64,
    set_up: AtomicBool,
    environments: Slot<Vec<Environment>>,
    groups: Slot<GroupIndex>,
    dashboards: Keyed<DashboardKey, Dashboard>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            epoch: AtomicI64::new(UNSEEN),
            set_up: AtomicBool::new(false),
            environments: RwLock::new(None),
            groups: RwLock::new(None),
            dashboards: RwLock::new((UNSEEN, HashMap::new())),
        }
    }
}

impl Cache {
    /// The epoch a request read with its session.
    pub fn observe(&self, epoch: i64) {
        // Epochs only grow: a slow request must not bring back an older one.
        self.epoch.fetch_max(epoch, Ordering::AcqRel);
    }

    /// Set-up never goes back, so once seen it needs no epoch.
    pub fn set_up(&self) -> bool {
        self.set_up.load(Ordering::Acquire)
    }

    pub fn mark_set_up(&self) {
        self.set_up.store(true, Ordering::Release);
    }

    pub async fn environments<F>(&self, load: F) -> AppResult<Arc<Vec<Environment>>>
    where
        F: Future<Output = AppResult<Vec<Environment>>>,
    {
        self.get(&self.environments, load).await
    }

    pub async fn groups<F>(&self, load: F) -> AppResult<Arc<GroupIndex>>
    where
        F: Future<Output = AppResult<GroupIndex>>,
    {
        self.get(&self.groups, load).await
    }

    pub async fn dashboard<F>(&self, key: DashboardKey, load: F) -> AppResult<Arc<Dashboard>>
    where
        F: Future<Output = AppResult<Dashboard>>,
    {
        let epoch = self.epoch.load(Ordering::Acquire);
        if epoch != UNSEEN {
            let held = self.dashboards.read().expect("cache lock");
            if held.0 == epoch {
                if let Some(value) = held.1.get(&key) {
                    return Ok(value.clone());
                }
            }
        }
        let value = Arc::new(load.await?);
        if epoch != UNSEEN && self.epoch.load(Ordering::Acquire) == epoch {
            let mut held = self.dashboards.write().expect("cache lock");
            keep(&mut held, epoch, key, value.clone(), MAX_DASHBOARDS);
        }
        Ok(value)
    }

    async fn get<T, F>(&self, slot: &Slot<T>, load: F) -> AppResult<Arc<T>>
    where
        F: Future<Output = AppResult<T>>,
    {
        let epoch = self.epoch.load(Ordering::Acquire);
        if epoch != UNSEEN {
            if let Some((at, value)) = slot.read().expect("cache lock").as_ref() {
                if *at == epoch {
                    return Ok(value.clone());
                }
            }
        }
        let value = Arc::new(load.await?);
        // Kept only if no newer epoch was seen while it loaded: a copy is
        // never labelled newer than the request that made it.
        if epoch != UNSEEN && self.epoch.load(Ordering::Acquire) == epoch {
            *slot.write().expect("cache lock") = Some((epoch, value.clone()));
        }
        Ok(value)
    }
}

/// Keeps `value` made at `epoch`, unless copies of a newer epoch are held.
fn keep<K: Eq + Hash, T>(
    held: &mut (i64, HashMap<K, Arc<T>>),
    epoch: i64,
    key: K,
    value: Arc<T>,
    max: usize,
) {
    if held.0 > epoch {
        return;
    }
    if held.0 < epoch || held.1.len() >= max {
        held.1.clear();
        held.0 = epoch;
    }
    held.1.insert(key, value);
}

/// Tells every instance that what they hold in memory is old; called in
/// the transaction of the change.
pub async fn bump(tx: &mut Tx) -> AppResult<()> {
    sqlx::query("UPDATE cache_epoch SET n = n + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}
