//! Outgoing messages: email through lettre, rendered from templates in zh-CN or English.

pub mod email;
pub mod gateway;
pub mod messages;
