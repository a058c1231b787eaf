ALTER TABLE disputes DROP COLUMN first_contact_lapsed_at;
