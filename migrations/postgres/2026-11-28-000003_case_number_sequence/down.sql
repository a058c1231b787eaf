DROP SEQUENCE case_number_seq;
