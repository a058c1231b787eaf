DROP TABLE reference_revision;
