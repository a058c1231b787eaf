-- Daily counters per unit (docs/metrics.md, "Counters"), updated in the transaction of each dispute
-- event, so metrics read a few rows per unit and day instead of every dispute. The day is the
-- Asia/Shanghai date; region, industry and association are the unit's at that moment.
CREATE TABLE metric_daily (
    day DATE NOT NULL,
    unit_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    industry_code TEXT NOT NULL,
    association_id TEXT,
    filed INTEGER NOT NULL DEFAULT 0,
    first_contact_on_time INTEGER NOT NULL DEFAULT 0,
    concluded INTEGER NOT NULL DEFAULT 0,
    concluded_on_time INTEGER NOT NULL DEFAULT 0,
    settled INTEGER NOT NULL DEFAULT 0,
    escalated INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    rating_sum INTEGER NOT NULL DEFAULT 0,
    rated_high INTEGER NOT NULL DEFAULT 0,
    cycle_days_sum INTEGER NOT NULL DEFAULT 0,
    recovered_fen INTEGER NOT NULL DEFAULT 0,
    case_filed INTEGER NOT NULL DEFAULT 0,
    handled INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, unit_id)
);
CREATE INDEX metric_daily_unit_idx ON metric_daily (unit_id, day);
CREATE INDEX metric_daily_region_idx ON metric_daily (region_code, day);
CREATE INDEX metric_daily_industry_idx ON metric_daily (industry_code, day);
CREATE INDEX metric_daily_association_idx ON metric_daily (association_id, day);
