//! The 12315 gateway reached over HTTP (docs/escalation.md#http-delivery), both directions
//! signed (`super::signature`) with the connector's shared secret.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;

use crate::config::HttpConnectorSettings;

use super::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};

/// Why a delivery attempt failed (it is retried).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("gateway unreachable or too slow: {0}")]
    Transport(String),
    #[error("gateway answered {status}: {body}")]
    Refused { status: u16, body: String },
}

/// Posts one escalation packet. A 2xx answer, or 409 for a packet the gateway already holds
/// (same `Idempotency-Key`), counts as delivered.
pub async fn post_packet(
    client: &reqwest::Client,
    gateway: &HttpConnectorSettings,
    escalation_id: &str,
    packet: &str,
    now: DateTime<Utc>,
) -> Result<(), DeliveryError> {
    let timestamp = now.timestamp().to_string();
    let signature = sign(
        gateway.secret.expose_secret(),
        &timestamp,
        packet.as_bytes(),
    );
    let response = client
        .post(&gateway.url)
        .timeout(Duration::from_millis(gateway.timeout_ms))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", escalation_id)
        .header(TIMESTAMP_HEADER, &timestamp)
        .header(SIGNATURE_HEADER, signature)
        .body(packet.to_string())
        .send()
        .await
        .map_err(|e| DeliveryError::Transport(e.to_string()))?;
    let status = response.status();
    if status.is_success() || status == reqwest::StatusCode::CONFLICT {
        return Ok(());
    }
    let body: String = response
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(500)
        .collect();
    Err(DeliveryError::Refused {
        status: status.as_u16(),
        body,
    })
}
