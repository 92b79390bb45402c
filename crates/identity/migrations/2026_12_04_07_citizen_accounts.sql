-- Citizen accounts: sign-up, password reset and email change by links sent by email, and the
-- device each session was started on.

-- When the account's address was last shown to be the person's. Staff addresses were shown by
-- accepting the invitation sent to them.
ALTER TABLE identity_accounts ADD COLUMN email_verified_at {timestamp};
UPDATE identity_accounts SET email_verified_at = created_at WHERE kind = 'staff';

-- A short description of the browser and system a session was started on ("Firefox on
-- Windows"), so that people can tell their sessions apart. Never the full User-Agent header.
ALTER TABLE identity_sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';

-- Links sent by email that prove the recipient reads the address: completing a sign-up,
-- resetting a password, changing the address. Only a hash of the token is kept; a link works
-- once and until expires_at.
-- email and display_name are personal data (category: contact).
CREATE TABLE identity_email_links (
    id {uuid} PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('sign_up', 'password_reset', 'email_change')),
    -- The account a reset or change is for; null for a sign-up, whose account is made only
    -- when the link is used, so that nobody can hold an address they do not read.
    account_id {uuid} REFERENCES identity_accounts (id) ON DELETE CASCADE,
    -- The address the link was sent to: for a change, the new one.
    email TEXT NOT NULL,
    display_name TEXT,
    -- The password chosen at sign-up, hashed; it becomes the account's when the link is used.
    password_hash TEXT,
    created_at {timestamp} NOT NULL,
    expires_at {timestamp} NOT NULL,
    used_at {timestamp}
);
CREATE INDEX identity_email_links_account ON identity_email_links (account_id);
