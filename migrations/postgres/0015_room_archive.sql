-- Archived rooms: read-only for everyone, hidden from the room lists by default, still
-- readable and searchable, and restorable. NULL: not archived.
ALTER TABLE rooms ADD COLUMN archived_at timestamptz;
-- Who archived it (kept as a plain reference: the audit log holds the full story).
ALTER TABLE rooms ADD COLUMN archived_by uuid REFERENCES users (id) ON DELETE SET NULL;
