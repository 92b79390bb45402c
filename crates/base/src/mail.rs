//! Outgoing mail: an outbox in the database and delivery over SMTP.
//!
//! A platform that wants to send a message puts it into the [`Outbox`], ideally in the same
//! transaction as the change the message reports, so that either both happen or neither.
//! [`Outbox::deliver_due`], called periodically on every node, claims each due message for
//! a short while (so that another node does not send it too), sends it through the
//! [`Mailer`] and deletes it, or schedules another attempt with a growing delay. After
//! [`MAX_ATTEMPTS`] attempts, or at once when the server refuses a message for good, the
//! message is marked failed and stays in the table for an operator.
//!
//! Logs name messages by their id only: no addresses, subjects or texts, which are personal
//! data and, for invitations, contain secret links.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use uuid::Uuid;

use crate::config::MailConfig;
use crate::db::{Database, DbError, Transaction};
use crate::migrate::Migration;

/// The migrations of the outbox table.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 4,
    name: "mail outbox",
    sql: "
        -- Messages waiting to be sent. A sent message is deleted; one that could not be sent
        -- after all attempts keeps failed_at and last_error for an operator to look at.
        -- recipient, subject and the bodies are personal data (category: contact).
        CREATE TABLE mail_outbox (
            id {uuid} PRIMARY KEY,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            body_text TEXT NOT NULL,
            body_html TEXT,
            created_at {timestamp} NOT NULL,
            next_attempt_at {timestamp} NOT NULL,
            attempts BIGINT NOT NULL DEFAULT 0,
            -- While a node sends the message, the time until which the others leave it alone.
            claimed_until {timestamp},
            last_error TEXT,
            failed_at {timestamp}
        );
        CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);
    ",
}];

/// How many times a message is tried before it is given up.
pub const MAX_ATTEMPTS: i64 = 10;

/// How many due messages one call of [`Outbox::deliver_due`] takes on.
const BATCH: i64 = 50;

/// The delay after the first failed attempt; it doubles with each further one.
const FIRST_RETRY: Duration = Duration::from_mins(1);

/// The longest delay between two attempts.
const LONGEST_RETRY: Duration = Duration::from_hours(1);

/// A message to send: plain UTF-8 text, optionally with an HTML form of the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailMessage {
    /// The recipient's address, such as `anna@example.org` or `Anna <anna@example.org>`.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The text.
    pub text: String,
    /// The same text as HTML, for mail programs that prefer it.
    pub html: Option<String>,
}

