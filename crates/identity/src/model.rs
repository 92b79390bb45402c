//! The things the identity platform knows about: accounts and their roles, sessions,
//! invitations, the steps of signing in, and audit events.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a member of staff may do.
///
/// Roles do not imply one another, with the exceptions the `can_*` methods of [`Account`]
/// name: an administrator may edit and publish too, and an office lead handles cases like a
/// caseworker. Administrators do not see cases by their role: reading people's applications
/// needs a caseworker's or office lead's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Writes drafts.
    Editor,
    /// Approves and publishes what editors wrote.
    Publisher,
    /// Handles applications and cases (Sachbearbeitung), everywhere or in one office.
    Caseworker,
    /// Leads an office (Amtsleitung): handles its cases and oversees its caseworkers.
    OfficeLead,
    /// Designs the processes behind online services.
    ProcessDesigner,
    /// Manages staff accounts and settings.
    Admin,
}

impl Role {
    /// Every role, in the order forms list them.
    pub const ALL: [Role; 6] = [
        Role::Editor,
        Role::Publisher,
        Role::Caseworker,
        Role::OfficeLead,
        Role::ProcessDesigner,
        Role::Admin,
    ];

    /// The role's name as stored and shown: `editor`, `publisher`, `caseworker`,
    /// `office_lead`, `process_designer` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Editor => "editor",
            Role::Publisher => "publisher",
            Role::Caseworker => "caseworker",
            Role::OfficeLead => "office_lead",
            Role::ProcessDesigner => "process_designer",
            Role::Admin => "admin",
        }
    }

    /// The role with this name, if there is one.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// Whether the role can be held in one office rather than everywhere: the roles of
    /// case work.
    pub fn is_per_office(self) -> bool {
        matches!(self, Role::Caseworker | Role::OfficeLead)
    }
}

/// A role held in one office only, such as caseworker in the Bürgerbüro Mitte. The office
/// is the key of an office item of the content platform.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OfficeRole {
    /// The key of the office.
    pub office: String,
    /// What the account may do there; a role for which [`Role::is_per_office`] holds.
    pub role: Role,
}

impl OfficeRole {
    /// The form `role@office` used in forms and stored invitations.
    pub fn to_text(&self) -> String {
        format!("{}@{}", self.role.as_str(), self.office)
    }

    /// Reads `role@office`; `None` for anything else or a role that is not per office.
    pub fn parse(text: &str) -> Option<OfficeRole> {
        let (role, office) = text.split_once('@')?;
        let role = Role::parse(role).filter(|role| role.is_per_office())?;
        let valid_office = !office.is_empty()
            && office.len() <= 80
            && office
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
        valid_office.then(|| OfficeRole {
            office: office.to_owned(),
            role,
        })
    }
}

/// Everything a member of staff may do: roles everywhere and roles in single offices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Roles that hold everywhere.
    pub roles: BTreeSet<Role>,
    /// Roles that hold in one office each.
    pub office_roles: BTreeSet<OfficeRole>,
}

impl Grants {
    /// These roles everywhere, none per office.
    pub fn everywhere(roles: BTreeSet<Role>) -> Grants {
        Grants {
            roles,
            office_roles: BTreeSet::new(),
        }
    }

