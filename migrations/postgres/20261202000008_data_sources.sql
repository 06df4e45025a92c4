-- Data sources (SPEC D1–D6): a unique name, a kind, and per environment
-- its options. `options` holds the public fields as JSON; `secrets` the
-- secret fields as one value sealed with the master key (context
-- `data_source:ID:ENVIRONMENT`), null when there are none. An environment
-- without a row is unconfigured. Kept in step with the other backend's file.
CREATE TABLE data_sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('postgresql', 'rest_api', 'sqlite')),
    created_at TEXT NOT NULL,
    CONSTRAINT data_sources_name_key UNIQUE (name)
);

CREATE TABLE data_source_options (
    data_source_id TEXT NOT NULL REFERENCES data_sources (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    options TEXT NOT NULL,
    secrets TEXT,
    PRIMARY KEY (data_source_id, environment)
);
