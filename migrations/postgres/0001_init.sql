-- Switchboard schema, PostgreSQL flavour. Constraint names match the SQLite schema so errors
-- map the same way.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL CONSTRAINT users_email_key UNIQUE,
    name          text NOT NULL,
    password_hash text,
    role          text NOT NULL CONSTRAINT users_role_check
                  CHECK (role IN ('admin', 'staff', 'customer', 'observer')),
    department    text,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    last_seen_at  timestamptz
);
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);

CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    token_hash   text NOT NULL CONSTRAINT sessions_token_hash_key UNIQUE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    ip           text,
    user_agent   text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE bans (
    user_id    uuid CONSTRAINT bans_pkey PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    reason     text NOT NULL,
    banned_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    banned_at  timestamptz NOT NULL,
    expires_at timestamptz
);

CREATE TABLE rooms (
    id              uuid PRIMARY KEY,
    slug            text NOT NULL CONSTRAINT rooms_slug_key UNIQUE,
    title           text NOT NULL,
    description     text NOT NULL DEFAULT '',
    kind            text NOT NULL CONSTRAINT rooms_kind_check
                    CHECK (kind IN ('public', 'private', 'dm', 'ticket')),
    department      text,
    tags            jsonb NOT NULL DEFAULT '[]',
    dm_key          text CONSTRAINT rooms_dm_key_key UNIQUE,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    last_seq        bigint NOT NULL DEFAULT 0 CONSTRAINT rooms_last_seq_check CHECK (last_seq >= 0),
    last_message_at timestamptz
);
CREATE INDEX rooms_kind_idx ON rooms (kind, department);

CREATE TABLE room_members (
    room_id            uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role               text NOT NULL CONSTRAINT room_members_role_check
                       CHECK (role IN ('member', 'moderator', 'owner')),
    joined_at          timestamptz NOT NULL,
    last_read_seq      bigint NOT NULL DEFAULT 0,
    last_delivered_seq bigint NOT NULL DEFAULT 0,
    CONSTRAINT room_members_pkey PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user_idx ON room_members (user_id);

CREATE TABLE messages (
    id          uuid PRIMARY KEY,
    room_id     uuid NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    author_id   uuid NOT NULL REFERENCES users (id),
    client_id   text NOT NULL,
    body        text NOT NULL,
    parent_id   uuid REFERENCES messages (id) ON DELETE CASCADE,
    reply_count bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    edited_at   timestamptz,
    deleted_at  timestamptz,
    deleted_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT messages_room_seq_key UNIQUE (room_id, seq),
    CONSTRAINT messages_author_client_key UNIQUE (author_id, client_id),
    CONSTRAINT messages_body_check CHECK (char_length(body) <= 5000)
);
CREATE INDEX messages_parent_idx ON messages (parent_id, seq) WHERE parent_id IS NOT NULL;
CREATE INDEX messages_author_idx ON messages (author_id, created_at);

CREATE TABLE reactions (
    message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT reactions_pkey PRIMARY KEY (message_id, user_id, emoji)
);

CREATE TABLE tickets (
    room_id           uuid PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    subject           text NOT NULL,
    requester_id      uuid NOT NULL REFERENCES users (id),
    assignee_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    status            text NOT NULL DEFAULT 'open' CONSTRAINT tickets_status_check
                      CHECK (status IN ('open', 'pending', 'resolved', 'closed')),
    department        text,
    priority          text NOT NULL DEFAULT 'normal' CONSTRAINT tickets_priority_check
                      CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    created_at        timestamptz NOT NULL,
    first_response_at timestamptz,
    resolved_at       timestamptz,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX tickets_queue_idx ON tickets (status, department, created_at);
CREATE INDEX tickets_requester_idx ON tickets (requester_id);
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id);

CREATE TABLE ticket_insights (
    ticket_id   uuid PRIMARY KEY REFERENCES tickets (room_id) ON DELETE CASCADE,
    summary     text NOT NULL DEFAULT '',
    suggestions jsonb NOT NULL DEFAULT '[]',
    escalation  jsonb NOT NULL DEFAULT '{}',
    covered_seq bigint NOT NULL DEFAULT 0,
    provider    text NOT NULL,
    updated_at  timestamptz NOT NULL,
    last_error  text,
    failures    integer NOT NULL DEFAULT 0
);

-- Append-only: no foreign key on the actor (rows outlive users), and triggers refuse changes.
CREATE TABLE audit_log (
    id          uuid PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor_id    uuid,
    actor_email text,
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   text,
    metadata    jsonb NOT NULL DEFAULT '{}',
    ip          text,
    request_id  text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_id, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE telemetry_rollups (
    instance_id text NOT NULL,
    minute      timestamptz NOT NULL,
    name        text NOT NULL,
    value       double precision NOT NULL,
    CONSTRAINT telemetry_rollups_pkey PRIMARY KEY (instance_id, minute, name)
);
CREATE INDEX telemetry_rollups_minute_idx ON telemetry_rollups (minute);

CREATE TABLE jobs (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL,
    dedupe_key   text CONSTRAINT jobs_dedupe_key_key UNIQUE,
    payload      jsonb NOT NULL DEFAULT '{}',
    run_at       timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    locked_until timestamptz,
    created_at   timestamptz NOT NULL
);
CREATE INDEX jobs_due_idx ON jobs (run_at);
