//! Signing in through external identity providers, linking their identities to accounts,
//! and raising a session's trust level (step-up).
//!
//! A flow begins with [`IdentityStore::begin_provider_flow`], which keeps what the answer
//! must match (a hash of the state, the nonce, the PKCE verifier, the purpose and the
//! account) in the database for ten minutes, so that any node can finish it. The answer is
//! taken with [`IdentityStore::finish_provider_flow`]: the flow row is deleted first, so a
//! replayed answer finds nothing; then the ID token is checked in full (see [`crate::oidc`])
//! and its assurance claim mapped to a trust level.
//!
//! An identity the platform does not know signs in to a new citizen account made from the
//! provider's claims, unless an account has the provider's email address already: then the
//! person must sign in with the password and link the provider from the security page,
//! since a matching address alone proves nothing about who holds the account. Linking while
//! signed in proves both.

use chrono::{DateTime, Utc};
use rathaus_base::Transaction;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{IdentityStore, OpenTable, insert_session_at, lock_account, mark_verified};
use crate::audit::{self, Entry, kinds};
use crate::config::ProviderConfig;
use crate::error::IdentityError;
use crate::model::{
    AccountKind, FlowPurpose, LinkedIdentity, ProviderFlow, ProviderOutcome, SessionToken,
    TrustLevel,
};
use crate::oidc::{VerifiedToken, claim_at};
use crate::secret::{check_display_name, check_email, new_token, sha256_hex};
use crate::vault::catalogue;

/// How long a flow waits for the provider's answer.
const FLOW_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// What the provider sent back to the callback address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderAnswer {
    /// The `state` parameter.
    pub state: String,
    /// The authorization code, when the provider granted the request.
    pub code: Option<String>,
    /// The error code, such as `access_denied`, when it did not.
    pub error: Option<String>,
}

/// A flow as stored, taken when the answer arrives.
#[derive(sqlx::FromRow)]
struct FlowRow {
    browser_hash: String,
    provider: String,
    purpose: String,
    account_id: Option<Uuid>,
    min_trust_level: String,
    nonce: String,
    pkce_verifier: String,
    redirect_uri: String,
    return_to: String,
    expires_at: DateTime<Utc>,
}

/// A provider's identity as the checked ID token shows it.
struct ProviderIdentity<'a> {
    provider: &'a ProviderConfig,
    subject: String,
    claims: Map<String, Value>,
    level: TrustLevel,
}

#[derive(sqlx::FromRow)]
struct IdentityRow {
    account_id: Uuid,
}

#[derive(sqlx::FromRow)]
struct LinkedRow {
    provider: String,
    subject: String,
    created_at: DateTime<Utc>,
    last_used_at: DateTime<Utc>,
}

impl IdentityStore {
    /// The configured identity providers, in the order the sign-in page shows them.
    pub fn providers(&self) -> &[ProviderConfig] {
        &self.config.providers
    }

    /// Begins a flow to the provider `provider_id`: a sign-in (no account), a link or a
    /// step-up (for the signed-in `account_id`; a step-up asks the provider for at least
    /// `min_level`). `redirect_uri` is the callback address registered at the provider,
    /// `return_to` the address inside the portal to go to afterwards. A `client` with many
    /// flows begun and not finished is refused with `Throttled`.
    #[expect(clippy::too_many_arguments, reason = "each names one part of the flow")]
    pub async fn begin_provider_flow(
        &self,
        provider_id: &str,
        purpose: FlowPurpose,
        account_id: Option<Uuid>,
        min_level: TrustLevel,
        redirect_uri: &str,
        return_to: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<ProviderFlow, IdentityError> {
        let provider = self.provider(provider_id)?;
        // A staff provider signs in staff only, and citizens never reach it.
        if provider.staff != (purpose == FlowPurpose::StaffSignIn) {
            return Err(IdentityError::ProviderUnknown(provider_id.to_owned()));
        }
        let client_hash = sha256_hex(client);
        self.check_open_for_client(OpenTable::ProviderFlows, &client_hash, now)
            .await?;
        let acr_values = if min_level > TrustLevel::Low {
            provider.assurance_values_for(min_level)
        } else {
            Vec::new()
        };
        let request = self
            .provider_client
            .authorization_request(provider, redirect_uri, &acr_values)
            .await?;

        let browser_secret = new_token();
        self.database
            .execute(
                "INSERT INTO identity_provider_flows (id, state_hash, browser_hash, provider, \
                 purpose, account_id, min_trust_level, nonce, pkce_verifier, redirect_uri, \
                 return_to, client_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                &[
                    Uuid::now_v7().into(),
                    sha256_hex(&request.state).into(),
                    sha256_hex(&browser_secret).into(),
                    provider.id.as_str().into(),
                    purpose.as_str().into(),
                    account_id.into(),
                    min_level.as_str().into(),
                    request.nonce.into(),
                    request.pkce_verifier.into(),
                    redirect_uri.into(),
                    return_to.into(),
                    client_hash.into(),
                    now.into(),
                    (now + FLOW_LIFETIME).into(),
                ],
            )
            .await?;

        Ok(ProviderFlow {
            authorization_url: request.url,
            browser_secret,
        })
    }

