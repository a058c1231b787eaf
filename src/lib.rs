//! The ODR platform: online dispute resolution between consumers and the businesses that
//! market regulators enrol as ODR units.

pub mod accounts;
pub mod clock;
pub mod config;
pub mod deadlines;
pub mod demo;
pub mod disputes;
pub mod documents;
pub mod domain;
pub mod error;
pub mod files;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod notify;
pub mod onboarding;
pub mod oversight;
pub mod security;
pub mod startup;
pub mod store;
pub mod tables;
pub mod telemetry;
