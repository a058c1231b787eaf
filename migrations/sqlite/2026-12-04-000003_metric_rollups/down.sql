DROP TABLE metric_region_monthly;
DROP TABLE metric_region_daily;
ALTER TABLE metric_monthly DROP COLUMN overdue_ended;
ALTER TABLE metric_monthly DROP COLUMN overdue_began;
ALTER TABLE metric_daily DROP COLUMN overdue_ended;
ALTER TABLE metric_daily DROP COLUMN overdue_began;
