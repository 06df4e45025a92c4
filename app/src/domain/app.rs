//! What readers see of apps and versions (API.md "An app object", "A
//! version object"), shared by the pages and the API.
use super::access::{Access, Can, Level};
use super::lifecycle::VersionStatus;
use serde::{Deserialize, Serialize};

/// `access` of an app object: the caller's level, environments and rights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessView {
    pub level: Level,
    pub environments: Vec<String>,
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
pub struct VersionView {
    pub id: String,
    pub app_id: String,
    pub name: String,
    pub description: String,
    pub status: VersionStatus,
    pub environment: String,
    pub released: bool,
    pub parent_version_id: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub saved_at: Option<String>,
    pub revision: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<serde_json::Value>,
}

/// One app on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardApp {
    pub app: AppView,
    pub released_version: Option<String>,
    pub released_at: Option<String>,
    /// Each version's name and environment.
    pub versions: Vec<(String, String)>,
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
}

/// A version as the app page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRow {
    pub version: VersionView,
    pub created_by_name: String,
    pub parent_name: Option<String>,
}

/// Everything the app page shows for one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppPage {
    pub app: AppView,
    pub access: Access,
    pub envs: Vec<super::environment::Environment>,
    pub environment: String,
    pub versions: Vec<VersionRow>,
    /// How many versions the app has in all.
    pub version_count: usize,
}
