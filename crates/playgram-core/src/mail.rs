//! Outgoing email over SMTP, or to the log when SMTP is not configured.
//!
//! Without `smtp_url`, a message is written to the log at INFO with its whole text, so a self-hoster
//! can still follow a password-reset or invite link (the CLI can also print reset links:
//! `playgram admin reset-password --email …`). With SMTP, sending failures are returned to the caller,
//! which decides whether they matter (a reset request still answers the same way, to not reveal
//! which addresses have accounts).

use lettre::message::{Mailbox, Message, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

/// One plain-text email.
#[derive(Clone, Debug)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail_from {from:?}: {e}"))?;
        let transport = match smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("smtp_url: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(15)))
                    .build(),
            ),
            None => None,
        };
        Ok(Self { from, transport })
    }

    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    pub async fn send(&self, email: Email) -> anyhow::Result<()> {
        let Some(transport) = &self.transport else {
            tracing::info!(to = %email.to, subject = %email.subject, body = %email.body, "email (SMTP not configured, logged instead)");
            return Ok(());
        };
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| anyhow::anyhow!("recipient {:?}: {e}", email.to))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(email.body)?;
        transport
            .send(message)
            .await
            .map_err(|e| anyhow::anyhow!("smtp send: {e}"))?;
        Ok(())
    }
}
