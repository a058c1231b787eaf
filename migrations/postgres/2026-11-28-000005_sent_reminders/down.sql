DROP TABLE sent_reminders;
