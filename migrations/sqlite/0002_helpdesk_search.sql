-- Tickets' follow links, aggregated failed sign-ins, and full-text search (FTS5 with bm25).
--
-- FTS5 addresses rows by an integer id. Tables keyed by text ids have a rowid that VACUUM may
-- renumber, so each searchable table gets its own stable `search_id` for the index.

CREATE TABLE ticket_links (
    id         TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL CONSTRAINT ticket_links_token_hash_key UNIQUE,
    ticket_id  TEXT NOT NULL REFERENCES tickets (room_id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX ticket_links_ticket_idx ON ticket_links (ticket_id);

CREATE TABLE login_failures (
    email        TEXT NOT NULL,
    ip           TEXT NOT NULL,
    window_start TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 1,
    last_at      TEXT NOT NULL,
    CONSTRAINT login_failures_pkey PRIMARY KEY (email, ip, window_start)
);

ALTER TABLE messages ADD COLUMN search_id INTEGER;
UPDATE messages SET search_id = rowid;
CREATE UNIQUE INDEX messages_search_id_key ON messages (search_id);

CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, content = 'messages', content_rowid = 'search_id', tokenize = 'porter unicode61'
);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.search_id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.search_id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.search_id, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.search_id, new.body);
END;

ALTER TABLE rooms ADD COLUMN search_id INTEGER;
UPDATE rooms SET search_id = rowid;
CREATE UNIQUE INDEX rooms_search_id_key ON rooms (search_id);

CREATE VIRTUAL TABLE rooms_fts USING fts5(
    title, description, content = 'rooms', content_rowid = 'search_id', tokenize = 'porter unicode61'
);
INSERT INTO rooms_fts (rooms_fts) VALUES ('rebuild');

CREATE TRIGGER rooms_fts_insert AFTER INSERT ON rooms BEGIN
    INSERT INTO rooms_fts (rowid, title, description) VALUES (new.search_id, new.title, new.description);
END;
CREATE TRIGGER rooms_fts_delete AFTER DELETE ON rooms BEGIN
    INSERT INTO rooms_fts (rooms_fts, rowid, title, description)
    VALUES ('delete', old.search_id, old.title, old.description);
END;
CREATE TRIGGER rooms_fts_update AFTER UPDATE OF title, description ON rooms BEGIN
    INSERT INTO rooms_fts (rooms_fts, rowid, title, description)
    VALUES ('delete', old.search_id, old.title, old.description);
    INSERT INTO rooms_fts (rowid, title, description) VALUES (new.search_id, new.title, new.description);
END;

CREATE INDEX messages_created_idx ON messages (created_at DESC, id DESC);

-- Sessions opened by a ticket's follow link read that ticket only.
ALTER TABLE sessions ADD COLUMN ticket_scope TEXT;
