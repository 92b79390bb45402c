//! Signing in: the password step, the second factor (authenticator code or recovery code),
//! and setting up the authenticator on the first sign-in.
//!
//! A correct password starts a pending sign-in: a session row whose second factor is not
//! passed, which lives ten minutes and is good for nothing but the next step. When that step
//! succeeds, the pending row is deleted and a new session with a new token begins, so that a
//! token seen before sign-in is worthless after it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{IdentityStore, PENDING_LIFETIME, insert_session};
use crate::audit::{self, Entry, kinds};
use crate::error::IdentityError;
use crate::model::{
    AccountKind, CitizenSignIn, RecoveryCodes, SessionToken, SignInStep, TotpEnrolment,
};
use crate::secret::{new_recovery_code, normalise_recovery_code, sha256_hex};
use crate::throttle::{self, account_subject, client_subject};
use crate::totp;

/// How many recovery codes an account gets.
pub(super) const RECOVERY_CODES: usize = 10;

#[derive(sqlx::FromRow)]
struct Credentials {
    id: Uuid,
    password_hash: Option<String>,
    totp_secret: Option<String>,
    disabled: bool,
}

/// A pending sign-in with what the second step needs of its account.
#[derive(sqlx::FromRow)]
struct PendingSignIn {
    session_id: Uuid,
    account_id: Uuid,
    email: String,
    email_normalised: String,
    totp_secret: Option<String>,
    pending_totp_secret: Option<String>,
}

