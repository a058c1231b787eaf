//! Signed HTTP between the platform and others (docs/escalation.md#http-delivery,
//! docs/webhooks.md#signatures): `X-ODR-Timestamp` (Unix seconds) and
//! `X-ODR-Signature: sha256=<hex>` of HMAC-SHA256 over `"<timestamp>.<body>"` with the shared
//! secret. The 12315 gateway and the platform sign both ways with it; webhooks are signed with
//! each endpoint's secret.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const TIMESTAMP_HEADER: &str = "X-ODR-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-ODR-Signature";

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `X-ODR-Signature` value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Why a signed request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("X-ODR-Timestamp and X-ODR-Signature are required")]
    Missing,
    #[error("X-ODR-Timestamp is not a Unix time in seconds")]
    BadTimestamp,
    #[error("X-ODR-Timestamp is outside the accepted window")]
    Stale,
    #[error("X-ODR-Signature does not match")]
    Mismatch,
}

/// Checks a request signed by the gateway: its timestamp lies within `window_secs` of `now`
/// and its signature matches (compared in constant time).
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
    window_secs: i64,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if (now.timestamp() - at).abs() > window_secs {
        return Err(SignatureError::Stale);
    }
    let given = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or(SignatureError::Mismatch)?;
    mac(secret, timestamp.trim(), body)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECRET: &str = "a-shared-secret-of-at-least-32-chars";

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn a_signature_made_here_verifies() {
        let sig = sign(SECRET, "1800000000", b"{\"a\":1}");
        assert!(sig.starts_with("sha256="));
        assert_eq!(sig.len(), 7 + 64);
        assert_eq!(
            verify(
                SECRET,
                Some("1800000000"),
                Some(&sig),
                b"{\"a\":1}",
                now(),
                300
            ),
            Ok(())
        );
    }

    #[test]
    fn refusals_say_why() {
        let sig = sign(SECRET, "1800000000", b"body");
        let check = |ts: Option<&str>, sig: Option<&str>, body: &[u8]| {
            verify(SECRET, ts, sig, body, now(), 300)
        };
        assert_eq!(
            check(None, Some(&sig), b"body"),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            check(Some("1800000000"), None, b"body"),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            check(Some("soon"), Some(&sig), b"body"),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            check(Some("1800000000"), Some(&sig), b"bodY"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(Some("1800000000"), Some("sha256=zz"), b"body"),
            Err(SignatureError::Mismatch)
        );
        let old = sign(SECRET, "1799999699", b"body");
        assert_eq!(
            check(Some("1799999699"), Some(&old), b"body"),
            Err(SignatureError::Stale)
        );
        let edge = sign(SECRET, "1799999700", b"body");
        assert_eq!(check(Some("1799999700"), Some(&edge), b"body"), Ok(()));
        let other = sign(
            "another-secret-of-at-least-32-chars!",
            "1800000000",
            b"body",
        );
        assert_eq!(
            check(Some("1800000000"), Some(&other), b"body"),
            Err(SignatureError::Mismatch)
        );
    }
}
