-- S6: a session holds the generation of its user's sessions at sign-in;
-- deactivation, demotion and a password reset raise the user's, so every
-- older session (even one written by a sign-in racing the change) ends
-- for good, and a reactivated user signs in anew.
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
-- Before S6 a deactivated user's session ended only at their next request:
-- one left unused would come back with a reactivation. End them now.
DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE active = 0);
