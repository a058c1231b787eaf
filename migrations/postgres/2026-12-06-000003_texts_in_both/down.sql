ALTER TABLE alerts DROP COLUMN summary_en;
ALTER TABLE notifications DROP COLUMN message_en;
ALTER TABLE notifications DROP COLUMN message_zh;
