//! Passkeys (WebAuthn credentials) of citizen accounts: adding one while signed in, signing
//! in with one alone, listing, renaming and removing them, and removing the password once a
//! passkey can take its place.
//!
//! A passkey is bound to the relying party: the host of `server.public_url`, whose origin
//! alone may answer. Each ceremony (a registration or a sign-in) keeps its state in
//! `identity_passkey_ceremonies` for five minutes, so that any node can finish it; a ceremony
//! is taken out of the table before its answer is checked, so it works once at most.
//!
//! Signing in needs no address: the passkey is discoverable and tells which account it
//! belongs to. Passkeys are created with user verification required (a PIN or biometric on
//! the device), so a passkey sign-in proves possession and knowledge or presence at once and
//! completes without the authenticator-app step.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rathaus_base::Transaction;
use uuid::Uuid;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};

use super::{Count, IdentityStore, OpenTable, insert_session, lock_account};
use crate::audit::{self, Entry, kinds};
use crate::error::IdentityError;
use crate::model::{AccountKind, PasskeyCeremony, PasskeyInfo, SessionToken};
use crate::secret::{new_token, sha256_hex};
use crate::throttle::{self, client_subject, to_chrono};

/// How long a ceremony can be finished; also the time the browser is given.
const CEREMONY_LIFETIME: Duration = Duration::from_mins(5);

/// The longest name of a passkey, in characters.
const MAX_NAME_LENGTH: usize = 100;

/// What a ceremony is for, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CeremonyKind {
    Registration,
    SignIn,
}

impl CeremonyKind {
    fn as_str(self) -> &'static str {
        match self {
            CeremonyKind::Registration => "registration",
            CeremonyKind::SignIn => "sign_in",
        }
    }
}

#[derive(sqlx::FromRow)]
struct CeremonyRow {
    id: Uuid,
    account_id: Option<Uuid>,
    state: String,
}

