DROP INDEX disputes_awaiting_idx;
DROP TABLE metric_monthly;
