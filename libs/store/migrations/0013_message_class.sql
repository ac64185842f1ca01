-- Leads whose next contact is a message wait in a claim class of their own (rank 5), so that a
-- dialer claims calls only and never dials a lead that is due an e-mail or SMS, while an agent
-- between calls, or a messaging tool, takes the messages.
ALTER TABLE lead_schedule DROP CONSTRAINT lead_schedule_rank_check;
ALTER TABLE lead_schedule ADD CONSTRAINT lead_schedule_rank_check CHECK (rank BETWEEN 0 AND 5);
UPDATE lead_schedule SET rank = 5 WHERE action = 'message' AND callback_at IS NULL;
