//! Text messages (docs/sms.md): what they tell of, where each stands, the provider templates'
//! `${name}` values, Alibaba Cloud's signature of an RPC request and Tencent Cloud's
//! TC3-HMAC-SHA256 authorization.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::text_enum::text_enum;

text_enum! {
    /// The events a text message tells of. The first eight go to the dispute's consumer; the
    /// last two to the unit's staff, where the deployment turns staff messages on.
    pub enum SmsEvent ("text message event") {
        /// The consumer's dispute was filed: its case number and the business's first-contact
        /// due date.
        Filed,
        /// The business answered the consumer for the first time.
        FirstContact,
        /// The business made an offer.
        Offer,
        /// An offer was accepted: the dispute is settled.
        Agreement,
        /// The business marked the settlement fulfilled; the consumer is asked to confirm.
        Fulfilled,
        /// The dispute went to the regulator's 12315 platform.
        Escalated,
        /// A regulator ruled it is not a consumer dispute: it ends here.
        Rejected,
        /// A mediation session was scheduled, or is tomorrow (docs/mediation.md).
        MediationSession,
        /// Staff: a consumer filed a dispute against the unit.
        NewDispute,
        /// Staff: one of the unit's due dates comes near.
        DueSoon,
    }
}

impl SmsEvent {
    /// The values its template may use (`${case}` and so on), each always given.
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            Self::Filed | Self::Fulfilled => &["case", "business", "due"],
            Self::FirstContact | Self::Agreement | Self::Escalated | Self::Rejected => {
                &["case", "business"]
            }
            Self::Offer => &["case", "business", "offer"],
            Self::MediationSession => &["case", "business", "time", "place"],
            Self::NewDispute => &["case", "due"],
            Self::DueSoon => &["case", "deadline", "due"],
        }
    }

    /// Whether it goes to staff rather than to the consumer.
    pub fn is_for_staff(self) -> bool {
        matches!(self, Self::NewDispute | Self::DueSoon)
    }
}

text_enum! {
    /// Where a text message stands.
    pub enum SmsStatus ("text message status") {
        /// Waiting for the worker (or for its next attempt after a failure).
        Pending,
        /// Taken by the provider.
        Sent,
        /// Refused by the provider, or still failing when the deployment gives up.
        Failed,
        /// Not sent: the recipient asked for no text messages.
        OptedOut,
        /// Not sent: the number had its limit of messages for the hour or the day.
        RateLimited,
    }
}

/// The `${name}` placeholders of a template's text, in order, each once.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !found.contains(&name) {
            found.push(name);
        }
        rest = &after[end + 1..];
    }
    found
}

/// `text` with each `${name}` replaced by its value in `values` (a name without one stays).
pub fn fill(text: &str, values: &BTreeMap<String, String>) -> String {
    values.iter().fold(text.to_string(), |text, (name, value)| {
        text.replace(&format!("${{{name}}}"), value)
    })
}

/// Percent-encoding as Alibaba Cloud's signature wants it (RFC 3986): everything but letters,
/// digits and `-_.~`, in upper-case hex; a space is `%20`.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `value` percent-encoded for the signature and for the request.
pub fn percent_encode(value: &str) -> String {
    utf8_percent_encode(value, RFC3986).to_string()
}

