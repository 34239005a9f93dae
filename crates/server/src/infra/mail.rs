//! Sending mail: one interface, two transports.
//!
//! [`Mailer::send`] takes an [`Email`] with a plain-text and an HTML body and delivers it either
//! over SMTP (lettre over rustls; no OpenSSL) or into an outbox directory as one `.eml` file per
//! message, written atomically (temporary file, then rename) so a reader never sees half a
//! message. Message bodies hold single-use links: they are never logged.

use std::path::Path;
use std::sync::Arc;

use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

use crate::infra::config::MailTarget;

/// A message to send.
#[derive(Debug, Clone)]
pub struct Email {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The recipient or sender is not a valid mailbox.
    #[error("invalid address: {0}")]
    Address(String),
    /// The message could not be built.
    #[error("could not build the message: {0}")]
    Build(String),
    /// The SMTP server refused or could not be reached.
    #[error("SMTP delivery failed: {0}")]
    Smtp(String),
    /// The outbox could not be written.
    #[error("could not write to the outbox: {0}")]
    Outbox(#[from] std::io::Error),
}

/// Delivers mail. Cheap to clone (every request's state holds one): nothing is copied.
#[derive(Clone)]
pub struct Mailer {
    from: Arc<Mailbox>,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Outbox(Arc<Path>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.transport {
            Transport::Outbox(dir) => write!(f, "Mailer(outbox {})", dir.display()),
            Transport::Smtp(_) => write!(f, "Mailer(smtp)"),
        }
    }
}

impl Mailer {
    /// A mailer for a checked target. The outbox directory is created if missing.
    pub fn new(target: &MailTarget, from: &str) -> Result<Mailer, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|_| MailError::Address(from.to_string()))?;
        let transport = match target {
            MailTarget::Outbox(dir) => {
                std::fs::create_dir_all(dir)?;
                Transport::Outbox(Arc::from(dir.as_path()))
            }
            MailTarget::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::Smtp(e.to_string()))?
                    .build(),
            ),
        };
        Ok(Mailer {
            from: Arc::new(from),
            transport,
        })
    }

    /// The outbox directory, when mail goes to files.
    pub fn outbox(&self) -> Option<&Path> {
        match &self.transport {
            Transport::Outbox(dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// Sends one message.
    #[tracing::instrument(skip_all, fields(subject = %email.subject))]
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|_| MailError::Address(email.to.clone()))?;
        let message = Message::builder()
            .from(Mailbox::clone(&self.from))
            .to(to)
            .subject(email.subject.clone())
            .header(header::MIME_VERSION_1_0)
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message)
                    .await
                    .map_err(|e| MailError::Smtp(e.to_string()))?;
            }
            Transport::Outbox(dir) => {
                let name = format!(
                    "{}-{}.eml",
                    portcullis_core::Timestamp::now().millis(),
                    portcullis_core::ids::new_id()
                );
                let partial = dir.join(format!(".{name}.partial"));
                tokio::fs::write(&partial, message.formatted()).await?;
                tokio::fs::rename(&partial, dir.join(&name)).await?;
            }
        }
        tracing::info!("mail sent");
        Ok(())
    }
}
