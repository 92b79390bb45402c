//! What the GDPR asks of the identity platform: a copy of everything it holds about a
//! person ([`AccountExport`]), erasure ([`AccountDeletion`]) and keeping records no longer
//! than needed ([`RetentionReport`]). The reasoning behind what is kept after an account is
//! deleted is written down for operators in `docs/identity.md`, section "Personal data".

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{AccountKind, AuditEvent, LinkedIdentity, PasskeyInfo, Role, SessionInfo};
use crate::vault::{Consent, DataUse, ProfileAttribute};

/// Everything the identity platform holds about one person, for the copy the GDPR entitles
/// them to (Art. 15 and 20). Secrets appear only as the fact that they exist: no password
/// hash, authenticator secret, recovery code or session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountExport {
    /// The account itself.
    pub account: ExportedAccount,
    /// Which credentials the account has.
    pub credentials: ExportedCredentials,
    /// Every session row of the account, ended ones not yet purged included.
    pub sessions: Vec<SessionInfo>,
    /// The invitation the account was made from, if any.
    pub invitations: Vec<ExportedInvitation>,
    /// The count of failed sign-ins with the account's address, if one is kept.
    pub failed_sign_ins: Option<ExportedFailures>,
    /// The profile vault: every attribute with every value and its source.
    pub profile: Vec<ProfileAttribute>,
    /// Who read which profile data, newest first.
    pub data_uses: Vec<DataUse>,
    /// Consents, standing and withdrawn, newest first.
    pub consents: Vec<Consent>,
    /// The identities of external providers linked to the account, with their subjects.
    pub linked_identities: Vec<LinkedIdentity>,
    /// Audit log entries about the account, oldest first.
    pub audit_events: Vec<AuditEvent>,
}

/// The account's own row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedAccount {
    /// The account's id.
    pub id: Uuid,
    /// Staff or citizen.
    pub kind: AccountKind,
    /// The email address.
    pub email: String,
    /// The name shown.
    pub display_name: String,
    /// The roles of a staff account everywhere.
    pub roles: BTreeSet<Role>,
    /// The roles of a staff account in single offices, as `role@office`.
    pub office_roles: Vec<String>,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// When the person proved to own it, for citizen accounts.
    pub verified_at: Option<DateTime<Utc>>,
}

/// Which credentials an account has, without the secrets themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedCredentials {
    /// Whether a password (its hash) is stored.
    pub password_set: bool,
    /// Whether an authenticator app is set up.
    pub second_factor_enrolled: bool,
    /// How many recovery codes are left.
    pub recovery_codes_unused: u64,
    /// How many recovery codes were used.
    pub recovery_codes_used: u64,
    /// The passkeys: names and dates, never keys.
    pub passkeys: Vec<PasskeyInfo>,
}

/// An invitation that led to the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedInvitation {
    /// The invitation's id.
    pub id: Uuid,
    /// The account of the administrator who invited.
    pub invited_by: Uuid,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// When it was accepted.
    pub accepted_at: Option<DateTime<Utc>>,
}

/// The count of failed sign-ins kept for throttling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedFailures {
    /// Failures in a row.
    pub failures: i64,
    /// When the last one was.
    pub last_failure_at: DateTime<Utc>,
    /// Until when further attempts wait, if they do.
    pub blocked_until: Option<DateTime<Utc>>,
}

/// What deleting an account erased and what it kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AccountDeletion {
    /// Profile values erased.
    pub profile_values: u64,
    /// Consents erased, withdrawn ones included.
    pub consents: u64,
    /// Sessions ended and erased.
    pub sessions: u64,
    /// Audit log entries about the account that are kept, pseudonymised, until their
    /// retention period ends.
    pub kept_audit_events: u64,
    /// Data-use log entries of the account that are kept until their retention period
    /// ends.
    pub kept_data_uses: u64,
}

/// What one run of the retention job deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Audit log entries past their period.
    pub audit_events: u64,
    /// Data-use log entries past their period.
    pub data_uses: u64,
    /// Consents withdrawn longer ago than the data-use log is kept.
    pub withdrawn_consents: u64,
    /// Citizen accounts never verified.
    pub unverified_accounts: u64,
}

impl RetentionReport {
    /// Whether anything was deleted.
    pub fn is_empty(&self) -> bool {
        *self == RetentionReport::default()
    }
}
