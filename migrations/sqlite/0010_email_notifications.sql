-- E-mail notifications: mentions and DMs left unread past the person's delay are e-mailed,
-- batched per person (notifications.emailed_at marks those sent, in the transaction that
-- queues the mail).

-- The sweep looks for unread, un-e-mailed notifications by age.
CREATE INDEX notifications_email_idx ON notifications (created_at)
    WHERE read_at IS NULL AND emailed_at IS NULL;

-- Keys the server generates for itself and shares between instances through the database
-- (the key that signs unsubscribe links). Random, made on first use, never sent anywhere.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);
