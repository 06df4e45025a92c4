//! The server's test suite: one binary, so the server is linked once.
//! Domain table tests, and HTTP tests that run the real router on a real
//! port against SQLite and PostgreSQL.
mod support;

mod domain_access;
mod domain_diff;
mod domain_editor;
mod domain_input;
mod domain_lifecycle;
mod domain_release_safety;
mod domain_rules;
mod domain_secrets;
mod domain_user;
mod http_access;
mod http_audit;
mod http_constants;
mod http_contract;
mod http_dashboard_oracle;
mod http_data_sources;
mod http_diff;
mod http_editor;
mod http_hardening;
mod http_held_pages;
mod http_instances;
mod http_lifecycle;
mod http_openapi;
mod http_preflight;
mod http_races;
mod http_releases;
mod http_requests;
mod http_runtime;
mod http_setup_and_sessions;
mod http_tokens;
mod http_users;
mod pipeline_example;
mod process;
mod security_doors;
mod security_egress;
mod security_http;
mod security_repository;
mod security_saving;
mod security_secrets;
mod security_sessions;
mod security_sqlite;
mod ui_app_html;
