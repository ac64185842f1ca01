-- Erasure (GDPR art. 17) and retention. An erased lead keeps its row, status, origin, kind,
-- category, timestamps and funnel row, so the funnel's counts do not change; every piece of
-- personal data in it and around it is blanked. A person erased at their request leaves only
-- SHA-256 digests of their normalised phone numbers, e-mail addresses and customer numbers, per
-- dealer, so that a later list or CRM follow-up does not bring them back.

ALTER TABLE leads ADD COLUMN erased_at timestamptz;

-- The retention sweep reads the closed leads that changed longest ago, and stops at the first
-- one that is too young.
CREATE INDEX leads_retention ON leads (updated_at)
  WHERE erased_at IS NULL AND status NOT IN ('new', 'in_progress');

-- No plaintext: digest is sha256 of the value as the engine normalises it (E.164, lower-case
-- e-mail address, customer number as given). kind says which it was, for people reading the
-- table; matching is by digest alone.
CREATE TABLE erased_people (
  dealer_id  text NOT NULL REFERENCES dealers(id),
  digest     bytea NOT NULL CHECK (length(digest) = 32),
  kind       text NOT NULL CHECK (kind IN ('phone', 'email', 'chat', 'customer_id')),
  erased_at  timestamptz NOT NULL DEFAULT now(),
  erased_by  text NOT NULL,
  PRIMARY KEY (dealer_id, digest)
);

-- The journey stays append-only, with one exception: erasure may blank an event's text and
-- details (the fact that something happened, when and by whom, stays).
CREATE OR REPLACE FUNCTION lead_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.summary = '' AND NEW.details = '{}'::jsonb
     AND NEW.id = OLD.id AND NEW.lead_id = OLD.lead_id AND NEW.at = OLD.at
     AND NEW.type = OLD.type AND NEW.actor = OLD.actor THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'lead_events is append-only (% refused)', TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;

-- What arrives about an erased lead later (a CRM's feedback and its journey event) carries no
-- text: the funnel still counts the show or the sale, the notes are not kept. Bulk import
-- events never concern an erased lead (it has no identities left to merge into), so they skip
-- the lookup.
CREATE FUNCTION erased_lead_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM leads WHERE id = NEW.lead_id AND erased_at IS NOT NULL) THEN
    IF TG_TABLE_NAME = 'lead_events' THEN
      NEW.summary := '';
      NEW.details := '{}'::jsonb;
    ELSE
      NEW.notes := '';
      NEW.lost_reason := '';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER lead_events_erased BEFORE INSERT ON lead_events FOR EACH ROW
  WHEN (NEW.type NOT IN ('lead.imported', 'lead.merged', 'lead.created', 'lead.erased'))
  EXECUTE FUNCTION erased_lead_text();
CREATE TRIGGER feedback_erased BEFORE INSERT ON feedback FOR EACH ROW
  EXECUTE FUNCTION erased_lead_text();
