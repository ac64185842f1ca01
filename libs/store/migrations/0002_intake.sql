-- Lead intake: list imports with their summaries and rejected rows, the suppression list, and
-- CRM follow-ups made idempotent by (dealer, CRM lead id, reason).

CREATE TABLE imports (
  id                      bigserial PRIMARY KEY,
  campaign_id             bigint NOT NULL REFERENCES campaigns(id),
  file_name               text NOT NULL DEFAULT '',
  status                  text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  rows_read               bigint NOT NULL DEFAULT 0,
  imported                bigint NOT NULL DEFAULT 0,
  merged_into_existing    bigint NOT NULL DEFAULT 0,
  rejected                bigint NOT NULL DEFAULT 0,
  no_usable_contact_route bigint NOT NULL DEFAULT 0,
  without_lawful_basis    bigint NOT NULL DEFAULT 0,
  suppressed              bigint NOT NULL DEFAULT 0,
  error                   text NOT NULL DEFAULT '',
  created_by              text NOT NULL DEFAULT '',
  started_at              timestamptz NOT NULL DEFAULT now(),
  finished_at             timestamptz,
  CHECK (status <> 'completed' OR rows_read = imported + merged_into_existing + rejected)
);

CREATE TABLE import_rejects (
  import_id bigint NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
  line      bigint NOT NULL,
  reason    text NOT NULL,
  PRIMARY KEY (import_id, line)
);

ALTER TABLE leads ADD COLUMN import_id bigint REFERENCES imports(id);
ALTER TABLE leads ADD COLUMN source_line bigint;

-- Routes merged in from a later row or list are appended; position only orders them.
ALTER TABLE contact_routes DROP CONSTRAINT contact_routes_lead_id_position_key;
CREATE INDEX contact_routes_lead ON contact_routes (lead_id, position);
ALTER TABLE vehicles DROP CONSTRAINT vehicles_lead_id_position_key;
CREATE INDEX vehicles_lead ON vehicles (lead_id, position);

-- People who objected, per channel ('all': every channel). dealer_id NULL: at every dealer.
-- Values are normalised (E.164, lower-case e-mail). Checked at import and before every contact.
CREATE TABLE suppressions (
  id         bigserial PRIMARY KEY,
  dealer_id  text REFERENCES dealers(id),
  channel    text NOT NULL CHECK (channel IN ('phone', 'email', 'sms', 'chat', 'all')),
  value      text NOT NULL CHECK (value <> ''),
  reason     text NOT NULL DEFAULT '',
  source     text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (dealer_id, channel, value)
);

CREATE TABLE follow_ups (
  id          bigserial PRIMARY KEY,
  dealer_id   text NOT NULL REFERENCES dealers(id),
  crm_lead_id text NOT NULL CHECK (crm_lead_id <> ''),
  reason      text NOT NULL CHECK (reason IN ('unsold', 'unreached', 'proposal_pending')),
  lead_id     bigint NOT NULL REFERENCES leads(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dealer_id, crm_lead_id, reason)
);