    /// Whether no role is granted at all.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.office_roles.is_empty()
    }

    /// The grants as a comma-separated list, such as `editor,caseworker@buergerbuero-mitte`,
    /// as invitations store them and the audit log shows them.
    pub fn to_text(&self) -> String {
        self.roles
            .iter()
            .map(|role| role.as_str().to_owned())
            .chain(self.office_roles.iter().map(OfficeRole::to_text))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads [`Grants::to_text`]'s form; `None` when an entry is neither a role nor a role
    /// in an office.
    pub fn parse_text(text: &str) -> Option<Grants> {
        let mut grants = Grants::default();
        for entry in text.split(',').filter(|entry| !entry.is_empty()) {
            if entry.contains('@') {
                grants.office_roles.insert(OfficeRole::parse(entry)?);
            } else {
                grants.roles.insert(Role::parse(entry)?);
            }
        }
        Some(grants)
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
    /// A person using the citizen portal's services.
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
    /// What the account may do everywhere.
    pub roles: BTreeSet<Role>,
    /// What the account may do in single offices only.
    pub office_roles: BTreeSet<OfficeRole>,
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

    /// May design the processes behind online services: process designers and
    /// administrators.
    pub fn can_design_processes(&self) -> bool {
        self.has_role(Role::ProcessDesigner) || self.has_role(Role::Admin)
    }

    /// May handle the cases of `office`: a caseworker or office lead there or everywhere.
    pub fn handles_cases_in(&self, office: &str) -> bool {
        [Role::Caseworker, Role::OfficeLead]
            .into_iter()
            .any(|role| {
                self.has_role(role)
                    || self.office_roles.contains(&OfficeRole {
                        office: office.to_owned(),
                        role,
                    })
            })
    }

    /// May handle cases in at least one office.
    pub fn handles_cases(&self) -> bool {
        self.has_role(Role::Caseworker)
            || self.has_role(Role::OfficeLead)
            || !self.office_roles.is_empty()
    }

    /// Leads `office`, or every office.
    pub fn leads(&self, office: &str) -> bool {
        self.has_role(Role::OfficeLead)
            || self.office_roles.contains(&OfficeRole {
                office: office.to_owned(),
                role: Role::OfficeLead,
            })
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

/// What a citizen's correct password leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitizenSignIn {
    /// Signed in: the session's token.
    Complete(SessionToken),
    /// The account has an authenticator: ask for a code (or a recovery code).
    SecondFactorRequired {
        /// The pending sign-in, good for nothing but the second step.
        pending: SessionToken,
    },
}

/// A link sent by email to prove that the recipient reads the address. The token goes into
/// the link and is not stored (only its SHA-256 is); `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailLink {
    /// The secret part of the link.
    pub token: String,
    /// The address to send the link to.
    pub email: String,
    /// The name to greet the recipient with.
    pub display_name: String,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for EmailLink {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("EmailLink")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Which message a sign-up or an address change leads to. The person who asked sees the
/// same answer in every case, so that the form does not tell who has an account; the
/// message goes to the address and tells its reader what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressMail {
    /// The address is free: send the link that completes the sign-up or change.
    Confirm(EmailLink),
    /// An account with this address exists: tell its owner, who can sign in or reset the
    /// password.
    AlreadyRegistered {
        /// The address to write to.
        email: String,
    },
    /// Too many messages went to this address lately: send nothing now.
    Withheld,
}

/// How sure the city is of a person's identity, after the eIDAS levels of assurance.
/// Ordered: `Low < Substantial < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustLevel {
    /// A password or an unconfirmed provider sign-in (Basisregistrierung).
    Low,
    /// Substantial (substanziell): an ELSTER certificate or some EU eIDs.
    Substantial,
    /// High (hoch): the Online-Ausweis (the ID card's online function) and some EU eIDs.
    High,
}

impl TrustLevel {
    /// Every level, lowest first.
    pub const ALL: [TrustLevel; 3] = [TrustLevel::Low, TrustLevel::Substantial, TrustLevel::High];

    /// The level's name as stored and configured: `low`, `substantial` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustLevel::Low => "low",
            TrustLevel::Substantial => "substantial",
            TrustLevel::High => "high",
        }
    }

    /// The level with this name, if there is one.
    pub fn parse(name: &str) -> Option<TrustLevel> {
        TrustLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == name)
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What a flow sent to an identity provider is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowPurpose {
    /// Signing in, or making an account from the provider's data.
    SignIn,
    /// Linking the provider's identity to the signed-in account.
    Link,
    /// Raising the trust level of the signed-in session.
    StepUp,
    /// Signing in a member of staff through the city's staff provider.
    StaffSignIn,
}

