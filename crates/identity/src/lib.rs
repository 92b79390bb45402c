//! The identity platform: who may sign in to Rathaus and what they may do.
//!
//! It serves the city's staff and its citizens. Staff accounts have roles (editor,
//! publisher, caseworker, office lead, process designer, administrator; case work roles
//! everywhere or per office), come by invitation and must use a second factor; citizens
//! sign up themselves, prove their address by a link sent by email, and may add the second
//! factor. Both share passwords hashed with Argon2id (common passwords refused), an
//! authenticator app (TOTP) with single-use recovery codes, sessions with idle and absolute
//! timeouts, throttling of failed sign-ins and of messages sent, and an audit log. For
//! citizens it keeps the profile vault ([`vault`]): their data with its source, once, the
//! log of who used it, and their consents; and it does what the GDPR asks
//! ([`personal_data`]): export, erasure and retention periods. People may also sign in
//! through external identity providers over OpenID Connect (the city's Keycloak brokering
//! BundID and BayernID, or its provider for staff); every session carries the
//! [`TrustLevel`] its sign-in confirmed, and a step-up raises it with a new session token.
//!
//! Everything is a plain call on [`IdentityStore`] with the current time passed in, so that
//! the web layer holds no rules of its own and tests control the clock. The platform sends
//! no mail and knows no texts: an invitation or a link returns its token, and the web layer
//! writes the message.

pub mod audit;
pub mod config;
pub mod error;
pub mod model;
mod oidc;
mod password;
pub mod personal_data;
mod secret;
mod store;
mod throttle;
mod totp;
pub mod vault;

pub use config::{IdentityConfig, PasswordPolicy, ProviderConfig, RetentionPolicy, ThrottlePolicy};
pub use error::{IdentityError, PasswordRule};
pub use model::{
    Account, AccountKind, AddressMail, AuditEvent, CitizenSignIn, EmailLink, FlowPurpose, Grants,
    Invitation, InvitationInfo, LinkedIdentity, OfficeRole, PasskeyCeremony, PasskeyInfo,
    ProviderFlow, ProviderOutcome, RecoveryCodes, Role, Session, SessionInfo, SessionToken,
    SignInStep, TotpEnrolment, TrustLevel,
};
pub use personal_data::{AccountDeletion, AccountExport, RetentionReport};
pub use store::{
    FRESH_SIGN_IN, IdentityStore, MIGRATIONS, ProviderAnswer, SignUpLinkInfo, is_recent_sign_in,
};
pub use vault::catalogue::{AttributeError, AttributeProblem};
pub use vault::{Consent, DataUse, ProfileAttribute, ProfileValue, Purpose, Source};
