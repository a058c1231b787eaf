//! Outgoing messages: email through lettre, rendered from templates in zh-CN or English; the
//! 12315 gateway and merchants' webhooks over signed HTTP.

pub mod email;
pub mod gateway;
pub mod messages;
pub mod signature;
pub mod webhooks;
