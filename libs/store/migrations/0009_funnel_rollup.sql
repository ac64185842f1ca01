-- The funnel per day: an importer's quarter of all dealers reads some 45,000 dealer-days, not
-- 600,000 leads. Every change to a lead's funnel row (0008) writes what it changes in the
-- figures of the lead's group (UTC day of arrival, dealer, campaign, kind, origin, category) to
-- funnel_changes, in the writer's transaction; funnel_compact() folds those into funnel_daily.
-- A report reads funnel_daily plus the changes not folded yet, so it is exact and current
-- whenever the compactor last ran. Writers only ever insert changes: no two transactions wait
-- on one day's row.

CREATE TABLE funnel_daily (
  day              date NOT NULL,  -- of arrival, in UTC
  dealer_id        text NOT NULL,
  campaign_id      bigint NOT NULL,  -- 0: none
  kind             text NOT NULL,
  origin           text NOT NULL,
  category         text NOT NULL,
  leads            bigint NOT NULL,
  dialogues        bigint NOT NULL,
  appointments     bigint NOT NULL,
  shows            bigint NOT NULL,
  sales            bigint NOT NULL,
  contacted        bigint NOT NULL,  -- leads with a dialogue...
  calls            bigint NOT NULL,  -- ...and their calls up to it
  closed           bigint NOT NULL,  -- closed not-reached...
  complete         bigint NOT NULL,  -- ...with the cadence complete
  messaged         bigint NOT NULL,  -- e-mailed or texted before the first call
  answered         bigint NOT NULL,
  abandoned        bigint NOT NULL,
  delivered        bigint NOT NULL,  -- handovers delivered...
  delivered_showed bigint NOT NULL,  -- ...that showed
  delivered_sold   bigint NOT NULL,  -- ...that bought
  -- The speed to lead of each lead called, in seconds (in no order): exact percentiles of any
  -- union of days.
  speeds           double precision[] NOT NULL,
  PRIMARY KEY (day, dealer_id, campaign_id, kind, origin, category)
);
-- One dealer's month.
CREATE INDEX funnel_daily_dealer ON funnel_daily (dealer_id, day);

-- What changed, not folded yet: the same figures as differences, speeds added and taken away.
CREATE TABLE funnel_changes (LIKE funnel_daily);
ALTER TABLE funnel_changes DROP COLUMN speeds,
  ADD COLUMN speeds_added double precision[] NOT NULL,
  ADD COLUMN speeds_removed double precision[] NOT NULL;
-- Reports read the period's days of it.
CREATE INDEX funnel_changes_day ON funnel_changes (day);

-- The multiset a minus b, ascending.
CREATE FUNCTION funnel_speeds_minus(a double precision[], b double precision[])
RETURNS double precision[] LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(v ORDER BY v), '{}')
    FROM (SELECT unnest(a) EXCEPT ALL SELECT unnest(b)) s(v)
$$;

