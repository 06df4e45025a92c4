//! Constants (SPEC C1–C4, P9): listed by anyone with edit access to some
//! app, changed with `manage_constants`. A secret's values are sealed with
//! the master key and never leave the server: reads show `MASK`, the audit
//! log never holds them.
use super::access::{require_flag, require_lists_shared};
use super::audit;
use super::clock;
use super::db::{taken, Db, Tx};
use super::environments;
use super::secrets;
use crate::domain::access::Flag;
use crate::domain::constant::{
    ConstantType, ConstantValueInput, ConstantView, NewConstant, NewConstantInput, MASK,
};
use crate::domain::environment::{EnvName, Environment};
use crate::domain::input::Input;
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Where a secret value is sealed: a sealed value moved to another
/// constant or environment does not open there.
fn context(id: &str, environment: &str) -> String {
    format!("constant:{id}:{environment}")
}

pub(super) fn stored_kind(raw: &str) -> AppResult<ConstantType> {
    ConstantType::parse(raw).ok_or_else(|| {
        tracing::error!(kind = raw, "unknown constant type in constants");
        AppError::internal()
    })
}

const SELECT_VIEWS: &str = "SELECT c.id, c.name, c.kind, v.environment, v.value FROM constants c \
     LEFT JOIN constant_values v ON v.constant_id = c.id";

/// What a read shows of a stored value: a global's, or the mask.
fn shown(kind: ConstantType, stored: String) -> String {
    match kind {
        ConstantType::Global => stored,
        ConstantType::Secret => MASK.to_string(),
    }
}

/// Rows of `SELECT_VIEWS`, ordered by constant, as constants.
fn views(rows: &[sqlx::any::AnyRow]) -> AppResult<Vec<ConstantView>> {
    let mut out: Vec<ConstantView> = Vec::new();
    for r in rows {
        let id: String = r.get("id");
        if out.last().map(|c| c.id != id).unwrap_or(true) {
            out.push(ConstantView {
                id,
                name: r.get("name"),
                kind: stored_kind(&r.get::<String, _>("kind"))?,
                values: BTreeMap::new(),
            });
        }
        let c = out.last_mut().expect("pushed above");
        if let Some(env) = r.get::<Option<String>, _>("environment") {
            c.values.insert(env, shown(c.kind, r.get("value")));
        }
    }
    Ok(out)
}

/// Every constant, by name then type, with its values (secrets masked).
pub async fn list(db: &Db, user: &User) -> AppResult<Vec<ConstantView>> {
    require_lists_shared(db, user, "constants").await?;
    let rows = sqlx::query(&format!("{SELECT_VIEWS} ORDER BY c.name, c.kind, c.id"))
        .fetch_all(&db.pool)
        .await?;
    views(&rows)
}

/// One constant as listed.
async fn one(db: &Db, id: &str) -> AppResult<ConstantView> {
    let rows = sqlx::query(&format!("{SELECT_VIEWS} WHERE c.id = $1"))
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    views(&rows)?
        .pop()
        .ok_or_else(|| AppError::not_found("No such constant"))
}

/// The value to store: a secret sealed for its place.
fn stored_value(
    db: &Db,
    id: &str,
    kind: ConstantType,
    env: &str,
    value: &str,
) -> AppResult<String> {
    Ok(match kind {
        ConstantType::Global => value.to_string(),
        ConstantType::Secret => secrets::key_of(db)?.seal(&context(id, env), value),
    })
}

/// What the audit log may say of a value: a global's, never a secret's.
fn audited(kind: ConstantType, value: &str) -> serde_json::Value {
    json!(shown(kind, value.to_string()))
}

fn environment(field: &str, raw: &str, envs: &[Environment]) -> AppResult<EnvName> {
    EnvName::existing(field, raw, envs)
}

pub async fn create(
    db: &Db,
    user: &User,
    input: Input<NewConstantInput>,
) -> AppResult<ConstantView> {
    require_flag(db, user, Flag::ManageConstants).await?;
    let NewConstant { name, kind, values } = input.parse()?;
    let envs = environments::all(db).await?;
    for env in values.keys() {
        environment(&format!("values.{env}"), env, &envs)?;
    }
    let id = clock::new_id();
    let mut tx = db.begin().await?;
    let inserted =
        sqlx::query("INSERT INTO constants (id, name, kind, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(&name)
            .bind(kind.as_str())
            .bind(clock::now())
            .execute(&mut *tx)
            .await;
    if let Err(e) = inserted {
        return Err(taken(
            e,
            "name",
            format!("There is already a {} constant named {name}", kind.as_str()),
        ));
    }
    for (env, value) in &values {
        upsert(&mut tx, &id, env, &stored_value(db, &id, kind, env, value)?).await?;
    }
    let audited_values: BTreeMap<&String, serde_json::Value> =
        values.iter().map(|(e, v)| (e, audited(kind, v))).collect();
    audit::record(
        &mut tx,
        user.into(),
        "constant.create",
        &format!("constant:{id}"),
        None,
        json!({ "name": name, "type": kind.as_str(), "values": audited_values }),
    )
    .await?;
    tx.commit().await?;
    Ok(ConstantView {
        id,
        name,
        kind,
        values: values
            .into_iter()
            .map(|(e, v)| (e, shown(kind, v)))
            .collect(),
    })
}

async fn upsert(tx: &mut Tx, id: &str, env: &str, stored: &str) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO constant_values (constant_id, environment, value) VALUES ($1, $2, $3) \
         ON CONFLICT (constant_id, environment) DO UPDATE SET value = excluded.value",
    )
    .bind(id)
    .bind(env)
    .bind(stored)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The constant `id`, locked until `tx` ends so a concurrent delete waits.
