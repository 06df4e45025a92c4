-- Constants (SPEC C1–C4): a name and a type that never changes, and one
-- value per environment. A secret's values are sealed with the master key
-- (`app::backend::secrets`, context `constant:ID:ENVIRONMENT`), a global's
-- are plain. Kept in step with the other backend's file of the same name.
CREATE TABLE constants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('global', 'secret')),
    created_at TEXT NOT NULL,
    CONSTRAINT constants_name_kind_key UNIQUE (name, kind)
);

CREATE TABLE constant_values (
    constant_id TEXT NOT NULL REFERENCES constants (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (constant_id, environment)
);
