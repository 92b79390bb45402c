//! Citizen accounts: signing up, resetting a forgotten password and changing the address
//! through links sent by email, changing the password, the optional authenticator, and the
//! person's own sessions.
//!
//! A sign-up stores nothing but a link until the link is used: the account is made only then,
//! with the password chosen at sign-up, so that nobody can hold an address they do not read.
//! The forms that send links answer the same whether or not an account exists; the message
//! itself tells the reader what happened ([`AddressMail`]). Every method that acts on an
//! account takes its id from the signed-in session and touches no other account's rows.

use chrono::{DateTime, Utc};
use rathaus_base::Transaction;
use uuid::Uuid;

use super::sign_in::{RECOVERY_CODES, replace_recovery_codes};
use super::{IdentityStore, insert_session};
use crate::audit::{self, Entry, kinds};
use crate::error::IdentityError;
use crate::model::{
    Account, AccountKind, AddressMail, EmailLink, RecoveryCodes, SessionToken, TotpEnrolment,
};
use crate::password::check_rules;
use crate::personal_data::AccountDeletion;
use crate::secret::{check_display_name, check_email, new_recovery_code, new_token, sha256_hex};
use crate::throttle::{self, account_subject, mail_request_subject, to_chrono};
use crate::totp;

/// How long a sign-up link works.
const SIGN_UP_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// How long a password-reset link works: short, since it gives the account away.
const RESET_LIFETIME: chrono::Duration = chrono::Duration::hours(1);

/// How long a link that confirms a new address works.
const EMAIL_CHANGE_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// How recent a sign-in must be to confirm deleting an account that has no password.
pub const FRESH_SIGN_IN: std::time::Duration = std::time::Duration::from_mins(10);

/// Whether a session that began at `signed_in_at` counts as a recent sign-in at `now`.
pub fn is_recent_sign_in(signed_in_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - signed_in_at <= to_chrono(FRESH_SIGN_IN)
}

/// What a link is for, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    SignUp,
    PasswordReset,
    EmailChange,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::SignUp => "sign_up",
            Purpose::PasswordReset => "password_reset",
            Purpose::EmailChange => "email_change",
        }
    }
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: Uuid,
    account_id: Option<Uuid>,
    email: String,
    display_name: Option<String>,
    password_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PasswordRow {
    email: String,
    password_hash: Option<String>,
}

/// What a sign-up link offers, shown before it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUpLinkInfo {
    /// The address the account will have.
    pub email: String,
    /// The name given at sign-up.
    pub display_name: String,
}

impl IdentityStore {
    /// Starts a sign-up. Input is checked first (address, name, password rules), so that
    /// mistakes are named; after that the answer does not depend on whether the address has
    /// an account. `client` counts requests per client like failed sign-ins.
    pub async fn sign_up(
        &self,
        email: &str,
        display_name: &str,
        password: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<AddressMail, IdentityError> {
        let (email, normalised) = check_email(email)?;
        let display_name = check_display_name(display_name)?;
        check_rules(&self.config.password, password, &email)?;
        self.count_mail_request(client, now).await?;

        // Hashing in every case keeps the answer equally slow whether the address is known.
        let hash = self.hasher.hash(password).await?;
        if !throttle::mail_allowed(&self.database, &normalised, now).await? {
            return Ok(AddressMail::Withheld);
        }
        if self.citizen_id(&normalised).await?.is_some() {
            return Ok(AddressMail::AlreadyRegistered { email });
        }

        let link = EmailLink {
            token: new_token(),
            email,
            display_name,
            expires_at: now + SIGN_UP_LIFETIME,
        };
        self.database
            .execute(
                "INSERT INTO identity_email_links (id, token_hash, purpose, email, display_name, \
                 password_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    Uuid::now_v7().into(),
                    sha256_hex(&link.token).into(),
                    Purpose::SignUp.as_str().into(),
                    link.email.as_str().into(),
                    link.display_name.as_str().into(),
                    hash.into(),
                    now.into(),
                    link.expires_at.into(),
                ],
            )
            .await?;
        Ok(AddressMail::Confirm(link))
    }

