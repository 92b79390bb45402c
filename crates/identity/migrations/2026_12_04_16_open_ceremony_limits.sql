-- Passkey ceremonies and provider flows remember which client began them (a hash of its
-- address key, as the throttle keeps it), so that one client cannot fill the tables with
-- ceremonies it never finishes. Rows begun before this column existed count for no client.
ALTER TABLE identity_passkey_ceremonies ADD COLUMN client_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX identity_passkey_ceremonies_client ON identity_passkey_ceremonies (client_hash);

ALTER TABLE identity_provider_flows ADD COLUMN client_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX identity_provider_flows_client ON identity_provider_flows (client_hash);