    /// Finishes a flow with the provider's answer. `browser_secret` comes from the cookie
    /// set at the flow's beginning; `current` is the browser's session, which a link or
    /// step-up needs to be the one of the account that began it.
    ///
    /// The flow is used up whatever happens next. A step-up whose answer confirms too low a
    /// level fails with `TrustLevelTooLow` and leaves the session as it was.
    pub async fn finish_provider_flow(
        &self,
        answer: &ProviderAnswer,
        browser_secret: &str,
        current: Option<&SessionToken>,
        now: DateTime<Utc>,
    ) -> Result<ProviderOutcome, IdentityError> {
        let flow = self.take_flow(&answer.state, browser_secret, now).await?;
        let purpose = FlowPurpose::parse(&flow.purpose)
            .ok_or_else(|| IdentityError::Corrupt(format!("unknown purpose {}", flow.purpose)))?;
        let provider = self.provider(&flow.provider)?;
        if let Some(error) = &answer.error {
            return Err(IdentityError::ProviderRefused(error_code(error)));
        }
        let code = answer.code.as_deref().unwrap_or_default();

        let verified = self
            .provider_client
            .redeem(
                provider,
                &flow.redirect_uri,
                code,
                &flow.pkce_verifier,
                &flow.nonce,
            )
            .await;
        let identity = match verified {
            Ok(token) => identify(provider, token),
            Err(error) => {
                let detail = format!("provider {}: {error}", provider.id);
                self.audit(
                    Entry::about(kinds::SIGN_IN_FAILED, flow.account_id, detail),
                    now,
                )
                .await?;
                return Err(error);
            }
        };

        match purpose {
            FlowPurpose::SignIn => {
                self.sign_in_with_identity(&identity, flow.return_to, now)
                    .await
            }
            FlowPurpose::StaffSignIn => self.sign_in_staff(&identity, flow.return_to, now).await,
            FlowPurpose::Link => {
                let account_id = self.flow_account(&flow, current, now).await?;
                self.link_identity(account_id, &identity, now).await?;
                Ok(ProviderOutcome::Linked {
                    return_to: flow.return_to,
                })
            }
            FlowPurpose::StepUp => {
                let needed = TrustLevel::parse(&flow.min_trust_level).unwrap_or(TrustLevel::High);
                if identity.level < needed {
                    return Err(IdentityError::TrustLevelTooLow {
                        reached: identity.level,
                        needed,
                    });
                }
                let account_id = self.flow_account(&flow, current, now).await?;
                self.link_identity(account_id, &identity, now).await?;
                let old = current.ok_or(IdentityError::FlowUnknown)?;
                let token = self.step_up(account_id, old, &identity, now).await?;
                Ok(ProviderOutcome::SteppedUp {
                    token,
                    return_to: flow.return_to,
                })
            }
        }
    }

