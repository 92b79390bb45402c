//! The identity platform's tables and everything done with them. The methods are split by
//! topic: signing in ([`sign_in`]), staff management and invitations ([`staff`]), citizen
//! accounts and the links sent by email ([`citizen`]), the profile vault ([`vault`]),
//! external identity providers and step-up ([`providers`]), and export, erasure and
//! retention ([`personal_data`]); this module holds the store itself, accounts and sessions.

mod citizen;
mod passkeys;
mod personal_data;
mod providers;
mod sign_in;
mod staff;
mod vault;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rathaus_base::{Database, Migration, Transaction};
use uuid::Uuid;

use crate::audit::{self, Entry};
use crate::config::IdentityConfig;
use crate::error::IdentityError;
use crate::model::{
    Account, AccountKind, AuditEvent, Grants, OfficeRole, Role, Session, SessionInfo, SessionToken,
    TrustLevel,
};
use crate::oidc::ProviderClient;
use crate::password::Hasher;
use crate::secret::{new_token, sha256_hex};
use crate::throttle::{self, to_chrono};

pub use citizen::{FRESH_SIGN_IN, SignUpLinkInfo, is_recent_sign_in};
pub use providers::ProviderAnswer;

/// The tables whose open rows [`IdentityStore::check_open_for_client`] counts.
#[derive(Debug, Clone, Copy)]
pub(super) enum OpenTable {
    PasskeyCeremonies,
    ProviderFlows,
}

impl OpenTable {
    /// The expiry times of a client's open rows, oldest first, at most
    /// [`MAX_OPEN_PER_CLIENT`] of them.
    fn open_rows_query(self) -> &'static str {
        match self {
            OpenTable::PasskeyCeremonies => {
                "SELECT expires_at FROM identity_passkey_ceremonies \
                 WHERE client_hash = $1 AND expires_at > $2 ORDER BY expires_at LIMIT 20"
            }
            OpenTable::ProviderFlows => {
                "SELECT expires_at FROM identity_provider_flows \
                 WHERE client_hash = $1 AND expires_at > $2 ORDER BY expires_at LIMIT 20"
            }
        }
    }
}

/// The migrations of the identity platform's tables.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 3,
        name: "identity: accounts, roles, sessions, recovery codes, invitations, throttling, \
               audit log",
        sql: include_str!("../../migrations/2026_12_03_03_identity.sql"),
    },
    Migration {
        version: 7,
        name: "identity: citizen accounts, links sent by email, session devices",
        sql: include_str!("../../migrations/2026_12_04_07_citizen_accounts.sql"),
    },
    Migration {
        version: 9,
        name: "identity: profile vault, data-use log, consents, account verification",
        sql: include_str!("../../migrations/2026_12_04_09_profile_vault.sql"),
    },
    Migration {
        version: 11,
        name: "identity: roles of case work, held everywhere or per office",
        sql: include_str!("../../migrations/2026_12_04_11_office_roles.sql"),
    },
    Migration {
        version: 12,
        name: "identity: passkeys and their pending ceremonies",
        sql: include_str!("../../migrations/2026_12_04_12_passkeys.sql"),
    },
    Migration {
        version: 13,
        name: "identity: external identity providers and their open flows",
        sql: include_str!("../../migrations/2026_12_04_13_identity_providers.sql"),
    },
    Migration {
        version: 16,
        name: "identity: open passkey ceremonies and provider flows counted per client",
        sql: include_str!("../../migrations/2026_12_04_16_open_ceremony_limits.sql"),
    },
];

/// How long a pending sign-in (password passed, second factor not yet) lives.
const PENDING_LIFETIME: Duration = Duration::from_mins(10);

/// How many passkey ceremonies or provider flows one client may have begun and not yet
/// finished at once. A person needs one or two; the limit keeps a client from filling the
/// tables with ceremonies it never finishes. The queries of [`OpenTable`] read this many.
const MAX_OPEN_PER_CLIENT: usize = 20;

/// A session's last use is written at most this often, so that reading a session is
/// usually a single query.
const TOUCH_INTERVAL: Duration = Duration::from_mins(1);

