-- Promotion requests (SPEC B7): a builder with edit access but without the
-- right asks for a promote or release of one version; someone who holds
-- the right approves (performing it) or declines with a reason. `from_env`
-- is where the version was when asked: a version that moved since makes
-- the request stale. At most one open request per version and action.
-- Kept in step with ../sqlite/20261203000010_requests.sql.
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    version_id TEXT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    action TEXT NOT NULL CHECK (action IN ('promote', 'release')),
    from_env TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('open', 'approved', 'declined')),
    requested_by_id TEXT,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT
);

CREATE UNIQUE INDEX requests_open_key ON requests (version_id, action) WHERE state = 'open';
CREATE INDEX requests_state ON requests (state, requested_at);
