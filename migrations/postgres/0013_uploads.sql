-- Uploaded files. An upload attached to a message is an attachment; one never attached is
-- removed after a day, and the files of deleted messages and rooms are removed by the sweep
-- (so room_id and message_id carry no foreign key: the row outlives them until its file is
-- gone). room_id is NULL for files that belong to no room (avatars, link preview images).
CREATE TABLE uploads (
    id            uuid CONSTRAINT uploads_pkey PRIMARY KEY,
    user_id       uuid NOT NULL,
    room_id       uuid,
    name          text NOT NULL,
    size          bigint NOT NULL,
    content_type  text NOT NULL,
    width         integer,
    height        integer,
    thumbnail_key text,
    message_id    uuid,
    created_at    timestamptz NOT NULL,
    deleted_at    timestamptz
);
CREATE INDEX uploads_message_idx ON uploads (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX uploads_room_idx ON uploads (room_id, created_at) WHERE room_id IS NOT NULL;
CREATE INDEX uploads_user_idx ON uploads (user_id);
CREATE INDEX uploads_pending_idx ON uploads (created_at) WHERE message_id IS NULL;
