-- The roles of case work (caseworker, office lead) and of designing processes. Caseworkers and
-- office leads may hold their role in one office only: then office names the office's key.
-- SQLite cannot change a CHECK constraint, so the table is made anew with its rows.
CREATE TABLE identity_account_roles_new (
    account_id {uuid} NOT NULL REFERENCES identity_accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('editor', 'publisher', 'caseworker', 'office_lead',
        'process_designer', 'admin')),
    office TEXT,
    CHECK (office IS NULL OR role IN ('caseworker', 'office_lead'))
);
INSERT INTO identity_account_roles_new (account_id, role, office)
    SELECT account_id, role, office FROM identity_account_roles;
DROP TABLE identity_account_roles;
ALTER TABLE identity_account_roles_new RENAME TO identity_account_roles;
CREATE UNIQUE INDEX identity_account_roles_unique
    ON identity_account_roles (account_id, role, COALESCE(office, ''));
