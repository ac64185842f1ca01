-- Handovers: a lead that became active again goes to the dealer's salesperson with its whole
-- story. The handover row is the outbox: written in the transaction of the outcome that caused
-- it, delivered by a dispatcher that may run on any replica, never dropped.

-- What the customer already told us, merged call after call: "do not ask again". Vehicles of
-- interest and trade-ins are rows of `vehicles` with their roles.
CREATE TABLE lead_statements (
  lead_id    bigint PRIMARY KEY REFERENCES leads(id) ON DELETE CASCADE,
  needs      text NOT NULL DEFAULT '',
  financing  text NOT NULL DEFAULT '',
  timeframe  text NOT NULL DEFAULT '',
  other      text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE appointments (
  id                bigserial PRIMARY KEY,
  lead_id           bigint NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
  attempt_id        bigint REFERENCES attempts(id),
  at                timestamptz NOT NULL,
  location          text NOT NULL DEFAULT '',
  with_whom         text NOT NULL DEFAULT '',
  -- handover::Expectation names: test_drive, proposal, trade_in_appraisal, other.
  expectations      text[] NOT NULL DEFAULT '{}',
  expectations_text text NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appointments_lead ON appointments (lead_id, id);

CREATE TABLE handovers (
  id              bigserial PRIMARY KEY,
  lead_id         bigint NOT NULL REFERENCES leads(id),
  dealer_id       text NOT NULL REFERENCES dealers(id),
  attempt_id      bigint REFERENCES attempts(id),
  appointment_id  bigint REFERENCES appointments(id),
  bdc_agent       text NOT NULL DEFAULT '',
  -- The CRM stores it and answers a repeat as a duplicate: stable over every delivery attempt.
  idempotency_key text NOT NULL UNIQUE DEFAULT 'sv-handover-' || gen_random_uuid(),
  state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivering', 'delivered', 'failed_retrying',
                                     'flagged_undelivered')),
  -- Set when the CRM refused the handover for good: no more attempts, a person must act.
  rejection       text NOT NULL DEFAULT '',
  attempts        int NOT NULL DEFAULT 0,
  last_error      text NOT NULL DEFAULT '',
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- The dispatcher that is delivering it, until when (a killed one's handovers come back).
  lease_owner     text NOT NULL DEFAULT '',
  lease_until     timestamptz,
  delivered_at    timestamptz,
  -- Not delivered in time (or refused): shown to the campaign manager; delivery goes on.
  flagged_at      timestamptz,
  crm_reference   text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handovers_due ON handovers (next_attempt_at)
  WHERE state <> 'delivered' AND rejection = '';
CREATE INDEX handovers_dealer ON handovers (dealer_id, id);
CREATE INDEX handovers_lead ON handovers (lead_id, id);