    /// What an open sign-up link is for. Unknown, used and expired links all give
    /// `LinkInvalid`.
    pub async fn sign_up_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<SignUpLinkInfo, IdentityError> {
        let link = self.open_link(token, Purpose::SignUp, now).await?;
        Ok(SignUpLinkInfo {
            email: link.email,
            display_name: link.display_name.unwrap_or_default(),
        })
    }

    /// Completes a sign-up: makes the account with the address proven and the password
    /// chosen, and signs the person in. Works once; `EmailTaken` when the address got an
    /// account meanwhile (through another sign-up link).
    pub async fn complete_sign_up(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(Account, SessionToken), IdentityError> {
        let link = self.open_link(token, Purpose::SignUp, now).await?;
        let (email, normalised) = check_email(&link.email)?;
        if self.citizen_id(&normalised).await?.is_some() {
            return Err(IdentityError::EmailTaken);
        }

        let id = Uuid::now_v7();
        let mut transaction = self.database.begin().await?;
        use_link(&mut transaction, link.id, now).await?;
        // The unique index on (kind, email_normalised) refuses a second account even when
        // two links for one address are used at the same moment.
        transaction
            .execute(
                "INSERT INTO identity_accounts (id, kind, email, email_normalised, display_name, \
                 password_hash, disabled, created_at, updated_at, email_verified_at, \
                 verified_at) VALUES ($1, 'citizen', $2, $3, $4, $5, $6, $7, $7, $7, $7)",
                &[
                    id.into(),
                    email.as_str().into(),
                    normalised.as_str().into(),
                    link.display_name.unwrap_or_default().into(),
                    link.password_hash.into(),
                    false.into(),
                    now.into(),
                ],
            )
            .await
            .map_err(taken_or_failed)?;
        let entry = Entry::about(kinds::ACCOUNT_CREATED, Some(id), "citizen sign-up");
        audit::record_in(&mut transaction, entry, now).await?;
        let lifetime = self.config.session_absolute_timeout;
        let session = insert_session(&mut transaction, id, true, lifetime, now).await?;
        transaction.commit().await?;

        tracing::info!(account.id = %id, "citizen account made");
        let account = self
            .account(id)
            .await?
            .ok_or(IdentityError::AccountNotFound)?;
        Ok((account, session))
    }

    /// Sends a password-reset link, if the address belongs to an enabled citizen account
    /// and not too many messages went to it lately; `None` otherwise. The web layer answers
    /// the same either way.
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<EmailLink>, IdentityError> {
        let (_, normalised) = check_email(email)?;
        self.count_mail_request(client, now).await?;
        let Some(account_id) = self.citizen_id(&normalised).await? else {
            return Ok(None);
        };
        let Some(account) = self.account(account_id).await? else {
            return Ok(None);
        };
        if account.disabled || !throttle::mail_allowed(&self.database, &normalised, now).await? {
            return Ok(None);
        }

        let link = self
            .insert_account_link(&account, Purpose::PasswordReset, &account.email, now)
            .await?;
        Ok(Some(link))
    }

    /// The address an open password-reset link is for.
    pub async fn password_reset_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<String, IdentityError> {
        Ok(self
            .open_link(token, Purpose::PasswordReset, now)
            .await?
            .email)
    }

    /// Sets a new password through a reset link. Every session of the account ends, every
    /// other open reset link stops working, and failed sign-ins of the account are
    /// forgotten. An authenticator stays: the next sign-in still asks for its code.
    pub async fn reset_password(
        &self,
        token: &str,
        new_password: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, IdentityError> {
        let link = self.open_link(token, Purpose::PasswordReset, now).await?;
        let account_id = link.account_id.ok_or(IdentityError::LinkInvalid)?;
        let account = self
            .account(account_id)
            .await?
            .ok_or(IdentityError::LinkInvalid)?;
        check_rules(&self.config.password, new_password, &account.email)?;
        let hash = self.hasher.hash(new_password).await?;

        let mut transaction = self.database.begin().await?;
        use_link(&mut transaction, link.id, now).await?;
        transaction
            .execute(
                "UPDATE identity_email_links SET used_at = $2 \
                 WHERE account_id = $1 AND purpose = 'password_reset' AND used_at IS NULL",
                &[account_id.into(), now.into()],
            )
            .await?;
        set_password(&mut transaction, account_id, &hash, now).await?;
        transaction
            .execute(
                "DELETE FROM identity_sessions WHERE account_id = $1",
                &[account_id.into()],
            )
            .await?;
        let entry = Entry::about(kinds::PASSWORD_RESET, Some(account_id), "by email link");
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        let normalised = account.email.to_lowercase();
        throttle::clear(&self.database, &account_subject(&normalised)).await?;
        Ok(account)
    }

    /// Changes the password of a signed-in person, who confirms the current one. The
    /// person's other sessions end; `keep` (the session making the change) stays.
    pub async fn change_password(
        &self,
        account_id: Uuid,
        current_password: &str,
        new_password: &str,
        keep: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let email = self
            .confirm_password(account_id, current_password, now)
            .await?;
        check_rules(&self.config.password, new_password, &email)?;
        let hash = self.hasher.hash(new_password).await?;

        let mut transaction = self.database.begin().await?;
        set_password(&mut transaction, account_id, &hash, now).await?;
        end_sessions_except(&mut transaction, account_id, keep).await?;
        let entry = Entry::about(kinds::PASSWORD_CHANGED, Some(account_id), "by its owner");
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Asks to change a signed-in citizen's address: after the current password is
    /// confirmed, a link goes to the new address, and the address changes only when it is
    /// used. An address that has an account gets a notice instead, as at sign-up.
    pub async fn request_email_change(
        &self,
        account_id: Uuid,
        new_email: &str,
        current_password: &str,
        now: DateTime<Utc>,
    ) -> Result<AddressMail, IdentityError> {
        let (new_email, normalised) = check_email(new_email)?;
        let current = self
            .confirm_password(account_id, current_password, now)
            .await?;
        if current.to_lowercase() == normalised {
            return Err(IdentityError::EmailUnchanged);
        }
        if !throttle::mail_allowed(&self.database, &normalised, now).await? {
            return Ok(AddressMail::Withheld);
        }
        if self.citizen_id(&normalised).await?.is_some() {
            return Ok(AddressMail::AlreadyRegistered { email: new_email });
        }

        let account = self
            .account(account_id)
            .await?
            .ok_or(IdentityError::AccountNotFound)?;
        let link = self
            .insert_account_link(&account, Purpose::EmailChange, &new_email, now)
            .await?;
        Ok(AddressMail::Confirm(link))
    }

    /// Changes the address through the link sent to the new one. Returns the account as it
    /// is now and the old address, which the web layer tells about the change.
    pub async fn confirm_email_change(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(Account, String), IdentityError> {
        let link = self.open_link(token, Purpose::EmailChange, now).await?;
        let account_id = link.account_id.ok_or(IdentityError::LinkInvalid)?;
        let before = self
            .account(account_id)
            .await?
            .ok_or(IdentityError::LinkInvalid)?;
        let (email, normalised) = check_email(&link.email)?;

        let mut transaction = self.database.begin().await?;
        use_link(&mut transaction, link.id, now).await?;
        transaction
            .execute(
                "UPDATE identity_accounts SET email = $2, email_normalised = $3, \
                 email_verified_at = $4, updated_at = $4 WHERE id = $1",
                &[
                    account_id.into(),
                    email.as_str().into(),
                    normalised.as_str().into(),
                    now.into(),
                ],
            )
            .await
            .map_err(taken_or_failed)?;
        let entry = Entry::about(kinds::EMAIL_CHANGED, Some(account_id), "by email link");
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        let account = self
            .account(account_id)
            .await?
            .ok_or(IdentityError::AccountNotFound)?;
        Ok((account, before.email))
    }

    /// Ends one session of an account, from another of its sessions. Only a session of
    /// `account_id` can be ended: an id of anyone else's session changes nothing and gives
    /// `false`.
    pub async fn end_session_of(
        &self,
        account_id: Uuid,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, IdentityError> {
        let ended = self
            .database
            .execute(
                "DELETE FROM identity_sessions WHERE id = $1 AND account_id = $2",
                &[session_id.into(), account_id.into()],
            )
            .await?;
        if ended == 1 {
            let entry = Entry::about(kinds::SESSIONS_ENDED, Some(account_id), "one session");
            self.audit(entry, now).await?;
        }
        Ok(ended == 1)
    }

    /// Ends every session of an account but `keep`; returns how many ended.
    pub async fn end_other_sessions(
        &self,
        account_id: Uuid,
        keep: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, IdentityError> {
        let mut transaction = self.database.begin().await?;
        let ended = end_sessions_except(&mut transaction, account_id, keep).await?;
        if ended > 0 {
            let detail = format!("{ended} other sessions");
            let entry = Entry::about(kinds::SESSIONS_ENDED, Some(account_id), detail);
            audit::record_in(&mut transaction, entry, now).await?;
        }
        transaction.commit().await?;
        Ok(ended)
    }

    /// Notes the browser and system a session runs on, for the person's list of sessions.
    /// The web layer derives the short description; it is cut to 100 characters.
    pub async fn note_device(
        &self,
        token: &SessionToken,
        device: &str,
    ) -> Result<(), IdentityError> {
        let device: String = device
            .chars()
            .filter(|letter| !letter.is_control())
            .take(100)
            .collect();
        self.database
            .execute(
                "UPDATE identity_sessions SET device = $2 WHERE token_hash = $1",
                &[sha256_hex(token.as_str()).into(), device.into()],
            )
            .await?;
        Ok(())
    }

    /// Starts setting up an authenticator app from a signed-in session (citizens choose to
    /// have one; staff set theirs up while signing in). The secret waits with the session
    /// until a code confirms it.
    pub async fn begin_totp_for_session(
        &self,
        token: &SessionToken,
        now: DateTime<Utc>,
    ) -> Result<TotpEnrolment, IdentityError> {
        let session = self
            .session(token, now)
            .await?
            .ok_or(IdentityError::PendingSignInInvalid)?;
        if session.account.second_factor_enrolled {
            return Err(IdentityError::SecondFactorAlreadyEnrolled);
        }

        let secret = totp::new_secret();
        self.database
            .execute(
                "UPDATE identity_sessions SET pending_totp_secret = $2 WHERE id = $1",
                &[session.id.into(), secret.as_str().into()],
            )
            .await?;
        Ok(TotpEnrolment {
            otpauth_uri: totp::otpauth_uri(
                &self.config.totp_issuer,
                &session.account.email,
                &secret,
            ),
            secret_base32: secret,
        })
    }

    /// The secret offered by [`IdentityStore::begin_totp_for_session`] and not yet
    /// confirmed, for showing the set-up again after a wrong code.
    pub async fn offered_totp(
        &self,
        token: &SessionToken,
        now: DateTime<Utc>,
    ) -> Result<Option<TotpEnrolment>, IdentityError> {
        #[derive(sqlx::FromRow)]
        struct Offered {
            pending_totp_secret: Option<String>,
        }

        let Some(session) = self.session(token, now).await? else {
            return Ok(None);
        };
        let offered: Option<Offered> = self
            .database
            .fetch_optional(
                "SELECT pending_totp_secret FROM identity_sessions WHERE id = $1",
                &[session.id.into()],
            )
            .await?;
        Ok(offered
            .and_then(|row| row.pending_totp_secret)
            .map(|secret| TotpEnrolment {
                otpauth_uri: totp::otpauth_uri(
                    &self.config.totp_issuer,
                    &session.account.email,
                    &secret,
                ),
                secret_base32: secret,
            }))
    }

    /// Confirms the authenticator set up from a signed-in session with a code from it, and
    /// makes ten recovery codes (shown once; only hashes are kept).
    pub async fn confirm_totp_for_session(
        &self,
        token: &SessionToken,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<RecoveryCodes, IdentityError> {
        let session = self
            .session(token, now)
            .await?
            .ok_or(IdentityError::PendingSignInInvalid)?;
        let Some(secret) = self
            .offered_totp(token, now)
            .await?
            .map(|offered| offered.secret_base32)
        else {
            return Err(IdentityError::EnrolmentNotStarted);
        };
        let Some(step) = totp::matching_step(&secret, code, now)? else {
            return Err(IdentityError::InvalidCode);
        };

        let account_id = session.account.id;
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let mut transaction = self.database.begin().await?;
        let changed = transaction
            .execute(
                "UPDATE identity_accounts SET totp_secret = $2, totp_last_step = $3, \
                 updated_at = $4 WHERE id = $1 AND totp_secret IS NULL",
                &[account_id.into(), secret.into(), step.into(), now.into()],
            )
            .await?;
        if changed != 1 {
            return Err(IdentityError::SecondFactorAlreadyEnrolled);
        }
        transaction
            .execute(
                "UPDATE identity_sessions SET pending_totp_secret = NULL WHERE id = $1",
                &[session.id.into()],
            )
            .await?;
        replace_recovery_codes(&mut transaction, account_id, &codes).await?;
        let entry = Entry::about(
            kinds::SECOND_FACTOR_ENROLLED,
            Some(account_id),
            format!("authenticator app and {RECOVERY_CODES} recovery codes"),
        );
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;
        Ok(RecoveryCodes(codes))
    }

    /// Removes a citizen's authenticator and recovery codes after the password is
    /// confirmed. Staff accounts must keep theirs.
    pub async fn remove_second_factor(
        &self,
        account_id: Uuid,
        current_password: &str,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let account = self
            .account(account_id)
            .await?
            .ok_or(IdentityError::AccountNotFound)?;
        if account.kind != AccountKind::Citizen {
            return Err(IdentityError::SecondFactorMandatory);
        }
        self.confirm_password(account_id, current_password, now)
            .await?;

        let mut transaction = self.database.begin().await?;
        transaction
            .execute(
                "UPDATE identity_accounts SET totp_secret = NULL, totp_last_step = NULL, \
                 updated_at = $2 WHERE id = $1",
                &[account_id.into(), now.into()],
            )
            .await?;
        transaction
            .execute(
                "DELETE FROM identity_recovery_codes WHERE account_id = $1",
                &[account_id.into()],
            )
            .await?;
        let entry = Entry::about(
            kinds::SECOND_FACTOR_REMOVED,
            Some(account_id),
            "by its owner",
        );
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Deletes a citizen's account at their own request. An account with a password confirms
    /// with it (wrong passwords count like failed sign-ins, so guessing is throttled); one
    /// without (passkeys or identity providers only) confirms by a session that signed in at
    /// most [`FRESH_SIGN_IN`] before, else `SignInNotRecent`. What goes and what stays is
    /// [`IdentityStore::delete_account`]'s. Staff accounts are deleted by an administrator,
    /// not here (`NotACitizen`).
    pub async fn delete_own_account(
        &self,
        account_id: Uuid,
        signed_in_at: DateTime<Utc>,
        current_password: &str,
        now: DateTime<Utc>,
    ) -> Result<AccountDeletion, IdentityError> {
        let account = self
            .account(account_id)
            .await?
            .ok_or(IdentityError::AccountNotFound)?;
        if account.kind != AccountKind::Citizen {
            return Err(IdentityError::NotACitizen);
        }

        if self.has_password(account_id).await? {
            self.confirm_password(account_id, current_password, now)
                .await?;
        } else if !is_recent_sign_in(signed_in_at, now) {
            return Err(IdentityError::SignInNotRecent);
        }
        self.delete_account(account_id, now).await
    }

    /// Checks the current password of a signed-in person before a sensitive change; wrong
    /// passwords count like failed sign-ins. The authenticator is not asked for again: the
    /// session passed it already. Returns the account's address.
    pub(super) async fn confirm_password(
        &self,
        account_id: Uuid,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<String, IdentityError> {
        let row: PasswordRow = self
            .database
            .fetch_optional(
                "SELECT email, password_hash FROM identity_accounts WHERE id = $1",
                &[account_id.into()],
            )
            .await?
            .ok_or(IdentityError::AccountNotFound)?;
        let subject = account_subject(&row.email.to_lowercase());
        throttle::check(&self.database, [&subject, &subject], now).await?;

        let matches = password.chars().count() <= self.config.password.max_length
            && self
                .hasher
                .verify(password, row.password_hash)
                .await?
                .matches;
        if !matches {
            let reason = "password confirmation: wrong password";
            self.count_failure(&[subject], Some(account_id), reason, now)
                .await?;
            return Err(IdentityError::InvalidCredentials);
        }
        Ok(row.email)
    }

    /// Counts a request that sends a link by email for the client, refusing it with
    /// `Throttled` when the client asked too often.
    async fn count_mail_request(
        &self,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let subject = mail_request_subject(client);
        throttle::check(&self.database, [&subject, &subject], now).await?;
        throttle::record_failure(&self.database, &self.config.throttle, &subject, now).await?;
        Ok(())
    }

    /// The citizen account with this normalised address, if any.
    pub(super) async fn citizen_id(&self, normalised: &str) -> Result<Option<Uuid>, IdentityError> {
        #[derive(sqlx::FromRow)]
        struct Id {
            id: Uuid,
        }

        let found: Option<Id> = self
            .database
            .fetch_optional(
                "SELECT id FROM identity_accounts WHERE kind = 'citizen' AND email_normalised = $1",
                &[normalised.into()],
            )
            .await?;
        Ok(found.map(|row| row.id))
    }

    /// Stores a link for an existing account, sent to `email`.
    async fn insert_account_link(
        &self,
        account: &Account,
        purpose: Purpose,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<EmailLink, IdentityError> {
        let lifetime = match purpose {
            Purpose::SignUp => SIGN_UP_LIFETIME,
            Purpose::PasswordReset => RESET_LIFETIME,
            Purpose::EmailChange => EMAIL_CHANGE_LIFETIME,
        };
        let link = EmailLink {
            token: new_token(),
            email: email.to_owned(),
            display_name: account.display_name.clone(),
            expires_at: now + lifetime,
        };
        self.database
            .execute(
                "INSERT INTO identity_email_links (id, token_hash, purpose, account_id, email, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    Uuid::now_v7().into(),
                    sha256_hex(&link.token).into(),
                    purpose.as_str().into(),
                    account.id.into(),
                    link.email.as_str().into(),
                    now.into(),
                    link.expires_at.into(),
                ],
            )
            .await?;
        Ok(link)
    }

    /// The unused, unexpired link of this purpose with this token.
    async fn open_link(
        &self,
        token: &str,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> Result<LinkRow, IdentityError> {
        let found: Option<LinkRow> = self
            .database
            .fetch_optional(
                "SELECT id, account_id, email, display_name, password_hash \
                 FROM identity_email_links WHERE token_hash = $1 AND purpose = $2 \
                 AND used_at IS NULL AND expires_at > $3",
                &[
                    sha256_hex(token).into(),
                    purpose.as_str().into(),
                    now.into(),
                ],
            )
            .await?;
        found.ok_or(IdentityError::LinkInvalid)
    }
}

/// `EmailTaken` for a write the unique index on addresses refused, the database error
/// otherwise.
fn taken_or_failed(error: rathaus_base::DbError) -> IdentityError {
    if error.is_unique_violation() {
        IdentityError::EmailTaken
    } else {
        IdentityError::Database(error)
    }
}

/// Marks a link used; `LinkInvalid` when another request used it a moment ago.
async fn use_link(
    transaction: &mut Transaction,
    link_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    let used = transaction
        .execute(
            "UPDATE identity_email_links SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
            &[link_id.into(), now.into()],
        )
        .await?;
    if used == 1 {
        Ok(())
    } else {
        Err(IdentityError::LinkInvalid)
    }
}

async fn set_password(
    transaction: &mut Transaction,
    account_id: Uuid,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    transaction
        .execute(
            "UPDATE identity_accounts SET password_hash = $2, updated_at = $3 WHERE id = $1",
            &[account_id.into(), hash.into(), now.into()],
        )
        .await?;
    Ok(())
}

async fn end_sessions_except(
    transaction: &mut Transaction,
    account_id: Uuid,
    keep: Uuid,
) -> Result<u64, IdentityError> {
    Ok(transaction
        .execute(
            "DELETE FROM identity_sessions WHERE account_id = $1 AND id <> $2",
            &[account_id.into(), keep.into()],
        )
        .await?)
}
