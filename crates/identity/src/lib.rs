//! The identity platform: who may sign in to Rathaus and what they may do.
//!
//! It serves the city's staff: accounts with roles (editor, publisher, administrator),
//! passwords hashed with Argon2id, a second factor from an authenticator app (TOTP) with
//! single-use recovery codes, sessions with idle and absolute timeouts, throttling of failed
//! sign-ins, invitations for new staff and an audit log. For citizens it keeps the profile
//! vault ([`vault`]): their data with its source, once, the log of who used it, and their
//! consents; and it does what the GDPR asks ([`personal_data`]): export, erasure and
//! retention periods. Passkeys, external OpenID Connect providers and trust levels per
//! session will be added to the same model: accounts have a [`AccountKind`], sessions a
//! trust level.
//!
//! Everything is a plain call on [`IdentityStore`] with the current time passed in, so that
//! the web layer holds no rules of its own and tests control the clock. The platform sends
//! no mail and knows no texts: an invitation returns its token, and the web layer writes
//! the message.

pub mod audit;
pub mod config;
pub mod error;
pub mod model;
mod password;
pub mod personal_data;
mod secret;
mod store;
mod throttle;
mod totp;
pub mod vault;

pub use config::{IdentityConfig, PasswordPolicy, RetentionPolicy, ThrottlePolicy};
pub use error::{IdentityError, PasswordRule};
pub use model::{
    Account, AccountKind, AuditEvent, Invitation, InvitationInfo, RecoveryCodes, Role, Session,
    SessionInfo, SessionToken, SignInStep, TotpEnrolment,
};
pub use personal_data::{AccountDeletion, AccountExport, RetentionReport};
pub use store::{IdentityStore, MIGRATIONS};
pub use vault::catalogue::{AttributeError, AttributeProblem};
pub use vault::{Consent, DataUse, ProfileAttribute, ProfileValue, Purpose, Source};
