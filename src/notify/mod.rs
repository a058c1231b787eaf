//! Outgoing messages: email through lettre, rendered from templates in zh-CN or English; the
//! 12315 gateway and merchants' webhooks over signed HTTP; text messages through the
//! deployment's SMS provider.

pub mod email;
pub mod gateway;
pub mod messages;
pub mod signature;
pub mod sms;
pub mod webhooks;