impl IdentityStore {
    /// Checks a staff member's email address and password. `client` is the key the web
    /// layer derives from the client's address; it is stored only as a hash.
    ///
    /// An unknown address, a wrong password and a disabled account give the same error in
    /// about the same time. Failures are counted per account and per client; beyond the
    /// free ones, attempts are refused with `Throttled` until the wait is over.
    pub async fn sign_in_with_password(
        &self,
        email: &str,
        password: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<SignInStep, IdentityError> {
        let account = self
            .password_step(AccountKind::Staff, email, password, client, now)
            .await?;
        let pending = self.start_pending(account.id, now).await?;

        Ok(if account.totp_secret.is_some() {
            SignInStep::SecondFactorRequired { pending }
        } else {
            SignInStep::EnrolmentRequired { pending }
        })
    }

    /// Checks a citizen's email address and password, with the same rules as for staff.
    /// Without an authenticator the session begins at once; with one, the code is asked for
    /// next ([`IdentityStore::verify_second_factor`]).
    pub async fn sign_in_citizen(
        &self,
        email: &str,
        password: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<CitizenSignIn, IdentityError> {
        let account = self
            .password_step(AccountKind::Citizen, email, password, client, now)
            .await?;
        if account.totp_secret.is_some() {
            let pending = self.start_pending(account.id, now).await?;
            return Ok(CitizenSignIn::SecondFactorRequired { pending });
        }

        let mut transaction = self.database.begin().await?;
        let lifetime = self.config.session_absolute_timeout;
        let token = insert_session(&mut transaction, account.id, true, lifetime, now).await?;
        let entry = Entry::about(kinds::SIGN_IN_SUCCEEDED, Some(account.id), "password");
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        tracing::info!(account.id = %account.id, how = "password", "signed in");
        Ok(CitizenSignIn::Complete(token))
    }

    /// The password step shared by staff and citizens: the account of this kind whose
    /// password matches, or `InvalidCredentials` (counted and throttled) for anything else.
    async fn password_step(
        &self,
        kind: AccountKind,
        email: &str,
        password: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<Credentials, IdentityError> {
        let normalised = email.trim().to_lowercase();
        let subjects = [account_subject(&normalised), client_subject(client)];
        throttle::check(&self.database, [&subjects[0], &subjects[1]], now).await?;

        let found: Option<Credentials> = self
            .database
            .fetch_optional(
                "SELECT id, password_hash, totp_secret, disabled FROM identity_accounts \
                 WHERE kind = $1 AND email_normalised = $2",
                &[kind.as_str().into(), normalised.as_str().into()],
            )
            .await?;
        // A password longer than allowed cannot be right and is not worth hashing.
        let verdict = if password.chars().count() > self.config.password.max_length {
            None
        } else {
            let stored = found
                .as_ref()
                .and_then(|account| account.password_hash.clone());
            Some(self.hasher.verify(password, stored).await?)
        };

        let account = match found {
            Some(account) if !account.disabled && verdict.as_ref().is_some_and(|v| v.matches) => {
                account
            }
            other => {
                let reason = match &other {
                    None => "password step: unknown email address",
                    Some(account) if account.disabled => "password step: account disabled",
                    Some(account) if account.password_hash.is_none() => {
                        "password step: account has no password"
                    }
                    Some(_) => "password step: wrong password",
                };
                let account_id = other.map(|account| account.id);
                self.count_failure(&subjects, account_id, reason, now)
                    .await?;
                return Err(IdentityError::InvalidCredentials);
            }
        };

        throttle::clear(&self.database, &subjects[0]).await?;
        if let Some(new_hash) = verdict.and_then(|verdict| verdict.new_hash) {
            self.database
                .execute(
                    "UPDATE identity_accounts SET password_hash = $2 WHERE id = $1",
                    &[account.id.into(), new_hash.into()],
                )
                .await?;
        }
        Ok(account)
    }

    /// Starts a pending sign-in for the second step.
    async fn start_pending(
        &self,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<SessionToken, IdentityError> {
        let mut transaction = self.database.begin().await?;
        let pending =
            insert_session(&mut transaction, account_id, false, PENDING_LIFETIME, now).await?;
        transaction.commit().await?;
        Ok(pending)
    }

    /// Starts setting up an authenticator app during a pending sign-in. The secret is kept
    /// with the pending sign-in until a code confirms it; calling this again replaces it.
    pub async fn begin_totp_enrolment(
        &self,
        pending: &SessionToken,
        now: DateTime<Utc>,
    ) -> Result<TotpEnrolment, IdentityError> {
        let pending = self.pending(pending, now).await?;
        if pending.totp_secret.is_some() {
            return Err(IdentityError::SecondFactorAlreadyEnrolled);
        }

        let secret = totp::new_secret();
        self.database
            .execute(
                "UPDATE identity_sessions SET pending_totp_secret = $2 WHERE id = $1",
                &[pending.session_id.into(), secret.as_str().into()],
            )
            .await?;

        Ok(TotpEnrolment {
            otpauth_uri: totp::otpauth_uri(&self.config.totp_issuer, &pending.email, &secret),
            secret_base32: secret,
        })
    }

    /// Confirms the authenticator with a code from it: the secret moves to the account, ten
    /// recovery codes are made (shown once; only hashes are kept), and the pending sign-in
    /// becomes a session with a new token.
    pub async fn confirm_totp_enrolment(
        &self,
        pending: &SessionToken,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<(SessionToken, RecoveryCodes), IdentityError> {
        let pending = self.pending(pending, now).await?;
        if pending.totp_secret.is_some() {
            return Err(IdentityError::SecondFactorAlreadyEnrolled);
        }
        let Some(secret) = pending.pending_totp_secret.clone() else {
            return Err(IdentityError::EnrolmentNotStarted);
        };
        let subject = account_subject(&pending.email_normalised);
        throttle::check(&self.database, [&subject, &subject], now).await?;

        let Some(step) = totp::matching_step(&secret, code, now)? else {
            let reason = "enrolment: wrong code";
            self.count_failure(&[subject], Some(pending.account_id), reason, now)
                .await?;
            return Err(IdentityError::InvalidCode);
        };

        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let mut transaction = self.database.begin().await?;
        let changed = transaction
            .execute(
                "UPDATE identity_accounts SET totp_secret = $2, totp_last_step = $3, \
                 updated_at = $4 WHERE id = $1 AND totp_secret IS NULL",
                &[
                    pending.account_id.into(),
                    secret.into(),
                    step.into(),
                    now.into(),
                ],
            )
            .await?;
        if changed != 1 {
            return Err(IdentityError::SecondFactorAlreadyEnrolled);
        }
        replace_recovery_codes(&mut transaction, pending.account_id, &codes).await?;
        let entry = Entry::about(
            kinds::SECOND_FACTOR_ENROLLED,
            Some(pending.account_id),
            format!("authenticator app and {RECOVERY_CODES} recovery codes"),
        );
        audit::record_in(&mut transaction, entry, now).await?;
        let token = self
            .finish_sign_in(transaction, &pending, "authenticator set up", now)
            .await?;
        throttle::clear(&self.database, &subject).await?;

        Ok((token, RecoveryCodes(codes)))
    }

    /// The second step: a current code of the authenticator app (one step of clock skew
    /// either way) or an unused recovery code. A code whose time step was accepted before
    /// is refused, so that an observed code cannot be replayed. Throttled like passwords.
    /// Returns the new session's token; the pending one is gone.
    pub async fn verify_second_factor(
        &self,
        pending: &SessionToken,
        code: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<SessionToken, IdentityError> {
        let pending = self.pending(pending, now).await?;
        let subjects = [
            account_subject(&pending.email_normalised),
            client_subject(client),
        ];
        throttle::check(&self.database, [&subjects[0], &subjects[1]], now).await?;
        let Some(secret) = pending.totp_secret.as_deref() else {
            return Err(IdentityError::SecondFactorNotEnrolled);
        };

        let accepted = if totp::looks_like_code(code) {
            self.accept_totp(&pending, secret, code, now).await
        } else {
            self.accept_recovery_code(&pending, code, now).await
        };
        let how = match accepted {
            Ok(how) => how,
            Err(error @ (IdentityError::InvalidCode | IdentityError::CodeAlreadyUsed)) => {
                let reason = match error {
                    IdentityError::CodeAlreadyUsed => "second factor: code used before",
                    _ => "second factor: wrong code",
                };
                self.count_failure(&subjects, Some(pending.account_id), reason, now)
                    .await?;
                return Err(error);
            }
            Err(error) => return Err(error),
        };

        throttle::clear(&self.database, &subjects[0]).await?;
        let transaction = self.database.begin().await?;
        self.finish_sign_in(transaction, &pending, how, now).await
    }

    /// Takes an authenticator code once: its time step must be later than the last one
    /// accepted for the account.
    async fn accept_totp(
        &self,
        pending: &PendingSignIn,
        secret: &str,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<&'static str, IdentityError> {
        let Some(step) = totp::matching_step(secret, code, now)? else {
            return Err(IdentityError::InvalidCode);
        };
        // The condition makes the check and the update one step, even across nodes.
        let changed = self
            .database
            .execute(
                "UPDATE identity_accounts SET totp_last_step = $2 \
                 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                &[pending.account_id.into(), step.into()],
            )
            .await?;
        if changed == 1 {
            Ok("authenticator code")
        } else {
            Err(IdentityError::CodeAlreadyUsed)
        }
    }

    /// Uses up a recovery code.
    async fn accept_recovery_code(
        &self,
        pending: &PendingSignIn,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<&'static str, IdentityError> {
        let Some(code) = normalise_recovery_code(code) else {
            return Err(IdentityError::InvalidCode);
        };
        let changed = self
            .database
            .execute(
                "UPDATE identity_recovery_codes SET used_at = $3 \
                 WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL",
                &[
                    pending.account_id.into(),
                    sha256_hex(&code).into(),
                    now.into(),
                ],
            )
            .await?;
        if changed != 1 {
            return Err(IdentityError::InvalidCode);
        }

        let left: super::Count = self
            .database
            .fetch_one(
                "SELECT COUNT(*) AS value FROM identity_recovery_codes \
                 WHERE account_id = $1 AND used_at IS NULL",
                &[pending.account_id.into()],
            )
            .await?;
        let detail = format!("{} recovery codes left", left.value);
        tracing::info!(account.id = %pending.account_id, codes_left = left.value, "recovery code used");
        self.audit(
            Entry::about(kinds::RECOVERY_CODE_USED, Some(pending.account_id), detail),
            now,
        )
        .await?;
        Ok("recovery code")
    }

    /// The pending sign-in of a token, or `PendingSignInInvalid` when it is unknown, ended,
    /// already completed, or its account was disabled meanwhile.
    async fn pending(
        &self,
        token: &SessionToken,
        now: DateTime<Utc>,
    ) -> Result<PendingSignIn, IdentityError> {
        let pending: Option<PendingSignIn> = self
            .database
            .fetch_optional(
                "SELECT s.id AS session_id, a.id AS account_id, a.email, a.email_normalised, \
                 a.totp_secret, s.pending_totp_secret \
                 FROM identity_sessions s JOIN identity_accounts a ON a.id = s.account_id \
                 WHERE s.token_hash = $1 AND s.second_factor_passed = $2 \
                 AND s.expires_at > $3 AND a.disabled = $2",
                &[sha256_hex(token.as_str()).into(), false.into(), now.into()],
            )
            .await?;
        pending.ok_or(IdentityError::PendingSignInInvalid)
    }

    /// Ends the pending sign-in and starts the session in its place, within `transaction`,
    /// and records the sign-in.
    async fn finish_sign_in(
        &self,
        mut transaction: rathaus_base::Transaction,
        pending: &PendingSignIn,
        how: &str,
        now: DateTime<Utc>,
    ) -> Result<SessionToken, IdentityError> {
        let removed = transaction
            .execute(
                "DELETE FROM identity_sessions WHERE id = $1",
                &[pending.session_id.into()],
            )
            .await?;
        if removed != 1 {
            // Another request completed this sign-in a moment ago.
            return Err(IdentityError::PendingSignInInvalid);
        }
        let lifetime = self.config.session_absolute_timeout;
        let token =
            insert_session(&mut transaction, pending.account_id, true, lifetime, now).await?;
        let entry = Entry::about(kinds::SIGN_IN_SUCCEEDED, Some(pending.account_id), how);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        tracing::info!(account.id = %pending.account_id, how, "signed in");
        Ok(token)
    }

    /// Records a failed attempt in the audit log and counts it for each subject, noting
    /// when a count starts a wait.
    pub(super) async fn count_failure(
        &self,
        subjects: &[String],
        account_id: Option<Uuid>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        self.audit(Entry::about(kinds::SIGN_IN_FAILED, account_id, reason), now)
            .await?;
        tracing::info!(account.id = ?account_id, reason, "sign-in failed");

        for subject in subjects {
            let policy = &self.config.throttle;
            if let Some(wait) =
                throttle::record_failure(&self.database, policy, subject, now).await?
            {
                let whose = if subject.starts_with("client:") {
                    "this client"
                } else {
                    "this account"
                };
                let detail = format!("attempts for {whose} wait {} s", wait.as_secs().max(1));
                tracing::warn!(account.id = ?account_id, wait_seconds = wait.as_secs(), whose, "sign-in throttled");
                self.audit(
                    Entry::about(kinds::SIGN_IN_THROTTLED, account_id, detail),
                    now,
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// Replaces an account's recovery codes with new ones, storing only their hashes.
pub(super) async fn replace_recovery_codes(
    transaction: &mut rathaus_base::Transaction,
    account_id: Uuid,
    codes: &[String],
) -> Result<(), IdentityError> {
    transaction
        .execute(
            "DELETE FROM identity_recovery_codes WHERE account_id = $1",
            &[account_id.into()],
        )
        .await?;
    for code in codes {
        let normalised = normalise_recovery_code(code).unwrap_or_default();
        transaction
            .execute(
                "INSERT INTO identity_recovery_codes (id, account_id, code_hash) \
                 VALUES ($1, $2, $3)",
                &[
                    Uuid::now_v7().into(),
                    account_id.into(),
                    sha256_hex(&normalised).into(),
                ],
            )
            .await?;
    }
    Ok(())
}
