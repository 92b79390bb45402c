-- Passkeys (WebAuthn credentials) of citizen accounts, and the ceremonies that add one or sign
-- in with one while the browser talks to the authenticator.

-- A passkey of an account. credential_id is the authenticator's id of the credential, in
-- unpadded base64url; it is unique across all accounts, so that one passkey signs in to one
-- account only. passkey holds what checking a signature needs (the public key, the signature
-- counter, the backup flags) as the JSON the WebAuthn library writes; never a private key.
-- name is the person's label for it (category: account data).
CREATE TABLE identity_passkeys (
    id {uuid} PRIMARY KEY,
    account_id {uuid} NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    passkey TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at {timestamp} NOT NULL,
    last_used_at {timestamp}
);
CREATE INDEX identity_passkeys_account ON identity_passkeys (account_id);

-- A ceremony under way: the challenge sent to the browser and what checking its answer needs,
-- kept here so that any node can finish it. Only a hash of the ceremony's token is kept; a
-- ceremony is deleted when it is finished (successfully or not) and by the purge once it
-- expired. A registration belongs to the signed-in account; a sign-in to none yet.
CREATE TABLE identity_passkey_ceremonies (
    id {uuid} PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('registration', 'sign_in')),
    account_id {uuid} REFERENCES identity_accounts (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    expires_at {timestamp} NOT NULL
);
CREATE INDEX identity_passkey_ceremonies_expiry ON identity_passkey_ceremonies (expires_at);
