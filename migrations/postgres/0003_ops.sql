-- Durable jobs keep their outcome (alerts look back at what was sent for their cooldown).
ALTER TABLE jobs ADD COLUMN done_at timestamptz;
ALTER TABLE jobs ADD COLUMN failed_at timestamptz;
CREATE INDEX jobs_kind_created_idx ON jobs (kind, created_at);
ALTER TABLE jobs ADD COLUMN subject text;
CREATE INDEX jobs_subject_idx ON jobs (kind, subject, created_at);

-- The assistant's whole answer (summary, problem, urgency, sentiment, topic, suggestions,
-- escalation), besides the columns that summarise it.
ALTER TABLE ticket_insights ADD COLUMN details jsonb NOT NULL DEFAULT '{}';
ALTER TABLE ticket_insights ADD COLUMN tokens_used bigint NOT NULL DEFAULT 0;
