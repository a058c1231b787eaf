DROP TABLE metric_daily;
