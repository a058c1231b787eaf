-- SQLite has one writer at a time, so it keeps numbering cases with the case_counters table;
-- this migration exists so both trees hold the same names.
SELECT 1;
