//! Sessions in the product's own database, so several instances behind a
//! load balancer share them. Our own store rather than
//! tower-sessions-sqlx-store: loading a session reads its user in the same
//! statement, and both are then held in memory (`app::backend::cache`)
//! until something changes, so a signed-in request usually reads nothing.
//! Ending a session tells the other instances (`cache::bump_now`).
use app::backend::session::{GENERATION_KEY, LOADED_USER_KEY, USER_KEY};
use app::backend::users::user_from_row;
use app::backend::{cache, Db};
use async_trait::async_trait;
use sqlx::Row;
use std::sync::Arc;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// How long a session lasts unused.
    idle: time::Duration,
}

fn backend_error(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

impl Store {
    pub fn new(db: Db, idle: time::Duration) -> Store {
        Store { db, idle }
    }

    /// Deletes expired sessions once an hour, for as long as the server runs.
    pub fn spawn_cleanup(&self) {
        let store = self.clone();
        tokio::spawn(async move {
            let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                if let Err(e) = store.delete_expired().await {
                    tracing::warn!(error = %e, "expired session cleanup failed; trying again in an hour");
                }
            }
        });
    }

    async fn write(&self, record: &Record, insert_only: bool) -> sqlx::Result<bool> {
        self.db.cache.sessions.forget(&record.id.to_string());
        let mut data = record.data.clone();
        data.remove(LOADED_USER_KEY);
        let user_id = data
            .get(USER_KEY)
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let json = serde_json::to_string(&data).expect("session data is JSON");
        let on_conflict = if insert_only {
            "DO NOTHING"
        } else {
            "DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at"
        };
        let n = sqlx::query(&format!(
            "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) {on_conflict}"
        ))
        .bind(record.id.to_string())
        .bind(user_id)
        .bind(json)
        .bind(record.expiry_date.unix_timestamp())
        .execute(&self.db.pool)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// The session `id` with its user, from the database.
    async fn read(&self, id: &Id, now: OffsetDateTime) -> Result<Option<Record>, ReadError> {
        let row = sqlx::query(
            "SELECT s.data, s.expires_at, u.id, u.email, u.name, u.role, u.active, \
                    u.session_generation \
             FROM sessions s LEFT JOIN users u ON u.id = s.user_id \
             WHERE s.id = $1 AND s.expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now.unix_timestamp())
        .fetch_optional(&self.db.pool)
        .await
        .map_err(ReadError::Db)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut data: std::collections::HashMap<String, serde_json::Value> =
            serde_json::from_str(&row.get::<String, _>("data"))
                .map_err(|e| ReadError::Decode(e.to_string()))?;
        // Sessions from before S6 hold no generation: the column's default.
        let began_in = data
            .get(GENERATION_KEY)
            .and_then(|g| g.as_i64())
            .unwrap_or(0);
        let user = match row.get::<Option<String>, _>("id") {
            Some(_) if row.get::<i64, _>("session_generation") == began_in => {
                Some(user_from_row(&row).map_err(|e| ReadError::Decode(e.message))?)
            }
            // Gone, or their sessions were ended after this one began.
            _ => None,
        };
        data.insert(
            LOADED_USER_KEY.into(),
            serde_json::to_value(user).expect("a user is JSON"),
        );
        let expiry_date = OffsetDateTime::from_unix_timestamp(row.get("expires_at"))
            .map_err(|e| ReadError::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }
}

enum ReadError {
    Db(sqlx::Error),
    Decode(String),
}

#[async_trait]
impl SessionStore for Store {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while !self.write(record, true).await.map_err(backend_error)? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, false).await.map_err(backend_error)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc();
        let key = id.to_string();
        let cache = &self.db.cache;
        let generation = cache.generation();
        let held = match cache.sessions.peek(generation, &key) {
            Some(record) if record.expiry_date > now => Some(record),
            Some(_) => {
                cache.sessions.forget(&key);
                return Ok(None);
            }
            None => None,
        };
        let mut record = match held {
            Some(record) => (*record).clone(),
            None => match self.read(id, now).await.map_err(|e| match e {
                ReadError::Db(e) => backend_error(e),
                ReadError::Decode(m) => session_store::Error::Decode(m),
            })? {
                Some(record) => {
                    cache
                        .sessions
                        .keep(cache, generation, key.clone(), Arc::new(record.clone()));
                    record
                }
                None => return Ok(None),
            },
        };
        // Used again: it lasts `idle` from now. Written at most every few
        // minutes, not on every request.
        let renewed = now + self.idle;
        if renewed - record.expiry_date > time::Duration::minutes(5) {
            sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2")
                .bind(renewed.unix_timestamp())
                .bind(&key)
                .execute(&self.db.pool)
                .await
                .map_err(backend_error)?;
            record.expiry_date = renewed;
            cache
                .sessions
                .keep(cache, generation, key, Arc::new(record.clone()));
        }
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.db.cache.sessions.forget(&id.to_string());
        let ended = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.db.pool)
            .await
            .map_err(backend_error)?
            .rows_affected();
        if ended > 0 {
            // Other instances may hold this session in memory.
            cache::bump_now(&self.db)
                .await
                .map_err(|e| session_store::Error::Backend(e.message))?;
        }
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for Store {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(OffsetDateTime::now_utc().unix_timestamp())
            .execute(&self.db.pool)
            .await
            .map_err(backend_error)?;
        Ok(())
    }
}
