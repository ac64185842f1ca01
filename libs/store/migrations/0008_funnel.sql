-- The funnel, not the clock: one row per lead with how far it got (first call, dialogue,
-- appointment, handover, show, sale) and how (calls before contact, messages before the first
-- call, abandons, cadence complete when closed not-reached). Kept by triggers in the very
-- transaction that writes the attempt, feedback, handover or lead, whoever the writer is: a
-- report reads one narrow row per lead of its cohort, always current, never a recount.

-- The targets a lead is measured against (new-car online, used-car online, phone...).
ALTER TABLE leads ADD COLUMN category text NOT NULL DEFAULT 'passive_list'
  CHECK (category IN ('new_car_online', 'used_car_online', 'phone', 'showroom', 'passive_list'));

-- Per 100 leads; dealer_id '' holds the defaults for dealers without their own.
CREATE TABLE funnel_targets (
  dealer_id           text NOT NULL DEFAULT '',
  category            text NOT NULL
    CHECK (category IN ('new_car_online', 'used_car_online', 'phone', 'showroom', 'passive_list')),
  dialogue_percent    double precision NOT NULL CHECK (dialogue_percent BETWEEN 0 AND 100),
  appointment_percent double precision NOT NULL CHECK (appointment_percent BETWEEN 0 AND 100),
  show_percent        double precision NOT NULL CHECK (show_percent BETWEEN 0 AND 100),
  sale_percent        double precision NOT NULL CHECK (sale_percent BETWEEN 0 AND 100),
  PRIMARY KEY (dealer_id, category)
);
-- The field's figures (design.md section 2): 60/36/22/13 for new-car online leads, sales 20 for
-- used-car online and 22 for phone leads; showroom and passive lists start from the new-car
-- figures until a campaign manager sets their own.
INSERT INTO funnel_targets VALUES
  ('', 'new_car_online', 60, 36, 22, 13),
  ('', 'used_car_online', 60, 36, 22, 20),
  ('', 'phone', 60, 36, 22, 22),
  ('', 'showroom', 60, 36, 22, 13),
  ('', 'passive_list', 60, 36, 22, 13);

CREATE TABLE lead_funnel (
  lead_id                  bigint PRIMARY KEY REFERENCES leads(id) ON DELETE CASCADE,
  dealer_id                text NOT NULL,
  -- The campaign the lead arrived in (or was first put in).
  campaign_id              bigint,
  kind                     text NOT NULL,
  origin                   text NOT NULL,
  category                 text NOT NULL,
  -- The cohort: reports select leads by when they arrived.
  arrived_at               timestamptz NOT NULL,
  calls                    int NOT NULL DEFAULT 0,
  messages                 int NOT NULL DEFAULT 0,
  -- E-mails and texts sent before the first call: the checkbox-culture signal.
  messages_before_call     int NOT NULL DEFAULT 0,
  first_call_at            timestamptz,
  -- From claimable to the first call attempt, in seconds within opening hours (the scheduler
  -- writes it; a writer that does not know the calendar leaves the wall-clock time).
  speed_s                  double precision,
  -- Call attempts up to and including the first dialogue.
  calls_to_dialogue        int,
  dialogue_at              timestamptz,
  -- Who had the first dialogue (reports by agent).
  dialogue_by              text NOT NULL DEFAULT '',
  appointment_at           timestamptz,
  -- Calls a person answered, and of those abandoned (no agent within 2 s).
  answered                 int NOT NULL DEFAULT 0,
  abandoned                int NOT NULL DEFAULT 0,
  -- Distinct local days with a call, for "cadence complete".
  call_days                int NOT NULL DEFAULT 0,
  last_call_day            date,
  closed_not_reached       boolean NOT NULL DEFAULT false,
  cadence_complete         boolean NOT NULL DEFAULT false,
  handover_delivered_at    timestamptz,
  showed_at                timestamptz,
  sold_at                  timestamptz
);
-- A cohort's figures come from this index alone (an index-only scan reads the period's entries
-- in order): a lead's row moves around the heap as it is updated, the index keeps arrival order.
CREATE INDEX lead_funnel_cohort ON lead_funnel (arrived_at)
  INCLUDE (dealer_id, campaign_id, kind, origin, category, dialogue_by, speed_s, dialogue_at,
           appointment_at, showed_at, sold_at, calls_to_dialogue, closed_not_reached,
           cadence_complete, messages_before_call, answered, abandoned, handover_delivered_at);
CREATE INDEX lead_funnel_dealer ON lead_funnel (dealer_id, arrived_at);

