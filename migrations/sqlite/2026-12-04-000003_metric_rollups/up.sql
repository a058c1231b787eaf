-- Rollups of the counters per region (district), industry and association, by day and by month,
-- kept in the transaction of each event beside the unit's rows, so a region's or an industry's
-- figures read a few rows per district and period however many units and disputes it holds
-- (docs/metrics.md#counters). Two more counters record each overdue spell (handling that ended
-- after the settlement due moment), so "open and overdue" at a past day's end is a sum of
-- counters instead of a scan of the disputes (docs/metrics.md#open-and-overdue). Filled from the
-- disputes and the unit rows already kept.
ALTER TABLE metric_daily ADD COLUMN overdue_began BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_daily ADD COLUMN overdue_ended BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_monthly ADD COLUMN overdue_began BIGINT NOT NULL DEFAULT 0;
ALTER TABLE metric_monthly ADD COLUMN overdue_ended BIGINT NOT NULL DEFAULT 0;
-- Shanghai keeps UTC+8 all year: the day of a stored (UTC) moment is the date 8 hours later.
INSERT INTO metric_daily (day, unit_id, region_code, industry_code, association_id, overdue_began)
SELECT date(d.settlement_due_at, '+8 hours'), d.unit_id, MIN(d.region_code), MIN(d.industry_code),
    MIN(b.association_id), COUNT(*)
FROM disputes d JOIN businesses b ON b.id = d.business_id
WHERE d.handling_ended_at > d.settlement_due_at
GROUP BY date(d.settlement_due_at, '+8 hours'), d.unit_id
ON CONFLICT (day, unit_id) DO UPDATE SET overdue_began = metric_daily.overdue_began + excluded.overdue_began;
INSERT INTO metric_daily (day, unit_id, region_code, industry_code, association_id, overdue_ended)
SELECT date(d.handling_ended_at, '+8 hours', '-0.001 seconds'), d.unit_id, MIN(d.region_code), MIN(d.industry_code),
    MIN(b.association_id), COUNT(*)
FROM disputes d JOIN businesses b ON b.id = d.business_id
WHERE d.handling_ended_at > d.settlement_due_at
GROUP BY date(d.handling_ended_at, '+8 hours', '-0.001 seconds'), d.unit_id
ON CONFLICT (day, unit_id) DO UPDATE SET overdue_ended = metric_daily.overdue_ended + excluded.overdue_ended;
INSERT INTO metric_monthly (month, unit_id, region_code, industry_code, association_id,
    overdue_began, overdue_ended)
SELECT date(day, 'start of month'), unit_id, MIN(region_code), MIN(industry_code), MIN(association_id),
    SUM(overdue_began), SUM(overdue_ended)
FROM metric_daily
WHERE overdue_began <> 0 OR overdue_ended <> 0
GROUP BY date(day, 'start of month'), unit_id
ON CONFLICT (month, unit_id) DO UPDATE SET overdue_began = excluded.overdue_began,
    overdue_ended = excluded.overdue_ended;
CREATE TABLE metric_region_daily (
    day DATE NOT NULL,
    region_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    -- '' for businesses outside any association (a key column cannot be NULL).
    association_id TEXT NOT NULL DEFAULT '',
    filed BIGINT NOT NULL DEFAULT 0,
    first_contact_due BIGINT NOT NULL DEFAULT 0,
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
    overdue_began BIGINT NOT NULL DEFAULT 0,
    overdue_ended BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, region_code, industry_code, association_id)
);
CREATE INDEX metric_region_daily_region_idx ON metric_region_daily (region_code, day);
CREATE INDEX metric_region_daily_industry_idx ON metric_region_daily (industry_code, day);
CREATE INDEX metric_region_daily_association_idx ON metric_region_daily (association_id, day);
INSERT INTO metric_region_daily (day, region_code, industry_code, association_id, filed,
    first_contact_due, first_contact_on_time, concluded, concluded_on_time, settled, escalated,
    withdrawn, rated, rating_sum, rated_high, cycle_days_sum, recovered_fen, case_filed,
    handled, overdue_began, overdue_ended)
SELECT day, region_code, industry_code, COALESCE(association_id, ''), SUM(filed),
    SUM(first_contact_due), SUM(first_contact_on_time), SUM(concluded), SUM(concluded_on_time),
    SUM(settled), SUM(escalated), SUM(withdrawn), SUM(rated), SUM(rating_sum), SUM(rated_high),
    SUM(cycle_days_sum), SUM(recovered_fen), SUM(case_filed), SUM(handled), SUM(overdue_began),
    SUM(overdue_ended)
FROM metric_daily
WHERE true
GROUP BY day, region_code, industry_code, COALESCE(association_id, '');
CREATE TABLE metric_region_monthly (
    month DATE NOT NULL,
    region_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    -- '' for businesses outside any association (a key column cannot be NULL).
    association_id TEXT NOT NULL DEFAULT '',
    filed BIGINT NOT NULL DEFAULT 0,
    first_contact_due BIGINT NOT NULL DEFAULT 0,
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
    overdue_began BIGINT NOT NULL DEFAULT 0,
    overdue_ended BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, region_code, industry_code, association_id)
);
CREATE INDEX metric_region_monthly_region_idx ON metric_region_monthly (region_code, month);
CREATE INDEX metric_region_monthly_industry_idx ON metric_region_monthly (industry_code, month);
CREATE INDEX metric_region_monthly_association_idx ON metric_region_monthly (association_id, month);
INSERT INTO metric_region_monthly (month, region_code, industry_code, association_id, filed,
    first_contact_due, first_contact_on_time, concluded, concluded_on_time, settled, escalated,
    withdrawn, rated, rating_sum, rated_high, cycle_days_sum, recovered_fen, case_filed,
    handled, overdue_began, overdue_ended)
SELECT month, region_code, industry_code, COALESCE(association_id, ''), SUM(filed),
    SUM(first_contact_due), SUM(first_contact_on_time), SUM(concluded), SUM(concluded_on_time),
    SUM(settled), SUM(escalated), SUM(withdrawn), SUM(rated), SUM(rating_sum), SUM(rated_high),
    SUM(cycle_days_sum), SUM(recovered_fen), SUM(case_filed), SUM(handled), SUM(overdue_began),
    SUM(overdue_ended)
FROM metric_monthly
WHERE true
GROUP BY month, region_code, industry_code, COALESCE(association_id, '');
