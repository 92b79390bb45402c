-- Signing in through external identity providers over OpenID Connect.

-- A provider's identity linked to an account: the provider's id in the configuration and the
-- subject (the provider's stable identifier for the person). One identity of a provider per
-- account, and each identity belongs to one account.
CREATE TABLE identity_external_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    account_id {uuid} NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    created_at {timestamp} NOT NULL,
    last_used_at {timestamp} NOT NULL,
    PRIMARY KEY (provider, subject),
    UNIQUE (account_id, provider)
);

-- Sign-ins, links and step-ups sent to a provider and not yet back. Kept in the database so
-- that any node can finish them; deleted when the provider's answer arrives, so that an
-- answer works once. Only a hash of the state is kept; the nonce and the PKCE verifier are
-- needed in the clear to check the answer and live at most ten minutes.
CREATE TABLE identity_provider_flows (
    id {uuid} PRIMARY KEY,
    state_hash TEXT NOT NULL UNIQUE,
    -- A hash of the secret in the browser's flow cookie, so that an answer finishes only in
    -- the browser that started the flow.
    browser_hash TEXT NOT NULL,
    provider TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('sign_in', 'link', 'step_up', 'staff_sign_in')),
    -- The signed-in account a link or step-up is for; null for a sign-in.
    account_id {uuid} REFERENCES identity_accounts (id) ON DELETE CASCADE,
    -- The least trust level a step-up asked for.
    min_trust_level TEXT NOT NULL DEFAULT 'low'
        CHECK (min_trust_level IN ('low', 'substantial', 'high')),
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    -- The address inside the portal to return to afterwards.
    return_to TEXT NOT NULL,
    created_at {timestamp} NOT NULL,
    expires_at {timestamp} NOT NULL
);
CREATE INDEX identity_provider_flows_expiry ON identity_provider_flows (expires_at);
