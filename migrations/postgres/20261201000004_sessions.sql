-- Sessions of our own (replacing tower-sessions-sqlx-store's table), so one
-- statement reads a request's session, its user and the cache epoch.
-- Kept in step with the other backend's file of the same name.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Bumped in the transaction of every change to what the servers hold in
-- memory (groups, their flags and members; environments), so every
-- instance sees on its next signed-in request that its copy is old.
CREATE TABLE cache_epoch (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO cache_epoch (id, n) VALUES (1, 1);
