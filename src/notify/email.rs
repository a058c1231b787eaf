//! Email transports (docs/architecture.md#jobs): real SMTP, `.eml` files in a folder, or memory for tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::{EmailSettings, EmailTransportKind, SmtpTls};

/// A rendered email, as queued for delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Sends email through the configured transport.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Memory(Arc<Mutex<Vec<OutgoingEmail>>>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::File(_) => "file",
            Transport::Memory(_) => "memory",
        };
        f.debug_struct("Mailer").field("transport", &kind).finish()
    }
}

/// Sending failed; the job queue retries.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address: {0}")]
    Address(String),
    #[error("message could not be built: {0}")]
    Build(String),
    #[error("delivery failed: {0}")]
    Delivery(String),
    #[error("mail transport misconfigured: {0}")]
    Config(String),
}

impl Mailer {
    /// Builds the transport named in the settings.
    pub fn from_settings(settings: &EmailSettings) -> Result<Self, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| MailError::Config(format!("email.from: {e}")))?;
        let transport = match settings.transport {
            EmailTransportKind::Smtp => Transport::Smtp(smtp_transport(settings)?),
            EmailTransportKind::File => {
                std::fs::create_dir_all(&settings.file_dir).map_err(|e| {
                    MailError::Config(format!(
                        "email.file_dir {}: {e}",
                        settings.file_dir.display()
                    ))
                })?;
                Transport::File(AsyncFileTransport::new(&settings.file_dir))
            }
            EmailTransportKind::Memory => Transport::Memory(Arc::default()),
        };
        Ok(Self { from, transport })
    }

    /// Delivers one message.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<(), MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| MailError::Address(email.to.clone()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(drop)
                .map_err(|e| MailError::Delivery(e.to_string())),
            Transport::File(file) => file
                .send(message)
                .await
                .map(drop)
                .map_err(|e| MailError::Delivery(e.to_string())),
            Transport::Memory(sent) => {
                sent.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(email.clone());
                Ok(())
            }
        }
    }

    /// Messages delivered so far by the memory transport (empty for the others).
    pub fn sent(&self) -> Vec<OutgoingEmail> {
        match &self.transport {
            Transport::Memory(sent) => sent
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
            _ => Vec::new(),
        }
    }
}

fn smtp_transport(
    settings: &EmailSettings,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let host = settings.smtp_host.as_str();
    let builder = match settings.smtp_tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
            .map_err(|e| MailError::Config(format!("email.smtp_host: {e}")))?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
            .map_err(|e| MailError::Config(format!("email.smtp_host: {e}")))?,
    };
    let mut builder = builder
        .port(settings.smtp_port)
        .timeout(Some(Duration::from_secs(settings.smtp_timeout_secs)));
    if !settings.smtp_username.is_empty() {
        builder = builder.credentials(Credentials::new(
            settings.smtp_username.clone(),
            settings.smtp_password.expose_secret().to_string(),
        ));
    }
    Ok(builder.build())
}
