//! Outgoing e-mail: verification, password resets, invitations, ticket follow links and
//! notification digests (mentions and DMs left unread).
//!
//! Nothing is sent from a request: a use case queues a [`Template`] in the durable jobs table
//! ([`outbox::queue`]); the jobs worker renders it at send time (creating the single-use token
//! it carries, so no raw token is ever at rest) and hands it to the [`Mailer`], retrying with
//! backoff when the SMTP server fails. With `SMTP_URL` unset the mailer writes each message to
//! the log instead (development), and says so at startup.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart, header},
};

pub mod outbox;
pub mod templates;

pub use outbox::Template;

/// A rendered message.
#[derive(Clone, Debug)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Recipient name.
    pub to_name: Option<String>,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// The one-click unsubscribe link of a notification e-mail (RFC 8058): sent as
    /// `List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    pub list_unsubscribe: Option<String>,
}

/// Sends rendered messages: over SMTP, or to the log.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Log,
}

impl Mailer {
    /// The mailer for `SMTP_URL` (`smtp://` or `smtps://`, see docs/operations.md), or the log
    /// when unset. Fails on a URL or `MAIL_FROM` that cannot work.
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Self, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("MAIL_FROM is not an address: {e}"))?;
        let transport = match smtp_url {
            None => Transport::Log,
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
        };
        Ok(Self { transport, from })
    }

    /// True when messages only go to the log.
    pub fn is_log_only(&self) -> bool {
        matches!(self.transport, Transport::Log)
    }

    /// Sends one message. The error is short and safe to store (never credentials).
    pub async fn send(&self, mail: &Mail) -> Result<(), String> {
        match &self.transport {
            Transport::Log => {
                // Development only: the message, links included, is in the log on purpose.
                tracing::info!(
                    target: "switchboard::mail",
                    to = %mail.to,
                    subject = %mail.subject,
                    body = %mail.text,
                    "mail (SMTP_URL unset: written to the log, not sent)"
                );
                Ok(())
            }
            Transport::Smtp(smtp) => {
                let message = self.build(mail)?;
                smtp.send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| smtp_error(&e))
            }
        }
    }

    fn build(&self, mail: &Mail) -> Result<Message, String> {
        let to = Mailbox::new(
            mail.to_name.clone(),
            mail.to
                .parse()
                .map_err(|e| format!("bad recipient address: {e}"))?,
        );
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(header::MIME_VERSION_1_0);
        if let Some(link) = &mail.list_unsubscribe {
            builder = builder
                .raw_header(header::HeaderValue::new(
                    header::HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{link}>"),
                ))
                .raw_header(header::HeaderValue::new(
                    header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

/// A short description of an SMTP failure for the job's `last_error` (lettre's errors name the
/// server's answer, never the credentials).
fn smtp_error(err: &lettre::transport::smtp::Error) -> String {
    let kind = if err.is_transient() {
        "transient"
    } else if err.is_permanent() {
        "permanent"
    } else if err.is_timeout() {
        "timeout"
    } else {
        "connection"
    };
    let text: String = err.to_string().chars().take(200).collect();
    format!("smtp {kind} error: {text}")
}
