//! The GDPR duties over the identity platform's tables: a copy of everything about a person
//! ([`IdentityStore::export_account`]), erasure ([`IdentityStore::delete_account`]) and the
//! retention job ([`IdentityStore::enforce_retention`]).
//!
//! What erasure keeps, and why: audit log entries about the account stay until their
//! retention period ends, because they are the security record of the installation; they
//! name the account only by its id and never hold names, addresses or secrets, so once the
//! account row is gone nobody can tell from them who it was. Data-use log entries stay for
//! their period too, because the city must be able to show who read a person's data even
//! after the person left; they hold attribute names, never values. Everything else goes.

use chrono::{DateTime, Datelike as _, Utc};
use rathaus_base::Transaction;
use rathaus_base::mail::Outbox;
use uuid::Uuid;

use super::{Count, IdentityStore, SessionRow, lock_account, other_admins};
use crate::audit::{self, Entry, kinds};
use crate::error::IdentityError;
use crate::model::{AccountKind, AuditEvent, OfficeRole, SessionInfo};
use crate::personal_data::{
    AccountDeletion, AccountExport, ExportedAccount, ExportedCredentials, ExportedFailures,
    ExportedInvitation, RetentionReport,
};
use crate::throttle::{account_subject, to_chrono};

/// How many unverified accounts one run of the retention job deletes at most, so that a
/// backlog does not hold up the rest of the scheduled work; the next run continues.
const UNVERIFIED_BATCH: i64 = 200;

