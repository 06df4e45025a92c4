#![recursion_limit = "256"]
//! Stagecraft's shared crate: pure domain rules, the UI, the server
//! functions and (with feature `ssr`) the backend service layer.
pub mod api;
pub mod domain;
pub mod error;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod backend;

pub use ui::app::{shell, App};
