DROP TABLE unit_warnings;
