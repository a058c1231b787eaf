-- Room on each page of disputes for a changed row beside the old one, so that a step that
-- changes no indexed column (a message, a flagged first contact, a rating: the version and
-- times) is a heap-only update that writes none of the table's indexes
-- (docs/architecture.md#statements-per-write). Pages written from now on keep 15 % free;
-- `VACUUM FULL disputes` rewrites the older ones.
ALTER TABLE disputes SET (fillfactor = 85);
