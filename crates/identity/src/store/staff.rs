//! Staff accounts: the first administrator from the command line, invitations for everyone
//! else, and what administrators change afterwards (roles, disabling, resetting the second
//! factor). The web layer checks that the caller is an administrator; the methods take the
//! caller's id for the audit log.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rathaus_base::Transaction;
use uuid::Uuid;

use super::{AccountRow, IdentityStore, account_columns, other_admins, write_roles};
use crate::audit::{self, Entry, kinds};
use crate::error::IdentityError;
use crate::model::{Account, AccountKind, Grants, Invitation, InvitationInfo, Role};
use crate::password::check_rules;
use crate::secret::{check_display_name, check_email, new_token, sha256_hex};
use crate::throttle::to_chrono;

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: Uuid,
    email: String,
    display_name: String,
    roles: String,
    invited_by: Uuid,
    expires_at: DateTime<Utc>,
}

/// A checked new account, ready to be stored.
struct NewAccount {
    email: String,
    email_normalised: String,
    display_name: String,
    grants: Grants,
}

impl IdentityStore {
    /// Makes a staff account with a password, such as the first administrator. The account
    /// has no second factor yet: its first sign-in sets one up.
    pub async fn create_staff(
        &self,
        email: &str,
        display_name: &str,
        password: &str,
        roles: &BTreeSet<Role>,
        now: DateTime<Utc>,
    ) -> Result<Account, IdentityError> {
        let grants = Grants::everywhere(roles.clone());
        let new = self.check_new_account(email, display_name, &grants).await?;
        check_rules(&self.config.password, password, &new.email)?;
        let hash = self.hasher.hash(password).await?;

        let mut transaction = self.database.begin().await?;
        let id = insert_account(&mut transaction, &new, &hash, now).await?;
        let entry = Entry::about(
            kinds::ACCOUNT_CREATED,
            Some(id),
            format!("roles: {}", new.grants.to_text()),
        );
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        self.account(id)
            .await?
            .ok_or(IdentityError::AccountNotFound)
    }

    /// Invites a new staff member with the roles `grants` gives. The returned token belongs
    /// into the link the web layer mails; only its SHA-256 is stored, so the link cannot be
    /// made again.
    pub async fn invite_staff(
        &self,
        email: &str,
        display_name: &str,
        grants: &Grants,
        invited_by: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Invitation, IdentityError> {
        let new = self.check_new_account(email, display_name, grants).await?;
        let id = Uuid::now_v7();
        let token = new_token();
        let expires_at = now + to_chrono(self.config.invitation_lifetime);

        let mut transaction = self.database.begin().await?;
        transaction
            .execute(
                "INSERT INTO identity_invitations (id, token_hash, email, display_name, roles, \
                 invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    id.into(),
                    sha256_hex(&token).into(),
                    new.email.as_str().into(),
                    new.display_name.as_str().into(),
                    new.grants.to_text().into(),
                    invited_by.into(),
                    now.into(),
                    expires_at.into(),
                ],
            )
            .await?;
        let detail = format!("invitation {id}, roles: {}", new.grants.to_text());
        let entry = Entry::about(kinds::INVITATION_CREATED, None, detail).by(invited_by);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        Ok(Invitation {
            id,
            token,
            email: new.email,
            expires_at,
        })
    }