impl FlowPurpose {
    /// The purpose as stored: `sign_in`, `link`, `step_up` or `staff_sign_in`.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowPurpose::SignIn => "sign_in",
            FlowPurpose::Link => "link",
            FlowPurpose::StepUp => "step_up",
            FlowPurpose::StaffSignIn => "staff_sign_in",
        }
    }

    /// The purpose with this stored name, if there is one.
    pub fn parse(name: &str) -> Option<FlowPurpose> {
        [
            FlowPurpose::SignIn,
            FlowPurpose::Link,
            FlowPurpose::StepUp,
            FlowPurpose::StaffSignIn,
        ]
        .into_iter()
        .find(|purpose| purpose.as_str() == name)
    }
}

/// A flow to an identity provider, begun: send the browser to `authorization_url`, and give
/// it `browser_secret` in a short-lived cookie, which the provider's answer must come back
/// with. `Debug` leaves the secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderFlow {
    /// The provider's authorization endpoint with every parameter of the request.
    pub authorization_url: String,
    /// Binds the flow to the browser that began it.
    pub browser_secret: String,
}

impl fmt::Debug for ProviderFlow {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ProviderFlow(…)")
    }
}

/// What a provider's answer led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderOutcome {
    /// The person is signed in: a new session at the level the provider confirmed.
    SignedIn {
        /// The new session's token.
        token: SessionToken,
        /// Whether the account was made just now from the provider's data.
        new_account: bool,
        /// Where to go next, inside the portal.
        return_to: String,
    },
    /// The provider's identity is now linked to the signed-in account.
    Linked {
        /// Where to go next, inside the portal.
        return_to: String,
    },
    /// A member of staff is signed in: a new staff session, the second factor checked by
    /// the provider.
    StaffSignedIn {
        /// The new session's token.
        token: SessionToken,
        /// Where to go next, inside the staff portal.
        return_to: String,
    },
    /// The session was replaced by one with a new token at the higher level.
    SteppedUp {
        /// The new session's token; the old one is ended.
        token: SessionToken,
        /// Where to go next, inside the portal.
        return_to: String,
    },
}

/// A provider's identity linked to an account, as listed for its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedIdentity {
    /// The provider's id in the configuration.
    pub provider: String,
    /// The provider's identifier of the person.
    pub subject: String,
    /// When it was linked.
    pub created_at: DateTime<Utc>,
    /// When it was last used to sign in.
    pub last_used_at: DateTime<Utc>,
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

impl Session {
    /// The session's trust level; `Low` for anything unknown.
    pub fn level(&self) -> TrustLevel {
        TrustLevel::parse(&self.trust_level).unwrap_or(TrustLevel::Low)
    }
}

/// A session as listed for its owner or an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// The session's id.
    pub id: Uuid,
    /// The browser and system it was started on, such as `Firefox on Windows`; empty when
    /// unknown.
    pub device: String,
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
    pub grants: Grants,
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

/// A passkey of an account as listed for its owner: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasskeyInfo {
    /// The passkey's id in Rathaus (not the authenticator's credential id).
    pub id: Uuid,
    /// The person's name for it, such as the device it lives on.
    pub name: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it was last used to sign in; `None` if never.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A passkey ceremony begun: the options for the browser's WebAuthn call and the token that
/// finishes the ceremony. The token is not stored, only its SHA-256; `Debug` leaves it out.
#[derive(Clone, PartialEq)]
pub struct PasskeyCeremony {
    /// The secret that names the ceremony when the browser's answer comes back.
    pub token: String,
    /// What `navigator.credentials.create()` or `.get()` needs, as the JSON the WebAuthn
    /// library writes (binary values in base64url).
    pub options: serde_json::Value,
}

impl fmt::Debug for PasskeyCeremony {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PasskeyCeremony")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
