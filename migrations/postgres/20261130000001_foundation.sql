-- Foundation: environments, users, the installation marker, audit, sign-in throttle.
-- Kept in step with ../sqlite/20261130000001_foundation.sql: same tables,
-- columns and meaning; booleans are 0/1 integers on both.
CREATE TABLE environments (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    priority BIGINT NOT NULL UNIQUE,
    is_default BIGINT NOT NULL DEFAULT 0
);
INSERT INTO environments (id, name, priority, is_default) VALUES
    ('development', 'development', 1, 1),
    ('staging', 'staging', 2, 1),
    ('production', 'production', 3, 1);

CREATE TABLE installation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    set_up_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'builder', 'end-user')),
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT,
    actor TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE login_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_address ON login_failures (address, at);
