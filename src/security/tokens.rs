//! Signed tokens. One claims type per purpose, each with its own audience, so a token minted
//! for one purpose is refused for another (docs/api.md#authentication). Refresh tokens are opaque random strings
//! stored only as their SHA-256.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const ISSUER: &str = "odr";
const ACCESS_AUDIENCE: &str = "odr-access";
const INVITATION_AUDIENCE: &str = "odr-invitation";
const RESET_AUDIENCE: &str = "odr-password-reset";
const EVIDENCE_AUDIENCE: &str = "odr-evidence-link";

/// Claims of a short-lived API access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    /// The session (refresh-token family) the token belongs to: when it is revoked (logout,
    /// password change, deactivation, a reused refresh token) the token stops working.
    #[serde(default)]
    pub sid: String,
    pub role: String,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// Claims of a token about one subject: an invitation to set a first password (the user),
/// or a signed download link (the evidence file).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubjectClaims {
    pub sub: String,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// A token was refused: bad signature, wrong purpose, or expired.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
}

/// Signs and verifies tokens with the configured HMAC secret. Time comes from the caller.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Key of the portal's form tokens, derived from the secret for that purpose alone.
    forms: std::sync::Arc<[u8; 32]>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(***)")
    }
}

impl TokenKeys {
    /// Keys for HS256 from the shared secret; an empty secret is refused.
    pub fn new(secret: &[u8]) -> Result<Self, jsonwebtoken::errors::Error> {
        let mut forms = [0u8; 32];
        // HKDF output of 32 bytes never fails.
        let _ = hkdf::Hkdf::<Sha256>::new(None, secret).expand(b"odr-portal-forms", &mut forms);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            forms: std::sync::Arc::new(forms),
        })
    }

    /// The form token (CSRF) that goes with a browser's random `nonce` (kept in a cookie): a
    /// page can only post what this server signed for that browser.
    pub fn form_token(&self, nonce: &str) -> String {
        use hmac::Mac as _;
        let mut mac = <hmac::Hmac<Sha256> as hmac::KeyInit>::new_from_slice(self.forms.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(nonce.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `token` is the form token of `nonce`, compared in constant time.
    pub fn check_form_token(&self, nonce: &str, token: &str) -> bool {
        use hmac::Mac as _;
        let Ok(token) = URL_SAFE_NO_PAD.decode(token.trim()) else {
            return false;
        };
        let Ok(mut mac) =
            <hmac::Hmac<Sha256> as hmac::KeyInit>::new_from_slice(self.forms.as_slice())
        else {
            return false;
        };
        mac.update(nonce.as_bytes());
        mac.verify_slice(&token).is_ok()
    }

    /// An access token for `user_id` valid for `ttl` from `now`.
    pub fn issue_access(
        &self,
        user_id: &str,
        role: &str,
        session: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<String, TokenError> {
        let claims = AccessClaims {
            sub: user_id.into(),
            sid: session.into(),
            role: role.into(),
            aud: ACCESS_AUDIENCE.into(),
            iss: ISSUER.into(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        };
        self.sign(&claims)
    }

    /// Verifies an access token as of `now`.
    pub fn verify_access(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<AccessClaims, TokenError> {
        self.verify(token, ACCESS_AUDIENCE, now)
    }

    /// An invitation for `user_id` valid for `ttl` from `now`.
    pub fn issue_invitation(
        &self,
        user_id: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<String, TokenError> {
        let claims = SubjectClaims {
            sub: user_id.into(),
            aud: INVITATION_AUDIENCE.into(),
            iss: ISSUER.into(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        };
        self.sign(&claims)
    }

    /// A download link token for evidence file `evidence_id`, valid until `until`.
    pub fn issue_evidence_link(
        &self,
        evidence_id: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<String, TokenError> {
        self.sign(&SubjectClaims {
            sub: evidence_id.into(),
            aud: EVIDENCE_AUDIENCE.into(),
            iss: ISSUER.into(),
            iat: now.timestamp(),
            exp: until.timestamp(),
        })
    }

    /// Verifies an evidence link token as of `now`.
    pub fn verify_evidence_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<SubjectClaims, TokenError> {
        self.verify(token, EVIDENCE_AUDIENCE, now)
    }

    /// Verifies an invitation as of `now`.
    pub fn verify_invitation(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<SubjectClaims, TokenError> {
        self.verify(token, INVITATION_AUDIENCE, now)
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, TokenError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|_| TokenError::Invalid)
    }

    /// Checks signature, issuer and audience with the library, and expiry against the
    /// injected `now` (the library would read the wall clock).
    fn verify<T>(&self, token: &str, audience: &str, now: DateTime<Utc>) -> Result<T, TokenError>
    where
        T: for<'de> Deserialize<'de> + HasExpiry,
    {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[ISSUER]);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        let data = jsonwebtoken::decode::<T>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?;
        if data.claims.expires_at() <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(data.claims)
    }
}

/// Claims of a password-reset link: the account and a fingerprint of its password hash at
/// the time, so that the link works once (setting a password changes the fingerprint).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetClaims {
    pub sub: String,
    pub pwd: String,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

impl HasExpiry for ResetClaims {
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

/// The fingerprint of a stored password hash (none: an account without a password yet).
pub fn password_fingerprint(password_hash: Option<&str>) -> String {
    let digest = Sha256::digest(password_hash.unwrap_or_default().as_bytes());
    hex::encode(&digest[..8])
}

impl TokenKeys {
    /// A password-reset link token for `user_id` whose password hash has `fingerprint`.
    pub fn issue_password_reset(
        &self,
        user_id: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<String, TokenError> {
        self.sign(&ResetClaims {
            sub: user_id.into(),
            pwd: fingerprint.into(),
            aud: RESET_AUDIENCE.into(),
            iss: ISSUER.into(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        })
    }

    /// Verifies a password-reset token as of `now` (the fingerprint is checked by the caller).
    pub fn verify_password_reset(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<ResetClaims, TokenError> {
        self.verify(token, RESET_AUDIENCE, now)
    }
}

/// Claims that carry an expiry.
pub trait HasExpiry {
    /// Expiry as seconds since the epoch.
    fn expires_at(&self) -> i64;
}

impl HasExpiry for AccessClaims {
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

impl HasExpiry for SubjectClaims {
    fn expires_at(&self) -> i64 {
        self.exp
    }
}

/// A fresh opaque refresh token (256 random bits, URL-safe base64).
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    // ThreadRng is a CSPRNG seeded from the operating system.
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a refresh token.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-27T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn an_access_token_is_valid_until_it_expires() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef").unwrap();
        let token = keys
            .issue_access("u1", "consumer", "s1", now(), Duration::minutes(15))
            .unwrap();
        assert_eq!(keys.verify_access(&token, now()).unwrap().sub, "u1");
        assert!(matches!(
            keys.verify_access(&token, now() + Duration::minutes(15)),
            Err(TokenError::Expired)
        ));
    }

    #[test]
    fn a_token_for_one_purpose_is_refused_for_another() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef").unwrap();
        let invitation = keys
            .issue_invitation("u1", now(), Duration::hours(1))
            .unwrap();
        assert!(keys.verify_access(&invitation, now()).is_err());
        let access = keys
            .issue_access("u1", "admin", "s1", now(), Duration::hours(1))
            .unwrap();
        assert!(keys.verify_invitation(&access, now()).is_err());
    }

    #[test]
    fn another_secret_is_refused() {
        let token = TokenKeys::new(b"0123456789abcdef0123456789abcdef")
            .unwrap()
            .issue_access("u1", "consumer", "s1", now(), Duration::minutes(15))
            .unwrap();
        let other = TokenKeys::new(b"fedcba9876543210fedcba9876543210").unwrap();
        assert!(matches!(
            other.verify_access(&token, now()),
            Err(TokenError::Invalid)
        ));
    }

    #[test]
    fn refresh_tokens_are_random_and_stored_hashed() {
        let a = new_refresh_token();
        assert_ne!(a, new_refresh_token());
        assert_eq!(hash_refresh_token(&a).len(), 64);
        assert_ne!(hash_refresh_token(&a), a);
    }
}