    /// What an open invitation offers. Unknown, used and expired invitations all give
    /// `InvitationInvalid`.
    pub async fn invitation(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<InvitationInfo, IdentityError> {
        let row = self.open_invitation(token, now).await?;
        Ok(InvitationInfo {
            grants: parse_stored_grants(&row.roles)?,
            email: row.email,
            display_name: row.display_name,
            expires_at: row.expires_at,
        })
    }

    /// Accepts an invitation with the new account's password. Works once; the account has
    /// no second factor yet, so the first sign-in sets one up.
    pub async fn accept_invitation(
        &self,
        token: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, IdentityError> {
        let row = self.open_invitation(token, now).await?;
        let grants = parse_stored_grants(&row.roles)?;
        let new = self
            .check_new_account(&row.email, &row.display_name, &grants)
            .await?;
        check_rules(&self.config.password, password, &new.email)?;
        let hash = self.hasher.hash(password).await?;

        let mut transaction = self.database.begin().await?;
        let id = insert_account(&mut transaction, &new, &hash, now).await?;
        // The condition makes acceptance single-use even when two requests race.
        let accepted = transaction
            .execute(
                "UPDATE identity_invitations SET accepted_at = $2, account_id = $3 \
                 WHERE id = $1 AND accepted_at IS NULL",
                &[row.id.into(), now.into(), id.into()],
            )
            .await?;
        if accepted != 1 {
            return Err(IdentityError::InvitationInvalid);
        }
        let detail = format!("invitation {}, roles: {}", row.id, new.grants.to_text());
        let entry = Entry::about(kinds::INVITATION_ACCEPTED, Some(id), detail).by(row.invited_by);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        self.account(id)
            .await?
            .ok_or(IdentityError::AccountNotFound)
    }

    /// Every staff account, by name.
    pub async fn staff(&self) -> Result<Vec<Account>, IdentityError> {
        let rows: Vec<AccountRow> = self
            .database
            .fetch_all(
                concat!(
                    account_columns!(),
                    " WHERE a.kind = 'staff' ORDER BY a.display_name, a.email_normalised"
                ),
                &[],
            )
            .await?;
        let mut roles = self.all_roles().await?;
        rows.into_iter()
            .map(|row| {
                let own = roles.remove(&row.id).unwrap_or_default();
                row.into_account(own)
            })
            .collect()
    }

    /// Gives an account exactly these roles, everywhere and per office. The last enabled
    /// administrator cannot lose the administrator role.
    pub async fn set_roles(
        &self,
        id: Uuid,
        grants: &Grants,
        by: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Account, IdentityError> {
        if grants.is_empty() {
            return Err(IdentityError::NoRoles);
        }
        let before = self
            .account(id)
            .await?
            .ok_or(IdentityError::AccountNotFound)?;

        let mut transaction = self.database.begin().await?;
        if before.has_role(Role::Admin)
            && !grants.roles.contains(&Role::Admin)
            && !before.disabled
            && other_admins(&mut transaction, id).await? == 0
        {
            return Err(IdentityError::LastAdmin);
        }
        write_roles(&mut transaction, id, grants).await?;
        touch_account(&mut transaction, id, now).await?;
        let before_grants = Grants {
            roles: before.roles.clone(),
            office_roles: before.office_roles.clone(),
        };
        let detail = format!("from {} to {}", before_grants.to_text(), grants.to_text());
        let entry = Entry::about(kinds::ROLES_CHANGED, Some(id), detail).by(by);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        self.account(id)
            .await?
            .ok_or(IdentityError::AccountNotFound)
    }

    /// Disables an account, ending all its sessions, or enables it again. The last
    /// enabled administrator cannot be disabled.
    pub async fn set_disabled(
        &self,
        id: Uuid,
        disabled: bool,
        by: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Account, IdentityError> {
        let before = self
            .account(id)
            .await?
            .ok_or(IdentityError::AccountNotFound)?;

        let mut transaction = self.database.begin().await?;
        if disabled
            && before.has_role(Role::Admin)
            && other_admins(&mut transaction, id).await? == 0
        {
            return Err(IdentityError::LastAdmin);
        }
        transaction
            .execute(
                "UPDATE identity_accounts SET disabled = $2, updated_at = $3 WHERE id = $1",
                &[id.into(), disabled.into(), now.into()],
            )
            .await?;
        let kind = if disabled {
            transaction
                .execute(
                    "DELETE FROM identity_sessions WHERE account_id = $1",
                    &[id.into()],
                )
                .await?;
            kinds::ACCOUNT_DISABLED
        } else {
            kinds::ACCOUNT_ENABLED
        };
        audit::record_in(
            &mut transaction,
            Entry::about(kind, Some(id), "").by(by),
            now,
        )
        .await?;
        transaction.commit().await?;

        self.account(id)
            .await?
            .ok_or(IdentityError::AccountNotFound)
    }

    /// Removes an account's authenticator and recovery codes, for someone who lost both,
    /// and ends its sessions: the next sign-in sets up a new authenticator.
    pub async fn reset_second_factor(
        &self,
        id: Uuid,
        by: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Account, IdentityError> {
        let mut transaction = self.database.begin().await?;
        let changed = transaction
            .execute(
                "UPDATE identity_accounts SET totp_secret = NULL, totp_last_step = NULL, \
                 updated_at = $2 WHERE id = $1",
                &[id.into(), now.into()],
            )
            .await?;
        if changed != 1 {
            return Err(IdentityError::AccountNotFound);
        }
        for sql in [
            "DELETE FROM identity_recovery_codes WHERE account_id = $1",
            "DELETE FROM identity_sessions WHERE account_id = $1",
        ] {
            transaction.execute(sql, &[id.into()]).await?;
        }
        let entry = Entry::about(kinds::SECOND_FACTOR_RESET, Some(id), "sessions ended").by(by);
        audit::record_in(&mut transaction, entry, now).await?;
        transaction.commit().await?;

        self.account(id)
            .await?
            .ok_or(IdentityError::AccountNotFound)
    }

    /// Checks the parts of a new staff account, including that its address is free.
    async fn check_new_account(
        &self,
        email: &str,
        display_name: &str,
        grants: &Grants,
    ) -> Result<NewAccount, IdentityError> {
        let (email, email_normalised) = check_email(email)?;
        let display_name = check_display_name(display_name)?;
        if grants.is_empty() {
            return Err(IdentityError::NoRoles);
        }
        let taken: super::Count = self
            .database
            .fetch_one(
                "SELECT COUNT(*) AS value FROM identity_accounts \
                 WHERE kind = 'staff' AND email_normalised = $1",
                &[email_normalised.as_str().into()],
            )
            .await?;
        if taken.value > 0 {
            return Err(IdentityError::EmailTaken);
        }
        Ok(NewAccount {
            email,
            email_normalised,
            display_name,
            grants: grants.clone(),
        })
    }

    async fn open_invitation(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<InvitationRow, IdentityError> {
        let row: Option<InvitationRow> = self
            .database
            .fetch_optional(
                "SELECT id, email, display_name, roles, invited_by, expires_at \
                 FROM identity_invitations \
                 WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2",
                &[sha256_hex(token.trim()).into(), now.into()],
            )
            .await?;
        row.ok_or(IdentityError::InvitationInvalid)
    }
}

/// Stores a checked staff account with its roles; a taken address (a race with another
/// request) gives `EmailTaken`.
async fn insert_account(
    transaction: &mut Transaction,
    new: &NewAccount,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, IdentityError> {
    let id = Uuid::now_v7();
    transaction
        .execute(
            "INSERT INTO identity_accounts (id, kind, email, email_normalised, display_name, \
             password_hash, disabled, created_at, updated_at, email_verified_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)",
            &[
                id.into(),
                AccountKind::Staff.as_str().into(),
                new.email.as_str().into(),
                new.email_normalised.as_str().into(),
                new.display_name.as_str().into(),
                password_hash.into(),
                false.into(),
                now.into(),
            ],
        )
        .await
        .map_err(|error| {
            if error.is_unique_violation() {
                IdentityError::EmailTaken
            } else {
                IdentityError::Database(error)
            }
        })?;
    write_roles(transaction, id, &new.grants).await?;
    Ok(id)
}

async fn touch_account(
    transaction: &mut Transaction,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    transaction
        .execute(
            "UPDATE identity_accounts SET updated_at = $2 WHERE id = $1",
            &[id.into(), now.into()],
        )
        .await?;
    Ok(())
}

/// Roles as stored with an invitation, in the form of [`Grants::to_text`].
fn parse_stored_grants(text: &str) -> Result<Grants, IdentityError> {
    Grants::parse_text(text)
        .ok_or_else(|| IdentityError::Corrupt(format!("unknown roles in an invitation: {text}")))
}
