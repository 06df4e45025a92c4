//! What rarely changes, held in memory: whether the installation is set up,
//! the environments, and the groups with their flags and members.
//!
//! Every change to them bumps `cache_epoch.n` in its own transaction, and
//! every signed-in request reads that number in the statement that loads
//! its session (`server::sessions`). A copy is used only while it was made
//! at the epoch the current request saw, so a change made by any instance
//! is seen by the next request of every instance, as if it had read the
//! tables itself. Without an observed epoch (no session), nothing is cached.
use super::db::Tx;
use crate::domain::access::GroupFlags;
use crate::domain::environment::Environment;
use crate::domain::user::User;
use crate::error::AppResult;
use std::collections::HashMap;
use std::future::Future;
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

#[derive(Debug)]
pub struct Cache {
    epoch: AtomicI64,
    set_up: AtomicBool,
    environments: Slot<Vec<Environment>>,
    groups: Slot<GroupIndex>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            epoch: AtomicI64::new(UNSEEN),
            set_up: AtomicBool::new(false),
            environments: RwLock::new(None),
            groups: RwLock::new(None),
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

/// Tells every instance that what they hold in memory is old; called in
/// the transaction of the change.
pub async fn bump(tx: &mut Tx) -> AppResult<()> {
    sqlx::query("UPDATE cache_epoch SET n = n + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}
