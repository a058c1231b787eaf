-- Case numbers come from a sequence: a counter row would serialise concurrent filings on its
-- row lock until each commit.
CREATE SEQUENCE case_number_seq;
