DROP TABLE mediation_sessions;
DROP TABLE mediations;
DROP TABLE mediation_requests;
DROP TABLE mediators;