/// The canonicalised query of `params` (sorted by name, each name and value encoded).
pub fn canonical_query(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `Signature` of an RPC request with `params` (every parameter but the signature) sent
/// with `method`: Base64 of HMAC-SHA1, keyed with the AccessKey secret and `&`, of
/// `METHOD&%2F&` and the encoded canonicalised query.
pub fn aliyun_signature(method: &str, params: &BTreeMap<String, String>, secret: &str) -> String {
    let string_to_sign = format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical_query(params))
    );
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()) else {
        unreachable!("HMAC takes a key of any length")
    };
    mac.update(string_to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// The content type Tencent Cloud's JSON requests are sent and signed with.
pub const TENCENT_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// HMAC-SHA256 of `message` keyed with `key`.
fn hmac_sha256(key: &[u8], message: &str) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key) else {
        unreachable!("HMAC takes a key of any length")
    };
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The lower-case hex SHA-256 of `text`.
fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// The `Authorization` header of a Tencent Cloud API request (signature v3, TC3-HMAC-SHA256):
/// a JSON `payload` POSTed to `/` of `host` for `service` at Unix time `timestamp`, signing the
/// `content-type` and `host` headers, with the key derived from `TC3` + the SecretKey, the UTC
/// date, the service and `tc3_request`.
pub fn tencent_authorization(
    (secret_id, secret_key): (&str, &str),
    service: &str,
    host: &str,
    timestamp: i64,
    payload: &str,
) -> String {
    let date = chrono::DateTime::from_timestamp(timestamp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string();
    let canonical = format!(
        "POST\n/\n\ncontent-type:{TENCENT_CONTENT_TYPE}\nhost:{host}\n\ncontent-type;host\n{}",
        sha256_hex(payload)
    );
    let scope = format!("{date}/{service}/tc3_request");
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        sha256_hex(&canonical)
    );
    let key = [date.as_str(), service, "tc3_request"]
        .iter()
        .fold(format!("TC3{secret_key}").into_bytes(), |key, part| {
            hmac_sha256(&key, part)
        });
    let signature = hex::encode(hmac_sha256(&key, &string_to_sign));
    format!(
        "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_signature_matches_the_documented_example() {
        // The example of Alibaba Cloud's "Signature mechanism" for RPC APIs: DescribeRegions
        // with the AccessKey secret "testsecret".
        let example = params(&[
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ]);
        assert_eq!(
            aliyun_signature("GET", &example, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn tencent_signs_the_payload_with_a_key_of_the_day() {
        let sign = |payload: &str, timestamp: i64| {
            tencent_authorization(
                ("AKID", "key"),
                "sms",
                "sms.tencentcloudapi.com",
                timestamp,
                payload,
            )
        };
        let one = sign("{}", 1_764_547_200); // 2025-12-01 00:00 UTC
        assert!(
            one.starts_with("TC3-HMAC-SHA256 Credential=AKID/2025-12-01/sms/tc3_request, SignedHeaders=content-type;host, Signature="),
            "{one}"
        );
        let signature = one.rsplit_once('=').unwrap().1;
        assert_eq!(signature.len(), 64);
        assert_ne!(
            one,
            sign("{\"a\":1}", 1_764_547_200),
            "the payload is signed"
        );
        assert_ne!(one, sign("{}", 1_764_547_201), "so is the time");
    }

    #[test]
    fn encoding_keeps_only_the_unreserved_characters() {
        assert_eq!(percent_encode("a b*c~d+e/é"), "a%20b%2Ac~d%2Be%2F%C3%A9");
        assert_eq!(
            canonical_query(&params(&[("b", "2"), ("A", "x y"), ("a", "1")])),
            "A=x%20y&a=1&b=2"
        );
    }

    #[test]
    fn templates_name_their_values_and_are_filled_in() {
        let text = "您的投诉${case}已提交，${business}将在${due}前联系您。${case}";
        assert_eq!(placeholders(text), ["case", "business", "due"]);
        let values = params(&[
            ("case", "ODR1"),
            ("business", "西溪人家"),
            ("due", "12月1日"),
        ]);
        assert_eq!(
            fill(text, &values),
            "您的投诉ODR1已提交，西溪人家将在12月1日前联系您。ODR1"
        );
        assert!(placeholders("no values").is_empty());
    }

    #[test]
    fn every_template_value_is_given_for_its_event() {
        for event in SmsEvent::ALL {
            assert!(event.variables().contains(&"case"), "{event}");
        }
        assert!(SmsEvent::DueSoon.is_for_staff() && !SmsEvent::Filed.is_for_staff());
    }
}
