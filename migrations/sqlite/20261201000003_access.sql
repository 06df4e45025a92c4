-- Groups, members and granular app permissions (SPEC P2–P6). Kept in step
-- with ../postgres/20261201000003_access.sql.
-- Role groups hold no member rows: their members are the users of that role,
-- so membership can only change with the role (P2).
CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    role TEXT UNIQUE CHECK (role IN ('admin', 'builder', 'end-user')),
    app_create INTEGER NOT NULL DEFAULT 0,
    app_delete INTEGER NOT NULL DEFAULT 0,
    promote INTEGER NOT NULL DEFAULT 0,
    release INTEGER NOT NULL DEFAULT 0,
    manage_data_sources INTEGER NOT NULL DEFAULT 0,
    manage_constants INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE app_permissions (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    all_apps INTEGER NOT NULL,
    access TEXT NOT NULL CHECK (access IN ('edit', 'view')),
    hide_from_dashboard INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX app_permissions_group ON app_permissions (group_id);

CREATE TABLE app_permission_apps (
    permission_id TEXT NOT NULL REFERENCES app_permissions (id) ON DELETE CASCADE,
    app_id TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    PRIMARY KEY (permission_id, app_id)
);
CREATE INDEX app_permission_apps_app ON app_permission_apps (app_id, permission_id);

-- No rows for a permission means every environment, `released` included (P4).
CREATE TABLE app_permission_environments (
    permission_id TEXT NOT NULL REFERENCES app_permissions (id) ON DELETE CASCADE,
    environment TEXT NOT NULL,
    PRIMARY KEY (permission_id, environment)
);

INSERT INTO groups (id, name, name_key, role, app_create, app_delete, promote, release, manage_data_sources, manage_constants, created_at) VALUES
    ('group-admin', 'admin', 'admin', 'admin', 1, 1, 1, 1, 1, 1, '2026-12-01T00:00:00.000000Z'),
    ('group-builder', 'builder', 'builder', 'builder', 1, 1, 1, 1, 1, 1, '2026-12-01T00:00:00.000000Z'),
    ('group-end-user', 'end-user', 'end-user', 'end-user', 0, 0, 0, 0, 0, 0, '2026-12-01T00:00:00.000000Z');

INSERT INTO app_permissions (id, group_id, all_apps, access, hide_from_dashboard, created_at) VALUES
    ('permission-builder-default', 'group-builder', 1, 'edit', 0, '2026-12-01T00:00:00.000000Z'),
    ('permission-end-user-default', 'group-end-user', 1, 'view', 0, '2026-12-01T00:00:00.000000Z');
INSERT INTO app_permission_environments (permission_id, environment) VALUES
    ('permission-end-user-default', 'released');
