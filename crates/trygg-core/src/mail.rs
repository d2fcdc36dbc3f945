//! Sending the e-mail outbox over SMTP.
//!
//! Notifications are written to the `email_outbox` table in the same transaction as the
//! change they tell about (see [`crate::measures`]); this module delivers them. Each
//! round claims a batch of due rows for this instance with a lease (two instances never
//! claim the same row), sends each, and marks it sent; a failure releases the row for a
//! retry after an exponential backoff (1 min, 2, 4 … at most an hour), and after
//! [`MAX_ATTEMPTS`] it is given up and kept with its last error. A sender that dies
//! mid-batch loses nothing: its lease runs out and another round takes the rows up.
//! (Should it die after the SMTP server accepted a message but before marking it, that
//! one message is sent again: at-least-once is the only promise SMTP allows.)

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use trygg_store::measure::{MeasureStore, OutboxEmail};

use crate::measures::BASE_URL;
use crate::{Error, Result, Trygg};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text: only for a relay on the same machine or in tests.
    Plain,
    /// Plain text upgraded with STARTTLS (required), usually port 587.
    StartTls,
    /// TLS from the first byte, usually port 465.
    Tls,
}

impl SmtpSecurity {
    /// `plain`, `starttls` or `tls`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "plain" | "none" => Some(Self::Plain),
            "starttls" => Some(Self::StartTls),
            "tls" => Some(Self::Tls),
            _ => None,
        }
    }
}

/// The SMTP server and the sender's rules.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender address, e.g. `Trygg <trygg@linkoping.se>`.
    pub from: String,
    /// The address links in e-mails point to, e.g. `https://trygg.linkoping.se`.
    pub public_url: String,
    /// How long a claim lasts (seconds); longer than one batch takes to send.
    pub lease_secs: i64,
    /// Rows claimed per round.
    pub batch: i64,
}

impl MailSettings {
    pub fn new(host: &str, port: u16, from: &str, public_url: &str) -> Self {
        Self {
            host: host.into(),
            port,
            security: SmtpSecurity::Plain,
            username: None,
            password: None,
            from: from.into(),
            public_url: public_url.trim_end_matches('/').into(),
            lease_secs: 300,
            batch: 20,
        }
    }
}

/// Attempts before an e-mail is given up.
pub const MAX_ATTEMPTS: i64 = 10;

/// The wait before attempt `n + 1` after `n` failures: 1, 2, 4 … minutes, at most an hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 7) - 1;
    (60_i64 << exp).min(3600)
}

/// A connected-on-demand SMTP client.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    settings: MailSettings,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailer({}:{})", self.settings.host, self.settings.port)
    }
}

impl Mailer {
    pub fn new(settings: MailSettings) -> Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|_| Error::Internal("smtp.from is not an e-mail address".into()))?;
        let builder = match settings.security {
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
            }
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(|e| Error::Internal(format!("smtp: {e}")))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
                .map_err(|e| Error::Internal(format!("smtp: {e}")))?,
        };
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(Duration::from_secs(30)));
        if let (Some(u), Some(p)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            settings,
        })
    }

    fn message(&self, e: &OutboxEmail) -> std::result::Result<Message, String> {
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(e.subject.clone())
            .header(ContentType::TEXT_PLAIN);
        for r in &e.recipients {
            let to: Mailbox = r.parse().map_err(|_| format!("bad recipient {r}"))?;
            b = b.to(to);
        }
        b.body(e.body.replace(BASE_URL, &self.settings.public_url))
            .map_err(|e| e.to_string())
    }

    async fn send(&self, e: &OutboxEmail) -> std::result::Result<(), String> {
        let m = self.message(e)?;
        self.transport
            .send(m)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: u64,
    pub retried: u64,
    pub given_up: u64,
}

impl Trygg {
    /// One round of the sender: claim a batch for `worker`, send, mark. Rows another
    /// worker holds are left alone.
    pub async fn deliver_outbox(&self, mailer: &Mailer, worker: &str) -> Result<Delivery> {
        let now = self.clock.now();
        let lease = now.plus_seconds(mailer.settings.lease_secs);
        let batch = self
            .db
            .claim_emails(worker, now, lease, mailer.settings.batch)
            .await?;
        let mut d = Delivery::default();
        for e in batch {
            match mailer.send(&e).await {
                Ok(()) => {
                    if self.db.email_sent(e.id, worker, self.clock.now()).await? {
                        d.sent += 1;
                    }
                }
                Err(err) => {
                    let at = self.clock.now();
                    let retry = (e.attempts < MAX_ATTEMPTS)
                        .then(|| at.plus_seconds(backoff_secs(e.attempts)));
                    tracing::warn!(email = e.id, attempts = e.attempts, error = %err, "e-mail not sent");
                    self.db.email_failed(e.id, worker, retry, at, &err).await?;
                    if retry.is_some() {
                        d.retried += 1;
                    } else {
                        d.given_up += 1;
                    }
                }
            }
        }
        Ok(d)
    }

    /// The sender task of `trygg serve`: every `every`, schedule the measure reminders
    /// and deliver the outbox, until `stop` resolves. Errors are logged and retried next
    /// round; they never stop the server.
    pub async fn run_mail_sender(
        &self,
        mailer: Mailer,
        worker: String,
        every: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.schedule_measure_reminders().await {
                tracing::error!(error = ?e, "measure reminders failed");
            }
            if let Err(e) = self.remind_walk_owners(BASE_URL).await {
                tracing::error!(error = ?e, "walk reminders failed");
            }
            loop {
                match self.deliver_outbox(&mailer, &worker).await {
                    Ok(d) if d.sent + d.retried + d.given_up > 0 => {
                        tracing::info!(
                            sent = d.sent,
                            retried = d.retried,
                            given_up = d.given_up,
                            "e-mail round"
                        );
                    }
                    Ok(_) => break,
                    Err(e) => {
                        tracing::error!(error = ?e, "e-mail round failed");
                        break;
                    }
                }
            }
            // Lets operators (and the two-instance test) see the sender is alive.
            tracing::debug!(worker = %worker, "e-mail sender round done");
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 60);
        assert_eq!(backoff_secs(2), 120);
        assert_eq!(backoff_secs(3), 240);
        assert_eq!(backoff_secs(7), 3600);
        assert_eq!(backoff_secs(50), 3600);
        assert_eq!(
            SmtpSecurity::parse("starttls"),
            Some(SmtpSecurity::StartTls)
        );
        assert_eq!(SmtpSecurity::parse("ssl"), None);
    }
}
