//! The service layer: one function per use case. Both doors (server
//! functions and the REST API) call these, so every rule is enforced once.
pub mod access;
pub mod apps;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod constants;
pub mod data_sources;
pub mod db;
pub mod demo;
pub mod environments;
pub mod groups;
pub mod passwords;
mod preflight;
pub mod requests;
pub mod runner;
pub mod runtime;
pub mod secrets;
pub mod session;
mod sqlite_files;
pub mod tokens;
pub mod users;
pub mod versions;

pub use db::Db;