/// Why mail could not be queued or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A recipient or sender address is not an email address.
    #[error("`{0}` is not an email address")]
    InvalidAddress(String),
    /// A mail setting is wrong; the message names the key.
    #[error("{key}: {reason}")]
    InvalidSettings {
        /// The configuration key.
        key: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// No SMTP server is configured, so nothing can be sent.
    #[error("mail is switched off (mail.smtp_url is empty)")]
    Disabled,
    /// The SMTP server did not accept the message.
    #[error("the SMTP server did not accept the message: {reason}")]
    Send {
        /// Whether the server refused the message for good (a 5xx answer), so that trying
        /// again is pointless.
        permanent: bool,
        /// The server's or the connection's error.
        reason: String,
    },
    /// Sending took longer than `mail.send_timeout_seconds`.
    #[error("sending took longer than {0:?}")]
    Timeout(Duration),
    /// The outbox could not be read or written.
    #[error(transparent)]
    Database(#[from] DbError),
}

/// A problem with one mail setting, found while the configuration is checked.
pub(crate) struct SettingProblem {
    pub(crate) key: &'static str,
    pub(crate) reason: String,
}

/// Checks the mail settings without connecting anywhere.
pub(crate) fn check_settings(config: &MailConfig) -> Result<(), SettingProblem> {
    if config.smtp_url.trim().is_empty() {
        return Ok(());
    }

    smtp_transport(&config.smtp_url, Duration::from_secs(1)).map_err(|error| SettingProblem {
        key: "mail.smtp_url",
        reason: error.to_string(),
    })?;
    if config.from.trim().is_empty() {
        return Err(SettingProblem {
            key: "mail.from",
            reason: "must be set when mail.smtp_url is set".to_owned(),
        });
    }
    parse_mailbox(&config.from).map_err(|error| SettingProblem {
        key: "mail.from",
        reason: error.to_string(),
    })?;
    if config.send_timeout_seconds == 0 {
        return Err(SettingProblem {
            key: "mail.send_timeout_seconds",
            reason: "must be at least 1".to_owned(),
        });
    }

    Ok(())
}

/// Sends messages through the configured SMTP server, each within the configured time.
#[derive(Clone)]
pub struct Mailer {
    /// The server and sender, or `None` when mail is switched off.
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    timeout: Duration,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP password; show only whether mail is on.
        formatter
            .debug_struct("Mailer")
            .field("enabled", &self.is_enabled())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for the `[mail]` settings. With an empty `smtp_url` it sends nothing and
    /// says so in a warning: messages then wait in the outbox.
    pub fn from_config(config: &MailConfig) -> Result<Mailer, MailError> {
        let timeout = Duration::from_secs(config.send_timeout_seconds.max(1));
        if config.smtp_url.trim().is_empty() {
            tracing::warn!(
                "mail is switched off (mail.smtp_url is empty); messages wait in the outbox"
            );
            return Ok(Mailer {
                smtp: None,
                timeout,
            });
        }

        let transport = smtp_transport(&config.smtp_url, timeout)?;
        let from = parse_mailbox(&config.from).map_err(|error| MailError::InvalidSettings {
            key: "mail.from",
            reason: error.to_string(),
        })?;
        Ok(Mailer {
            smtp: Some((transport, from)),
            timeout,
        })
    }

    /// Whether an SMTP server is configured.
    pub fn is_enabled(&self) -> bool {
        self.smtp.is_some()
    }

    /// Sends one message now. `id` becomes part of its `Message-ID`, so that a mail program
    /// can recognise the same message delivered twice.
    pub async fn send(&self, id: Uuid, message: &MailMessage) -> Result<(), MailError> {
        let Some((transport, from)) = &self.smtp else {
            return Err(MailError::Disabled);
        };

        let domain = from.email.domain();
        let builder = lettre::Message::builder()
            .from(from.clone())
            .to(parse_mailbox(&message.to)?)
            .subject(message.subject.clone())
            .message_id(Some(format!("<{}@{domain}>", id.simple())));
        let email = match &message.html {
            None => builder.singlepart(SinglePart::plain(message.text.clone())),
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                html.clone(),
            )),
        }
        .map_err(|error| MailError::Send {
            permanent: true,
            reason: error.to_string(),
        })?;

        // The transport's own timeout covers each network step, not the whole exchange.
        match tokio::time::timeout(self.timeout, transport.send(email)).await {
            Err(_) => Err(MailError::Timeout(self.timeout)),
            Ok(Err(error)) => Err(MailError::Send {
                permanent: error.is_permanent(),
                reason: error.to_string(),
            }),
            Ok(Ok(_)) => Ok(()),
        }
    }
}

/// An SMTP transport for one of our URL forms. lettre writes STARTTLS as `?tls=required`.
fn smtp_transport(
    url: &str,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let invalid = |reason: String| MailError::InvalidSettings {
        key: "mail.smtp_url",
        reason,
    };

    let url = url.trim();
    let lettre_url = if let Some(rest) = url.strip_prefix("smtp+starttls://") {
        let separator = if rest.contains('?') { '&' } else { '?' };
        format!("smtp://{rest}{separator}tls=required")
    } else if url.starts_with("smtp://") || url.starts_with("smtps://") {
        url.to_owned()
    } else {
        return Err(invalid(
            "must start with `smtp://`, `smtp+starttls://` or `smtps://`".to_owned(),
        ));
    };

    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&lettre_url)
        .map_err(|error| invalid(format!("is not a usable SMTP address ({error})")))?;
    Ok(builder.timeout(Some(timeout)).build())
}

fn parse_mailbox(address: &str) -> Result<Mailbox, MailError> {
    address
        .trim()
        .parse()
        .map_err(|_| MailError::InvalidAddress(address.to_owned()))
}