    /// The provider identities linked to an account, by provider.
    pub async fn linked_identities(
        &self,
        account_id: Uuid,
    ) -> Result<Vec<LinkedIdentity>, IdentityError> {
        let rows: Vec<LinkedRow> = self
            .database
            .fetch_all(
                "SELECT provider, subject, created_at, last_used_at FROM identity_external_identities \
                 WHERE account_id = $1 ORDER BY provider",
                &[account_id.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| LinkedIdentity {
                provider: row.provider,
                subject: row.subject,
                created_at: row.created_at,
                last_used_at: row.last_used_at,
            })
            .collect())
    }

    /// Removes the link between an account and its identity at `provider`. Refused with
    /// `LastSignInMethod` when the account has no password and no other provider, since it
    /// could not be signed in to afterwards. Returns whether there was a link.
    pub async fn unlink_provider(
        &self,
        account_id: Uuid,
        provider: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, IdentityError> {
        #[derive(sqlx::FromRow)]
        struct Ways {
            has_password: bool,
            identities: i64,
        }

        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        let ways: Ways = transaction
            .fetch_one(
                "SELECT a.password_hash IS NOT NULL AS has_password, \
                 (SELECT COUNT(*) FROM identity_external_identities e \
                  WHERE e.account_id = a.id) AS identities \
                 FROM identity_accounts a WHERE a.id = $1",
                &[account_id.into()],
            )
            .await?;
        if !ways.has_password && ways.identities <= 1 {
            return Err(IdentityError::LastSignInMethod);
        }
        let removed = transaction
            .execute(
                "DELETE FROM identity_external_identities WHERE account_id = $1 AND provider = $2",
                &[account_id.into(), provider.into()],
            )
            .await?;
        if removed > 0 {
            let entry = Entry::about(
                kinds::PROVIDER_UNLINKED,
                Some(account_id),
                format!("provider {provider}"),
            );
            audit::record_in(&mut transaction, entry, now).await?;
        }
        transaction.commit().await?;

        Ok(removed > 0)
    }

    fn provider(&self, id: &str) -> Result<&ProviderConfig, IdentityError> {
        self.config
            .provider(id)
            .ok_or_else(|| IdentityError::ProviderUnknown(id.to_owned()))
    }

    /// Takes the flow of a state out of the database, so that it cannot be used again, and
    /// checks that it is open and was begun in this browser.
    async fn take_flow(
        &self,
        state: &str,
        browser_secret: &str,
        now: DateTime<Utc>,
    ) -> Result<FlowRow, IdentityError> {
        let taken: Option<FlowRow> = self
            .database
            .fetch_optional(
                "DELETE FROM identity_provider_flows WHERE state_hash = $1 \
                 RETURNING browser_hash, provider, purpose, account_id, min_trust_level, nonce, \
                 pkce_verifier, redirect_uri, return_to, expires_at",
                &[sha256_hex(state).into()],
            )
            .await?;
        match taken {
            Some(flow)
                if flow.expires_at > now && flow.browser_hash == sha256_hex(browser_secret) =>
            {
                Ok(flow)
            }
            _ => Err(IdentityError::FlowUnknown),
        }
    }

    /// The account of a link or step-up flow, which must be the one signed in now.
    async fn flow_account(
        &self,
        flow: &FlowRow,
        current: Option<&SessionToken>,
        now: DateTime<Utc>,
    ) -> Result<Uuid, IdentityError> {
        let Some(token) = current else {
            return Err(IdentityError::FlowUnknown);
        };
        let session = self.session(token, now).await?;
        match (session, flow.account_id) {
            (Some(session), Some(account_id)) if session.account.id == account_id => Ok(account_id),
            _ => Err(IdentityError::FlowUnknown),
        }
    }

    /// Signs in the person behind a provider's identity, making a citizen account for an
    /// identity seen for the first time.
    async fn sign_in_with_identity(
        &self,
        identity: &ProviderIdentity<'_>,
        return_to: String,
        now: DateTime<Utc>,
    ) -> Result<ProviderOutcome, IdentityError> {
        let (account_id, new_account) = match self.account_of(identity).await? {
            Some(account_id) => (account_id, false),
            None => (self.create_from_identity(identity, now).await?, true),
        };
        let account = self
            .account(account_id)
            .await?
            .ok_or(IdentityError::AccountNotFound)?;
        if account.disabled {
            let detail = format!("provider {}: account disabled", identity.provider.id);
            self.audit(
                Entry::about(kinds::SIGN_IN_FAILED, Some(account_id), detail),
                now,
            )
            .await?;
            return Err(IdentityError::InvalidCredentials);
        }
        self.record_identity_claims(account_id, identity, now)
            .await?;

        let mut transaction = self.database.begin().await?;
        touch_identity(&mut transaction, identity, now).await?;
        let lifetime = self.config.session_absolute_timeout;
        let token =
            insert_session_at(&mut transaction, account_id, identity.level, lifetime, now).await?;
        let detail = format!(
            "provider {}, trust level {}",
            identity.provider.id, identity.level
        );
        let entry = Entry::about(kinds::SIGN_IN_SUCCEEDED, Some(account_id), detail);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        tracing::info!(
            account.id = %account_id,
            provider = identity.provider.id,
            trust_level = identity.level.as_str(),
            new_account,
            "signed in through a provider"
        );
        Ok(ProviderOutcome::SignedIn {
            token,
            new_account,
            return_to,
        })
    }

    /// Signs in a member of staff through the staff provider. The provider must show that
    /// it checked a second factor, since no local one is asked for. The account is the one
    /// the identity is linked to, or else the enabled staff account with the provider's
    /// verified email address, which the identity is then linked to: staff accounts come
    /// by invitation to that very address, so the city's own provider confirming it is
    /// proof enough.
    async fn sign_in_staff(
        &self,
        identity: &ProviderIdentity<'_>,
        return_to: String,
        now: DateTime<Utc>,
    ) -> Result<ProviderOutcome, IdentityError> {
        if !shows_second_factor(identity) {
            let detail = format!("provider {}: no second factor", identity.provider.id);
            self.audit(Entry::about(kinds::SIGN_IN_FAILED, None, detail), now)
                .await?;
            return Err(IdentityError::SecondFactorMissing);
        }
        let account_id = match self.account_of(identity).await? {
            Some(account_id) => account_id,
            None => self.link_staff_by_email(identity, now).await?,
        };
        let account = self.account(account_id).await?;
        if !account.is_some_and(|account| account.kind == AccountKind::Staff && !account.disabled) {
            let detail = format!(
                "provider {}: no enabled staff account",
                identity.provider.id
            );
            self.audit(
                Entry::about(kinds::SIGN_IN_FAILED, Some(account_id), detail),
                now,
            )
            .await?;
            return Err(IdentityError::NoStaffAccount);
        }

        let mut transaction = self.database.begin().await?;
        touch_identity(&mut transaction, identity, now).await?;
        let lifetime = self.config.session_absolute_timeout;
        let token =
            insert_session_at(&mut transaction, account_id, identity.level, lifetime, now).await?;
        let detail = format!("staff provider {}", identity.provider.id);
        let entry = Entry::about(kinds::SIGN_IN_SUCCEEDED, Some(account_id), detail);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        tracing::info!(account.id = %account_id, provider = identity.provider.id, "staff signed in through a provider");
        Ok(ProviderOutcome::StaffSignedIn { token, return_to })
    }

    /// Links the identity to the enabled staff account with the provider's verified email
    /// address; `NoStaffAccount` when there is none.
    async fn link_staff_by_email(
        &self,
        identity: &ProviderIdentity<'_>,
        now: DateTime<Utc>,
    ) -> Result<Uuid, IdentityError> {
        let verified = claim_at(&identity.claims, "email_verified") == Some(&Value::Bool(true));
        let email = claim_at(&identity.claims, "email").and_then(Value::as_str);
        let Some(Ok((_, normalised))) = email.filter(|_| verified).map(check_email) else {
            return Err(IdentityError::NoStaffAccount);
        };
        let found: Option<IdentityRow> = self
            .database
            .fetch_optional(
                "SELECT id AS account_id FROM identity_accounts \
                 WHERE kind = 'staff' AND email_normalised = $1 AND disabled = $2",
                &[normalised.as_str().into(), false.into()],
            )
            .await?;
        let Some(IdentityRow { account_id }) = found else {
            return Err(IdentityError::NoStaffAccount);
        };

        let mut transaction = self.database.begin().await?;
        insert_identity(&mut transaction, account_id, identity, now).await?;
        let detail = format!("staff provider {} by verified email", identity.provider.id);
        let entry = Entry::about(kinds::PROVIDER_LINKED, Some(account_id), detail);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;
        Ok(account_id)
    }

    /// The account an identity is linked to, if any.
    async fn account_of(
        &self,
        identity: &ProviderIdentity<'_>,
    ) -> Result<Option<Uuid>, IdentityError> {
        let row: Option<IdentityRow> = self
            .database
            .fetch_optional(
                "SELECT account_id FROM identity_external_identities \
                 WHERE provider = $1 AND subject = $2",
                &[
                    identity.provider.id.as_str().into(),
                    identity.subject.as_str().into(),
                ],
            )
            .await?;
        Ok(row.map(|row| row.account_id))
    }

    /// Makes a verified citizen account from a provider's claims, linked to the identity.
    /// Refused when the provider sent no usable email address, or when an account has it
    /// already (`ProviderEmailTaken`: linking needs the password first).
    async fn create_from_identity(
        &self,
        identity: &ProviderIdentity<'_>,
        now: DateTime<Utc>,
    ) -> Result<Uuid, IdentityError> {
        let email = claim_at(&identity.claims, "email")
            .and_then(Value::as_str)
            .ok_or(IdentityError::ProviderEmailMissing)?;
        let (email, normalised) =
            check_email(email).map_err(|_| IdentityError::ProviderEmailMissing)?;
        if self.citizen_id(&normalised).await?.is_some() {
            return Err(IdentityError::ProviderEmailTaken);
        }
        let email_verified =
            claim_at(&identity.claims, "email_verified") == Some(&Value::Bool(true));
        let display_name = display_name_of(&identity.claims, &email);

        let id = Uuid::now_v7();
        let mut transaction = self.database.begin().await?;
        transaction
            .execute(
                "INSERT INTO identity_accounts (id, kind, email, email_normalised, display_name, \
                 disabled, created_at, updated_at, email_verified_at, verified_at) \
                 VALUES ($1, 'citizen', $2, $3, $4, $5, $6, $6, $7, $6)",
                &[
                    id.into(),
                    email.as_str().into(),
                    normalised.as_str().into(),
                    display_name.into(),
                    false.into(),
                    now.into(),
                    email_verified.then_some(now).into(),
                ],
            )
            .await
            .map_err(|error| {
                if error.is_unique_violation() {
                    IdentityError::ProviderEmailTaken
                } else {
                    IdentityError::Database(error)
                }
            })?;
        insert_identity(&mut transaction, id, identity, now).await?;
        let detail = format!("citizen account from provider {}", identity.provider.id);
        audit::record_in(
            &mut transaction,
            Entry::about(kinds::ACCOUNT_CREATED, Some(id), detail),
            now,
        )
        .await?;
        transaction.commit().await?;

        tracing::info!(account.id = %id, provider = identity.provider.id, "citizen account made from a provider");
        Ok(id)
    }

    /// Links an identity to an account, unless it is linked to it already. Refused when
    /// the identity belongs to another account or the account has another identity of the
    /// same provider.
    async fn link_identity(
        &self,
        account_id: Uuid,
        identity: &ProviderIdentity<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        match self.account_of(identity).await? {
            Some(owner) if owner == account_id => return Ok(()),
            Some(_) => return Err(IdentityError::IdentityLinkedElsewhere),
            None => {}
        }
        let linked = self.linked_identities(account_id).await?;
        if linked
            .iter()
            .any(|link| link.provider == identity.provider.id)
        {
            return Err(IdentityError::ProviderAlreadyLinked);
        }

        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        insert_identity(&mut transaction, account_id, identity, now).await?;
        mark_verified(&mut transaction, account_id, now).await?;
        let detail = format!("provider {}", identity.provider.id);
        let entry = Entry::about(kinds::PROVIDER_LINKED, Some(account_id), detail);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        self.record_identity_claims(account_id, identity, now).await
    }

    /// Replaces the session of `old` by a new one at the identity's trust level, with a new
    /// token, so that a token seen at the lower level is worthless at the higher.
    async fn step_up(
        &self,
        account_id: Uuid,
        old: &SessionToken,
        identity: &ProviderIdentity<'_>,
        now: DateTime<Utc>,
    ) -> Result<SessionToken, IdentityError> {
        let mut transaction = self.database.begin().await?;
        let ended = transaction
            .execute(
                "DELETE FROM identity_sessions WHERE token_hash = $1 AND account_id = $2",
                &[sha256_hex(old.as_str()).into(), account_id.into()],
            )
            .await?;
        if ended != 1 {
            return Err(IdentityError::FlowUnknown);
        }
        touch_identity(&mut transaction, identity, now).await?;
        let lifetime = self.config.session_absolute_timeout;
        let token =
            insert_session_at(&mut transaction, account_id, identity.level, lifetime, now).await?;
        let detail = format!(
            "provider {}, trust level {}",
            identity.provider.id, identity.level
        );
        let entry = Entry::about(kinds::SESSION_STEPPED_UP, Some(account_id), detail);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        tracing::info!(account.id = %account_id, trust_level = identity.level.as_str(), "session stepped up");
        Ok(token)
    }

    /// Records the mapped claims in the profile vault as verified by the provider. A value
    /// the catalogue refuses is left out and logged by attribute name only.
    async fn record_identity_claims(
        &self,
        account_id: Uuid,
        identity: &ProviderIdentity<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let mut accepted = Vec::new();
        for (attribute, value) in mapped_values(identity.provider, &identity.claims) {
            match catalogue::check_attribute(&attribute, &value, now) {
                Ok(_) => accepted.push((attribute, value)),
                Err(error) => tracing::warn!(
                    provider = identity.provider.id,
                    attribute,
                    field = ?error.field,
                    problem = %error.problem,
                    "a provider's claim was left out"
                ),
            }
        }
        if accepted.is_empty() {
            return Ok(());
        }
        let values: Vec<(&str, Value)> = accepted
            .iter()
            .map(|(attribute, value)| (attribute.as_str(), value.clone()))
            .collect();
        self.record_from_provider(account_id, &identity.provider.id, &values, now)
            .await
    }
}

/// The identity a checked token shows, with its trust level.
fn identify(provider: &ProviderConfig, token: VerifiedToken) -> ProviderIdentity<'_> {
    let assurance = claim_at(&token.claims, &provider.assurance_claim).and_then(Value::as_str);
    ProviderIdentity {
        provider,
        level: provider.trust_level_of(assurance),
        subject: token.subject,
        claims: token.claims,
    }
}

