//! Promotion requests (SPEC B7): a builder with edit access where the
//! version is, but without the right to promote (or release) it, asks
//! someone who has it. Who may ask, who may decide, and when a request is
//! stale are decided here, once, for the service and the pages.
use super::access::Access;
use super::environment::{EnvName, Environment};
use super::input::Validate;
use super::lifecycle::{release_environment, state_refusal, VersionAction, VersionFacts};
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};

/// What is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RequestAction {
    Promote,
    Release,
}

impl RequestAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestAction::Promote => "promote",
            RequestAction::Release => "release",
        }
    }

    pub fn parse(raw: &str) -> Option<RequestAction> {
        match raw {
            "promote" => Some(RequestAction::Promote),
            "release" => Some(RequestAction::Release),
            _ => None,
        }
    }

    pub fn version_action(self) -> VersionAction {
        match self {
            RequestAction::Promote => VersionAction::Promote,
            RequestAction::Release => VersionAction::Release,
        }
    }
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RequestState {
    Open,
    Approved,
    Declined,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Open => "open",
            RequestState::Approved => "approved",
            RequestState::Declined => "declined",
        }
    }

    pub fn parse(raw: &str) -> Option<RequestState> {
        match raw {
            "open" => Some(RequestState::Open),
            "approved" => Some(RequestState::Approved),
            "declined" => Some(RequestState::Declined),
            _ => None,
        }
    }
}

/// A request as the API answers it. `from` is the environment the version
/// was in when asked; `requested_by` and `decided_by` are emails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PromotionRequest {
    pub id: String,
    pub app_id: String,
    pub app_name: String,
    pub version_id: String,
    pub version_name: String,
    pub action: RequestAction,
    pub from: String,
    pub message: String,
    pub state: RequestState,
    pub requested_by: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
}

/// The requests a page lists: the open ones the caller may decide, and the
/// caller's own (newest first, whatever their state).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestsPanel {
    pub to_decide: Vec<PromotionRequest>,
    pub mine: Vec<PromotionRequest>,
}

/// One request's page: the request, whether the caller may decide it, and
/// while it is open the diff and pre-flight of what it asks (B2, B3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestPage {
    pub request: PromotionRequest,
    pub decidable: bool,
    pub confirmation: Option<super::app::Confirmation>,
}

/// The most a message or a reason holds.
pub const MAX_TEXT: usize = 500;

fn text(field: &str, raw: Option<String>, required: bool) -> AppResult<String> {
    let t = raw.unwrap_or_default().trim().to_string();
    if required && t.is_empty() {
        return Err(AppError::invalid(field, format!("{field} is required")));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(AppError::invalid(
            field,
            format!("{field} must be at most {MAX_TEXT} characters"),
        ));
    }
    Ok(t)
}

/// `POST …/versions/{id}/requests` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewRequestInput {
    pub action: Option<String>,
    pub from: Option<String>,
    pub message: Option<String>,
}

/// A request, checked: `from` is still a name (the service checks it
/// against the environments and the version).
#[derive(Debug)]
pub struct NewRequest {
    pub action: RequestAction,
    pub from: Option<String>,
    pub message: String,
}

impl NewRequestInput {
    /// The action asked for, read first: who may ask depends on it.
    pub fn action(&self) -> AppResult<RequestAction> {
        RequestAction::parse(self.action.as_deref().unwrap_or_default())
            .ok_or_else(|| AppError::invalid("action", "action must be promote or release"))
    }
}

impl Validate for NewRequestInput {
    type Valid = NewRequest;
    fn validate(self) -> AppResult<NewRequest> {
        Ok(NewRequest {
            action: self.action()?,
            from: self.from.filter(|f| !f.is_empty()),
            message: text("message", self.message, false)?,
        })
    }
}

/// `POST /requests/{id}/decline` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeclineInput {
    pub reason: Option<String>,
}

impl Validate for DeclineInput {
    type Valid = String;
    fn validate(self) -> AppResult<String> {
        text("reason", self.reason, true)
    }
}

/// `POST /requests/{id}/approve` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApproveInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_preflight: Option<bool>,
}

impl Validate for ApproveInput {
    type Valid = ApproveInput;
    fn validate(self) -> AppResult<ApproveInput> {
        Ok(self)
    }
}

/// The permission part of `ask_refusal`: 403 without edit access where the
/// action would act (where the version is, or for a release, the release
/// environment). Checked before the rest of the body is.
pub fn ask_denial(
    action: RequestAction,
    v: &VersionFacts,
    access: &Access,
    envs: &[Environment],
) -> Option<AppError> {
    let acts_in = match action {
        RequestAction::Promote => Some(v.environment),
        RequestAction::Release => release_environment(envs).map(|e| &e.name),
    };
    match acts_in {
        Some(env) => access.edit_denial(env).map(AppError::forbidden),
        // No environments at all cannot happen (E1); then nothing is released.
        None => Some(AppError::forbidden(
            "There is no environment to release from",
        )),
    }
}

/// Why this caller may not ask for `action` on this version, if not: the
/// 403 of `ask_denial`; 409 if they may do it themselves, or if the version
/// cannot go there now (V3–V6).
pub fn ask_refusal(
    action: RequestAction,
    v: &VersionFacts,
    access: &Access,
    envs: &[Environment],
) -> Option<AppError> {
    if let Some(denied) = ask_denial(action, v, access, envs) {
        return Some(denied);
    }
    let va = action.version_action();
    if access.denial(va, v.environment, envs).is_none() {
        return Some(AppError::conflict(format!(
            "You may {} this version yourself",
            action.as_str()
        )));
    }
    state_refusal(va, v, envs).map(AppError::conflict)
}

/// Whether a request made when its version was in `from` still stands for
/// a version now in `now`.
pub fn stale(from: &str, now: &str) -> bool {
    from != now
}

/// Whether this caller may decide requests for `action` on a version in
/// `version_env`: exactly when they could do it themselves (P8).
pub fn may_decide(
    action: RequestAction,
    version_env: &EnvName,
    access: &Access,
    envs: &[Environment],
) -> bool {
    access
        .denial(action.version_action(), version_env, envs)
        .is_none()
}
