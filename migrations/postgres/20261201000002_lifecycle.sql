-- Apps and their versions (SPEC A1–A2, V1–V10). Kept in step with
-- ../sqlite/20261201000002_lifecycle.sql.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE,
    public BIGINT NOT NULL DEFAULT 0,
    released_version_id TEXT,
    released_at TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);

CREATE TABLE versions (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'saved')),
    environment TEXT NOT NULL REFERENCES environments (name),
    parent_version_id TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    saved_at TEXT,
    revision BIGINT NOT NULL DEFAULT 1,
    definition TEXT NOT NULL,
    UNIQUE (app_id, name_key)
);
CREATE INDEX versions_app ON versions (app_id, created_at);

ALTER TABLE audit_log ADD COLUMN app_id TEXT;
CREATE INDEX audit_log_app ON audit_log (app_id, id);
