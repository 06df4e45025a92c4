//! Pages and components, grouped by feature.
pub mod app;
pub mod audit;
pub mod auth;
pub mod builder;
pub mod components;
pub mod constants;
pub mod data_sources;
pub mod explain;
pub mod groups;
pub mod home;
pub mod not_found;
pub mod queries;
pub mod runtime;
pub mod shell;
pub mod tokens;
pub mod users;
pub mod version;
