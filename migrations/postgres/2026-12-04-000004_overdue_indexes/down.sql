DROP INDEX metric_daily_day_region_idx;
DROP INDEX metric_monthly_month_region_idx;
DROP INDEX disputes_overdue_spell_idx;
DROP INDEX disputes_open_due_idx;