/// Whether the token shows a second factor: one of the provider's `second_factor` values in
/// the `amr` claim, or as the value of the assurance claim.
fn shows_second_factor(identity: &ProviderIdentity<'_>) -> bool {
    let accepted = &identity.provider.second_factor;
    let methods = claim_at(&identity.claims, "amr").and_then(Value::as_array);
    let by_method = methods.is_some_and(|methods| {
        methods
            .iter()
            .filter_map(Value::as_str)
            .any(|method| accepted.iter().any(|value| value == method))
    });
    let assurance =
        claim_at(&identity.claims, &identity.provider.assurance_claim).and_then(Value::as_str);
    let by_assurance = assurance.is_some_and(|value| accepted.iter().any(|known| known == value));
    by_method || by_assurance
}

/// The profile values the provider's claims map to. Claims mapped to parts of one
/// attribute (`address.main_residence:city`) are put together into one object.
fn mapped_values(provider: &ProviderConfig, claims: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut values: Vec<(String, Value)> = Vec::new();
    for (claim, target) in &provider.claims {
        let Some(value) = claim_at(claims, claim).filter(|value| !value.is_null()) else {
            continue;
        };
        match target.split_once(':') {
            None => values.push((target.clone(), value.clone())),
            Some((attribute, part)) => {
                let position = values.iter().position(|(name, _)| name == attribute);
                let index = position.unwrap_or_else(|| {
                    values.push((attribute.to_owned(), Value::Object(Map::new())));
                    values.len() - 1
                });
                if let Value::Object(parts) = &mut values[index].1 {
                    parts.insert(part.to_owned(), value.clone());
                }
            }
        }
    }
    values
}