#[derive(sqlx::FromRow)]
struct AccountRecord {
    id: Uuid,
    kind: String,
    email: String,
    email_normalised: String,
    display_name: String,
    has_password: bool,
    enrolled: bool,
    disabled: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    verified_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct RecoveryCodeCounts {
    unused: i64,
    used: i64,
}

#[derive(sqlx::FromRow)]
struct InvitationRecord {
    id: Uuid,
    invited_by: Uuid,
    created_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct FailureRecord {
    failures: i64,
    last_failure_at: DateTime<Utc>,
    blocked_until: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct AuditRecord {
    at: DateTime<Utc>,
    kind: String,
    account_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    detail: String,
}

#[derive(sqlx::FromRow)]
struct AccountId {
    id: Uuid,
}

/// Why an account is erased, which the audit log records.
#[derive(Debug, Clone, Copy)]
enum Erasure {
    /// The person (or someone for them) asked for it.
    Requested,
    /// A citizen account was never verified; erased only if that is still so.
    Unverified,
}

const ACCOUNT_RECORD: &str = "SELECT id, kind, email, email_normalised, display_name, \
     password_hash IS NOT NULL AS has_password, totp_secret IS NOT NULL AS enrolled, \
     disabled, created_at, updated_at, verified_at FROM identity_accounts WHERE id = $1";

impl IdentityStore {
    /// Everything the identity platform holds about the person with this account: the
    /// account, its roles and credentials (without secrets; passkeys by name and dates), sessions (without tokens), the
    /// invitation it came from, its count of failed sign-ins, the profile with every value
    /// and source, the data-use log, consents, the linked identities of external providers
    /// and the audit log entries about it.
    pub async fn export_account(&self, account_id: Uuid) -> Result<AccountExport, IdentityError> {
        let record: AccountRecord = self
            .database
            .fetch_optional(ACCOUNT_RECORD, &[account_id.into()])
            .await?
            .ok_or(IdentityError::AccountNotFound)?;
        let kind = AccountKind::parse(&record.kind).ok_or_else(|| {
            IdentityError::Corrupt(format!("unknown account kind {}", record.kind))
        })?;

        let credentials = self.exported_credentials(&record).await?;
        let sessions = self.all_sessions_of(account_id).await?;
        let invitations = self.invitations_of(account_id).await?;
        let failed_sign_ins = self.failures_of(&record.email_normalised).await?;
        let profile = self.profile(account_id).await?;
        let data_uses = self.data_uses(account_id).await?;
        let consents = self.consents(account_id).await?;
        let linked_identities = self.linked_identities(account_id).await?;
        let audit_events = self.audit_events_about(account_id).await?;

        let grants = self.roles_of(account_id).await?;
        Ok(AccountExport {
            account: ExportedAccount {
                id: record.id,
                kind,
                email: record.email,
                display_name: record.display_name,
                roles: grants.roles,
                office_roles: grants
                    .office_roles
                    .iter()
                    .map(OfficeRole::to_text)
                    .collect(),
                disabled: record.disabled,
                created_at: record.created_at,
                updated_at: record.updated_at,
                verified_at: record.verified_at,
            },
            credentials,
            sessions,
            invitations,
            failed_sign_ins,
            profile,
            data_uses,
            consents,
            linked_identities,
            audit_events,
        })
    }

    /// Deletes an account at its owner's request: the account with its email address and
    /// name, credentials (passkeys included), sessions, roles, the invitation it came from,
    /// its count of failed sign-ins, the profile and the consents. Kept, until their retention periods end: the
    /// audit log entries about the account, which name it only by id, and its data-use log
    /// entries (see the module documentation for why). The deletion itself is recorded in
    /// the audit log.
    ///
    /// The last enabled administrator cannot be deleted (`LastAdmin`).
    pub async fn delete_account(
        &self,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<AccountDeletion, IdentityError> {
        self.erase_account(account_id, Erasure::Requested, now)
            .await?
            .ok_or(IdentityError::AccountNotFound)
    }

    /// Deletes what has been kept long enough (see [`crate::config::RetentionPolicy`]):
    /// audit log and data-use log entries past their periods, consents withdrawn longer ago
    /// than the data-use log is kept, and citizen accounts never verified (at most a batch
    /// of them per run). Meant to run now and then, on any node; runs on several nodes at
    /// once do no harm.
    pub async fn enforce_retention(
        &self,
        now: DateTime<Utc>,
    ) -> Result<RetentionReport, IdentityError> {
        let policy = &self.config.retention;
        let mut report = RetentionReport::default();

        if let Some(cutoff) = cutoff(now, policy.audit_log) {
            report.audit_events = self
                .database
                .execute(
                    "DELETE FROM identity_audit_log WHERE at < $1",
                    &[cutoff.into()],
                )
                .await?;
        }

        if let Some(cutoff) = cutoff(now, policy.data_use_log) {
            report.data_uses = self
                .database
                .execute(
                    "DELETE FROM identity_data_use_log WHERE at < $1",
                    &[cutoff.into()],
                )
                .await?;
            // A withdrawn consent only proves what reads relied on it; those entries carry
            // the consent's date themselves and are gone now.
            report.withdrawn_consents = self
                .database
                .execute(
                    "DELETE FROM identity_consents \
                     WHERE withdrawn_at IS NOT NULL AND withdrawn_at < $1",
                    &[cutoff.into()],
                )
                .await?;
        }

        if let Some(cutoff) = cutoff(now, policy.unverified_accounts) {
            let unverified: Vec<AccountId> = self
                .database
                .fetch_all(
                    "SELECT id FROM identity_accounts \
                     WHERE kind = 'citizen' AND verified_at IS NULL AND created_at < $1 \
                     ORDER BY created_at LIMIT $2",
                    &[cutoff.into(), UNVERIFIED_BATCH.into()],
                )
                .await?;
            for account in unverified {
                if self
                    .erase_account(account.id, Erasure::Unverified, now)
                    .await?
                    .is_some()
                {
                    report.unverified_accounts += 1;
                }
            }
        }

        Ok(report)
    }

    /// Erases an account in one transaction; `None` when there is no such account (or, for
    /// [`Erasure::Unverified`], it has been verified meanwhile).
    async fn erase_account(
        &self,
        account_id: Uuid,
        erasure: Erasure,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountDeletion>, IdentityError> {
        let mut transaction = self.database.begin().await?;
        match lock_account(&mut transaction, account_id).await {
            Err(IdentityError::AccountNotFound) => return Ok(None),
            other => other?,
        }
        let record: AccountRecord = transaction
            .fetch_one(ACCOUNT_RECORD, &[account_id.into()])
            .await?;
        if matches!(erasure, Erasure::Unverified) && record.verified_at.is_some() {
            return Ok(None);
        }
        let admin_roles = count(
            &mut transaction,
            "SELECT COUNT(*) AS value FROM identity_account_roles \
             WHERE account_id = $1 AND role = 'admin'",
            account_id,
        )
        .await?;
        if admin_roles > 0
            && !record.disabled
            && other_admins(&mut transaction, account_id).await? == 0
        {
            return Err(IdentityError::LastAdmin);
        }

        let (profile_values, consents, sessions) = erase_rows_of(&mut transaction, &record).await?;
        let detail = match erasure {
            Erasure::Requested => "at the person's request".to_owned(),
            Erasure::Unverified => {
                let days = self.config.retention.unverified_accounts.as_secs() / 86_400;
                format!("not verified within {days} days")
            }
        };
        let entry = Entry::about(kinds::ACCOUNT_DELETED, Some(account_id), detail);
        audit::record_in(&mut transaction, entry, now).await?;

        let kept_audit_events = count(
            &mut transaction,
            "SELECT COUNT(*) AS value FROM identity_audit_log WHERE account_id = $1",
            account_id,
        )
        .await?;
        let kept_data_uses = count(
            &mut transaction,
            "SELECT COUNT(*) AS value FROM identity_data_use_log WHERE account_id = $1",
            account_id,
        )
        .await?;
        transaction.commit().await?;

        Ok(Some(AccountDeletion {
            profile_values,
            consents,
            sessions,
            kept_audit_events,
            kept_data_uses,
        }))
    }

    async fn exported_credentials(
        &self,
        record: &AccountRecord,
    ) -> Result<ExportedCredentials, IdentityError> {
        let codes: RecoveryCodeCounts = self
            .database
            .fetch_one(
                "SELECT COUNT(*) - COUNT(used_at) AS unused, COUNT(used_at) AS used \
                 FROM identity_recovery_codes WHERE account_id = $1",
                &[record.id.into()],
            )
            .await?;
        Ok(ExportedCredentials {
            password_set: record.has_password,
            second_factor_enrolled: record.enrolled,
            recovery_codes_unused: u64::try_from(codes.unused).unwrap_or_default(),
            recovery_codes_used: u64::try_from(codes.used).unwrap_or_default(),
            passkeys: self.passkeys_of(record.id).await?,
        })
    }

    /// Every session row of the account, newest first, whether ended or not.
    async fn all_sessions_of(&self, account_id: Uuid) -> Result<Vec<SessionInfo>, IdentityError> {
        let rows: Vec<SessionRow> = self
            .database
            .fetch_all(
                "SELECT id, account_id, second_factor_passed, trust_level, device, created_at, \
                 last_seen_at, expires_at FROM identity_sessions \
                 WHERE account_id = $1 ORDER BY created_at DESC",
                &[account_id.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| SessionInfo {
                expires_at: self.expiry_of(&row),
                id: row.id,
                device: row.device,
                second_factor_passed: row.second_factor_passed,
                trust_level: row.trust_level,
                created_at: row.created_at,
                last_seen_at: row.last_seen_at,
            })
            .collect())
    }

    async fn invitations_of(
        &self,
        account_id: Uuid,
    ) -> Result<Vec<ExportedInvitation>, IdentityError> {
        let rows: Vec<InvitationRecord> = self
            .database
            .fetch_all(
                "SELECT id, invited_by, created_at, accepted_at FROM identity_invitations \
                 WHERE account_id = $1 ORDER BY created_at",
                &[account_id.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| ExportedInvitation {
                id: row.id,
                invited_by: row.invited_by,
                created_at: row.created_at,
                accepted_at: row.accepted_at,
            })
            .collect())
    }

    async fn failures_of(
        &self,
        email_normalised: &str,
    ) -> Result<Option<ExportedFailures>, IdentityError> {
        let row: Option<FailureRecord> = self
            .database
            .fetch_optional(
                "SELECT failures, last_failure_at, blocked_until FROM identity_throttle \
                 WHERE subject = $1",
                &[account_subject(email_normalised).into()],
            )
            .await?;
        Ok(row.map(|row| ExportedFailures {
            failures: row.failures,
            last_failure_at: row.last_failure_at,
            blocked_until: row.blocked_until,
        }))
    }

    /// The audit log entries about the account, oldest first.
    async fn audit_events_about(&self, account_id: Uuid) -> Result<Vec<AuditEvent>, IdentityError> {
        let rows: Vec<AuditRecord> = self
            .database
            .fetch_all(
                "SELECT at, kind, account_id, actor_id, detail FROM identity_audit_log \
                 WHERE account_id = $1 ORDER BY id",
                &[account_id.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| AuditEvent {
                at: row.at,
                kind: row.kind,
                account_id: row.account_id,
                actor_id: row.actor_id,
                detail: row.detail,
            })
            .collect())
    }
}

/// Deletes the account row and every row that belongs to it alone; returns how many
/// profile values, consents and sessions went. The foreign keys would cascade too; naming
/// each table keeps the list of what is erased in one place, and counts it.
/// Mail to the account's address that waits in the outbox, or was given up there, goes too.
async fn erase_rows_of(
    transaction: &mut Transaction,
    record: &AccountRecord,
) -> Result<(u64, u64, u64), IdentityError> {
    let id = record.id;
    let profile_values = transaction
        .execute(
            "DELETE FROM identity_profile_values WHERE account_id = $1",
            &[id.into()],
        )
        .await?;
    let consents = transaction
        .execute(
            "DELETE FROM identity_consents WHERE account_id = $1",
            &[id.into()],
        )
        .await?;
    let sessions = transaction
        .execute(
            "DELETE FROM identity_sessions WHERE account_id = $1",
            &[id.into()],
        )
        .await?;
    Outbox::forget_recipient_in(transaction, &record.email).await?;
    transaction
        .execute(
            "DELETE FROM identity_recovery_codes WHERE account_id = $1",
            &[id.into()],
        )
        .await?;
    transaction
        .execute(
            "DELETE FROM identity_passkeys WHERE account_id = $1",
            &[id.into()],
        )
        .await?;
    transaction
        .execute(
            "DELETE FROM identity_passkey_ceremonies WHERE account_id = $1",
            &[id.into()],
        )
        .await?;
    transaction
        .execute(
            "DELETE FROM identity_account_roles WHERE account_id = $1",
            &[id.into()],
        )
        .await?;
    // The invitation holds the address and name as well.
    transaction
        .execute(
            "DELETE FROM identity_invitations WHERE account_id = $1",
            &[id.into()],
        )
        .await?;
    transaction
        .execute(
            "DELETE FROM identity_throttle WHERE subject = $1",
            &[account_subject(&record.email_normalised).into()],
        )
        .await?;
    transaction
        .execute("DELETE FROM identity_accounts WHERE id = $1", &[id.into()])
        .await?;

    Ok((profile_values, consents, sessions))
}

async fn count(
    transaction: &mut Transaction,
    sql: &'static str,
    account_id: Uuid,
) -> Result<u64, IdentityError> {
    let count: Count = transaction.fetch_one(sql, &[account_id.into()]).await?;
    Ok(u64::try_from(count.value).unwrap_or_default())
}

/// The moment `period` before `now`, or `None` when that lies before the year 1 (a period
/// set absurdly long in code), in which case nothing is old enough to delete.
fn cutoff(now: DateTime<Utc>, period: std::time::Duration) -> Option<DateTime<Utc>> {
    now.checked_sub_signed(to_chrono(period))
        .filter(|moment| moment.year() >= 1)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn a_cutoff_lies_the_period_back_or_nowhere() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        assert_eq!(
            cutoff(now, Duration::from_hours(24)),
            Some(Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap())
        );
        assert_eq!(cutoff(now, Duration::MAX), None);
        assert_eq!(cutoff(now, Duration::from_hours(3000 * 366 * 24)), None);
    }
}
