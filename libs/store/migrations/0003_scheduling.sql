-- Scheduling: one row per lead that may still be contacted, with when it is due next, its claim
-- class, the lease of whoever holds it, the cadence counts so far (recomputable from attempts),
-- and a copy of the lead's claim-time facts (origin, lawful basis, names, contact routes) so
-- that a claim reads one row. The writers in libs/store keep the copy in step. Claims take the first due row of a (campaign, dealer, class) with
-- FOR UPDATE SKIP LOCKED and push due_at to the lease's end: an expired lease makes the lead
-- due again by itself, and a crashed claimer loses nothing.

ALTER TABLE dealers ADD COLUMN holidays text NOT NULL DEFAULT 'NL';

-- Claim-time suppression checks look up a lead's route values.
CREATE INDEX suppressions_value ON suppressions (value);

-- The route an attempt used (E.164 or address), so a wrong number can be marked.
ALTER TABLE attempts ADD COLUMN route text NOT NULL DEFAULT '';

CREATE TABLE lead_schedule (
  lead_id           bigint PRIMARY KEY REFERENCES leads(id) ON DELETE CASCADE,
  campaign_id       bigint NOT NULL REFERENCES campaigns(id),
  dealer_id         text NOT NULL,
  -- 0 callback, 1 CRM follow-up not yet contacted, 2 CRM follow-up in its cadence,
  -- 3 list lead not yet contacted, 4 list lead in its cadence (cadence::Rank).
  rank              smallint NOT NULL CHECK (rank BETWEEN 0 AND 4),
  due_at            timestamptz NOT NULL DEFAULT now(),
  -- When the lead first became claimable (speed to lead counts from here).
  claimable_at      timestamptz NOT NULL DEFAULT now(),
  -- The planned next contact: call or message, and why then or why not.
  action            text NOT NULL DEFAULT 'call' CHECK (action IN ('call', 'message', 'none')),
  reason            text NOT NULL DEFAULT 'first call',
  -- Non-empty while a rule blocks the lead (cadence::BlockName), e.g. 'no_consent'.
  blocked           text NOT NULL DEFAULT '',
  callback_at       timestamptz,
  lease_owner       text NOT NULL DEFAULT '',
  lease_token       bigint NOT NULL DEFAULT 0,
  lease_until       timestamptz,
  calls             int NOT NULL DEFAULT 0,
  call_days         int NOT NULL DEFAULT 0,
  call_dayparts     int NOT NULL DEFAULT 0,
  call_last_day     date,
  calls_on_last_day int NOT NULL DEFAULT 0,
  calls_first_at    timestamptz,
  calls_last_at     timestamptz,
  messages          int NOT NULL DEFAULT 0,
  message_days      int NOT NULL DEFAULT 0,
  message_dayparts  int NOT NULL DEFAULT 0,
  message_last_day  date,
  messages_on_last_day int NOT NULL DEFAULT 0,
  messages_first_at timestamptz,
  messages_last_at  timestamptz,
  last_call_at      timestamptz,
  lockout_until     timestamptz,
  dialogue          boolean NOT NULL DEFAULT false,
  origin            text NOT NULL DEFAULT 'list_import',
  consent_basis     text NOT NULL DEFAULT 'none',
  consent_given_at  timestamptz,
  relationship_last_at timestamptz,
  first_name        text NOT NULL DEFAULT '',
  last_name         text NOT NULL DEFAULT '',
  -- The routes as "channel US value US phone_type US usable US preferred", joined by RS (ASCII
  -- 31 and 30), in position order; route_values their normalised values, for the suppression
  -- check.
  routes            text NOT NULL DEFAULT '',
  route_values      text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX lead_schedule_bucket ON lead_schedule (campaign_id, dealer_id, rank, due_at);
-- Callbacks and CRM follow-ups are few and claimed before list leads, across dealers.
CREATE INDEX lead_schedule_priority ON lead_schedule (campaign_id, rank, due_at) WHERE rank <= 2;

-- Leads already loaded are due now.
INSERT INTO lead_schedule (lead_id, campaign_id, dealer_id, rank, origin, consent_basis,
                           consent_given_at, relationship_last_at, first_name, last_name)
SELECT id, campaign_id, dealer_id, CASE WHEN origin = 'list_import' THEN 3 ELSE 1 END, origin,
       consent_basis, consent_given_at, relationship_last_at, first_name, last_name
  FROM leads
 WHERE campaign_id IS NOT NULL AND status IN ('new', 'in_progress');
UPDATE lead_schedule s
   SET routes = coalesce((SELECT string_agg(r.channel || chr(31) || r.normalized_value || chr(31)
                                            || r.phone_type || chr(31) || r.usable::text || chr(31)
                                            || r.preferred::text, chr(30) ORDER BY r.position, r.id)
                            FROM contact_routes r WHERE r.lead_id = s.lead_id), ''),
       route_values = ARRAY(SELECT r.normalized_value FROM contact_routes r
                             WHERE r.lead_id = s.lead_id AND r.normalized_value <> ''
                             ORDER BY r.position, r.id);
