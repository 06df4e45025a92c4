-- S6: a session holds the generation of its user's sessions at sign-in;
-- deactivation, demotion and a password reset raise the user's, so every
-- older session (even one written by a sign-in racing the change) ends
-- for good, and a reactivated user signs in anew.
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
