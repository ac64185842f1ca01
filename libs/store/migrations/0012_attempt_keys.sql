-- A client's key for an attempt it records, so that a retry after a lost answer (a crashed
-- daemon, a dropped connection) gets the first try's answer instead of a refusal that leaves
-- the client guessing whether the outcome was stored.
ALTER TABLE attempts ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX attempts_idempotency_key ON attempts (lead_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
