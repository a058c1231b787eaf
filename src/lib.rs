//! The ODR platform: online dispute resolution between consumers and the businesses that
//! market regulators enrol as ODR units.

pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod jobs;
pub mod notify;
pub mod security;
pub mod store;