/// The name a new account shows: the `name` claim, or given and family name, or the part
/// of the email address before the `@`.
fn display_name_of(claims: &Map<String, Value>, email: &str) -> String {
    let text = |name: &str| {
        claim_at(claims, name)
            .and_then(Value::as_str)
            .map(str::trim)
    };
    let joined = [text("given_name"), text("family_name")]
        .into_iter()
        .flatten()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let candidates = [text("name").unwrap_or_default().to_owned(), joined];
    candidates
        .into_iter()
        .find_map(|candidate| check_display_name(&candidate).ok())
        .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned())
}

/// The provider's error code, kept only when it looks like one (letters and `_`), since it
/// ends up in the log.
fn error_code(error: &str) -> String {
    if !error.is_empty()
        && error.len() <= 64
        && error
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte == b'_')
    {
        error.to_owned()
    } else {
        "unrecognised error".to_owned()
    }
}

async fn insert_identity(
    transaction: &mut Transaction,
    account_id: Uuid,
    identity: &ProviderIdentity<'_>,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    transaction
        .execute(
            "INSERT INTO identity_external_identities (provider, subject, account_id, \
             created_at, last_used_at) VALUES ($1, $2, $3, $4, $4)",
            &[
                identity.provider.id.as_str().into(),
                identity.subject.as_str().into(),
                account_id.into(),
                now.into(),
            ],
        )
        .await
        .map_err(|error| {
            if error.is_unique_violation() {
                IdentityError::IdentityLinkedElsewhere
            } else {
                IdentityError::Database(error)
            }
        })?;
    Ok(())
}

