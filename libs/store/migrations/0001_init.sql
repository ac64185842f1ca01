-- The first schema: dealers, salespeople, BDC queues and agents, campaigns, leads with their
-- contact routes, vehicles and consent, attempts, and the append-only journey of each lead.

CREATE TABLE dealers (
  id            text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name          text NOT NULL CHECK (name <> ''),
  country       text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  time_zone     text NOT NULL,
  opening_hours text NOT NULL,
  crm_endpoint  text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE salespeople (
  id          bigserial PRIMARY KEY,
  dealer_id   text NOT NULL REFERENCES dealers(id),
  crm_user_id text NOT NULL,
  name        text NOT NULL DEFAULT '',
  email       text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dealer_id, crm_user_id)
);

CREATE TABLE queues (
  id           text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name         text NOT NULL CHECK (name <> ''),
  dialing_mode text NOT NULL CHECK (dialing_mode IN ('preview', 'progressive', 'predictive')),
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE agents (
  id         bigserial PRIMARY KEY,
  login      text NOT NULL UNIQUE,
  name       text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE queue_agents (
  queue_id text NOT NULL REFERENCES queues(id),
  agent_id bigint NOT NULL REFERENCES agents(id),
  PRIMARY KEY (queue_id, agent_id)
);

CREATE TABLE campaigns (
  id                       bigserial PRIMARY KEY,
  name                     text NOT NULL CHECK (name <> ''),
  kind                     text NOT NULL CHECK (kind IN ('passive_list', 'second_voice')),
  state                    text NOT NULL CHECK (state IN ('draft', 'active', 'paused', 'ended')),
  queue_id                 text NOT NULL REFERENCES queues(id),
  marketing_policy         text NOT NULL
                             CHECK (marketing_policy IN ('opt_in_only', 'opt_in_or_existing_customer')),
  existing_customer_months int NOT NULL,
  min_call_attempts        int NOT NULL CHECK (min_call_attempts >= 4),
  min_spread_days          int NOT NULL CHECK (min_spread_days >= 3),
  max_spread_days          int NOT NULL CHECK (max_spread_days >= min_spread_days),
  max_call_attempts        int NOT NULL CHECK (max_call_attempts >= min_call_attempts),
  min_gap_minutes          int NOT NULL CHECK (min_gap_minutes >= 1),
  max_attempts_per_day     int NOT NULL CHECK (max_attempts_per_day >= 1),
  abandon_cap_percent      double precision NOT NULL
                             CHECK (abandon_cap_percent > 0 AND abandon_cap_percent <= 3),
  caller_id                text NOT NULL,
  calling_hours            text NOT NULL DEFAULT '',
  starts_at                timestamptz,
  ends_at                  timestamptz,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_dealers (
  campaign_id bigint NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  dealer_id   text NOT NULL REFERENCES dealers(id),
  PRIMARY KEY (campaign_id, dealer_id)
);
CREATE INDEX campaign_dealers_dealer ON campaign_dealers (dealer_id, campaign_id);

CREATE TABLE leads (
  id                  bigserial PRIMARY KEY,
  dealer_id           text NOT NULL REFERENCES dealers(id),
  campaign_id         bigint REFERENCES campaigns(id),
  kind                text NOT NULL CHECK (kind IN ('active', 'passive')),
  origin              text NOT NULL
                        CHECK (origin IN ('list_import', 'crm_unsold', 'crm_unreached',
                                          'crm_proposal_pending')),
  source              text NOT NULL DEFAULT '',
  crm_lead_id         text NOT NULL DEFAULT '',
  salesperson         text NOT NULL DEFAULT '',
  first_name          text NOT NULL DEFAULT '',
  last_name           text NOT NULL DEFAULT '',
  customer_id         text NOT NULL DEFAULT '',
  language            text NOT NULL DEFAULT '',
  accessibility_notes text NOT NULL DEFAULT '',
  preferred_channel   text CHECK (preferred_channel IN ('phone', 'email', 'sms', 'chat')),
  consent_basis       text NOT NULL DEFAULT 'none'
                        CHECK (consent_basis IN ('none', 'opt_in', 'existing_customer',
                                                 'requested_contact')),
  consent_source      text NOT NULL DEFAULT '',
  consent_given_at    timestamptz,
  relationship_last_at timestamptz,
  status              text NOT NULL DEFAULT 'new'
                        CHECK (status IN ('new', 'in_progress', 'handed_over', 'closed_not_reached',
                                          'closed_not_interested', 'closed_objected',
                                          'closed_sold', 'closed_lost')),
  notes               text NOT NULL DEFAULT '',
  originated_at       timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_dealer ON leads (dealer_id, id);
CREATE INDEX leads_campaign ON leads (campaign_id, id) WHERE campaign_id IS NOT NULL;
CREATE INDEX leads_customer ON leads (dealer_id, customer_id) WHERE customer_id <> '';
CREATE INDEX leads_crm_lead ON leads (dealer_id, crm_lead_id) WHERE crm_lead_id <> '';

-- Every way to reach a lead. The raw value is always kept; normalized is E.164 for phones and
-- lower-case for e-mail, empty when the value could not be read (the route is kept anyway).
CREATE TABLE contact_routes (
  id               bigserial PRIMARY KEY,
  lead_id          bigint NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  position         int NOT NULL,
  channel          text NOT NULL CHECK (channel IN ('phone', 'email', 'sms', 'chat')),
  raw_value        text NOT NULL,
  normalized_value text NOT NULL DEFAULT '',
  phone_type       text NOT NULL DEFAULT 'unknown'
                     CHECK (phone_type IN ('unknown', 'mobile', 'fixed_line',
                                           'fixed_line_or_mobile', 'other')),
  usable           boolean NOT NULL,
  preferred        boolean NOT NULL DEFAULT false,
  preferred_times  text NOT NULL DEFAULT '',
  UNIQUE (lead_id, position)
);
CREATE INDEX contact_routes_value ON contact_routes (normalized_value) WHERE normalized_value <> '';

CREATE TABLE vehicles (
  id          bigserial PRIMARY KEY,
  lead_id     bigint NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  position    int NOT NULL,
  role        text NOT NULL CHECK (role IN ('interest', 'current', 'trade_in')),
  used        boolean NOT NULL DEFAULT false,
  year        int NOT NULL DEFAULT 0,
  make        text NOT NULL DEFAULT '',
  model       text NOT NULL DEFAULT '',
  trim        text NOT NULL DEFAULT '',
  vin         text NOT NULL DEFAULT '',
  odometer_km bigint NOT NULL DEFAULT 0,
  price_cents bigint NOT NULL DEFAULT 0,
  comments    text NOT NULL DEFAULT '',
  UNIQUE (lead_id, position)
);

CREATE TABLE attempts (
  id          bigserial PRIMARY KEY,
  lead_id     bigint NOT NULL REFERENCES leads(id),
  campaign_id bigint REFERENCES campaigns(id),
  channel     text NOT NULL CHECK (channel IN ('phone', 'email', 'sms', 'chat')),
  by_whom     text NOT NULL DEFAULT '',
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  outcome     text CHECK (outcome IN ('no_answer', 'busy', 'voicemail', 'wrong_number',
                                      'dialogue_no_appointment', 'callback_requested',
                                      'appointment_set', 'not_interested', 'objection',
                                      'email_sent', 'sms_sent', 'abandoned', 'agent_lost',
                                      'failed')),
  notes       text NOT NULL DEFAULT ''
);
CREATE INDEX attempts_lead ON attempts (lead_id, started_at);

-- The lead's journey. Append-only: rows are never updated or deleted.
CREATE TABLE lead_events (
  id       bigserial PRIMARY KEY,
  lead_id  bigint NOT NULL REFERENCES leads(id),
  at       timestamptz NOT NULL DEFAULT now(),
  type     text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
  actor    text NOT NULL,
  summary  text NOT NULL DEFAULT '',
  details  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX lead_events_lead ON lead_events (lead_id, id);

CREATE FUNCTION lead_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'lead_events is append-only (% refused)', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER lead_events_append_only BEFORE UPDATE OR DELETE ON lead_events
  FOR EACH ROW EXECUTE FUNCTION lead_events_append_only();
