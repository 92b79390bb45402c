-- The profile vault: what a person told the city about themselves, or what an identity
-- provider or an application confirmed, each value with its source. All of it is personal
-- data (categories: identity, contact, address, bank details).
CREATE TABLE identity_profile_values (
    id {uuid} PRIMARY KEY,
    account_id {uuid} NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    -- A namespaced name such as person.family_name (see the attribute catalogue).
    attribute TEXT NOT NULL,
    -- The value in its normal form: text, a list or an object.
    value {json} NOT NULL,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('self_declared', 'provider', 'application')),
    -- The provider's id or the application's reference; null for self-declared values.
    source_reference TEXT,
    verified BOOLEAN NOT NULL,
    recorded_at {timestamp} NOT NULL,
    -- The person chose this value to be used instead of the usual rule.
    preferred BOOLEAN NOT NULL,
    CHECK ((source_kind = 'self_declared') = (source_reference IS NULL))
);
CREATE INDEX identity_profile_values_account ON identity_profile_values (account_id, attribute);
-- One value per attribute and provider; one self-declared value and one from the latest
-- application per attribute. A new value from a source replaces only that source's value.
CREATE UNIQUE INDEX identity_profile_values_provider
    ON identity_profile_values (account_id, attribute, source_reference)
    WHERE source_kind = 'provider';
CREATE UNIQUE INDEX identity_profile_values_other_sources
    ON identity_profile_values (account_id, attribute, source_kind)
    WHERE source_kind <> 'provider';
-- At most one chosen value per attribute.
CREATE UNIQUE INDEX identity_profile_values_preferred
    ON identity_profile_values (account_id, attribute)
    WHERE preferred;

-- Who read which attributes of whose profile, for what. Holds names of attributes, never
-- their values. account_id is no foreign key: the log outlives a deleted account for its
-- retention period, so that the city can still show who read data.
CREATE TABLE identity_data_use_log (
    id {serial},
    account_id {uuid} NOT NULL,
    at {timestamp} NOT NULL,
    -- The reading platform or process, such as process.residence_registration.
    reader TEXT NOT NULL,
    purpose TEXT NOT NULL,
    purpose_label TEXT NOT NULL,
    -- Where the data went, such as "prefilled into application 2026-000123".
    reference TEXT NOT NULL,
    -- The names of the attributes handed out, as a JSON list.
    attributes {json} NOT NULL,
    -- When the consent the read relied on was granted; null for purposes without consent.
    consent_granted_at {timestamp}
);
CREATE INDEX identity_data_use_log_account ON identity_data_use_log (account_id, at);
CREATE INDEX identity_data_use_log_at ON identity_data_use_log (at);

-- A person's consent to reads for a purpose. A withdrawn consent keeps its row; consenting
-- again makes a new one, so at most one per purpose is active.
CREATE TABLE identity_consents (
    id {uuid} PRIMARY KEY,
    account_id {uuid} NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    granted_at {timestamp} NOT NULL,
    withdrawn_at {timestamp}
);
CREATE INDEX identity_consents_account ON identity_consents (account_id);
CREATE UNIQUE INDEX identity_consents_active
    ON identity_consents (account_id, purpose)
    WHERE withdrawn_at IS NULL;

-- When a citizen proved to own the account (a confirmed email address or a sign-in through
-- an identity provider). Citizen accounts that stay unverified are deleted after a while.
ALTER TABLE identity_accounts ADD COLUMN verified_at {timestamp};
UPDATE identity_accounts SET verified_at = email_verified_at WHERE kind = 'citizen';
CREATE INDEX identity_accounts_unverified ON identity_accounts (created_at)
    WHERE kind = 'citizen' AND verified_at IS NULL;

-- For deleting audit events past their retention period.
CREATE INDEX identity_audit_log_at ON identity_audit_log (at);
