-- No query reads messages by author and time: the search's `from:` filter matches names, and
-- the author's foreign key and idempotent sends use (author_id, client_id). The index only cost
-- every send a write to one more b-tree.
DROP INDEX IF EXISTS messages_author_idx;
