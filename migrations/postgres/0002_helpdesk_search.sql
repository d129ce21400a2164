-- Tickets' follow links, aggregated failed sign-ins, and full-text search (weighted tsvector
-- columns with GIN indexes; English stemming, like SQLite's porter tokenizer).

CREATE TABLE ticket_links (
    id         uuid PRIMARY KEY,
    token_hash text NOT NULL CONSTRAINT ticket_links_token_hash_key UNIQUE,
    ticket_id  uuid NOT NULL REFERENCES tickets (room_id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX ticket_links_ticket_idx ON ticket_links (ticket_id);

CREATE TABLE login_failures (
    email        text NOT NULL,
    ip           text NOT NULL,
    window_start timestamptz NOT NULL,
    attempts     integer NOT NULL DEFAULT 1,
    last_at      timestamptz NOT NULL,
    CONSTRAINT login_failures_pkey PRIMARY KEY (email, ip, window_start)
);

ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (setweight(to_tsvector('english', body), 'A')) STORED;
CREATE INDEX messages_search_idx ON messages USING GIN (search);

ALTER TABLE rooms ADD COLUMN search tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')
    ) STORED;
CREATE INDEX rooms_search_idx ON rooms USING GIN (search);

CREATE INDEX messages_created_idx ON messages (created_at DESC, id DESC);

-- Sessions opened by a ticket's follow link read that ticket only.
ALTER TABLE sessions ADD COLUMN ticket_scope uuid;
