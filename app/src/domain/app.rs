//! What readers see of apps and versions (API.md "An app object", "A
//! version object"), shared by the pages and the API.
use super::access::{Access, Can, Level};
use super::input::Validate;
use super::lifecycle::{parse_description, AppName, Slug, VersionName, VersionStatus};
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};

/// `access` of an app object: the caller's level, environments and rights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessView {
    pub level: Level,
    pub environments: Vec<super::environment::EnvName>,
    pub can: Can,
}

impl AccessView {
    pub fn of(access: &Access, envs: &[super::environment::Environment]) -> AccessView {
        AccessView {
            level: access.level,
            environments: access.environments.clone(),
            can: access.can(envs),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AppView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub public: bool,
    pub released_version_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub access: AccessView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VersionView {
    pub id: String,
    pub app_id: String,
    pub name: String,
    pub description: String,
    pub status: VersionStatus,
    pub environment: super::environment::EnvName,
    pub released: bool,
    pub parent_version_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub saved_at: Option<String>,
    pub revision: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<serde_json::Value>,
}

/// One release of an app (B4), as `GET /apps/{app_id}/releases` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Release {
    pub version_id: String,
    pub version_name: String,
    /// The releaser's email.
    pub released_by: String,
    pub released_at: String,
    pub note: String,
    pub previous_version_id: Option<String>,
}

/// One app on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardApp {
    /// Only what the row shows: the page carries this list to the browser
    /// for hydration, so every field here is paid for on every dashboard.
    pub id: String,
    pub name: String,
    pub slug: String,
    pub released_version: Option<String>,
    pub released_at: Option<String>,
    /// Each version's name and environment.
    pub versions: Vec<(String, super::environment::EnvName)>,
}

/// One page of the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub apps: Vec<DashboardApp>,
    /// From 1.
    pub page: i64,
    pub has_next: bool,
    /// Why the user may not create apps, if they may not.
    pub create_refusal: Option<String>,
    /// B7: the requests waiting for this user, and theirs.
    pub requests: super::request::RequestsPanel,
}

/// A version as the app page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRow {
    pub version: VersionView,
    pub created_by_name: String,
    pub parent_name: Option<String>,
}

/// A promote's or release's confirmation page beyond the version itself:
/// the diff against what the target holds now (B2) and the pre-flight
/// there (B3; `None` when there is no target).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    pub compared: Option<super::diff::Compared>,
    pub preflight: Option<super::preflight::Checked>,
}

/// Everything the app page shows for one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppPage {
    pub app: AppView,
    pub access: Access,
    pub envs: Vec<super::environment::Environment>,
    pub environment: super::environment::EnvName,
    pub versions: Vec<VersionRow>,
    /// How many versions the app has in all.
    pub version_count: usize,
}

/// `POST /apps` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewAppInput {
    #[serde(default)]
    pub name: String,
    /// Derived from the name when left out.
    pub slug: Option<String>,
}

pub struct NewApp {
    pub name: AppName,
    pub slug: Option<Slug>,
}

impl Validate for NewAppInput {
    type Valid = NewApp;
    fn validate(self) -> AppResult<NewApp> {
        Ok(NewApp {
            name: AppName::parse(&self.name)?,
            slug: self.slug.as_deref().map(Slug::parse).transpose()?,
        })
    }
}

/// `PATCH /apps/{app_id}` as sent: a field left out is not changed.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AppChangeInput {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub public: Option<bool>,
}

pub struct AppChangeValid {
    pub name: Option<AppName>,
    pub slug: Option<Slug>,
    pub public: Option<bool>,
}

impl Validate for AppChangeInput {
    type Valid = AppChangeValid;
    fn validate(self) -> AppResult<AppChangeValid> {
        Ok(AppChangeValid {
            name: self.name.as_deref().map(AppName::parse).transpose()?,
            slug: self.slug.as_deref().map(Slug::parse).transpose()?,
            public: self.public,
        })
    }
}

/// `POST /apps/{app_id}/versions` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewVersionInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub from_version_id: String,
    pub description: Option<String>,
}

pub struct NewVersion {
    pub name: VersionName,
    pub from_version_id: String,
    pub description: String,
}

impl Validate for NewVersionInput {
    type Valid = NewVersion;
    fn validate(self) -> AppResult<NewVersion> {
        let name = VersionName::parse(&self.name)?;
        if self.from_version_id.is_empty() {
            return Err(AppError::invalid(
                "from_version_id",
                "Choose the version to start from",
            ));
        }
        Ok(NewVersion {
            name,
            from_version_id: self.from_version_id,
            description: parse_description(self.description.as_deref().unwrap_or(""))?,
        })
    }
}

/// `PATCH /apps/{app_id}/versions/{id}` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VersionChangeInput {
    pub name: Option<String>,
    pub description: Option<String>,
}

pub struct VersionChange {
    pub name: Option<VersionName>,
    pub description: Option<String>,
}

impl Validate for VersionChangeInput {
    type Valid = VersionChange;
    fn validate(self) -> AppResult<VersionChange> {
        Ok(VersionChange {
            name: self.name.as_deref().map(VersionName::parse).transpose()?,
            description: self
                .description
                .as_deref()
                .map(parse_description)
                .transpose()?,
        })
    }
}

/// `PUT …/definition` as sent: the whole definition and the revision it
/// was based on (V10).
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DefinitionInput {
    pub definition: Option<serde_json::Value>,
    pub revision: Option<i64>,
}

pub struct DefinitionChange {
    pub definition: serde_json::Value,
    pub revision: i64,
}

impl Validate for DefinitionInput {
    type Valid = DefinitionChange;
    fn validate(self) -> AppResult<DefinitionChange> {
        let definition = match self.definition {
            Some(d @ serde_json::Value::Object(_)) => d,
            _ => {
                return Err(AppError::invalid(
                    "definition",
                    "The definition must be a JSON object (valid JSON in braces)",
                ))
            }
        };
        let revision = self
            .revision
            .ok_or_else(|| AppError::invalid("revision", "revision is required"))?;
        Ok(DefinitionChange {
            definition,
            revision,
        })
    }
}

/// `POST …/promote` as sent: the environment the caller saw it in. Checked
/// against the environments that exist, so the service reads it with
/// `Input::read`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PromoteInput {
    pub from: Option<String>,
    /// B3: an admin moves the version although the pre-flight failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_preflight: Option<bool>,
}

impl Validate for PromoteInput {
    type Valid = PromoteInput;
    fn validate(self) -> AppResult<PromoteInput> {
        Ok(self)
    }
}

/// `POST …/release` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReleaseInput {
    pub note: Option<String>,
    /// B3: an admin releases although the pre-flight failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_preflight: Option<bool>,
}

impl Validate for ReleaseInput {
    /// The note, trimmed; empty when none.
    type Valid = String;
    fn validate(self) -> AppResult<String> {
        let note = self.note.unwrap_or_default().trim().to_string();
        if note.chars().count() > 500 {
            return Err(AppError::invalid(
                "note",
                "The note must be at most 500 characters",
            ));
        }
        Ok(note)
    }
}
