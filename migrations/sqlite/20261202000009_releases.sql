-- Release history (SPEC B4): every release of an app, numbered per app
-- (n, under the app's lock), with who made it, when, its note and the
-- version it replaced. The version's name is kept, so the history still
-- reads after a version is deleted. Releases made before this table are
-- taken from the audit log. Kept in step with
-- ../postgres/20261202000009_releases.sql.
CREATE TABLE releases (
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    version_id TEXT NOT NULL,
    version_name TEXT NOT NULL,
    released_by_id TEXT,
    released_by TEXT NOT NULL,
    released_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    previous_version_id TEXT,
    PRIMARY KEY (app_id, n)
);

INSERT INTO releases (app_id, n, version_id, version_name, released_by_id, released_by, released_at, note, previous_version_id)
SELECT a.app_id,
       ROW_NUMBER() OVER (PARTITION BY a.app_id ORDER BY a.id),
       json_extract(details, '$.version_id'), COALESCE(json_extract(details, '$.name'), ''), a.actor_id, COALESCE(a.actor, ''), a.at,
       COALESCE(json_extract(details, '$.note'), ''), json_extract(details, '$.previous_version_id')
FROM audit_log a JOIN apps p ON p.id = a.app_id
WHERE a.action = 'version.release' AND json_extract(details, '$.version_id') IS NOT NULL;
