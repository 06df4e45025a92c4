-- Personal access tokens (SPEC B5): only a SHA-256 hash of each token is
-- kept; a token is 256 random bits, so a fast hash is enough and lets one
-- indexed lookup find it. Revoking deletes the row.
-- Kept in step with the other backend's file of the same name.
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT
);
CREATE INDEX tokens_user_id ON tokens (user_id);
