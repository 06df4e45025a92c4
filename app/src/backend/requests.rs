//! Promotion requests (SPEC B7): asking, listing, approving (which
//! performs the promote or release as the approver, in the transaction
//! that closes the request) and declining. The rules are the domain's
//! (`domain::request`); the move is `versions::promote_in`/`release_in`.
use super::apps::{self, Found};
use super::audit;
use super::clock;
use super::db::{unique_violation_on, Db, Tx};
use super::versions::{self, load_in, override_asked, Loaded};
use crate::domain::environment::EnvName;
use crate::domain::input::{Input, Validate};
use crate::domain::request::{
    ask_denial, ask_refusal, may_decide, stale, ApproveInput, DeclineInput, NewRequestInput,
    PromotionRequest, RequestAction, RequestPage, RequestState, RequestsPanel,
};
use crate::domain::user::User;
use crate::error::{AppError, AppResult};
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

const SELECT: &str =
    "SELECT r.id, r.app_id, a.name AS app_name, r.version_id, v.name AS version_name, \
     v.environment AS version_env, r.action, r.from_env, r.message, r.state, r.requested_by_id, \
     r.requested_by, r.requested_at, r.decided_by, r.decided_at, r.reason \
     FROM requests r JOIN apps a ON a.id = r.app_id JOIN versions v ON v.id = r.version_id";

fn corrupt(what: &str) -> AppError {
    tracing::error!(what, "unknown value in requests");
    AppError::internal()
}

/// A request row, with the environment its version is in now.
fn view(r: &AnyRow) -> AppResult<(PromotionRequest, EnvName)> {
    let action =
        RequestAction::parse(&r.get::<String, _>("action")).ok_or_else(|| corrupt("action"))?;
    let state =
        RequestState::parse(&r.get::<String, _>("state")).ok_or_else(|| corrupt("state"))?;
    Ok((
        PromotionRequest {
            id: r.get("id"),
            app_id: r.get("app_id"),
            app_name: r.get("app_name"),
            version_id: r.get("version_id"),
            version_name: r.get("version_name"),
            action,
            from: r.get("from_env"),
            message: r.get("message"),
            state,
            requested_by: r.get("requested_by"),
            requested_at: r.get("requested_at"),
            decided_by: r.get("decided_by"),
            decided_at: r.get("decided_at"),
            reason: r.get("reason"),
        },
        r.get("version_env"),
    ))
}

async fn one(db: &Db, id: &str) -> AppResult<Option<(PromotionRequest, EnvName, Option<String>)>> {
    let row = sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| {
        let (req, env) = view(&r)?;
        Ok((req, env, r.get("requested_by_id")))
    })
    .transpose()
}

/// B7: asks for a promote or release of one version. 403 without edit
/// access where the version is (before the body is read), 422 for a bad
/// field, 409 if the caller may do it themselves, the version cannot go
/// there now, it moved from `from`, or the same request is already open.
pub async fn create(
    db: &Db,
    user: &User,
    app_id: &str,
    version_id: &str,
    input: Input<NewRequestInput>,
) -> AppResult<PromotionRequest> {
    let found = apps::find(db, user, app_id).await?;
    let l = load_in(db, found, version_id, false).await?;
    if let Some(reason) = l.found.access.edit_denial(&l.version.environment) {
        return Err(AppError::forbidden(reason));
    }
    let raw = input.read()?;
    let action = raw.action()?;
    if let Some(denied) = ask_denial(action, &l.facts(), &l.found.access, &l.found.envs) {
        return Err(denied);
    }
    let asked = raw.validate()?;
    if let Some(from) = &asked.from {
        let from = EnvName::existing("from", from, &l.found.envs)?;
        if stale(from.as_str(), &l.version.environment) {
            return Err(AppError::conflict(format!(
                "This version is in {}, not {}; someone moved it meanwhile",
                l.version.environment,
                from.as_str()
            )));
        }
    }
    if let Some(e) = ask_refusal(asked.action, &l.facts(), &l.found.access, &l.found.envs) {
        return Err(e);
    }
    let req = PromotionRequest {
        id: clock::new_id(),
        app_id: l.found.app.id.clone(),
        app_name: l.found.app.name.clone(),
        version_id: l.version.id.clone(),
        version_name: l.version.name.clone(),
        action: asked.action,
        from: l.version.environment.to_string(),
        message: asked.message,
        state: RequestState::Open,
        requested_by: user.email.clone(),
        requested_at: clock::now(),
        decided_by: None,
        decided_at: None,
        reason: None,
    };
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO requests (id, app_id, version_id, action, from_env, message, state, \
         requested_by_id, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9)",
    )
    .bind(&req.id)
    .bind(&req.app_id)
    .bind(&req.version_id)
    .bind(req.action.as_str())
    .bind(&req.from)
    .bind(&req.message)
    .bind(&user.id)
    .bind(&req.requested_by)
    .bind(&req.requested_at)
    .execute(&mut *tx)
    .await
    .map_err(|e| match unique_violation_on(&e) {
        Some(_) => AppError::conflict(format!(
            "A request to {} this version is already open",
            req.action.as_str()
        )),
        None => e.into(),
    })?;
    audit::record(
        &mut tx,
        user.into(),
        "request.create",
        &format!("request:{}", req.id),
        Some(&req.app_id),
        json!({ "action": req.action.as_str(), "version_id": req.version_id, "name": req.version_name,
                "from": req.from, "message": req.message }),
    )
    .await?;
    tx.commit().await?;
    Ok(req)
}

