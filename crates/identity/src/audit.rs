//! The audit log: what happened to accounts and sign-ins, kept in the database for
//! administrators. Entries never hold passwords, codes, tokens or client addresses.

use chrono::{DateTime, Utc};
use rathaus_base::{Database, Transaction, Value};
use uuid::Uuid;

use crate::error::IdentityError;

/// The kinds of audit events.
pub mod kinds {
    /// A staff account was made (by the command line or an invitation).
    pub const ACCOUNT_CREATED: &str = "account.created";
    /// An administrator changed an account's roles.
    pub const ROLES_CHANGED: &str = "account.roles_changed";
    /// An administrator disabled an account.
    pub const ACCOUNT_DISABLED: &str = "account.disabled";
    /// An administrator enabled an account again.
    pub const ACCOUNT_ENABLED: &str = "account.enabled";
    /// An account was deleted with its personal data, at the person's request or because
    /// it was never verified.
    pub const ACCOUNT_DELETED: &str = "account.deleted";
    /// A staff member was invited.
    pub const INVITATION_CREATED: &str = "invitation.created";
    /// An invitation was accepted.
    pub const INVITATION_ACCEPTED: &str = "invitation.accepted";
    /// Sign-in completed with both factors.
    pub const SIGN_IN_SUCCEEDED: &str = "sign_in.succeeded";
    /// A password or code was wrong.
    pub const SIGN_IN_FAILED: &str = "sign_in.failed";
    /// Failures led to a wait before the next attempt.
    pub const SIGN_IN_THROTTLED: &str = "sign_in.throttled";
    /// An authenticator app was set up and recovery codes were made.
    pub const SECOND_FACTOR_ENROLLED: &str = "second_factor.enrolled";
    /// An administrator removed an account's authenticator and recovery codes.
    pub const SECOND_FACTOR_RESET: &str = "second_factor.reset";
    /// A recovery code was used instead of the authenticator.
    pub const RECOVERY_CODE_USED: &str = "second_factor.recovery_code_used";
    /// A citizen removed the authenticator from their account.
    pub const SECOND_FACTOR_REMOVED: &str = "second_factor.removed";
    /// A password was set anew through a link sent by email.
    pub const PASSWORD_RESET: &str = "password.reset";
    /// A signed-in person changed their password.
    pub const PASSWORD_CHANGED: &str = "password.changed";
    /// An account's email address was changed through a link sent to the new one.
    pub const EMAIL_CHANGED: &str = "account.email_changed";
    /// A passkey was added to an account.
    pub const PASSKEY_ADDED: &str = "passkey.added";
    /// A passkey was removed from an account.
    pub const PASSKEY_REMOVED: &str = "passkey.removed";
    /// A person removed their password, signing in with passkeys only.
    pub const PASSWORD_REMOVED: &str = "password.removed";
    /// An identity of an external provider was linked to an account.
    pub const PROVIDER_LINKED: &str = "provider.linked";
    /// The link between an account and a provider's identity was removed.
    pub const PROVIDER_UNLINKED: &str = "provider.unlinked";
    /// A session was replaced by one at a higher trust level, confirmed by a provider.
    pub const SESSION_STEPPED_UP: &str = "session.stepped_up";
    /// A person ended one or more of their sessions from another.
    pub const SESSIONS_ENDED: &str = "session.ended_by_owner";
}

/// One event to record.
pub(crate) struct Entry {
    pub(crate) kind: &'static str,
    pub(crate) account_id: Option<Uuid>,
    pub(crate) actor_id: Option<Uuid>,
    pub(crate) detail: String,
}

impl Entry {
    /// An event that happened to `account_id` (or to an unknown account).
    pub(crate) fn about(
        kind: &'static str,
        account_id: Option<Uuid>,
        detail: impl Into<String>,
    ) -> Entry {
        Entry {
            kind,
            account_id,
            actor_id: None,
            detail: detail.into(),
        }
    }

    /// The same event, done by `actor_id`.
    pub(crate) fn by(self, actor_id: Uuid) -> Entry {
        Entry {
            actor_id: Some(actor_id),
            ..self
        }
    }

    fn values(&self, at: DateTime<Utc>) -> [Value; 5] {
        [
            at.into(),
            self.kind.into(),
            self.account_id.into(),
            self.actor_id.into(),
            self.detail.as_str().into(),
        ]
    }
}

const INSERT: &str = "INSERT INTO identity_audit_log (at, kind, account_id, actor_id, detail) \
                      VALUES ($1, $2, $3, $4, $5)";

/// Records an event on its own.
pub(crate) async fn record(
    database: &Database,
    entry: Entry,
    at: DateTime<Utc>,
) -> Result<(), IdentityError> {
    database.execute(INSERT, &entry.values(at)).await?;
    Ok(())
}

/// Records an event as part of a transaction, so that it is kept only with the change.
pub(crate) async fn record_in(
    transaction: &mut Transaction,
    entry: Entry,
    at: DateTime<Utc>,
) -> Result<(), IdentityError> {
    transaction.execute(INSERT, &entry.values(at)).await?;
    Ok(())
}
