//! Slowing down guessing: failed sign-ins are counted per account and per client in the
//! database, so that every node sees them. The first few failures are free; after that each
//! failure imposes a wait that doubles up to a limit. A success clears the account's count.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rathaus_base::Database;

use crate::config::ThrottlePolicy;
use crate::error::IdentityError;
use crate::secret::sha256_hex;

/// The subject that counts failures for an account, keyed by its normalised email address
/// so that an unknown address is throttled exactly like a known one.
pub(crate) fn account_subject(email_normalised: &str) -> String {
    format!("account:{}", sha256_hex(email_normalised))
}

/// The subject that counts failures for a client, keyed by a hash of its address key.
pub(crate) fn client_subject(client: &str) -> String {
    format!("client:{}", sha256_hex(client))
}

/// The subject that counts a client's requests for links by email (sign-ups, password
/// resets), apart from its failed sign-ins.
pub(crate) fn mail_request_subject(client: &str) -> String {
    format!("mail-request:{}", sha256_hex(client))
}

/// The subject that counts a client's messages through one public form.
pub(crate) fn public_form_subject(form: &str, client: &str) -> String {
    format!("form:{form}:{}", sha256_hex(client))
}

#[derive(sqlx::FromRow)]
struct Blocked {
    blocked_until: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Failures {
    failures: i64,
}

/// `Throttled` with the longest remaining wait, when any of the subjects is blocked.
pub(crate) async fn check(
    database: &Database,
    subjects: [&str; 2],
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    let rows: Vec<Blocked> = database
        .fetch_all(
            "SELECT blocked_until FROM identity_throttle \
             WHERE subject IN ($1, $2) AND blocked_until > $3",
            &[subjects[0].into(), subjects[1].into(), now.into()],
        )
        .await?;
    let until = rows.into_iter().filter_map(|row| row.blocked_until).max();
    match until {
        Some(until) => Err(IdentityError::Throttled {
            retry_after: (until - now).to_std().unwrap_or(Duration::from_secs(1)),
        }),
        None => Ok(()),
    }
}

/// Counts a failure for `subject`; returns the wait it imposes, if any.
pub(crate) async fn record_failure(
    database: &Database,
    policy: &ThrottlePolicy,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<Option<Duration>, IdentityError> {
    let forgotten_before = now - to_chrono(policy.forget_after);
    // One statement, so that failures on several nodes at once are all counted.
    let row: Failures = database
        .fetch_one(
            "INSERT INTO identity_throttle (subject, failures, last_failure_at) \
             VALUES ($1, 1, $2) \
             ON CONFLICT (subject) DO UPDATE SET \
             failures = CASE WHEN identity_throttle.last_failure_at < $3 THEN 1 \
             ELSE identity_throttle.failures + 1 END, \
             last_failure_at = $2 \
             RETURNING failures",
            &[subject.into(), now.into(), forgotten_before.into()],
        )
        .await?;

    let Some(wait) = wait_after(policy, row.failures) else {
        return Ok(None);
    };
    database
        .execute(
            "UPDATE identity_throttle SET blocked_until = $2 WHERE subject = $1",
            &[subject.into(), (now + to_chrono(wait)).into()],
        )
        .await?;
    Ok(Some(wait))
}

/// Forgets the failures of `subject`.
pub(crate) async fn clear(database: &Database, subject: &str) -> Result<(), IdentityError> {
    database
        .execute(
            "DELETE FROM identity_throttle WHERE subject = $1",
            &[subject.into()],
        )
        .await?;
    Ok(())
}

/// Forgets subjects without failures for longer than the policy remembers them.
pub(crate) async fn purge(
    database: &Database,
    policy: &ThrottlePolicy,
    now: DateTime<Utc>,
) -> Result<u64, IdentityError> {
    Ok(database
        .execute(
            "DELETE FROM identity_throttle WHERE last_failure_at < $1 \
             AND (blocked_until IS NULL OR blocked_until < $2)",
            &[(now - to_chrono(policy.forget_after)).into(), now.into()],
        )
        .await?)
}

/// The wait after the `failures`-th failure in a row.
pub(crate) fn wait_after(policy: &ThrottlePolicy, failures: i64) -> Option<Duration> {
    let beyond_free = failures - i64::from(policy.free_failures);
    if beyond_free <= 0 {
        return None;
    }
    let doublings = u32::try_from(beyond_free - 1).unwrap_or(u32::MAX).min(30);
    Some(
        policy
            .first_delay
            .saturating_mul(2_u32.saturating_pow(doublings))
            .min(policy.max_delay),
    )
}

pub(crate) fn to_chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// How many messages with links may go to one address per hour.
const MAILS_PER_HOUR: i64 = 3;

#[derive(sqlx::FromRow)]
struct MailCount {
    failures: i64,
    last_failure_at: DateTime<Utc>,
}

/// Whether another message with a link may go to this address now, counting it if so: at
/// most [`MAILS_PER_HOUR`] in an hour, so that the forms cannot flood someone's inbox. The
/// count shares the throttle table under its own subject.
pub(crate) async fn mail_allowed(
    database: &Database,
    email_normalised: &str,
    now: DateTime<Utc>,
) -> Result<bool, IdentityError> {
    let subject = format!("mail:{}", sha256_hex(email_normalised));
    let hour_ago = now - chrono::Duration::hours(1);
    let row: Option<MailCount> = database
        .fetch_optional(
            "SELECT failures, last_failure_at FROM identity_throttle WHERE subject = $1",
            &[subject.as_str().into()],
        )
        .await?;

    let sent = match row {
        Some(row) if row.last_failure_at > hour_ago => row.failures,
        _ => 0,
    };
    if sent >= MAILS_PER_HOUR {
        return Ok(false);
    }
    database
        .execute(
            "INSERT INTO identity_throttle (subject, failures, last_failure_at) \
             VALUES ($1, $2, $3) ON CONFLICT (subject) DO UPDATE \
             SET failures = excluded.failures, last_failure_at = excluded.last_failure_at",
            &[subject.as_str().into(), (sent + 1).into(), now.into()],
        )
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_begin_after_the_free_failures_and_double_up_to_the_limit() {
        let policy = ThrottlePolicy::default();
        let waits: Vec<Option<u64>> = (1..=17)
            .map(|failures| wait_after(&policy, failures).map(|wait| wait.as_secs()))
            .collect();
        assert_eq!(&waits[..5], &[None; 5]);
        assert_eq!(&waits[5..9], &[Some(1), Some(2), Some(4), Some(8)]);
        assert_eq!(waits[15], Some(900), "capped at 15 minutes");
        assert_eq!(wait_after(&policy, i64::MAX), Some(policy.max_delay));
    }
}