#[derive(sqlx::FromRow)]
struct PasskeyRow {
    id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl From<PasskeyRow> for PasskeyInfo {
    fn from(row: PasskeyRow) -> Self {
        PasskeyInfo {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// A stored passkey with what a sign-in needs of its account.
#[derive(sqlx::FromRow)]
struct SigningPasskey {
    id: Uuid,
    account_id: Uuid,
    passkey: String,
    kind: String,
    disabled: bool,
}

/// A sign-in answer that passed every check, with what the sign-in updates.
struct Accepted {
    stored: SigningPasskey,
    passkey: Passkey,
    result: AuthenticationResult,
}

/// Why a sign-in answer was refused, for the audit log, and whose passkey it named.
struct Refusal {
    account_id: Option<Uuid>,
    reason: &'static str,
}

impl Refusal {
    fn of(account_id: Option<Uuid>, reason: &'static str) -> Refusal {
        Refusal { account_id, reason }
    }
}

/// The relying party of the portal reached at `public_url`: its host is the relying party
/// id, the URL itself the one origin accepted. `None`, with a warning in the log, when the
/// URL has no host name that browsers accept (an IP address, for instance).
pub(super) fn relying_party(public_url: &str, name: &str) -> Option<Arc<Webauthn>> {
    let built = Url::parse(public_url)
        .ok()
        .and_then(|origin| {
            let host = origin.host_str()?.to_owned();
            let is_address = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
            (!is_address).then_some((host, origin))
        })
        .and_then(|(host, origin)| {
            WebauthnBuilder::new(&host, &origin)
                .ok()?
                .rp_name(if name.is_empty() { "Rathaus" } else { name })
                .timeout(CEREMONY_LIFETIME)
                .build()
                .ok()
        });
    if built.is_none() {
        tracing::warn!(
            public_url,
            "passkeys are off: server.public_url has no host name browsers accept for them"
        );
    }
    built.map(Arc::new)
}

impl IdentityStore {
    /// Begins adding a passkey to a signed-in citizen's account. The options ask the
    /// authenticator for a discoverable credential with user verification and exclude the
    /// account's passkeys, so that one device is not registered twice. A client with many
    /// ceremonies begun and not finished is refused with `Throttled`.
    pub async fn begin_passkey_registration(
        &self,
        account_id: Uuid,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<PasskeyCeremony, IdentityError> {
        let relying_party = self.relying_party()?;
        let account = self
            .account(account_id)
            .await?
            .ok_or(IdentityError::AccountNotFound)?;
        if account.kind != AccountKind::Citizen {
            return Err(IdentityError::PasskeysForCitizensOnly);
        }
        let registered = self
            .stored_passkeys_of(account_id)
            .await?
            .iter()
            .map(|passkey| passkey.cred_id().clone())
            .collect::<Vec<_>>();

        let (options, state) = relying_party
            .start_passkey_registration(
                account.id,
                &account.email,
                &account.display_name,
                Some(registered),
            )
            .map_err(|error| library_failed("starting a registration", &error))?;
        // Signing in without an address needs the credential to live on the authenticator
        // (a discoverable credential); the library's passkey options leave that open.
        let mut options = to_value(&options)?;
        options["publicKey"]["authenticatorSelection"]["residentKey"] = "required".into();
        options["publicKey"]["authenticatorSelection"]["requireResidentKey"] = true.into();

        let state = to_json(&state)?;
        let token = self
            .insert_ceremony(
                CeremonyKind::Registration,
                Some(account_id),
                client,
                &state,
                now,
            )
            .await?;
        Ok(PasskeyCeremony { token, options })
    }

    /// Finishes adding a passkey with the browser's answer (`response`, the JSON of the
    /// `PublicKeyCredential` with binary values in base64url). The ceremony must have been
    /// begun by the same account; it is used up either way. `name` is the person's label,
    /// 1 to 100 characters.
    pub async fn finish_passkey_registration(
        &self,
        account_id: Uuid,
        ceremony: &str,
        response: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<PasskeyInfo, IdentityError> {
        let name = check_passkey_name(name)?;
        let relying_party = self.relying_party()?;
        let row = self
            .take_ceremony(CeremonyKind::Registration, ceremony, now)
            .await?;
        if row.account_id != Some(account_id) {
            return Err(IdentityError::PasskeyCeremonyInvalid);
        }
        let state: PasskeyRegistration = from_json(&row.state)?;
        let answer: RegisterPublicKeyCredential =
            serde_json::from_str(response).map_err(|_| IdentityError::PasskeyNotAccepted)?;
        // The library refuses an excluded credential under another name; tell it plainly.
        if self.is_registered(&answer.raw_id).await? {
            return Err(IdentityError::PasskeyAlreadyRegistered);
        }
        let passkey = relying_party
            .finish_passkey_registration(&answer, &state)
            .map_err(|error| {
                tracing::info!(account.id = %account_id, %error, "passkey registration refused");
                IdentityError::PasskeyNotAccepted
            })?;

        let info = PasskeyInfo {
            id: Uuid::now_v7(),
            name,
            created_at: now,
            last_used_at: None,
        };
        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        transaction
            .execute(
                "INSERT INTO identity_passkeys (id, account_id, credential_id, passkey, name, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    info.id.into(),
                    account_id.into(),
                    credential_key(passkey.cred_id()).into(),
                    to_json(&passkey)?.into(),
                    info.name.as_str().into(),
                    now.into(),
                ],
            )
            .await
            .map_err(|error| {
                if error.is_unique_violation() {
                    IdentityError::PasskeyAlreadyRegistered
                } else {
                    IdentityError::Database(error)
                }
            })?;
        let entry = Entry::about(kinds::PASSKEY_ADDED, Some(account_id), "by its owner");
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        tracing::info!(account.id = %account_id, "passkey added");
        Ok(info)
    }

    /// Begins a sign-in with a passkey alone: the options name no account and no
    /// credential, so the browser offers the passkeys it has for this portal. A client with
    /// many ceremonies begun and not finished is refused with `Throttled`.
    pub async fn begin_passkey_sign_in(
        &self,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<PasskeyCeremony, IdentityError> {
        let relying_party = self.relying_party()?;
        let (mut options, state) = relying_party
            .start_discoverable_authentication()
            .map_err(|error| library_failed("starting a sign-in", &error))?;
        // The library asks for the browser's autofill ("conditional") mediation; the sign-in
        // page starts the ceremony from a button instead, which needs the plain request.
        options.mediation = None;

        let state = to_json(&state)?;
        let token = self
            .insert_ceremony(CeremonyKind::SignIn, None, client, &state, now)
            .await?;
        Ok(PasskeyCeremony {
            token,
            options: to_value(&options)?,
        })
    }

    /// Finishes a sign-in with a passkey: the signature must come from a passkey registered
    /// to the account the authenticator names, for this portal's origin, with user
    /// verification. Starts a full session (no authenticator-app step), records the sign-in
    /// and updates the passkey's signature counter and backup flags. Anything else is
    /// `PasskeyNotAccepted`, counted for the client like a wrong password; attempts beyond
    /// the free ones are refused with `Throttled` until the wait is over.
    pub async fn finish_passkey_sign_in(
        &self,
        ceremony: &str,
        response: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<SessionToken, IdentityError> {
        let relying_party = self.relying_party()?;
        let subject = client_subject(client);
        throttle::check(&self.database, [&subject, &subject], now).await?;
        let row = self
            .take_ceremony(CeremonyKind::SignIn, ceremony, now)
            .await?;
        let state: DiscoverableAuthentication = from_json(&row.state)?;

        let checked = self
            .check_assertion(&relying_party, state, response)
            .await?;
        let Accepted {
            stored,
            mut passkey,
            result,
        } = match checked {
            Ok(accepted) => accepted,
            Err(refusal) => {
                let subjects = [subject];
                self.count_failure(&subjects, refusal.account_id, refusal.reason, now)
                    .await?;
                return Err(IdentityError::PasskeyNotAccepted);
            }
        };
        passkey.update_credential(&result);

        let mut transaction = self.database.begin().await?;
        transaction
            .execute(
                "UPDATE identity_passkeys SET passkey = $2, last_used_at = $3 WHERE id = $1",
                &[stored.id.into(), to_json(&passkey)?.into(), now.into()],
            )
            .await?;
        let lifetime = self.config.session_absolute_timeout;
        let token =
            insert_session(&mut transaction, stored.account_id, true, lifetime, now).await?;
        let entry = Entry::about(kinds::SIGN_IN_SUCCEEDED, Some(stored.account_id), "passkey");
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        tracing::info!(account.id = %stored.account_id, how = "passkey", "signed in");
        Ok(token)
    }

    /// The passkeys of an account, oldest first.
    pub async fn passkeys_of(&self, account_id: Uuid) -> Result<Vec<PasskeyInfo>, IdentityError> {
        let rows: Vec<PasskeyRow> = self
            .database
            .fetch_all(
                "SELECT id, name, created_at, last_used_at FROM identity_passkeys \
                 WHERE account_id = $1 ORDER BY created_at, id",
                &[account_id.into()],
            )
            .await?;
        Ok(rows.into_iter().map(PasskeyInfo::from).collect())
    }

    /// Gives one of the account's passkeys a new name (1 to 100 characters).
    pub async fn rename_passkey(
        &self,
        account_id: Uuid,
        passkey_id: Uuid,
        name: &str,
    ) -> Result<(), IdentityError> {
        let name = check_passkey_name(name)?;
        let changed = self
            .database
            .execute(
                "UPDATE identity_passkeys SET name = $3 WHERE id = $1 AND account_id = $2",
                &[passkey_id.into(), account_id.into(), name.into()],
            )
            .await?;
        if changed == 1 {
            Ok(())
        } else {
            Err(IdentityError::PasskeyNotFound)
        }
    }

    /// Removes one of the account's passkeys, unless it is the account's last way to sign in
    /// (no password and no other passkey): then `LastCredential`.
    pub async fn remove_passkey(
        &self,
        account_id: Uuid,
        passkey_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        let removed = transaction
            .execute(
                "DELETE FROM identity_passkeys WHERE id = $1 AND account_id = $2",
                &[passkey_id.into(), account_id.into()],
            )
            .await?;
        if removed != 1 {
            return Err(IdentityError::PasskeyNotFound);
        }
        if credentials_left(&mut transaction, account_id).await? == 0 {
            return Err(IdentityError::LastCredential);
        }
        let entry = Entry::about(kinds::PASSKEY_REMOVED, Some(account_id), "by its owner");
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        tracing::info!(account.id = %account_id, "passkey removed");
        Ok(())
    }

    /// Removes the password of a signed-in citizen who has a passkey, after the current
    /// password is confirmed (wrong ones count like failed sign-ins). From then on the person
    /// signs in with a passkey; a password-reset link sets a password again. The person's
    /// other sessions end; `keep` (the session making the change) stays. Without a passkey:
    /// `LastCredential`.
    pub async fn remove_password(
        &self,
        account_id: Uuid,
        current_password: &str,
        keep: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        self.confirm_password(account_id, current_password, now)
            .await?;

        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        let passkeys: Count = transaction
            .fetch_one(
                "SELECT COUNT(*) AS value FROM identity_passkeys WHERE account_id = $1",
                &[account_id.into()],
            )
            .await?;
        if passkeys.value == 0 {
            return Err(IdentityError::LastCredential);
        }
        transaction
            .execute(
                "UPDATE identity_accounts SET password_hash = NULL, updated_at = $2 WHERE id = $1",
                &[account_id.into(), now.into()],
            )
            .await?;
        transaction
            .execute(
                "DELETE FROM identity_sessions WHERE account_id = $1 AND id <> $2",
                &[account_id.into(), keep.into()],
            )
            .await?;
        let entry = Entry::about(kinds::PASSWORD_REMOVED, Some(account_id), "by its owner");
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Whether the account has a password.
    pub async fn has_password(&self, account_id: Uuid) -> Result<bool, IdentityError> {
        #[derive(sqlx::FromRow)]
        struct Flag {
            value: bool,
        }

        let flag: Option<Flag> = self
            .database
            .fetch_optional(
                "SELECT password_hash IS NOT NULL AS value FROM identity_accounts WHERE id = $1",
                &[account_id.into()],
            )
            .await?;
        flag.map(|flag| flag.value)
            .ok_or(IdentityError::AccountNotFound)
    }

    /// Checks a sign-in answer against the passkey it names: `Ok(Err(refusal))` for an
    /// answer that is not accepted, `Err` for a fault on our side.
    async fn check_assertion(
        &self,
        relying_party: &Webauthn,
        state: DiscoverableAuthentication,
        response: &str,
    ) -> Result<Result<Accepted, Refusal>, IdentityError> {
        let Ok(answer) = serde_json::from_str::<PublicKeyCredential>(response) else {
            return Ok(Err(Refusal::of(None, "passkey: not a WebAuthn answer")));
        };
        let Ok((user, credential_id)) = relying_party.identify_discoverable_authentication(&answer)
        else {
            return Ok(Err(Refusal::of(None, "passkey: no user handle")));
        };

        let stored: Option<SigningPasskey> = self
            .database
            .fetch_optional(
                "SELECT p.id, p.account_id, p.passkey, a.kind, a.disabled \
                 FROM identity_passkeys p JOIN identity_accounts a ON a.id = p.account_id \
                 WHERE p.credential_id = $1",
                &[credential_key(credential_id).into()],
            )
            .await?;
        let Some(stored) = stored else {
            return Ok(Err(Refusal::of(None, "passkey: unknown passkey")));
        };
        let owner = Some(stored.account_id);
        // The user handle the authenticator signed must name the passkey's own account.
        if stored.account_id != user {
            return Ok(Err(Refusal::of(owner, "passkey: of another account")));
        }
        if stored.disabled || stored.kind != AccountKind::Citizen.as_str() {
            return Ok(Err(Refusal::of(owner, "passkey: account disabled")));
        }
        let passkey: Passkey = from_json(&stored.passkey)?;
        let Ok(result) =
            relying_party.finish_discoverable_authentication_v2(&answer, state, &passkey)
        else {
            return Ok(Err(Refusal::of(owner, "passkey: signature not accepted")));
        };
        if !result.user_verified() {
            return Ok(Err(Refusal::of(owner, "passkey: user not verified")));
        }
        Ok(Ok(Accepted {
            stored,
            passkey,
            result,
        }))
    }

    /// Whether a passkey with this credential id is registered, to any account.
    async fn is_registered(&self, credential_id: &[u8]) -> Result<bool, IdentityError> {
        let found: Count = self
            .database
            .fetch_one(
                "SELECT COUNT(*) AS value FROM identity_passkeys WHERE credential_id = $1",
                &[credential_key(credential_id).into()],
            )
            .await?;
        Ok(found.value > 0)
    }

    /// The account's passkeys as the WebAuthn library reads them.
    async fn stored_passkeys_of(&self, account_id: Uuid) -> Result<Vec<Passkey>, IdentityError> {
        #[derive(sqlx::FromRow)]
        struct Stored {
            passkey: String,
        }

        let rows: Vec<Stored> = self
            .database
            .fetch_all(
                "SELECT passkey FROM identity_passkeys WHERE account_id = $1",
                &[account_id.into()],
            )
            .await?;
        rows.iter().map(|row| from_json(&row.passkey)).collect()
    }

    /// Stores a new ceremony and returns its token.
    async fn insert_ceremony(
        &self,
        kind: CeremonyKind,
        account_id: Option<Uuid>,
        client: &str,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<String, IdentityError> {
        let client_hash = sha256_hex(client);
        self.check_open_for_client(OpenTable::PasskeyCeremonies, &client_hash, now)
            .await?;

        let token = new_token();
        self.database
            .execute(
                "INSERT INTO identity_passkey_ceremonies (id, token_hash, kind, account_id, \
                 client_hash, state, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    Uuid::now_v7().into(),
                    sha256_hex(&token).into(),
                    kind.as_str().into(),
                    account_id.into(),
                    client_hash.into(),
                    state.into(),
                    (now + to_chrono(CEREMONY_LIFETIME)).into(),
                ],
            )
            .await?;
        Ok(token)
    }

    /// Takes the unexpired ceremony of this kind and token out of the table, so that it is
    /// used once at most, even by two requests at the same moment.
    async fn take_ceremony(
        &self,
        kind: CeremonyKind,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<CeremonyRow, IdentityError> {
        let found: Option<CeremonyRow> = self
            .database
            .fetch_optional(
                "SELECT id, account_id, state FROM identity_passkey_ceremonies \
                 WHERE token_hash = $1 AND kind = $2 AND expires_at > $3",
                &[sha256_hex(token).into(), kind.as_str().into(), now.into()],
            )
            .await?;
        let row = found.ok_or(IdentityError::PasskeyCeremonyInvalid)?;
        let removed = self
            .database
            .execute(
                "DELETE FROM identity_passkey_ceremonies WHERE id = $1",
                &[row.id.into()],
            )
            .await?;
        if removed == 1 {
            Ok(row)
        } else {
            Err(IdentityError::PasskeyCeremonyInvalid)
        }
    }

    /// The relying party, or `PasskeysUnavailable` when `server.public_url` gives none.
    fn relying_party(&self) -> Result<Arc<Webauthn>, IdentityError> {
        self.relying_party
            .clone()
            .ok_or(IdentityError::PasskeysUnavailable)
    }
}

/// How many ways to sign in an account has left: its password and its passkeys.
async fn credentials_left(
    transaction: &mut Transaction,
    account_id: Uuid,
) -> Result<i64, IdentityError> {
    let count: Count = transaction
        .fetch_one(
            "SELECT (SELECT COUNT(*) FROM identity_passkeys WHERE account_id = $1) \
             + (SELECT COUNT(*) FROM identity_accounts \
                WHERE id = $1 AND password_hash IS NOT NULL) AS value",
            &[account_id.into()],
        )
        .await?;
    Ok(count.value)
}

/// How a credential id is stored: unpadded base64url.
fn credential_key(credential_id: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(credential_id)
}

/// The name trimmed, or `InvalidPasskeyName`.
fn check_passkey_name(name: &str) -> Result<String, IdentityError> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 || length > MAX_NAME_LENGTH || name.chars().any(char::is_control) {
        return Err(IdentityError::InvalidPasskeyName);
    }
    Ok(name.to_owned())
}

/// An error of the WebAuthn library where none is expected (it failed to make a challenge).
fn library_failed(what: &str, error: &impl std::fmt::Display) -> IdentityError {
    IdentityError::Corrupt(format!("WebAuthn library failed {what}: {error}"))
}

fn to_json(value: &impl serde::Serialize) -> Result<String, IdentityError> {
    serde_json::to_string(value)
        .map_err(|error| IdentityError::Corrupt(format!("cannot write passkey data: {error}")))
}

fn to_value(value: &impl serde::Serialize) -> Result<serde_json::Value, IdentityError> {
    serde_json::to_value(value)
        .map_err(|error| IdentityError::Corrupt(format!("cannot write passkey options: {error}")))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, IdentityError> {
    serde_json::from_str(text)
        .map_err(|error| IdentityError::Corrupt(format!("cannot read passkey data: {error}")))
}
