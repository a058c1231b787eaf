//! Pure rules of the platform: validated values, lifecycles and formulas. No I/O, no clock,
//! no framework types (closed sets get their serde and OpenAPI traits from `text_enum!`);
//! everything here is tested in place.

pub mod access;
pub mod alert;
pub mod audit;
pub mod bureau;
pub mod calendar;
pub mod claim;
pub mod commitment;
pub mod contact;
pub mod dispute;
pub mod division;
pub mod document;
pub mod escalation;
pub mod following;
pub mod industry;
pub mod masking;
pub mod mediation;
pub mod metrics;
pub mod money;
pub mod notification;
pub mod offer;
pub mod password;
pub mod policy;
pub mod publication;
pub mod region;
pub mod role;
pub mod sms;
pub mod text;
pub mod text_enum;
pub mod unit;
pub mod uscc;
pub mod webhook;