async fn touch_identity(
    transaction: &mut Transaction,
    identity: &ProviderIdentity<'_>,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    transaction
        .execute(
            "UPDATE identity_external_identities SET last_used_at = $3 \
             WHERE provider = $1 AND subject = $2",
            &[
                identity.provider.id.as_str().into(),
                identity.subject.as_str().into(),
                now.into(),
            ],
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn provider(claims: &[(&str, &str)]) -> ProviderConfig {
        ProviderConfig {
            id: "muenchen".to_owned(),
            display_name: "BundID".to_owned(),
            issuer_url: "https://login.example".to_owned(),
            client_id: "rathaus".to_owned(),
            client_secret: String::new(),
            scopes: vec!["openid".to_owned()],
            claims: claims
                .iter()
                .map(|(claim, target)| ((*claim).to_owned(), (*target).to_owned()))
                .collect(),
            assurance_claim: "acr".to_owned(),
            trust_levels: BTreeMap::new(),
            staff: false,
            second_factor: Vec::new(),
        }
    }

    #[test]
    fn claims_map_to_attributes_and_address_parts() {
        let provider = provider(&[
            ("family_name", "person.family_name"),
            ("address.locality", "address.main_residence:city"),
            ("address.postal_code", "address.main_residence:postal_code"),
            ("birthdate", "person.date_of_birth"),
        ]);
        let Value::Object(claims) = json!({
            "family_name": "Huber",
            "address": {"locality": "München", "postal_code": "80331"},
            "birthdate": null,
        }) else {
            unreachable!()
        };
        let values = mapped_values(&provider, &claims);
        assert_eq!(
            values,
            [
                (
                    "address.main_residence".to_owned(),
                    json!({"city": "München", "postal_code": "80331"})
                ),
                ("person.family_name".to_owned(), json!("Huber")),
            ]
        );
    }

    #[test]
    fn a_new_account_is_named_from_the_claims() {
        let Value::Object(claims) = json!({"given_name": "Erika", "family_name": "Mustermann"})
        else {
            unreachable!()
        };
        assert_eq!(
            display_name_of(&claims, "e@example.org"),
            "Erika Mustermann"
        );
        assert_eq!(display_name_of(&Map::new(), "erika@example.org"), "erika");
    }

    #[test]
    fn only_plain_error_codes_reach_the_log() {
        assert_eq!(error_code("access_denied"), "access_denied");
        assert_eq!(error_code("<script>"), "unrecognised error");
    }
}
