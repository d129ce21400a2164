-- A request for a job that is running (same dedupe key) waits here and becomes a new pending
-- job when that run ends: merged into the running job, it would be marked done unseen.
ALTER TABLE jobs ADD COLUMN queued_payload TEXT;
ALTER TABLE jobs ADD COLUMN queued_run_at TEXT;
