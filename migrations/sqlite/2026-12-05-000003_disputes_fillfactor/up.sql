-- PostgreSQL only (free room on the pages of disputes for heap-only updates); SQLite has no
-- such setting. Kept so that both trees hold the same migrations.
SELECT 1;
