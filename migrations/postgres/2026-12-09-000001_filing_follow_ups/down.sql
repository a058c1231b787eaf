DROP TABLE filing_follow_ups;
