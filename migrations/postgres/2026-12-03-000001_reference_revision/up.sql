-- A counter that grows whenever regions, industries or associations change, so that every
-- node's cache of them (src/http/reference.rs) knows with one read whether it is current.
CREATE TABLE reference_revision (
    id BIGINT PRIMARY KEY NOT NULL,
    revision BIGINT NOT NULL
);
INSERT INTO reference_revision (id, revision) VALUES (1, 1);
