-- The newest-first lists (search without terms, the activity feed) read messages by
-- (created_at DESC, id DESC). SQLite walks an ascending index backwards just as well, and an
-- ascending one takes new messages at its right-most leaf, which SQLite appends to and leaves
-- full; the descending index took them at its left-most leaf, split pages half-empty there,
-- and grew to twice the size (21,707 pages against 10,822 at 560,000 messages), with more
-- pages written per send. Side by side at 165,000 deliveries/s on a growing database, the
-- p99 of the fifth 30 s step was 71.4 / 78.3 ms against 106.0 / 87.4 (docs/benchmarks.md).
DROP INDEX messages_created_idx;
CREATE INDEX messages_created_idx ON messages (created_at, id);
