-- Profiles and status. Group DMs need no schema: they are `dm` rooms whose `dm_key` lists
-- every member's id in order, as a 1:1 DM's lists two.

-- Each person's profile beyond the account: a job title, an IANA time zone and a status
-- (emoji and text) that may expire. One row per user, written on first change.
CREATE TABLE user_profiles (
    user_id           uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    title             text NOT NULL DEFAULT '',
    timezone          text,
    status_emoji      text,
    status_text       text,
    status_expires_at timestamptz,
    updated_at        timestamptz NOT NULL
);
