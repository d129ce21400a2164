-- Web Push subscriptions: one per browser (endpoint), owned by the session that registered it,
-- so signing out, "sign out everywhere", bans and deactivation (which end sessions) end them.
CREATE TABLE push_subscriptions (
    id         uuid CONSTRAINT push_subscriptions_pkey PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    endpoint   text NOT NULL CONSTRAINT push_subscriptions_endpoint_key UNIQUE,
    p256dh     text NOT NULL,
    auth       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);
CREATE INDEX push_subscriptions_session_idx ON push_subscriptions (session_id);