/// The queue of messages waiting to be sent, in the database shared by all nodes.
#[derive(Debug, Clone)]
pub struct Outbox {
    database: Database,
}

#[derive(sqlx::FromRow)]
struct DueMessage {
    id: Uuid,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    attempts: i64,
}

#[derive(sqlx::FromRow)]
struct Count {
    value: i64,
}

const INSERT: &str = "INSERT INTO mail_outbox \
     (id, recipient, subject, body_text, body_html, created_at, next_attempt_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6)";

impl Outbox {
    /// The outbox in `database`, whose migrations must have run.
    pub fn new(database: Database) -> Outbox {
        Outbox { database }
    }

    /// Queues a message to be sent as soon as possible and returns its id.
    pub async fn enqueue(
        &self,
        message: &MailMessage,
        now: DateTime<Utc>,
    ) -> Result<Uuid, MailError> {
        parse_mailbox(&message.to)?;
        let id = Uuid::now_v7();
        self.database
            .execute(INSERT, &insert_values(id, message, now))
            .await?;
        Ok(id)
    }

    /// Queues a message within the caller's transaction: it is sent only if the transaction
    /// commits.
    pub async fn enqueue_in(
        transaction: &mut Transaction,
        message: &MailMessage,
        now: DateTime<Utc>,
    ) -> Result<Uuid, MailError> {
        parse_mailbox(&message.to)?;
        let id = Uuid::now_v7();
        transaction
            .execute(INSERT, &insert_values(id, message, now))
            .await?;
        Ok(id)
    }

    /// Deletes, within the caller's transaction, every message to `address` that waits in
    /// the outbox or was given up there, such as when the person's account is deleted. The
    /// address matches with or without a display name (`Anna <anna@example.org>`), in any
    /// case. Returns how many messages went.
    pub async fn forget_recipient_in(
        transaction: &mut Transaction,
        address: &str,
    ) -> Result<u64, DbError> {
        let address = address.trim().to_lowercase();
        let escaped = address
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        transaction
            .execute(
                "DELETE FROM mail_outbox WHERE lower(recipient) = $1 \
                 OR lower(recipient) LIKE $2 ESCAPE '\\'",
                &[address.into(), format!("%<{escaped}>").into()],
            )
            .await
    }

    /// How many messages wait to be sent (not counting those given up).
    pub async fn waiting(&self) -> Result<i64, MailError> {
        let count: Count = self
            .database
            .fetch_one(
                "SELECT COUNT(*) AS value FROM mail_outbox WHERE failed_at IS NULL",
                &[],
            )
            .await?;
        Ok(count.value)
    }

    /// How many messages were given up.
    pub async fn failed(&self) -> Result<i64, MailError> {
        let count: Count = self
            .database
            .fetch_one(
                "SELECT COUNT(*) AS value FROM mail_outbox WHERE failed_at IS NOT NULL",
                &[],
            )
            .await?;
        Ok(count.value)
    }

    /// Sends the messages that are due and returns how many were sent. Each message is
    /// claimed before it is sent, so that with several nodes calling this at once every
    /// message is sent by one of them. With mail switched off, nothing happens.
    pub async fn deliver_due(
        &self,
        mailer: &Mailer,
        now: DateTime<Utc>,
    ) -> Result<usize, MailError> {
        if !mailer.is_enabled() {
            return Ok(0);
        }

        let due: Vec<DueMessage> = self
            .database
            .fetch_all(
                "SELECT id, recipient, subject, body_text, body_html, attempts FROM mail_outbox \
                 WHERE failed_at IS NULL AND next_attempt_at <= $1 \
                 AND (claimed_until IS NULL OR claimed_until < $1) \
                 ORDER BY next_attempt_at LIMIT $2",
                &[now.into(), BATCH.into()],
            )
            .await?;

        let mut sent = 0;
        for message in due {
            if !self.claim(message.id, mailer.timeout, now).await? {
                continue;
            }
            let mail = MailMessage {
                to: message.recipient,
                subject: message.subject,
                text: message.body_text,
                html: message.body_html,
            };
            match mailer.send(message.id, &mail).await {
                Ok(()) => {
                    self.database
                        .execute(
                            "DELETE FROM mail_outbox WHERE id = $1",
                            &[message.id.into()],
                        )
                        .await?;
                    tracing::info!(mail.id = %message.id, "mail sent");
                    sent += 1;
                }
                Err(error) => {
                    self.record_failure(message.id, message.attempts + 1, &error, now)
                        .await?;
                }
            }
        }

        Ok(sent)
    }

