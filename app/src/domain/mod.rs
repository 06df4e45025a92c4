//! Pure types and rules, compiled for the server and the browser alike.
//! Nothing here does I/O; every check a page shows is the check the server makes.
pub mod access;
pub mod app;
pub mod audit;
pub mod constant;
pub mod data_source;
pub mod definition;
pub mod diff;
pub mod editor;
pub mod egress;
pub mod environment;
pub mod group;
pub mod input;
pub mod lifecycle;
pub mod network;
pub mod paging;
pub mod preflight;
pub mod query;
pub mod request;
pub mod runtime;
pub mod sign_in;
pub mod template;
pub mod token;
pub mod user;
