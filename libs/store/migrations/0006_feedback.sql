-- What dealer CRMs report after a handover: it closes the funnel (shows, sales) and may send
-- the lead back to the BDC (a no-show) or, after a delay, into a second-voice campaign (unsold).
-- A CRM may resend after a timeout: the key makes a repeat a no-op.
CREATE TABLE feedback (
  id                 bigserial PRIMARY KEY,
  dealer_id          text NOT NULL REFERENCES dealers(id),
  idempotency_key    text NOT NULL CHECK (idempotency_key <> ''),
  lead_id            bigint NOT NULL REFERENCES leads(id),
  handover_id        bigint REFERENCES handovers(id),
  kind               text NOT NULL CHECK (kind IN ('appointment_moved', 'showed', 'no_show',
                                                   'sold', 'lost', 'unsold')),
  at                 timestamptz NOT NULL,
  new_appointment_at timestamptz,
  lost_reason        text NOT NULL DEFAULT '',
  sale_amount_cents  bigint NOT NULL DEFAULT 0,
  notes              text NOT NULL DEFAULT '',
  reported_by        text NOT NULL DEFAULT '',
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dealer_id, idempotency_key)
);
CREATE INDEX feedback_lead ON feedback (lead_id, id);
-- Feedback names the lead by the CRM's reference for the handover.
CREATE INDEX handovers_crm_reference ON handovers (dealer_id, crm_reference)
  WHERE crm_reference <> '';
