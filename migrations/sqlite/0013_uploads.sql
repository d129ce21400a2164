-- Uploaded files. An upload attached to a message is an attachment; one never attached is
-- removed after a day, and the files of deleted messages and rooms are removed by the sweep
-- (so room_id and message_id carry no foreign key: the row outlives them until its file is
-- gone). room_id is NULL for files that belong to no room (avatars, link preview images).
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL,
    room_id       TEXT,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    width         INTEGER,
    height        INTEGER,
    thumbnail_key TEXT,
    message_id    TEXT,
    created_at    TEXT NOT NULL,
    deleted_at    TEXT
);
CREATE INDEX uploads_message_idx ON uploads (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX uploads_room_idx ON uploads (room_id, created_at) WHERE room_id IS NOT NULL;
CREATE INDEX uploads_user_idx ON uploads (user_id);
CREATE INDEX uploads_pending_idx ON uploads (created_at) WHERE message_id IS NULL;
