//! What can go wrong in the identity platform, each case with its own variant so that the
//! web layer can answer it precisely.

use std::time::Duration;

use rathaus_base::DbError;

use crate::vault::catalogue::AttributeError;

/// A rule a new password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRule {
    /// Fewer characters than the minimum.
    TooShort {
        /// The fewest allowed.
        min: usize,
    },
    /// More characters than the maximum.
    TooLong {
        /// The most allowed.
        max: usize,
    },
    /// The password is the account's email address or its part before the `@`.
    SameAsEmail,
    /// The password is one of the most common ones, perhaps with digits or punctuation
    /// around it, and among the first an attacker tries.
    Common,
}

impl std::fmt::Display for PasswordRule {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordRule::TooShort { min } => write!(formatter, "needs at least {min} characters"),
            PasswordRule::TooLong { max } => write!(formatter, "may have at most {max} characters"),
            PasswordRule::SameAsEmail => formatter.write_str("must not be the email address"),
            PasswordRule::Common => formatter.write_str("is one of the most common passwords"),
        }
    }
}

/// An error of the identity platform.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The text is not an email address.
    #[error("this is not an email address")]
    InvalidEmail,
    /// The display name is empty or longer than 200 characters.
    #[error("the name must have between 1 and 200 characters")]
    InvalidDisplayName,
    /// An account with this email address exists already.
    #[error("an account with this email address exists already")]
    EmailTaken,
    /// The new password breaks a rule.
    #[error("the password {0}")]
    WeakPassword(PasswordRule),
    /// An account must have at least one role.
    #[error("at least one role is needed")]
    NoRoles,
    /// The change would leave no enabled administrator.
    #[error("this would leave no administrator")]
    LastAdmin,
    /// Email or password is wrong, or the account is disabled; which one is not told.
    #[error("email address or password is wrong")]
    InvalidCredentials,
    /// Too many failed attempts: try again after `retry_after`.
    #[error("too many failed attempts; try again in {} seconds", retry_after.as_secs().max(1))]
    Throttled {
        /// How long to wait.
        retry_after: Duration,
    },
    /// All password-hashing slots are busy: try again after `retry_after`.
    #[error("too many sign-ins at once; try again shortly")]
    Busy {
        /// How long to wait.
        retry_after: Duration,
    },
    /// The invitation is unknown, used or expired; which one is not told.
    #[error("this invitation is not valid (any more)")]
    InvitationInvalid,
    /// The link from an email is unknown, used or expired; which one is not told.
    #[error("this link is not valid (any more)")]
    LinkInvalid,
    /// The new email address is the one the account has.
    #[error("this is the account's email address already")]
    EmailUnchanged,
    /// Staff accounts must keep their authenticator; only an administrator can reset it.
    #[error("staff accounts must keep their second factor")]
    SecondFactorMandatory,
    /// The pending sign-in is unknown, finished or expired: start again with the password.
    #[error("the sign-in has expired; please start again")]
    PendingSignInInvalid,
    /// The account has an authenticator already; an administrator can reset it.
    #[error("a second factor is already set up")]
    SecondFactorAlreadyEnrolled,
    /// The account has no authenticator yet: it must be set up first.
    #[error("no second factor is set up yet")]
    SecondFactorNotEnrolled,
    /// A code was confirmed before enrolment began.
    #[error("the set-up of the authenticator has not begun")]
    EnrolmentNotStarted,
    /// The code from the authenticator or the recovery code is wrong.
    #[error("the code is wrong")]
    InvalidCode,
    /// The authenticator code was used already: wait for the next one.
    #[error("this code was used already; please wait for the next one")]
    CodeAlreadyUsed,
    /// An account without a password confirms a grave step (deleting itself) by a recent
    /// sign-in, and this session signed in too long ago: sign in again.
    #[error("sign in again to confirm this")]
    SignInNotRecent,
    /// The step is for citizen accounts only, such as deleting one's own account.
    #[error("this is possible for citizen accounts only")]
    NotACitizen,
    /// Passkeys cannot be used because `server.public_url` gives no usable relying party
    /// (its host is an IP address or it is no URL).
    #[error("passkeys are not available on this portal")]
    PasskeysUnavailable,
    /// Only citizen accounts have passkeys; staff sign in with password and authenticator.
    #[error("only citizen accounts can have passkeys")]
    PasskeysForCitizensOnly,
    /// The passkey ceremony is unknown, finished already, of another account or expired.
    #[error("the passkey request has expired; please try again")]
    PasskeyCeremonyInvalid,
    /// The browser's answer is no WebAuthn answer, or the passkey's signature, origin or
    /// user verification was not accepted, or the passkey is unknown or of a disabled
    /// account; which one is not told.
    #[error("the passkey was not accepted")]
    PasskeyNotAccepted,
    /// The passkey is registered already (to this or another account).
    #[error("this passkey is registered already")]
    PasskeyAlreadyRegistered,
    /// The account has no passkey with this id.
    #[error("no such passkey")]
    PasskeyNotFound,
    /// A passkey's name is empty, longer than 100 characters or has control characters.
    #[error("the name of the passkey must have between 1 and 100 characters")]
    InvalidPasskeyName,
    /// The change would leave the account without a password and without a passkey.
    #[error("this is the last way to sign in and cannot be removed")]
    LastCredential,
    /// No account has this id.
    #[error("no such account")]
    AccountNotFound,
    /// Values for the profile vault were refused: one error per attribute, each naming
    /// the attribute, the part of the value and the problem. Never empty.
    #[error("invalid profile data: {}", describe_all(.0))]
    InvalidAttributes(Vec<AttributeError>),
    /// The account holds values of so many attributes that no further one is taken.
    #[error("the profile holds the most attributes allowed ({max})")]
    ProfileFull {
        /// How many attributes a profile may hold.
        max: usize,
    },
    /// The account has no value with this id.
    #[error("no such value in the profile")]
    ValueNotFound,
    /// A provider's id or an application's reference is empty, too long or has control
    /// characters.
    #[error("the source of the values is not valid")]
    InvalidSource,
    /// A purpose's key is not a namespaced name or its label is empty or too long.
    #[error("the purpose is not valid")]
    InvalidPurpose,
    /// The reader of a data use is empty, too long or has control characters.
    #[error("the reader is not valid")]
    InvalidReader,
    /// The reference of a data use (where the data goes) is empty, too long or has control
    /// characters.
    #[error("the reference of the data use is not valid")]
    InvalidReference,
    /// A read named no attribute.
    #[error("a read must name at least one attribute")]
    NoAttributesRequested,
    /// The purpose needs the person's consent, which was never given or was withdrawn.
    #[error("the person has not consented to the purpose {purpose}")]
    ConsentRequired {
        /// The purpose's key.
        purpose: String,
    },
    /// No identity provider with this id is configured.
    #[error("no identity provider `{0}` is configured")]
    ProviderUnknown(String),
    /// The provider could not be reached or answered nonsense (discovery, keys, token
    /// endpoint). The detail is for the log; it holds no personal data.
    #[error("the identity provider is not available: {0}")]
    ProviderUnavailable(String),
    /// The provider's answer names no flow that is open in this browser: unknown, used
    /// already, expired, or started in another browser.
    #[error("this answer from the identity provider is not expected (any more)")]
    FlowUnknown,
    /// The provider ended the flow with an error, such as the person cancelling.
    #[error("the identity provider ended the sign-in: {0}")]
    ProviderRefused(String),
    /// The ID token failed a check: issuer, audience, signature, expiry or nonce. The
    /// detail is for the log.
    #[error("the identity provider's token is not valid: {0}")]
    TokenInvalid(String),
    /// The provider sent an email address that belongs to an account not linked to this
    /// identity: the person must sign in with the password first and link the provider.
    #[error("an account with the provider's email address exists; it must be linked first")]
    ProviderEmailTaken,
    /// The provider sent no email address, which a new account needs.
    #[error("the identity provider sent no email address")]
    ProviderEmailMissing,
    /// The provider's identity is linked to another account.
    #[error("this identity of the provider belongs to another account")]
    IdentityLinkedElsewhere,
    /// The account has an identity of this provider linked already.
    #[error("an identity of this provider is linked already")]
    ProviderAlreadyLinked,
    /// Unlinking would leave the account with no way to sign in.
    #[error("the account has no password, so its only provider cannot be unlinked")]
    LastSignInMethod,
    /// The staff provider's answer shows no second factor.
    #[error("the provider did not confirm a second factor")]
    SecondFactorMissing,
    /// No enabled staff account is linked to the identity or has its verified address.
    #[error("no staff account belongs to this identity")]
    NoStaffAccount,
    /// A step-up came back with a lower trust level than needed; the session is unchanged.
    #[error("the provider confirmed trust level {reached}, but {needed} is needed")]
    TrustLevelTooLow {
        /// The level the provider confirmed.
        reached: crate::model::TrustLevel,
        /// The level that was asked for.
        needed: crate::model::TrustLevel,
    },
    /// Hashing failed, which means wrong hashing parameters or a damaged stored hash.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Stored data cannot be read, such as an unknown role name.
    #[error("stored identity data is damaged: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Several attribute errors as one line for logs and tests.
fn describe_all(errors: &[AttributeError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
