-- "Open and overdue" reads (docs/metrics.md#open-and-overdue): the disputes still awaiting
-- settlement by due date, and the disputes whose handling ended after their due moment by the
-- end of handling. Both partial, so each holds only what those reads look for; the queries
-- write the same predicates out (store::metrics::AWAITING_SETTLEMENT_SQL, OVERDUE_SPELL_SQL).
CREATE INDEX disputes_open_due_idx ON disputes (settlement_due_at)
    WHERE handling_ended_at IS NULL AND status IN ('filed', 'negotiating');
CREATE INDEX disputes_overdue_spell_idx ON disputes (handling_ended_at)
    WHERE handling_ended_at > settlement_due_at;
-- A region's units with counter rows in a month or on a day (activity), from the index alone.
CREATE INDEX metric_monthly_month_region_idx ON metric_monthly (month, region_code, unit_id, handled);
CREATE INDEX metric_daily_day_region_idx ON metric_daily (day, region_code, unit_id, handled);