async fn lock(db: &Db, tx: &mut Tx, id: &str) -> AppResult<(String, ConstantType)> {
    let (name, kind) =
        super::db::lock_name_kind(db, tx, "constants", id, "No such constant").await?;
    Ok((name, stored_kind(&kind)?))
}

/// Sets one environment's value. A secret sent back as `MASK` keeps the
/// stored value (D3).
pub async fn set_value(
    db: &Db,
    user: &User,
    id: &str,
    env: &str,
    input: Input<ConstantValueInput>,
) -> AppResult<ConstantView> {
    require_flag(db, user, Flag::ManageConstants).await?;
    let env = EnvName::in_path(env, &environments::all(db).await?)?;
    let mut tx = db.begin().await?;
    let (name, kind) = lock(db, &mut tx, id).await?;
    let value = input.parse()?;
    let keeps = kind == ConstantType::Secret && value == MASK;
    if keeps {
        let stored = sqlx::query(
            "SELECT 1 AS one FROM constant_values WHERE constant_id = $1 AND environment = $2",
        )
        .bind(id)
        .bind(env.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if stored.is_none() {
            return Err(AppError::invalid(
                "value",
                format!("value: enter the secret itself, not {MASK}"),
            ));
        }
    } else {
        let stored = stored_value(db, id, kind, env.as_str(), &value)?;
        upsert(&mut tx, id, env.as_str(), &stored).await?;
        audit::record(
            &mut tx,
            user.into(),
            "constant.set_value",
            &format!("constant:{id}"),
            None,
            json!({ "name": name, "type": kind.as_str(), "environment": env.as_str(), "value": audited(kind, &value) }),
        )
        .await?;
    }
    tx.commit().await?;
    one(db, id).await
}

pub async fn delete_value(db: &Db, user: &User, id: &str, env: &str) -> AppResult<()> {
    require_flag(db, user, Flag::ManageConstants).await?;
    let env = EnvName::in_path(env, &environments::all(db).await?)?;
    let mut tx = db.begin().await?;
    let (name, kind) = lock(db, &mut tx, id).await?;
    let gone =
        sqlx::query("DELETE FROM constant_values WHERE constant_id = $1 AND environment = $2")
            .bind(id)
            .bind(env.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if gone == 0 {
        return Err(AppError::not_found(format!("{name} has no value in {env}")));
    }
    audit::record(
        &mut tx,
        user.into(),
        "constant.delete_value",
        &format!("constant:{id}"),
        None,
        json!({ "name": name, "type": kind.as_str(), "environment": env.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(db: &Db, user: &User, id: &str) -> AppResult<()> {
    require_flag(db, user, Flag::ManageConstants).await?;
    let mut tx = db.begin().await?;
    let (name, kind) = lock(db, &mut tx, id).await?;
    sqlx::query("DELETE FROM constants WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        user.into(),
        "constant.delete",
        &format!("constant:{id}"),
        None,
        json!({ "name": name, "type": kind.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every constant's value in `environment`, secrets opened: what the
/// resolver of a running query reads (C2, C3). Server-side only; held in
/// memory until the next change.
pub async fn values_in(db: &Db, environment: &EnvName) -> AppResult<Arc<ConstantValues>> {
    db.cache
        .get(
            &db.cache.constants,
            environment.to_string(),
            read_values(db, environment),
        )
        .await
}

async fn read_values(db: &Db, environment: &EnvName) -> AppResult<ConstantValues> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.kind, v.value FROM constants c \
         JOIN constant_values v ON v.constant_id = c.id WHERE v.environment = $1",
    )
    .bind(environment)
    .fetch_all(&db.pool)
    .await?;
    let mut values = ConstantValues::default();
    for r in &rows {
        let id: String = r.get("id");
        let name: String = r.get("name");
        let value: String = r.get("value");
        match stored_kind(&r.get::<String, _>("kind"))? {
            ConstantType::Global => {
                values.globals.insert(name, value);
            }
            ConstantType::Secret => {
                let plain = secrets::open_stored(db, &context(&id, environment), &value)?;
                values.secrets.insert(name, plain);
            }
        }
    }
    Ok(values)
}

/// The constants of one environment, for the resolver.
#[derive(Default)]
pub struct ConstantValues {
    pub globals: HashMap<String, String>,
    pub secrets: HashMap<String, SecretString>,
}

impl ConstantValues {
    /// Every secret's plain value: what must be removed from any message
    /// that leaves the server.
    pub fn secret_texts(&self) -> Vec<String> {
        self.secrets
            .values()
            .map(|s| s.expose_secret().to_string())
            .collect()
    }
}

/// Everything the constants page shows, with the same checks as the API.
pub async fn page(db: &Db, user: &User) -> AppResult<crate::domain::constant::ConstantsPage> {
    let constants = list(db, user).await?;
    let environments = environments::all(db)
        .await?
        .iter()
        .map(|e| e.name.to_string())
        .collect();
    let change_refusal = super::access::flags_of(db, user)
        .await?
        .denial(Flag::ManageConstants);
    Ok(crate::domain::constant::ConstantsPage {
        constants,
        environments,
        change_refusal,
    })
}
