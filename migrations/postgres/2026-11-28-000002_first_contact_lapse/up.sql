ALTER TABLE disputes ADD COLUMN first_contact_lapsed_at TIMESTAMP;
