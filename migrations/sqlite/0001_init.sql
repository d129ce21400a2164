-- Switchboard schema, SQLite flavour. Ids are UUIDv7 as hyphenated text; times are RFC 3339
-- text in UTC. Constraint names match the PostgreSQL schema so errors map the same way.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT,
    role          TEXT NOT NULL CONSTRAINT users_role_check
                  CHECK (role IN ('admin', 'staff', 'customer', 'observer')),
    department    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    last_seen_at  TEXT
);
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    token_hash   TEXT NOT NULL CONSTRAINT sessions_token_hash_key UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE bans (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    banned_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    banned_at  TEXT NOT NULL,
    expires_at TEXT
);

CREATE TABLE rooms (
    id              TEXT PRIMARY KEY NOT NULL,
    slug            TEXT NOT NULL CONSTRAINT rooms_slug_key UNIQUE,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CONSTRAINT rooms_kind_check
                    CHECK (kind IN ('public', 'private', 'dm', 'ticket')),
    department      TEXT,
    tags            TEXT NOT NULL DEFAULT '[]',
    dm_key          TEXT CONSTRAINT rooms_dm_key_key UNIQUE,
    created_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    last_seq        INTEGER NOT NULL DEFAULT 0 CONSTRAINT rooms_last_seq_check CHECK (last_seq >= 0),
    last_message_at TEXT
);
CREATE INDEX rooms_kind_idx ON rooms (kind, department);

CREATE TABLE room_members (
    room_id            TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role               TEXT NOT NULL CONSTRAINT room_members_role_check
                       CHECK (role IN ('member', 'moderator', 'owner')),
    joined_at          TEXT NOT NULL,
    last_read_seq      INTEGER NOT NULL DEFAULT 0,
    last_delivered_seq INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT room_members_pkey PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user_idx ON room_members (user_id);

CREATE TABLE messages (
    id          TEXT PRIMARY KEY NOT NULL,
    room_id     TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    author_id   TEXT NOT NULL REFERENCES users (id),
    client_id   TEXT NOT NULL,
    body        TEXT NOT NULL,
    parent_id   TEXT REFERENCES messages (id) ON DELETE CASCADE,
    reply_count INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    edited_at   TEXT,
    deleted_at  TEXT,
    deleted_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT messages_room_seq_key UNIQUE (room_id, seq),
    CONSTRAINT messages_author_client_key UNIQUE (author_id, client_id),
    CONSTRAINT messages_body_check CHECK (length(body) <= 5000)
);
CREATE INDEX messages_parent_idx ON messages (parent_id, seq) WHERE parent_id IS NOT NULL;
CREATE INDEX messages_author_idx ON messages (author_id, created_at);

CREATE TABLE reactions (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT reactions_pkey PRIMARY KEY (message_id, user_id, emoji)
);

CREATE TABLE tickets (
    room_id           TEXT PRIMARY KEY NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    subject           TEXT NOT NULL,
    requester_id      TEXT NOT NULL REFERENCES users (id),
    assignee_id       TEXT REFERENCES users (id) ON DELETE SET NULL,
    status            TEXT NOT NULL DEFAULT 'open' CONSTRAINT tickets_status_check
                      CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    department        TEXT,
    priority          TEXT NOT NULL DEFAULT 'normal' CONSTRAINT tickets_priority_check
                      CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    created_at        TEXT NOT NULL,
    first_response_at TEXT,
    resolved_at       TEXT,
    updated_at        TEXT NOT NULL
);
CREATE INDEX tickets_queue_idx ON tickets (status, department, created_at);
CREATE INDEX tickets_requester_idx ON tickets (requester_id);
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id);

CREATE TABLE ticket_insights (
    ticket_id   TEXT PRIMARY KEY NOT NULL REFERENCES tickets (room_id) ON DELETE CASCADE,
    summary     TEXT NOT NULL DEFAULT '',
    suggestions TEXT NOT NULL DEFAULT '[]',
    escalation  TEXT NOT NULL DEFAULT '{}',
    covered_seq INTEGER NOT NULL DEFAULT 0,
    provider    TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    last_error  TEXT,
    failures    INTEGER NOT NULL DEFAULT 0
);

-- Append-only: no foreign key on the actor (rows outlive users), and triggers refuse changes.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY NOT NULL,
    at          TEXT NOT NULL,
    actor_id    TEXT,
    actor_email TEXT,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT,
    metadata    TEXT NOT NULL DEFAULT '{}',
    ip          TEXT,
    request_id  TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_id, at DESC);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE telemetry_rollups (
    instance_id TEXT NOT NULL,
    minute      TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       REAL NOT NULL,
    CONSTRAINT telemetry_rollups_pkey PRIMARY KEY (instance_id, minute, name)
);
CREATE INDEX telemetry_rollups_minute_idx ON telemetry_rollups (minute);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL,
    dedupe_key   TEXT CONSTRAINT jobs_dedupe_key_key UNIQUE,
    payload      TEXT NOT NULL DEFAULT '{}',
    run_at       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    locked_until TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX jobs_due_idx ON jobs (run_at);
