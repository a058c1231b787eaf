//! Integration tests: the real application over HTTP, each test on SQLite and on PostgreSQL.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support code fails the test loudly on setup errors"
)]

mod helpers;

mod accounts;
mod admin;
mod alerts;
mod audit;
mod browser;
mod bureau;
mod businesses;
mod calendar;
mod cli;
mod concurrency;
mod deadlines;
mod disputes;
mod documents;
mod email;
mod errors;
mod escalations;
mod evaluation;
mod figures;
mod following;
mod gateway;
mod hardening;
mod health;
mod imports;
mod jobs;
mod layers;
mod mediation;
mod memo;
mod metrics;
mod migrations;
mod openapi;
mod portal;
mod public;
mod publications;
mod regions;
mod replica;
mod reply_templates;
mod reports;
mod sms;
mod texts;
mod timers;
mod units;
mod webhooks;
mod wording;
mod workers;