-- A statement's funnel rows that appeared (`added`) and went (`removed`; an update is both),
-- read straight from its transition tables: the difference per group, where there is one.
CREATE FUNCTION funnel_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  source text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    source := 'SELECT -1 AS sign, r.* FROM removed r';
  ELSE
    -- An update that matched nothing (an attempt without an outcome, a speed already set).
    IF NOT EXISTS (SELECT 1 FROM added) THEN
      RETURN NULL;
    END IF;
    source := CASE TG_OP WHEN 'INSERT' THEN 'SELECT 1 AS sign, r.* FROM added r'
            ELSE 'SELECT 1 AS sign, r.* FROM added r UNION ALL SELECT -1, r.* FROM removed r' END;
  END IF;
  EXECUTE format($q$
    WITH x AS (%s),
    g AS (
      SELECT (arrived_at AT TIME ZONE 'UTC')::date AS day, dealer_id,
             coalesce(campaign_id, 0) AS campaign_id, kind, origin, category,
             sum(sign) AS leads,
             sum(sign) FILTER (WHERE dialogue_at IS NOT NULL) AS dialogues,
             sum(sign) FILTER (WHERE appointment_at IS NOT NULL) AS appointments,
             sum(sign) FILTER (WHERE showed_at IS NOT NULL) AS shows,
             sum(sign) FILTER (WHERE sold_at IS NOT NULL) AS sales,
             sum(sign) FILTER (WHERE calls_to_dialogue IS NOT NULL) AS contacted,
             sum(sign * calls_to_dialogue) AS calls,
             sum(sign) FILTER (WHERE closed_not_reached) AS closed,
             sum(sign) FILTER (WHERE closed_not_reached AND cadence_complete) AS complete,
             sum(sign) FILTER (WHERE messages_before_call > 0) AS messaged,
             sum(sign * answered) AS answered,
             sum(sign * abandoned) AS abandoned,
             sum(sign) FILTER (WHERE handover_delivered_at IS NOT NULL) AS delivered,
             sum(sign) FILTER (WHERE handover_delivered_at IS NOT NULL AND showed_at IS NOT NULL)
               AS delivered_showed,
             sum(sign) FILTER (WHERE handover_delivered_at IS NOT NULL AND sold_at IS NOT NULL)
               AS delivered_sold,
             array_agg(speed_s) FILTER (WHERE sign > 0 AND speed_s IS NOT NULL) AS plus,
             array_agg(speed_s) FILTER (WHERE sign < 0 AND speed_s IS NOT NULL) AS minus
        FROM x GROUP BY 1, 2, 3, 4, 5, 6),
    d AS (
      SELECT g.day, g.dealer_id, g.campaign_id, g.kind, g.origin, g.category,
             ARRAY[g.leads, coalesce(g.dialogues, 0), coalesce(g.appointments, 0),
                   coalesce(g.shows, 0), coalesce(g.sales, 0), coalesce(g.contacted, 0),
                   coalesce(g.calls, 0), coalesce(g.closed, 0), coalesce(g.complete, 0),
                   coalesce(g.messaged, 0), coalesce(g.answered, 0), coalesce(g.abandoned, 0),
                   coalesce(g.delivered, 0), coalesce(g.delivered_showed, 0),
                   coalesce(g.delivered_sold, 0)] AS n,
             funnel_speeds_minus(g.plus, g.minus) AS plus,
             funnel_speeds_minus(g.minus, g.plus) AS minus
        FROM g)
    INSERT INTO funnel_changes (day, dealer_id, campaign_id, kind, origin, category, leads,
      dialogues, appointments, shows, sales, contacted, calls, closed, complete, messaged, answered,
      abandoned, delivered, delivered_showed, delivered_sold, speeds_added, speeds_removed)
    SELECT day, dealer_id, campaign_id, kind, origin, category, n[1], n[2], n[3], n[4], n[5], n[6],
           n[7], n[8], n[9], n[10], n[11], n[12], n[13], n[14], n[15], plus, minus
      FROM d
     WHERE n <> array_fill(0::bigint, ARRAY[15]) OR plus <> '{}' OR minus <> '{}'
  $q$, source);
  RETURN NULL;
END $$;
CREATE TRIGGER funnel_rows_added AFTER INSERT ON lead_funnel
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION funnel_rows_changed();
CREATE TRIGGER funnel_rows_changed AFTER UPDATE ON lead_funnel
  REFERENCING OLD TABLE AS removed NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION funnel_rows_changed();
CREATE TRIGGER funnel_rows_removed AFTER DELETE ON lead_funnel
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION funnel_rows_changed();

