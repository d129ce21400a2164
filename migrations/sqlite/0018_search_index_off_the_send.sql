-- Messages are indexed for full-text search in the background, in steps of many messages,
-- instead of by a trigger inside every send's commit (store/sqlite/search_index.rs).
-- `indexed_to` is the highest `search_id` the index holds; every message stored so far was
-- indexed by the trigger this migration drops. The edit and delete triggers change the index
-- only for messages it holds: one edited or deleted before its turn is indexed as it is then.
CREATE TABLE search_progress (
    name       TEXT PRIMARY KEY NOT NULL,
    indexed_to INTEGER NOT NULL
);
INSERT INTO search_progress (name, indexed_to)
SELECT 'messages', COALESCE(MAX(search_id), 0) FROM messages;

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.search_id <= (SELECT indexed_to FROM search_progress WHERE name = 'messages')
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.search_id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages
WHEN old.search_id <= (SELECT indexed_to FROM search_progress WHERE name = 'messages')
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.search_id, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.search_id, new.body);
END;
