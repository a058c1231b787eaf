-- Monthly counters per unit beside the daily ones, bumped in the same transaction, so a year's
-- figures read twelve rows per unit (docs/metrics.md, "Counters"; README "Performance"). Filled
-- from the daily counters already kept.
CREATE TABLE metric_monthly (
    month DATE NOT NULL,
    unit_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    association_id TEXT,
    filed BIGINT NOT NULL DEFAULT 0,
    first_contact_on_time BIGINT NOT NULL DEFAULT 0,
    concluded BIGINT NOT NULL DEFAULT 0,
    concluded_on_time BIGINT NOT NULL DEFAULT 0,
    settled BIGINT NOT NULL DEFAULT 0,
    escalated BIGINT NOT NULL DEFAULT 0,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    rated_high BIGINT NOT NULL DEFAULT 0,
    cycle_days_sum BIGINT NOT NULL DEFAULT 0,
    recovered_fen BIGINT NOT NULL DEFAULT 0,
    case_filed BIGINT NOT NULL DEFAULT 0,
    handled BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, unit_id)
);
CREATE INDEX metric_monthly_unit_idx ON metric_monthly (unit_id, month);
CREATE INDEX metric_monthly_region_idx ON metric_monthly (region_code, month);
INSERT INTO metric_monthly (month, unit_id, region_code, industry_code, association_id, filed,
    first_contact_on_time, concluded, concluded_on_time, settled, escalated, withdrawn, rated,
    rating_sum, rated_high, cycle_days_sum, recovered_fen, case_filed, handled)
SELECT CAST(date_trunc('month', day) AS DATE), unit_id, MIN(region_code), MIN(industry_code), MIN(association_id), SUM(filed),
    SUM(first_contact_on_time), SUM(concluded), SUM(concluded_on_time), SUM(settled),
    SUM(escalated), SUM(withdrawn), SUM(rated), SUM(rating_sum), SUM(rated_high),
    SUM(cycle_days_sum), SUM(recovered_fen), SUM(case_filed), SUM(handled)
FROM metric_daily
GROUP BY CAST(date_trunc('month', day) AS DATE), unit_id;
-- Disputes awaiting settlement by due date, for the figures' "open and overdue" and the sweeper.
CREATE INDEX disputes_awaiting_idx ON disputes (status, settlement_due_at);