-- Folds the changes written so far into funnel_daily; one compactor at a time (another returns
-- at once). The number of changes folded.
CREATE FUNCTION funnel_compact() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  folded bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('funnel_compact')) THEN
    RETURN 0;
  END IF;
  WITH moved AS (DELETE FROM funnel_changes RETURNING *),
  counted AS (
    SELECT day, dealer_id, campaign_id, kind, origin, category, count(*) AS changes,
           sum(leads) AS leads, sum(dialogues) AS dialogues, sum(appointments) AS appointments,
           sum(shows) AS shows, sum(sales) AS sales, sum(contacted) AS contacted,
           sum(calls) AS calls, sum(closed) AS closed, sum(complete) AS complete,
           sum(messaged) AS messaged, sum(answered) AS answered, sum(abandoned) AS abandoned,
           sum(delivered) AS delivered, sum(delivered_showed) AS delivered_showed,
           sum(delivered_sold) AS delivered_sold
      FROM moved GROUP BY day, dealer_id, campaign_id, kind, origin, category),
  -- The groups' speeds, unnested and gathered once (array_cat per change would be quadratic).
  speeds AS (
    SELECT m.day, m.dealer_id, m.campaign_id, m.kind, m.origin, m.category,
           coalesce(array_agg(u.v) FILTER (WHERE u.added), '{}') AS plus,
           coalesce(array_agg(u.v) FILTER (WHERE NOT u.added), '{}') AS minus
      FROM moved m,
           LATERAL (SELECT v, true AS added FROM unnest(m.speeds_added) v
                    UNION ALL SELECT v, false FROM unnest(m.speeds_removed) v) u
     GROUP BY 1, 2, 3, 4, 5, 6),
  s AS (
    SELECT c.*, coalesce(p.plus, '{}') AS plus, coalesce(p.minus, '{}') AS minus
      FROM counted c LEFT JOIN speeds p USING (day, dealer_id, campaign_id, kind, origin, category)),
  updated AS (
    UPDATE funnel_daily r SET
      leads = r.leads + s.leads, dialogues = r.dialogues + s.dialogues,
      appointments = r.appointments + s.appointments, shows = r.shows + s.shows,
      sales = r.sales + s.sales, contacted = r.contacted + s.contacted, calls = r.calls + s.calls,
      closed = r.closed + s.closed, complete = r.complete + s.complete,
      messaged = r.messaged + s.messaged, answered = r.answered + s.answered,
      abandoned = r.abandoned + s.abandoned, delivered = r.delivered + s.delivered,
      delivered_showed = r.delivered_showed + s.delivered_showed,
      delivered_sold = r.delivered_sold + s.delivered_sold,
      speeds = CASE WHEN s.minus = '{}' THEN r.speeds || s.plus
                    ELSE funnel_speeds_minus(r.speeds || s.plus, s.minus) END
      FROM s
     WHERE r.day = s.day AND r.dealer_id = s.dealer_id AND r.campaign_id = s.campaign_id
       AND r.kind = s.kind AND r.origin = s.origin AND r.category = s.category
    RETURNING r.day, r.dealer_id, r.campaign_id, r.kind, r.origin, r.category),
  inserted AS (
  INSERT INTO funnel_daily
  SELECT s.day, s.dealer_id, s.campaign_id, s.kind, s.origin, s.category, s.leads, s.dialogues,
         s.appointments, s.shows, s.sales, s.contacted, s.calls, s.closed, s.complete,
         s.messaged, s.answered, s.abandoned, s.delivered, s.delivered_showed, s.delivered_sold,
         funnel_speeds_minus(s.plus, s.minus)
    FROM s
   WHERE NOT EXISTS (SELECT 1 FROM updated u
                      WHERE u.day = s.day AND u.dealer_id = s.dealer_id
                        AND u.campaign_id = s.campaign_id AND u.kind = s.kind
                        AND u.origin = s.origin AND u.category = s.category))
  SELECT coalesce(sum(changes), 0) INTO folded FROM s;
  RETURN folded;
END $$;

-- The leads already in the database, day by day.
INSERT INTO funnel_daily
SELECT (arrived_at AT TIME ZONE 'UTC')::date, dealer_id, coalesce(campaign_id, 0), kind, origin,
       category, count(*), count(dialogue_at), count(appointment_at), count(showed_at),
       count(sold_at), count(calls_to_dialogue), coalesce(sum(calls_to_dialogue), 0),
       count(*) FILTER (WHERE closed_not_reached),
       count(*) FILTER (WHERE closed_not_reached AND cadence_complete),
       count(*) FILTER (WHERE messages_before_call > 0), sum(answered), sum(abandoned),
       count(handover_delivered_at),
       count(*) FILTER (WHERE handover_delivered_at IS NOT NULL AND showed_at IS NOT NULL),
       count(*) FILTER (WHERE handover_delivered_at IS NOT NULL AND sold_at IS NOT NULL),
       coalesce(array_agg(speed_s ORDER BY speed_s) FILTER (WHERE speed_s IS NOT NULL), '{}')
  FROM lead_funnel GROUP BY 1, 2, 3, 4, 5, 6;
