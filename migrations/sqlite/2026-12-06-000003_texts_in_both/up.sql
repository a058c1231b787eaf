-- Texts the platform writes once and shows later, kept in both languages so that a page shows
-- the one of its language: a notification (`message` stays in the account's language, the
-- API's) and an alert's summary (`summary` stays Chinese).
ALTER TABLE notifications ADD COLUMN message_zh TEXT;
ALTER TABLE notifications ADD COLUMN message_en TEXT;
ALTER TABLE alerts ADD COLUMN summary_en TEXT;