-- Logged-in time and talk time of agents, one row per session, for the talk share.
CREATE TABLE agent_shifts (
  id           bigserial PRIMARY KEY,
  agent_login  text NOT NULL,
  started_at   timestamptz NOT NULL,
  ended_at     timestamptz NOT NULL CHECK (ended_at >= started_at),
  talk_s       double precision NOT NULL CHECK (talk_s >= 0)
);
CREATE INDEX agent_shifts_started ON agent_shifts (started_at);

-- Outcomes a person gave (two-sided), and those where a person answered at all.
CREATE FUNCTION sv_dialogue(outcome text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT outcome IN ('dialogue_no_appointment', 'callback_requested', 'appointment_set',
                     'not_interested', 'objection')
$$;
CREATE FUNCTION sv_live_answer(outcome text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT sv_dialogue(outcome) OR outcome IN ('wrong_number', 'abandoned', 'agent_lost')
$$;

CREATE FUNCTION lead_funnel_leads_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO lead_funnel (lead_id, dealer_id, campaign_id, kind, origin, category, arrived_at)
  SELECT id, dealer_id, campaign_id, kind, origin, category, created_at FROM added;
  RETURN NULL;
END $$;
CREATE TRIGGER lead_funnel_leads_added AFTER INSERT ON leads
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION lead_funnel_leads_added();

-- Attempts (of one lead or many, later than those already folded) folded in time order onto
-- what each lead's row holds: the trigger folds each statement's, the backfill below all.
CREATE FUNCTION lead_funnel_fold(rows attempts[]) RETURNS void LANGUAGE sql AS $$
  WITH a AS (
    -- The local day in the dealer's zone: looked up per attempt by key, so a statement of one
    -- attempt and a bulk load of thousands are both index lookups.
    SELECT n.lead_id, n.id, n.channel, n.outcome, n.by_whom, n.started_at,
           (n.started_at AT TIME ZONE (SELECT d.time_zone FROM lead_funnel f
                                         JOIN dealers d ON d.id = f.dealer_id
                                        WHERE f.lead_id = n.lead_id))::date AS day
      FROM unnest(rows) n
     WHERE n.outcome IS NOT NULL),
  firsts AS (
    SELECT lead_id,
           min(started_at) FILTER (WHERE channel = 'phone') AS first_call,
           min(started_at) FILTER (WHERE channel = 'phone' AND sv_dialogue(outcome))
             AS first_dialogue
      FROM a GROUP BY lead_id),
  agg AS (
    SELECT a.lead_id, f.first_call, f.first_dialogue,
           count(*) FILTER (WHERE channel = 'phone') AS calls,
           count(*) FILTER (WHERE channel <> 'phone') AS messages,
           count(*) FILTER (WHERE channel <> 'phone'
                              AND started_at < coalesce(f.first_call, 'infinity')) AS early_messages,
           count(*) FILTER (WHERE channel = 'phone' AND started_at <= f.first_dialogue)
             AS calls_to_dialogue,
           (array_agg(by_whom ORDER BY started_at, id)
              FILTER (WHERE channel = 'phone' AND sv_dialogue(outcome)))[1] AS dialogue_by,
           min(started_at) FILTER (WHERE outcome = 'appointment_set') AS appointment,
           count(*) FILTER (WHERE channel = 'phone' AND sv_live_answer(outcome)) AS answered,
           count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
           array_agg(DISTINCT day) FILTER (WHERE channel = 'phone') AS days
      FROM a JOIN firsts f ON f.lead_id = a.lead_id
     GROUP BY a.lead_id, f.first_call, f.first_dialogue)
  UPDATE lead_funnel lf SET
    calls = lf.calls + agg.calls,
    messages = lf.messages + agg.messages,
    messages_before_call = lf.messages_before_call
      + CASE WHEN lf.first_call_at IS NULL THEN agg.early_messages ELSE 0 END,
    first_call_at = coalesce(lf.first_call_at, agg.first_call),
    speed_s = CASE WHEN lf.first_call_at IS NULL AND agg.first_call IS NOT NULL
                   THEN greatest(0, extract(epoch FROM agg.first_call - coalesce(
                          (SELECT s.claimable_at FROM lead_schedule s
                            WHERE s.lead_id = lf.lead_id), lf.arrived_at)))
                   ELSE lf.speed_s END,
    calls_to_dialogue = CASE WHEN lf.dialogue_at IS NULL AND agg.first_dialogue IS NOT NULL
                             THEN lf.calls + agg.calls_to_dialogue
                             ELSE lf.calls_to_dialogue END,
    dialogue_by = CASE WHEN lf.dialogue_at IS NULL AND agg.first_dialogue IS NOT NULL
                       THEN agg.dialogue_by ELSE lf.dialogue_by END,
    dialogue_at = coalesce(lf.dialogue_at, agg.first_dialogue),
    appointment_at = coalesce(lf.appointment_at, agg.appointment),
    answered = lf.answered + agg.answered,
    abandoned = lf.abandoned + agg.abandoned,
    call_days = lf.call_days + coalesce(
      (SELECT count(*) FROM unnest(agg.days) d WHERE d > coalesce(lf.last_call_day, '-infinity')), 0),
    last_call_day = greatest(lf.last_call_day, (SELECT max(d) FROM unnest(agg.days) d))
  FROM agg WHERE lf.lead_id = agg.lead_id;
$$;

CREATE FUNCTION lead_funnel_attempts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lead_funnel_fold(ARRAY(SELECT ROW(n.*)::attempts FROM added n));
  RETURN NULL;
END $$;
CREATE TRIGGER lead_funnel_attempts_added AFTER INSERT ON attempts
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION lead_funnel_attempts_added();

-- A lead first put in a campaign after it arrived counts in that campaign; a lead closed
-- not-reached says whether its cadence was complete (the engine refuses it earlier, so a false
-- here means a rule was bypassed).
CREATE FUNCTION lead_funnel_lead_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.campaign_id IS DISTINCT FROM OLD.campaign_id THEN
    UPDATE lead_funnel SET campaign_id = NEW.campaign_id
     WHERE lead_id = NEW.id AND campaign_id IS NULL;
  END IF;
  IF NEW.status = 'closed_not_reached' AND OLD.status <> 'closed_not_reached' THEN
    UPDATE lead_funnel f SET closed_not_reached = true,
           cadence_complete =
             f.calls >= coalesce((SELECT min_call_attempts FROM campaigns
                                   WHERE id = NEW.campaign_id), 4)
             AND f.call_days >= coalesce((SELECT min_spread_days FROM campaigns
                                           WHERE id = NEW.campaign_id), 3)
     WHERE f.lead_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER lead_funnel_lead_changed AFTER UPDATE OF campaign_id, status ON leads
  FOR EACH ROW EXECUTE FUNCTION lead_funnel_lead_changed();

CREATE FUNCTION lead_funnel_handover_delivered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE lead_funnel SET handover_delivered_at = coalesce(handover_delivered_at,
                                                          NEW.delivered_at, now())
   WHERE lead_id = NEW.lead_id;
  RETURN NULL;
END $$;
CREATE TRIGGER lead_funnel_handover_delivered AFTER UPDATE OF state ON handovers
  FOR EACH ROW WHEN (NEW.state = 'delivered' AND OLD.state <> 'delivered')
  EXECUTE FUNCTION lead_funnel_handover_delivered();

-- A sale is a show too, whether or not the CRM reported the visit first.
CREATE FUNCTION lead_funnel_feedback_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE lead_funnel SET
    showed_at = CASE WHEN NEW.kind IN ('showed', 'sold') THEN coalesce(showed_at, NEW.at)
                     ELSE showed_at END,
    sold_at = CASE WHEN NEW.kind = 'sold' THEN coalesce(sold_at, NEW.at) ELSE sold_at END
   WHERE lead_id = NEW.lead_id;
  RETURN NULL;
END $$;
CREATE TRIGGER lead_funnel_feedback_added AFTER INSERT ON feedback
  FOR EACH ROW WHEN (NEW.kind IN ('showed', 'sold'))
  EXECUTE FUNCTION lead_funnel_feedback_added();

-- Leads already in the database: their rows, then their attempts, handovers, feedback and
-- closings folded in as the triggers would have.
INSERT INTO lead_funnel (lead_id, dealer_id, campaign_id, kind, origin, category, arrived_at)
SELECT id, dealer_id, campaign_id, kind, origin, category, created_at FROM leads;
SELECT lead_funnel_fold(ARRAY(SELECT a FROM attempts a ORDER BY started_at, id));
UPDATE lead_funnel f SET handover_delivered_at = h.delivered_at
  FROM (SELECT lead_id, min(coalesce(delivered_at, now())) AS delivered_at FROM handovers
         WHERE state = 'delivered' GROUP BY lead_id) h
 WHERE f.lead_id = h.lead_id;
UPDATE lead_funnel f SET
    showed_at = b.showed_at, sold_at = b.sold_at
  FROM (SELECT lead_id, min(at) FILTER (WHERE kind IN ('showed', 'sold')) AS showed_at,
               min(at) FILTER (WHERE kind = 'sold') AS sold_at
          FROM feedback GROUP BY lead_id) b
 WHERE f.lead_id = b.lead_id;
UPDATE lead_funnel f SET closed_not_reached = true,
       cadence_complete = f.calls >= coalesce(c.min_call_attempts, 4)
                          AND f.call_days >= coalesce(c.min_spread_days, 3)
  FROM leads l LEFT JOIN campaigns c ON c.id = l.campaign_id
 WHERE l.id = f.lead_id AND l.status = 'closed_not_reached';
