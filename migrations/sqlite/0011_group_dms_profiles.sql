-- Profiles and status. Group DMs need no schema: they are `dm` rooms whose `dm_key` lists
-- every member's id in order, as a 1:1 DM's lists two.

-- Each person's profile beyond the account: a job title, an IANA time zone and a status
-- (emoji and text) that may expire. One row per user, written on first change.
CREATE TABLE user_profiles (
    user_id           TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title             TEXT NOT NULL DEFAULT '',
    timezone          TEXT,
    status_emoji      TEXT,
    status_text       TEXT,
    status_expires_at TEXT,
    updated_at        TEXT NOT NULL
);
