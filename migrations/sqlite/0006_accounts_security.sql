-- Accounts and their proofs: verified e-mail, deactivation, single-use tokens sent by e-mail
-- (verification, password reset, invitation), addresses that signed in successfully (they are
-- not locked out by an attacker's failed attempts), and tickets from unverified submitters.

ALTER TABLE users ADD COLUMN email_verified_at TEXT;
ALTER TABLE users ADD COLUMN deactivated_at TEXT;
-- Accounts that exist before this migration and sign in (team accounts, customers with a
-- password) were made by an admin, the CLI, the bootstrap or a registration that signed in at
-- once: treat their addresses as proven. Customers made by the support form stay unproven.
UPDATE users SET email_verified_at = created_at
    WHERE role <> 'customer' OR password_hash IS NOT NULL;

CREATE TABLE account_tokens (
    id         TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL CONSTRAINT account_tokens_token_hash_key UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CONSTRAINT account_tokens_purpose_check
               CHECK (purpose IN ('verify_email', 'password_reset', 'invite')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

CREATE TABLE login_known_ips (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip_key  TEXT NOT NULL,
    last_at TEXT NOT NULL,
    CONSTRAINT login_known_ips_pkey PRIMARY KEY (user_id, ip_key)
);

-- A follow link is e-mailed (it proves the mailbox) or shown on screen after the form (only
-- for an address that had no account; it proves nothing).
ALTER TABLE ticket_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'email';
CREATE INDEX ticket_links_user_idx ON ticket_links (user_id);

-- Tickets from the public form carry the name the submitter typed and whether the submitter
-- proved they own the address.
ALTER TABLE tickets ADD COLUMN requester_verified INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tickets ADD COLUMN submitted_name TEXT;
