//! The things the identity platform knows about: accounts and their roles, sessions,
//! invitations, the steps of signing in, and audit events.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a staff member may do in the editorial workflow.
///
/// Roles do not imply one another, with the exceptions the `can_*` methods of [`Account`]
/// name: an administrator may edit and publish too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Writes drafts.
    Editor,
    /// Approves and publishes what editors wrote.
    Publisher,
    /// Manages staff accounts and settings.
    Admin,
}

impl Role {
    /// Every role, in order of rising power.
    pub const ALL: [Role; 3] = [Role::Editor, Role::Publisher, Role::Admin];

    /// The role's name as stored and shown: `editor`, `publisher` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Publisher => "publisher",
            Role::Admin => "admin",
        }
    }

    /// The role with this name, if there is one.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Whom an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// A member of the city's staff, signing in to the staff portal.
    Staff,
    /// A citizen using the portal's services (not offered yet).
    Citizen,
}

impl AccountKind {
    /// The kind's name as stored: `staff` or `citizen`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Staff => "staff",
            AccountKind::Citizen => "citizen",
        }
    }

    /// The kind with this name, if there is one.
    pub fn parse(name: &str) -> Option<AccountKind> {
        [AccountKind::Staff, AccountKind::Citizen]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// Whether accounts of this kind must pass a second factor before a session is usable.
    pub fn requires_second_factor(self) -> bool {
        self == AccountKind::Staff
    }
}

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Never changes.
    pub id: Uuid,
    /// Staff or citizen.
    pub kind: AccountKind,
    /// The email address as the person gave it. Addresses are compared without regard to
    /// case.
    pub email: String,
    /// The name shown to colleagues, such as `Anna Huber`.
    pub display_name: String,
    /// What the account may do.
    pub roles: BTreeSet<Role>,
    /// Whether an authenticator app is set up.
    pub second_factor_enrolled: bool,
    /// A disabled account cannot sign in and has no sessions.
    pub disabled: bool,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
}

impl Account {
    /// Whether the account holds `role` itself.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// May write and change drafts: editors, publishers and administrators.
    pub fn can_edit(&self) -> bool {
        [Role::Editor, Role::Publisher, Role::Admin]
            .into_iter()
            .any(|role| self.has_role(role))
    }

    /// May approve and publish: publishers and administrators.
    pub fn can_publish(&self) -> bool {
        self.has_role(Role::Publisher) || self.has_role(Role::Admin)
    }

    /// May manage staff accounts and settings: administrators only.
    pub fn can_manage_staff(&self) -> bool {
        self.has_role(Role::Admin)
    }
}

/// A secret that identifies a session; the browser keeps it in a cookie. Only its SHA-256
/// is stored, so the database alone cannot be used to take over a session.
///
/// `Debug` does not show the secret, so a token cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A token as the browser sent it back.
    pub fn new(token: impl Into<String>) -> SessionToken {
        SessionToken(token.into())
    }

    /// The token as text, to put into a cookie.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("SessionToken(…)")
    }
}

/// What a correct password leads to: the second step of signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInStep {
    /// The account has an authenticator: ask for a code (or a recovery code).
    SecondFactorRequired {
        /// The pending sign-in, good for nothing but the second step.
        pending: SessionToken,
    },
    /// The account has no authenticator yet: set one up now.
    EnrolmentRequired {
        /// The pending sign-in, good for nothing but the enrolment.
        pending: SessionToken,
    },
}

impl SignInStep {
    /// The pending sign-in's token, whichever step follows.
    pub fn pending(&self) -> &SessionToken {
        match self {
            SignInStep::SecondFactorRequired { pending }
            | SignInStep::EnrolmentRequired { pending } => pending,
        }
    }
}

/// A signed-in session with its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session's id, which may be shown (unlike its token).
    pub id: Uuid,
    /// Who is signed in.
    pub account: Account,
    /// Whether the second factor was passed. Always true for staff, whose sessions are not
    /// usable before it is.
    pub second_factor_passed: bool,
    /// How sure the city is of the person's identity: `low`, `substantial` or `high`.
    pub trust_level: String,
    /// When the person signed in.
    pub created_at: DateTime<Utc>,
    /// When the session was last used (to the minute).
    pub last_seen_at: DateTime<Utc>,
    /// When the session ends unless used again: the earlier of the idle and the absolute
    /// end.
    pub expires_at: DateTime<Utc>,
}

/// A session as listed for its owner or an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// The session's id.
    pub id: Uuid,
    /// Whether the second factor was passed; false for a sign-in still in progress.
    pub second_factor_passed: bool,
    /// `low`, `substantial` or `high`.
    pub trust_level: String,
    /// When the person signed in.
    pub created_at: DateTime<Utc>,
    /// When the session was last used (to the minute).
    pub last_seen_at: DateTime<Utc>,
    /// When the session ends unless used again.
    pub expires_at: DateTime<Utc>,
}

/// A new invitation. The token goes into the link sent to the invited person and is not
/// stored: only its SHA-256 is. `Debug` leaves the token out.
#[derive(Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The invitation's id.
    pub id: Uuid,
    /// The secret for the invitation link.
    pub token: String,
    /// Whom the invitation is for.
    pub email: String,
    /// Until when it can be accepted.
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for Invitation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Invitation")
            .field("id", &self.id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What an open invitation offers, shown on the page where it is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationInfo {
    /// The address the account will have.
    pub email: String,
    /// The name the account will have.
    pub display_name: String,
    /// The roles the account will have.
    pub roles: BTreeSet<Role>,
    /// Until when it can be accepted.
    pub expires_at: DateTime<Utc>,
}

/// An authenticator app to set up: show the secret as a QR code of `otpauth_uri`, and as
/// text for typing it in.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpEnrolment {
    /// The shared secret in base32, as authenticator apps accept it typed in.
    pub secret_base32: String,
    /// The `otpauth://totp/...` address that a QR code carries.
    pub otpauth_uri: String,
}

impl fmt::Debug for TotpEnrolment {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("TotpEnrolment(…)")
    }
}

/// Single-use codes for signing in without the authenticator app, shown once when it is set
/// up. Each looks like `abcd-efgh-jkmn`; letters that are easily confused are left out.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCodes(pub Vec<String>);

impl RecoveryCodes {
    /// The codes, to show to their owner.
    pub fn codes(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "RecoveryCodes({} codes)", self.0.len())
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened, such as `sign_in.failed` (see `docs/identity.md` for the list).
    pub kind: String,
    /// The account it happened to, if any.
    pub account_id: Option<Uuid>,
    /// Who did it, when someone other than the account did.
    pub actor_id: Option<Uuid>,
    /// More about it, in words; never a password, code, token or address.
    pub detail: String,
}
