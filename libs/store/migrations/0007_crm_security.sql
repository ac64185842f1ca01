-- How the engine reaches each dealer's CRM: TLS with the dealer's roots (or the system's), and
-- the bearer token it sends with every handover.
ALTER TABLE dealers
  ADD COLUMN crm_tls boolean NOT NULL DEFAULT false,
  ADD COLUMN crm_tls_root_certs text NOT NULL DEFAULT '',
  ADD COLUMN crm_token text NOT NULL DEFAULT '';
