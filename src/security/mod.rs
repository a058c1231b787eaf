//! Cryptography used by the platform: password hashing, signed tokens, and encryption of
//! personal data at rest. Pure functions of their inputs and keys; no storage here.

pub mod limits;
pub mod passwords;
pub mod pii;
pub mod tokens;