/// Whether `user` may decide `req`, its version now in `env`, given the
/// app as they find it.
fn decides(found: &Found, req: &PromotionRequest, env: &EnvName) -> bool {
    may_decide(req.action, env, &found.access, &found.envs)
}

/// `GET /requests?state=`: the requests the caller may decide or made,
/// newest first (at most 500).
pub async fn list(db: &Db, user: &User, state: Option<&str>) -> AppResult<Vec<PromotionRequest>> {
    let state = match state.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(RequestState::parse(s).ok_or_else(|| {
            AppError::invalid("state", "state must be open, approved or declined")
        })?),
    };
    Ok(marked(db, user, state, None)
        .await?
        .into_iter()
        .map(|m| m.request)
        .collect())
}

/// The requests on the dashboard (`app_id` none) or an app's page: the
/// open ones the caller may decide, and the caller's own.
pub async fn panel(db: &Db, user: &User, app_id: Option<&str>) -> AppResult<RequestsPanel> {
    let mut out = RequestsPanel::default();
    for m in marked(db, user, None, app_id).await? {
        if m.mine {
            out.mine.push(m.request);
        } else if m.decidable && m.request.state == RequestState::Open {
            out.to_decide.push(m.request);
        }
    }
    out.mine.truncate(20);
    Ok(out)
}

struct Marked {
    request: PromotionRequest,
    mine: bool,
    decidable: bool,
}

/// The requests `user` made or decided, and the open ones they may
/// decide; newest first, at most 500 after the SQL's filter. An app the
/// user does not find (any more) hides its requests, theirs too (P6).
async fn marked(
    db: &Db,
    user: &User,
    state: Option<RequestState>,
    app_id: Option<&str>,
) -> AppResult<Vec<Marked>> {
    let mut sql =
        format!("{SELECT} WHERE (r.requested_by_id = $1 OR r.decided_by = $2 OR r.state = 'open')");
    let mut n = 2;
    let mut mark = || {
        n += 1;
        format!("${n}")
    };
    if state.is_some() {
        sql.push_str(&format!(" AND r.state = {}", mark()));
    }
    if app_id.is_some() {
        sql.push_str(&format!(" AND r.app_id = {}", mark()));
    }
    sql.push_str(" ORDER BY r.requested_at DESC, r.id DESC LIMIT 500");
    let mut q = sqlx::query(&sql).bind(&user.id).bind(&user.email);
    if let Some(s) = state {
        q = q.bind(s.as_str());
    }
    if let Some(a) = app_id {
        q = q.bind(a);
    }
    let rows = q.fetch_all(&db.pool).await?;
    let mut apps_found: HashMap<String, Option<Found>> = HashMap::new();
    let mut out = Vec::new();
    for r in &rows {
        let (request, env) = view(r)?;
        if !apps_found.contains_key(&request.app_id) {
            let found = match apps::find(db, user, &request.app_id).await {
                Ok(f) => Some(f),
                Err(e) if e.status() == 404 => None,
                Err(e) => return Err(e),
            };
            apps_found.insert(request.app_id.clone(), found);
        }
        let Some(found) = apps_found[&request.app_id].as_ref() else {
            continue;
        };
        let mine =
            r.get::<Option<String>, _>("requested_by_id").as_deref() == Some(user.id.as_str());
        let decided = request.decided_by.as_deref() == Some(user.email.as_str());
        let decidable = decides(found, &request, &env);
        if mine || decided || (decidable && request.state == RequestState::Open) {
            out.push(Marked {
                request,
                mine,
                decidable,
            });
        }
    }
    Ok(out)
}

/// One request's page, for its requester or someone who may decide it;
/// while open, with the diff and pre-flight of what it asks.
pub async fn page(db: &Db, user: &User, id: &str) -> AppResult<RequestPage> {
    let (request, env, by) = one(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("No such request"))?;
    let found = apps::find(db, user, &request.app_id).await?;
    let decidable = decides(&found, &request, &env);
    if !decidable && by.as_deref() != Some(user.id.as_str()) {
        return Err(AppError::forbidden(format!(
            "You do not have the {} permission for this version",
            request.action.as_str()
        )));
    }
    let confirmation = match request.state {
        RequestState::Open => Some(
            versions::confirmation(
                db,
                user,
                &request.app_id,
                &request.version_id,
                request.action == RequestAction::Release,
            )
            .await?,
        ),
        _ => None,
    };
    Ok(RequestPage {
        request,
        decidable,
        confirmation,
    })
}

