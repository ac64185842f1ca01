-- The dialer reads each campaign's live-answered and abandoned calls of the last 30 days when
-- it starts (the abandon cap is per campaign over a rolling 24 h; the 30-day figure is reported).
CREATE INDEX attempts_campaign_started ON attempts (campaign_id, started_at);