    /// Takes a message for this node until the send timeout has surely passed; false when
    /// another node was quicker.
    async fn claim(
        &self,
        id: Uuid,
        timeout: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, MailError> {
        let hold = timeout + Duration::from_secs(30);
        let until = now + chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::MAX);
        let changed = self
            .database
            .execute(
                "UPDATE mail_outbox SET claimed_until = $2 \
                 WHERE id = $1 AND failed_at IS NULL \
                 AND (claimed_until IS NULL OR claimed_until < $3)",
                &[id.into(), until.into(), now.into()],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Schedules another attempt, or gives the message up.
    async fn record_failure(
        &self,
        id: Uuid,
        attempts: i64,
        error: &MailError,
        now: DateTime<Utc>,
    ) -> Result<(), MailError> {
        let permanent = matches!(
            error,
            MailError::Send {
                permanent: true,
                ..
            }
        );
        let timeout = matches!(error, MailError::Timeout(_));

        if permanent || attempts >= MAX_ATTEMPTS {
            self.database
                .execute(
                    "UPDATE mail_outbox SET attempts = $2, failed_at = $3, claimed_until = NULL, \
                     last_error = $4 WHERE id = $1",
                    &[
                        id.into(),
                        attempts.into(),
                        now.into(),
                        error.to_string().into(),
                    ],
                )
                .await?;
            tracing::error!(mail.id = %id, attempts, permanent, timeout, "mail given up");
            return Ok(());
        }

        let next = now + retry_delay(attempts);
        self.database
            .execute(
                "UPDATE mail_outbox SET attempts = $2, next_attempt_at = $3, \
                 claimed_until = NULL, last_error = $4 WHERE id = $1",
                &[
                    id.into(),
                    attempts.into(),
                    next.into(),
                    error.to_string().into(),
                ],
            )
            .await?;
        tracing::warn!(mail.id = %id, attempts, timeout, "mail not sent; will try again");
        Ok(())
    }
}

fn insert_values(id: Uuid, message: &MailMessage, now: DateTime<Utc>) -> [crate::Value; 6] {
    [
        id.into(),
        message.to.trim().into(),
        message.subject.as_str().into(),
        message.text.as_str().into(),
        message.html.as_deref().into(),
        now.into(),
    ]
}

/// The wait before attempt `attempts + 1`: one minute, doubling, at most an hour.
pub fn retry_delay(attempts: i64) -> chrono::Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    let delay = FIRST_RETRY
        .saturating_mul(2_u32.saturating_pow(doublings))
        .min(LONGEST_RETRY);
    chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        assert_eq!(retry_delay(1), chrono::Duration::minutes(1));
        assert_eq!(retry_delay(2), chrono::Duration::minutes(2));
        assert_eq!(retry_delay(4), chrono::Duration::minutes(8));
        assert_eq!(retry_delay(9), chrono::Duration::hours(1));
        assert_eq!(retry_delay(1000), chrono::Duration::hours(1));
    }

    #[test]
    fn the_three_url_forms_are_understood_and_others_refused() {
        let timeout = Duration::from_secs(5);
        assert!(smtp_transport("smtp://127.0.0.1:2525", timeout).is_ok());
        assert!(smtp_transport("smtp+starttls://mail.example:587", timeout).is_ok());
        assert!(smtp_transport("smtps://user:secret@mail.example:465", timeout).is_ok());

        let error = smtp_transport("imap://mail.example", timeout).unwrap_err();
        assert!(error.to_string().starts_with("mail.smtp_url"), "{error}");
    }

    #[test]
    fn a_mailer_without_server_sends_nothing() {
        let mailer = Mailer::from_config(&MailConfig::default()).unwrap();
        assert!(!mailer.is_enabled());
    }
}
