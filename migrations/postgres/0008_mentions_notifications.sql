-- Handles and mentions, notifications and how each user wants to be notified.

-- A unique @handle per user (lower case). Accounts made before this migration get theirs when
-- the server starts (derived from the name, made unique); new accounts get one at creation.
ALTER TABLE users ADD COLUMN handle text;
CREATE UNIQUE INDEX users_handle_key ON users (handle);

-- Who a message mentions, resolved when it was sent or edited (never re-parsed on read). Only
-- people who could read the room at that time are listed.
CREATE TABLE message_mentions (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT message_mentions_pkey PRIMARY KEY (message_id, user_id)
);
CREATE INDEX message_mentions_user_idx ON message_mentions (user_id);

-- What each person should hear of: a mention, a DM, a reply in a thread they are in, a ticket
-- assigned to them. One row per person and message (the most specific kind wins).
CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CONSTRAINT notifications_kind_check
                CHECK (kind IN ('mention', 'dm', 'reply', 'ticket_assigned')),
    room_id     uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    message_id  uuid REFERENCES messages (id) ON DELETE CASCADE,
    seq         bigint,
    actor_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    read_at     timestamptz,
    emailed_at  timestamptz
);
CREATE UNIQUE INDEX notifications_message_key ON notifications (user_id, message_id);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id, room_id) WHERE read_at IS NULL;

-- Per room: notify for everything, only mentions, or nothing; and muted until a time.
ALTER TABLE room_members ADD COLUMN notify_level text NOT NULL DEFAULT 'all'
    CONSTRAINT room_members_notify_level_check CHECK (notify_level IN ('all', 'mentions', 'none'));
ALTER TABLE room_members ADD COLUMN muted_until timestamptz;

-- Per user: e-mail, browser and quiet hours (local times in the user's time zone).
CREATE TABLE user_preferences (
    user_id               uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email_notifications   text NOT NULL DEFAULT 'mentions_dms'
                          CONSTRAINT user_preferences_email_check
                          CHECK (email_notifications IN ('off', 'mentions_dms')),
    email_delay_minutes   bigint NOT NULL DEFAULT 15,
    browser_notifications boolean NOT NULL DEFAULT true,
    quiet_hours_start     text,
    quiet_hours_end       text,
    timezone              text NOT NULL DEFAULT 'UTC',
    updated_at            timestamptz NOT NULL
);