/// The columns of an account, for [`AccountRow`].
macro_rules! account_columns {
    () => {
        "SELECT a.id, a.kind, a.email, a.display_name, a.totp_secret IS NOT NULL AS enrolled, \
         a.disabled, a.created_at FROM identity_accounts a"
    };
}
use account_columns;

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    kind: String,
    email: String,
    display_name: String,
    enrolled: bool,
    disabled: bool,
    created_at: DateTime<Utc>,
}

impl AccountRow {
    fn into_account(self, grants: Grants) -> Result<Account, IdentityError> {
        let kind = AccountKind::parse(&self.kind)
            .ok_or_else(|| IdentityError::Corrupt(format!("unknown account kind {}", self.kind)))?;
        Ok(Account {
            id: self.id,
            kind,
            email: self.email,
            display_name: self.display_name,
            roles: grants.roles,
            office_roles: grants.office_roles,
            second_factor_enrolled: self.enrolled,
            disabled: self.disabled,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    account_id: Uuid,
    role: String,
    office: Option<String>,
}

impl RoleRow {
    /// Adds the role of this row to `grants`.
    fn add_to(&self, grants: &mut Grants) -> Result<(), IdentityError> {
        let role = parse_role(&self.role)?;
        match &self.office {
            None => {
                grants.roles.insert(role);
            }
            Some(office) => {
                grants.office_roles.insert(OfficeRole {
                    office: office.clone(),
                    role,
                });
            }
        }
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: Uuid,
    account_id: Uuid,
    second_factor_passed: bool,
    trust_level: String,
    device: String,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Count {
    value: i64,
}

/// Accounts, sessions, invitations and the audit log, over the shared database. Cheap to
/// clone; clones share the limit on concurrent password hashing.
#[derive(Debug, Clone)]
pub struct IdentityStore {
    database: Database,
    config: Arc<IdentityConfig>,
    hasher: Hasher,
    /// The portal as a WebAuthn relying party; `None` when `public_url` gives none.
    relying_party: Option<Arc<webauthn_rs::Webauthn>>,
    provider_client: ProviderClient,
}

impl IdentityStore {
    /// A store on `database`, whose migrations ([`MIGRATIONS`]) must have run.
    pub fn new(database: Database, config: IdentityConfig) -> IdentityStore {
        let hasher = Hasher::new(
            &config.password,
            config.max_concurrent_hashes,
            config.hash_wait,
        );
        let relying_party = passkeys::relying_party(&config.public_url, &config.totp_issuer);
        let provider_client = ProviderClient::new(config.provider_timeout);
        IdentityStore {
            database,
            config: Arc::new(config),
            hasher,
            relying_party,
            provider_client,
        }
    }

    /// The configuration the store works with.
    pub fn config(&self) -> &IdentityConfig {
        &self.config
    }

    /// The account with this id, if there is one.
    pub async fn account(&self, id: Uuid) -> Result<Option<Account>, IdentityError> {
        let row: Option<AccountRow> = self
            .database
            .fetch_optional(
                concat!(account_columns!(), " WHERE a.id = $1"),
                &[id.into()],
            )
            .await?;
        match row {
            Some(row) => {
                let roles = self.roles_of(id).await?;
                Ok(Some(row.into_account(roles)?))
            }
            None => Ok(None),
        }
    }

    /// Notes that the person owns the account (a confirmed email address, or a sign-in
    /// through an identity provider), which exempts a citizen account from deletion as
    /// unverified. The first time counts; later calls change nothing.
    pub async fn mark_account_verified(
        &self,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        mark_verified(&mut transaction, account_id, now).await?;
        transaction.commit().await?;

        Ok(())
    }

    /// The session a token belongs to, if it is usable: known, neither idle too long nor
    /// past its absolute end, of an enabled account, and past every step of signing in
    /// (the second factor, where the account has one). Notes the use, at most once a
    /// minute.
    pub async fn session(
        &self,
        token: &SessionToken,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, IdentityError> {
        let Some(row) = self.session_row(token).await? else {
            return Ok(None);
        };
        if self.expiry_of(&row) <= now {
            self.delete_session(row.id).await?;
            return Ok(None);
        }
        let Some(account) = self.account(row.account_id).await? else {
            return Ok(None);
        };
        // A row whose sign-in is not complete is a pending sign-in, usable for nothing else.
        if account.disabled || !row.second_factor_passed {
            return Ok(None);
        }

        let mut last_seen_at = row.last_seen_at;
        if now - last_seen_at >= to_chrono(TOUCH_INTERVAL) {
            self.database
                .execute(
                    "UPDATE identity_sessions SET last_seen_at = $2 WHERE id = $1",
                    &[row.id.into(), now.into()],
                )
                .await?;
            last_seen_at = now;
        }
        let expires_at = row
            .expires_at
            .min(last_seen_at + to_chrono(self.config.session_idle_timeout));

        Ok(Some(Session {
            id: row.id,
            account,
            second_factor_passed: row.second_factor_passed,
            trust_level: row.trust_level,
            created_at: row.created_at,
            last_seen_at,
            expires_at,
        }))
    }

    /// Ends the session of this token (signing out). Unknown tokens are ignored.
    pub async fn end_session(&self, token: &SessionToken) -> Result<(), IdentityError> {
        self.database
            .execute(
                "DELETE FROM identity_sessions WHERE token_hash = $1",
                &[sha256_hex(token.as_str()).into()],
            )
            .await?;
        Ok(())
    }

    /// Ends every session of an account, pending sign-ins included; returns how many.
    pub async fn end_all_sessions(&self, account_id: Uuid) -> Result<u64, IdentityError> {
        Ok(self
            .database
            .execute(
                "DELETE FROM identity_sessions WHERE account_id = $1",
                &[account_id.into()],
            )
            .await?)
    }

    /// The sessions of an account that have not ended, newest first.
    pub async fn sessions_of(
        &self,
        account_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionInfo>, IdentityError> {
        let rows: Vec<SessionRow> = self
            .database
            .fetch_all(
                "SELECT id, account_id, second_factor_passed, trust_level, device, created_at, \
                 last_seen_at, expires_at FROM identity_sessions \
                 WHERE account_id = $1 AND expires_at > $2 ORDER BY created_at DESC",
                &[account_id.into(), now.into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let expires_at = self.expiry_of(&row);
                (expires_at > now).then_some(SessionInfo {
                    id: row.id,
                    device: row.device,
                    second_factor_passed: row.second_factor_passed,
                    trust_level: row.trust_level,
                    created_at: row.created_at,
                    last_seen_at: row.last_seen_at,
                    expires_at,
                })
            })
            .collect())
    }

    /// The latest entries of the audit log, newest first.
    pub async fn audit_events(&self, limit: u32) -> Result<Vec<AuditEvent>, IdentityError> {
        #[derive(sqlx::FromRow)]
        struct EventRow {
            at: DateTime<Utc>,
            kind: String,
            account_id: Option<Uuid>,
            actor_id: Option<Uuid>,
            detail: String,
        }

        let rows: Vec<EventRow> = self
            .database
            .fetch_all(
                "SELECT at, kind, account_id, actor_id, detail FROM identity_audit_log \
                 ORDER BY id DESC LIMIT $1",
                &[i64::from(limit).into()],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| AuditEvent {
                at: row.at,
                kind: row.kind,
                account_id: row.account_id,
                actor_id: row.actor_id,
                detail: row.detail,
            })
            .collect())
    }

    /// Deletes ended sessions, invitations, email links, passkey ceremonies and provider
    /// flows past their end, and forgotten
    /// sign-in failures; returns how many rows went. Meant to run now and then, on any node.
    pub async fn purge(&self, now: DateTime<Utc>) -> Result<u64, IdentityError> {
        let idle_since = now - to_chrono(self.config.session_idle_timeout);
        let sessions = self
            .database
            .execute(
                "DELETE FROM identity_sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
                &[now.into(), idle_since.into()],
            )
            .await?;
        let invitations = self
            .database
            .execute(
                "DELETE FROM identity_invitations WHERE expires_at <= $1",
                &[now.into()],
            )
            .await?;
        let links = self
            .database
            .execute(
                "DELETE FROM identity_email_links WHERE expires_at <= $1",
                &[now.into()],
            )
            .await?;
        let ceremonies = self
            .database
            .execute(
                "DELETE FROM identity_passkey_ceremonies WHERE expires_at <= $1",
                &[now.into()],
            )
            .await?;
        let flows = self
            .database
            .execute(
                "DELETE FROM identity_provider_flows WHERE expires_at <= $1",
                &[now.into()],
            )
            .await?;
        let failures = throttle::purge(&self.database, &self.config.throttle, now).await?;
        Ok(sessions + invitations + links + ceremonies + flows + failures)
    }

    /// Counts a message a client sends through a public form (such as the accessibility
    /// feedback form), refusing it with `Throttled` when the client sent too many lately.
    /// Each form counts apart, with the free count and growing waits of failed sign-ins, in
    /// the database so that every node sees the count. Only a hash of the client's address
    /// is stored.
    pub async fn count_public_message(
        &self,
        form: &str,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let subject = throttle::public_form_subject(form, client);
        throttle::check(&self.database, [&subject, &subject], now).await?;
        throttle::record_failure(&self.database, &self.config.throttle, &subject, now).await?;
        Ok(())
    }

    /// Refuses with `Throttled` when the client with this hash has [`MAX_OPEN_PER_CLIENT`]
    /// unexpired rows in `table` (passkey ceremonies or provider flows); the wait is until
    /// the oldest of them expires.
    pub(super) async fn check_open_for_client(
        &self,
        table: OpenTable,
        client_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        #[derive(sqlx::FromRow)]
        struct Open {
            expires_at: DateTime<Utc>,
        }

        let open: Vec<Open> = self
            .database
            .fetch_all(table.open_rows_query(), &[client_hash.into(), now.into()])
            .await?;
        match open.first() {
            Some(oldest) if open.len() >= MAX_OPEN_PER_CLIENT => Err(IdentityError::Throttled {
                retry_after: (oldest.expires_at - now).to_std().unwrap_or_default(),
            }),
            _ => Ok(()),
        }
    }

    /// When a session ends unless used again.
    fn expiry_of(&self, row: &SessionRow) -> DateTime<Utc> {
        if row.second_factor_passed {
            row.expires_at
                .min(row.last_seen_at + to_chrono(self.config.session_idle_timeout))
        } else {
            row.expires_at
        }
    }

    async fn session_row(&self, token: &SessionToken) -> Result<Option<SessionRow>, IdentityError> {
        Ok(self
            .database
            .fetch_optional(
                "SELECT id, account_id, second_factor_passed, trust_level, device, created_at, \
                 last_seen_at, expires_at FROM identity_sessions WHERE token_hash = $1",
                &[sha256_hex(token.as_str()).into()],
            )
            .await?)
    }

    async fn delete_session(&self, id: Uuid) -> Result<(), IdentityError> {
        self.database
            .execute("DELETE FROM identity_sessions WHERE id = $1", &[id.into()])
            .await?;
        Ok(())
    }

    async fn roles_of(&self, account_id: Uuid) -> Result<Grants, IdentityError> {
        let rows: Vec<RoleRow> = self
            .database
            .fetch_all(
                "SELECT account_id, role, office FROM identity_account_roles \
                 WHERE account_id = $1",
                &[account_id.into()],
            )
            .await?;
        let mut grants = Grants::default();
        for row in &rows {
            row.add_to(&mut grants)?;
        }
        Ok(grants)
    }

    /// The roles of every account that has any.
    async fn all_roles(&self) -> Result<BTreeMap<Uuid, Grants>, IdentityError> {
        let rows: Vec<RoleRow> = self
            .database
            .fetch_all(
                "SELECT account_id, role, office FROM identity_account_roles",
                &[],
            )
            .await?;
        let mut grants: BTreeMap<Uuid, Grants> = BTreeMap::new();
        for row in &rows {
            row.add_to(grants.entry(row.account_id).or_default())?;
        }
        Ok(grants)
    }

    /// Records an audit event on its own.
    async fn audit(&self, entry: Entry, now: DateTime<Utc>) -> Result<(), IdentityError> {
        audit::record(&self.database, entry, now).await
    }
}

fn parse_role(name: &str) -> Result<Role, IdentityError> {
    Role::parse(name).ok_or_else(|| IdentityError::Corrupt(format!("unknown role {name}")))
}

/// Starts a session in a transaction and returns its token. A pending session (second
/// factor not passed) lives for [`PENDING_LIFETIME`], a full one for the absolute timeout.
async fn insert_session(
    transaction: &mut Transaction,
    account_id: Uuid,
    second_factor_passed: bool,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> Result<SessionToken, IdentityError> {
    let level = TrustLevel::Low;
    write_session(
        transaction,
        account_id,
        second_factor_passed,
        level,
        lifetime,
        now,
    )
    .await
}

/// Starts a complete session at a trust level in a transaction and returns its token.
async fn insert_session_at(
    transaction: &mut Transaction,
    account_id: Uuid,
    level: TrustLevel,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> Result<SessionToken, IdentityError> {
    write_session(transaction, account_id, true, level, lifetime, now).await
}

async fn write_session(
    transaction: &mut Transaction,
    account_id: Uuid,
    second_factor_passed: bool,
    level: TrustLevel,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> Result<SessionToken, IdentityError> {
    let token = new_token();
    transaction
        .execute(
            "INSERT INTO identity_sessions (id, token_hash, account_id, second_factor_passed, \
             trust_level, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
            &[
                Uuid::now_v7().into(),
                sha256_hex(&token).into(),
                account_id.into(),
                second_factor_passed.into(),
                level.as_str().into(),
                now.into(),
                (now + to_chrono(lifetime)).into(),
            ],
        )
        .await?;
    Ok(SessionToken::new(token))
}

/// Replaces the roles of an account in a transaction.
async fn write_roles(
    transaction: &mut Transaction,
    account_id: Uuid,
    grants: &Grants,
) -> Result<(), IdentityError> {
    transaction
        .execute(
            "DELETE FROM identity_account_roles WHERE account_id = $1",
            &[account_id.into()],
        )
        .await?;
    let everywhere = grants.roles.iter().map(|role| (*role, None));
    let in_offices = grants
        .office_roles
        .iter()
        .map(|grant| (grant.role, Some(grant.office.as_str())));
    for (role, office) in everywhere.chain(in_offices) {
        transaction
            .execute(
                "INSERT INTO identity_account_roles (account_id, role, office) \
                 VALUES ($1, $2, $3)",
                &[account_id.into(), role.as_str().into(), office.into()],
            )
            .await?;
    }
    Ok(())
}

/// How many enabled administrators there are besides `except`.
///
/// Two administrators demoting each other at the same moment must not both pass this check.
/// SQLite runs one writing transaction at a time; on PostgreSQL the check takes a lock held
/// until the transaction ends, so the second check counts after the first change committed.
async fn other_admins(transaction: &mut Transaction, except: Uuid) -> Result<i64, IdentityError> {
    if transaction.backend() == rathaus_base::Backend::Postgres {
        transaction
            .execute("SELECT pg_advisory_xact_lock(7243001)", &[])
            .await?;
    }
    let count: Count = transaction
        .fetch_one(
            "SELECT COUNT(*) AS value FROM identity_accounts a \
             JOIN identity_account_roles r ON r.account_id = a.id \
             WHERE r.role = 'admin' AND a.disabled = $2 AND a.id <> $1",
            &[except.into(), false.into()],
        )
        .await?;
    Ok(count.value)
}

/// Finds the account and, on PostgreSQL, locks its row until the transaction ends, so that
/// the account cannot be deleted halfway and two changes to one profile take turns (SQLite
/// runs one writing transaction at a time anyway). `AccountNotFound` if there is none.
pub(super) async fn lock_account(
    transaction: &mut Transaction,
    account_id: Uuid,
) -> Result<(), IdentityError> {
    // An update that changes nothing takes the row lock on both backends without a
    // backend-specific `FOR UPDATE`.
    let found = transaction
        .execute(
            "UPDATE identity_accounts SET updated_at = updated_at WHERE id = $1",
            &[account_id.into()],
        )
        .await?;
    if found == 0 {
        return Err(IdentityError::AccountNotFound);
    }
    Ok(())
}

/// Notes in a transaction that the person owns the account, unless that is known already.
pub(super) async fn mark_verified(
    transaction: &mut Transaction,
    account_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    transaction
        .execute(
            "UPDATE identity_accounts SET verified_at = $2, updated_at = $2 \
             WHERE id = $1 AND verified_at IS NULL",
            &[account_id.into(), now.into()],
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_row_queries_read_as_many_rows_as_the_limit() {
        for table in [OpenTable::PasskeyCeremonies, OpenTable::ProviderFlows] {
            assert!(
                table
                    .open_rows_query()
                    .ends_with(&format!("LIMIT {MAX_OPEN_PER_CLIENT}")),
                "{table:?}"
            );
        }
    }
}
