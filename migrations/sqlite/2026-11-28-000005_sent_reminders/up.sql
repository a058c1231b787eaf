-- One row per reminder or digest sent: its key makes each one go out once, however often and on
-- however many nodes the sweeper runs.
CREATE TABLE sent_reminders (
    key TEXT PRIMARY KEY NOT NULL,
    sent_at TIMESTAMP NOT NULL
);
