DROP TABLE escalation_updates;