/// The request and its version, for a caller who may decide it: 404, then
/// 403 naming the missing permission.
async fn for_decision(db: &Db, user: &User, id: &str) -> AppResult<(PromotionRequest, Loaded)> {
    let (req, _, _) = one(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("No such request"))?;
    let found = apps::find(db, user, &req.app_id).await?;
    let l = load_in(db, found, &req.version_id, true).await?;
    l.found
        .require(req.action.version_action(), &l.version.environment)?;
    Ok((req, l))
}

/// Closes the open requests for `action` on a version that has just been
/// moved that way by someone (a promote or release done directly): they
/// can no longer be approved, and would block a new request. Declined,
/// with the move as the reason. Answers how many.
pub(super) async fn close_overtaken(
    tx: &mut Tx,
    user: &User,
    version_id: &str,
    action: RequestAction,
    reason: &str,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE requests SET state = 'declined', decided_by = $1, decided_at = $2, reason = $3 \
         WHERE version_id = $4 AND action = $5 AND state = 'open'",
    )
    .bind(&user.email)
    .bind(clock::now())
    .bind(reason)
    .bind(version_id)
    .bind(action.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

fn not_open(req: &PromotionRequest) -> AppError {
    AppError::conflict(format!("This request was already {}", req.state.as_str()))
}

/// Closes the request in `tx` if it is still open; 409 when someone
/// decided it meanwhile.
async fn close(
    tx: &mut Tx,
    user: &User,
    req: &PromotionRequest,
    state: RequestState,
    reason: Option<&str>,
    now: &str,
) -> AppResult<()> {
    let n = sqlx::query(
        "UPDATE requests SET state = $1, decided_by = $2, decided_at = $3, reason = $4 \
         WHERE id = $5 AND state = 'open'",
    )
    .bind(state.as_str())
    .bind(&user.email)
    .bind(now)
    .bind(reason)
    .bind(&req.id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::conflict("Someone decided this request meanwhile"));
    }
    Ok(())
}

/// B7: performs the request as the approver and closes it, in one
/// transaction. 409 when it is not open, stale (the version moved since
/// it was asked), or the move is refused (the pre-flight, B3).
pub async fn approve(
    db: &Db,
    user: &User,
    id: &str,
    input: Input<ApproveInput>,
) -> AppResult<PromotionRequest> {
    let (req, l) = for_decision(db, user, id).await?;
    let overriding = override_asked(user, &input)?;
    input.parse()?;
    if req.state != RequestState::Open {
        return Err(not_open(&req));
    }
    if stale(&req.from, &l.version.environment) {
        return Err(AppError::conflict(format!(
            "This request is stale: the version moved from {} to {} since it was made",
            req.from, l.version.environment
        )));
    }
    let named: Value = json!({ "id": req.id, "requested_by": req.requested_by });
    let now = clock::now();
    let mut tx = db.begin().await?;
    close(&mut tx, user, &req, RequestState::Approved, None, &now).await?;
    match req.action {
        RequestAction::Promote => {
            versions::promote_in(db, &mut tx, user, &l, &req.from, overriding, Some(&named))
                .await?;
        }
        RequestAction::Release => {
            let note = format!("Requested by {}", req.requested_by);
            versions::release_in(db, &mut tx, user, &l, &note, overriding, Some(&named)).await?;
        }
    }
    audit::record(
        &mut tx,
        user.into(),
        "request.approve",
        &format!("request:{}", req.id),
        Some(&req.app_id),
        json!({ "action": req.action.as_str(), "version_id": req.version_id, "name": req.version_name,
                "from": req.from, "requested_by": req.requested_by }),
    )
    .await?;
    tx.commit().await?;
    Ok(PromotionRequest {
        state: RequestState::Approved,
        decided_by: Some(user.email.clone()),
        decided_at: Some(now),
        ..req
    })
}

/// B7: declines an open request with a reason.
pub async fn decline(
    db: &Db,
    user: &User,
    id: &str,
    input: Input<DeclineInput>,
) -> AppResult<PromotionRequest> {
    let (req, _) = for_decision(db, user, id).await?;
    let reason = input.parse()?;
    if req.state != RequestState::Open {
        return Err(not_open(&req));
    }
    let now = clock::now();
    let mut tx = db.begin().await?;
    close(
        &mut tx,
        user,
        &req,
        RequestState::Declined,
        Some(&reason),
        &now,
    )
    .await?;
    audit::record(
        &mut tx,
        user.into(),
        "request.decline",
        &format!("request:{}", req.id),
        Some(&req.app_id),
        json!({ "action": req.action.as_str(), "version_id": req.version_id, "name": req.version_name,
                "requested_by": req.requested_by, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(PromotionRequest {
        state: RequestState::Declined,
        decided_by: Some(user.email.clone()),
        decided_at: Some(now),
        reason: Some(reason),
        ..req
    })
}
