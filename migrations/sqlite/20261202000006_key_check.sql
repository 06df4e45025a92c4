-- One value sealed with the master key when the database first meets it
-- (`app::backend::secrets`): a server started with another key refuses to
-- start instead of reading garbage. The key itself is never stored here.
-- Kept in step with the other backend's file of the same name.
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL
);
