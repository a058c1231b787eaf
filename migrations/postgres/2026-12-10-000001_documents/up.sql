-- The documents the platform has issued for disputes (docs/documents.md): the settlement
-- agreement and the escalation notice as PDF files, each with a verification code printed on it
-- and the SHA-256 of its bytes, which the public verification page checks. A document is
-- rendered again on each download; the same content gives the same bytes, so one code serves
-- until the content changes (masking differs by audience: `whole` for the parties, `masked` for
-- regulators).
CREATE TABLE documents (
    code TEXT PRIMARY KEY NOT NULL,
    dispute_id TEXT NOT NULL REFERENCES disputes (id),
    kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    lang TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL
);

-- A download finds the document last issued to its audience.
CREATE INDEX documents_dispute_idx ON documents (dispute_id, kind, audience, lang, issued_at);
