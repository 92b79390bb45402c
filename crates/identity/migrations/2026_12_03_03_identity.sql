-- Accounts of people who sign in. Only staff accounts exist so far; citizens follow.
-- email, display_name and email_normalised are personal data (category: contact).
CREATE TABLE identity_accounts (
    id {uuid} PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'citizen')),
    email TEXT NOT NULL,
    -- The address in lower case, for finding an account however the address is typed.
    email_normalised TEXT NOT NULL,
    display_name TEXT NOT NULL,
    -- An Argon2id hash in PHC form; null for accounts that sign in without a password.
    password_hash TEXT,
    -- The shared secret of the authenticator app (base32), null until enrolled.
    -- TODO: encrypt with a key kept outside the database once the installation has a
    -- secret-key setting; until then a copy of the database holds usable second factors.
    totp_secret TEXT,
    -- The last time step whose code was accepted; older and equal steps are refused.
    totp_last_step BIGINT,
    disabled BOOLEAN NOT NULL,
    created_at {timestamp} NOT NULL,
    updated_at {timestamp} NOT NULL,
    UNIQUE (kind, email_normalised)
);

-- What an account may do. office stays null (everywhere) until roles per office come: then a
-- row names the office it applies to, and the unique index keeps one row per office.
CREATE TABLE identity_account_roles (
    account_id {uuid} NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('editor', 'publisher', 'admin')),
    office TEXT
);
CREATE UNIQUE INDEX identity_account_roles_unique
    ON identity_account_roles (account_id, role, COALESCE(office, ''));

-- Signed-in browsers. A row whose second factor is not passed yet is a pending sign-in: it
-- lives ten minutes and allows nothing but the second step. Only a hash of the token is kept.
CREATE TABLE identity_sessions (
    id {uuid} PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id {uuid} NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    second_factor_passed BOOLEAN NOT NULL,
    trust_level TEXT NOT NULL DEFAULT 'low' CHECK (trust_level IN ('low', 'substantial', 'high')),
    -- An authenticator secret offered during enrolment, moved to the account once confirmed.
    pending_totp_secret TEXT,
    created_at {timestamp} NOT NULL,
    last_seen_at {timestamp} NOT NULL,
    -- The absolute end; the idle end is last_seen_at plus the idle timeout.
    expires_at {timestamp} NOT NULL
);
CREATE INDEX identity_sessions_account ON identity_sessions (account_id);

-- Single-use codes for when the authenticator is lost. Only hashes are kept.
CREATE TABLE identity_recovery_codes (
    id {uuid} PRIMARY KEY,
    account_id {uuid} NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at {timestamp}
);
CREATE INDEX identity_recovery_codes_account ON identity_recovery_codes (account_id);

-- Invitations of new staff. Only a hash of the token in the link is kept.
-- email and display_name are personal data (category: contact).
CREATE TABLE identity_invitations (
    id {uuid} PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    -- The roles the new account gets, as a comma-separated list.
    roles TEXT NOT NULL,
    invited_by {uuid} NOT NULL,
    created_at {timestamp} NOT NULL,
    expires_at {timestamp} NOT NULL,
    accepted_at {timestamp},
    account_id {uuid}
);

-- Failed sign-in attempts per subject: an account (by a hash of its normalised address, so
-- that unknown addresses count the same way) or a client (by a hash of its address key).
CREATE TABLE identity_throttle (
    subject TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at {timestamp} NOT NULL,
    blocked_until {timestamp}
);

-- What happened to accounts and sign-ins, for administrators. Holds no passwords, codes,
-- tokens or client addresses.
CREATE TABLE identity_audit_log (
    id {serial},
    at {timestamp} NOT NULL,
    kind TEXT NOT NULL,
    account_id {uuid},
    actor_id {uuid},
    detail TEXT NOT NULL
);
CREATE INDEX identity_audit_log_account ON identity_audit_log (account_id);
