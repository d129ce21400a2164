-- Web Push subscriptions: one per browser (endpoint), owned by the session that registered it,
-- so signing out, "sign out everywhere", bans and deactivation (which end sessions) end them.
CREATE TABLE push_subscriptions (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL CONSTRAINT push_subscriptions_endpoint_key UNIQUE,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);
CREATE INDEX push_subscriptions_session_idx ON push_subscriptions (session_id);
