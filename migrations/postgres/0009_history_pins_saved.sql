-- Edit history, pinned messages and saved messages.

-- One row per change that replaced a message's text: the text as it was, when it was
-- replaced and by whom. Edits are the author's; a moderator's deletion keeps the deleted text
-- here too (shown to admins only). Written in the transaction of the change.
CREATE TABLE message_edits (
    id         uuid PRIMARY KEY,
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    body       text NOT NULL,
    edited_at  timestamptz NOT NULL,
    editor_id  uuid NOT NULL REFERENCES users (id)
);
CREATE INDEX message_edits_message_idx ON message_edits (message_id, edited_at, id);

-- A room's pinned messages (a message is pinned once, for the whole room).
CREATE TABLE message_pins (
    message_id uuid PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    room_id    uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    pinned_by  uuid NOT NULL REFERENCES users (id),
    pinned_at  timestamptz NOT NULL
);
CREATE INDEX message_pins_room_idx ON message_pins (room_id, pinned_at, message_id);

-- Each user's saved messages (private bookmarks).
CREATE TABLE saved_messages (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    saved_at   timestamptz NOT NULL,
    CONSTRAINT saved_messages_pkey PRIMARY KEY (user_id, message_id)
);
CREATE INDEX saved_messages_user_idx ON saved_messages (user_id, saved_at, message_id);
CREATE INDEX saved_messages_message_idx ON saved_messages (message_id);
