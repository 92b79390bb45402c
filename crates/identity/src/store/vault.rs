//! The profile vault's tables: values with their sources, the data-use log and consents.
//!
//! Every method takes the id of the account whose data it is, and every query filters by
//! that id; a value, consent or log entry is never found by its own id alone. So a web
//! handler that passes the signed-in person's account id cannot reach anyone else's rows,
//! whatever else it passes. There is no method that lists data across accounts.
//!
//! Listing the profile ([`IdentityStore::profile`]) is for the person's own pages and is not
//! logged. Every other use goes through [`IdentityStore::read_for_purpose`], which logs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rathaus_base::Transaction;
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use super::{Count, IdentityStore, lock_account, mark_verified};
use crate::error::IdentityError;
use crate::vault::catalogue::{self, AttributeError};
use crate::vault::{
    Consent, DataUse, ProfileAttribute, ProfileValue, Purpose, Source, check_purpose_key,
    current_value,
};

/// How many attributes one profile may hold. The catalogue has a dozen; the limit keeps a
/// faulty process from filling the database through attributes outside the catalogue.
const MAX_ATTRIBUTES: usize = 100;

/// The longest provider id, application reference, reader or data-use reference.
const MAX_LABEL_LENGTH: usize = 200;

/// The columns of a value, for [`ValueRow`].
macro_rules! value_columns {
    () => {
        "SELECT id, attribute, value, source_kind, source_reference, verified, recorded_at, \
         preferred FROM identity_profile_values"
    };
}

/// Stores a value from a provider, replacing that provider's earlier value of the
/// attribute. The parameters are the columns in the order listed.
const UPSERT_PROVIDER_VALUE: &str = "INSERT INTO identity_profile_values (id, account_id, \
     attribute, value, source_kind, source_reference, verified, recorded_at, preferred) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (account_id, attribute, source_reference) WHERE source_kind = 'provider' \
     DO UPDATE SET value = excluded.value, verified = excluded.verified, \
     recorded_at = excluded.recorded_at";

/// Stores a self-declared value or one from an application, replacing the earlier value
/// of the same kind (whichever application it came from). The parameters are the columns
/// in the order listed.
const UPSERT_OTHER_VALUE: &str = "INSERT INTO identity_profile_values (id, account_id, \
     attribute, value, source_kind, source_reference, verified, recorded_at, preferred) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (account_id, attribute, source_kind) WHERE source_kind <> 'provider' \
     DO UPDATE SET value = excluded.value, source_reference = excluded.source_reference, \
     verified = excluded.verified, recorded_at = excluded.recorded_at";

#[derive(sqlx::FromRow)]
struct ValueRow {
    id: Uuid,
    attribute: String,
    value: Json<Value>,
    source_kind: String,
    source_reference: Option<String>,
    verified: bool,
    recorded_at: DateTime<Utc>,
    preferred: bool,
}

impl ValueRow {
    fn into_value(self) -> Result<ProfileValue, IdentityError> {
        let source =
            Source::from_stored(&self.source_kind, self.source_reference).ok_or_else(|| {
                IdentityError::Corrupt(format!("unknown value source {}", self.source_kind))
            })?;
        Ok(ProfileValue {
            id: self.id,
            attribute: self.attribute,
            value: self.value.0,
            source,
            verified: self.verified,
            recorded_at: self.recorded_at,
            preferred: self.preferred,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DataUseRow {
    at: DateTime<Utc>,
    reader: String,
    purpose: String,
    purpose_label: String,
    reference: String,
    attributes: Json<Vec<String>>,
    consent_granted_at: Option<DateTime<Utc>>,
}

impl From<DataUseRow> for DataUse {
    fn from(row: DataUseRow) -> Self {
        DataUse {
            at: row.at,
            reader: row.reader,
            purpose: row.purpose,
            purpose_label: row.purpose_label,
            reference: row.reference,
            attributes: row.attributes.0,
            consent_granted_at: row.consent_granted_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ConsentRow {
    id: Uuid,
    purpose: String,
    granted_at: DateTime<Utc>,
    withdrawn_at: Option<DateTime<Utc>>,
}

impl From<ConsentRow> for Consent {
    fn from(row: ConsentRow) -> Self {
        Consent {
            id: row.id,
            purpose: row.purpose,
            granted_at: row.granted_at,
            withdrawn_at: row.withdrawn_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct GrantedAt {
    granted_at: DateTime<Utc>,
}

impl IdentityStore {
    /// Sets the person's own (self-declared) value of an attribute, replacing their earlier
    /// one. Values from providers and applications stay beside it; which one reads return
    /// is decided by [`current_value`]. Returns the value as stored, in its normal form.
    pub async fn set_attribute(
        &self,
        account_id: Uuid,
        name: &str,
        value: &Value,
        now: DateTime<Utc>,
    ) -> Result<ProfileValue, IdentityError> {
        let checked = catalogue::check_attribute(name, value, now)
            .map_err(|error| IdentityError::InvalidAttributes(vec![error]))?;

        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        let source = Source::SelfDeclared;
        write_value(
            &mut transaction,
            account_id,
            name,
            checked,
            &source,
            false,
            now,
        )
        .await?;
        let stored: ValueRow = transaction
            .fetch_one(
                concat!(
                    value_columns!(),
                    " WHERE account_id = $1 AND attribute = $2 AND source_kind = $3"
                ),
                &[account_id.into(), name.into(), source.kind().into()],
            )
            .await?;
        transaction.commit().await?;

        stored.into_value()
    }

    /// Removes the person's own value of an attribute; values from providers and
    /// applications stay. Returns whether there was one.
    pub async fn clear_attribute(
        &self,
        account_id: Uuid,
        name: &str,
    ) -> Result<bool, IdentityError> {
        let removed = self
            .database
            .execute(
                "DELETE FROM identity_profile_values \
                 WHERE account_id = $1 AND attribute = $2 AND source_kind = 'self_declared'",
                &[account_id.into(), name.into()],
            )
            .await?;
        Ok(removed > 0)
    }

    /// Records values an identity provider sent at sign-in, as verified. Each replaces that
    /// provider's earlier value of the attribute; the person's own values stay beside them.
    /// The sign-in proves the person owns the account, so the account counts as verified
    /// from now on (see [`IdentityStore::mark_account_verified`]).
    ///
    /// All values are checked first; if any is refused, none is stored and the error lists
    /// every refused one. A caller that would rather keep the valid ones checks each with
    /// [`catalogue::check_attribute`] first.
    pub async fn record_from_provider(
        &self,
        account_id: Uuid,
        provider: &str,
        values: &[(&str, Value)],
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let source = Source::Provider {
            provider: checked_label(provider).ok_or(IdentityError::InvalidSource)?,
        };
        self.record_values(account_id, &source, true, values, now)
            .await
    }

    /// Records values taken from an application or case, under its reference. They replace
    /// the values of the same attributes taken from any earlier application. They count as
    /// verified when `checked_by_office` is true, that is when the office checked them in
    /// deciding the case (an approved registration confirms the new address); values a
    /// person merely submitted are not.
    ///
    /// All values are checked first; if any is refused, none is stored.
    pub async fn record_from_application(
        &self,
        account_id: Uuid,
        reference: &str,
        values: &[(&str, Value)],
        checked_by_office: bool,
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let source = Source::Application {
            reference: checked_label(reference).ok_or(IdentityError::InvalidSource)?,
        };
        self.record_values(account_id, &source, checked_by_office, values, now)
            .await
    }

    /// Every attribute of the person's profile with all its values and their sources, in
    /// order of the attributes' names; the value reads return comes first. For the person's
    /// own pages: this is not logged as a data use.
    pub async fn profile(&self, account_id: Uuid) -> Result<Vec<ProfileAttribute>, IdentityError> {
        let rows: Vec<ValueRow> = self
            .database
            .fetch_all(
                concat!(value_columns!(), " WHERE account_id = $1"),
                &[account_id.into()],
            )
            .await?;
        group_by_attribute(rows)
    }

    /// Makes reads of `attribute` return the value with id `value_id` instead of following
    /// the usual rule, or with `None`, makes them follow the rule again. The choice stays
    /// while that value exists, also when its source replaces it with a newer one.
    pub async fn prefer_value(
        &self,
        account_id: Uuid,
        attribute: &str,
        value_id: Option<Uuid>,
    ) -> Result<(), IdentityError> {
        let mut transaction = self.database.begin().await?;
        transaction
            .execute(
                "UPDATE identity_profile_values SET preferred = $3 \
                 WHERE account_id = $1 AND attribute = $2 AND preferred = $4",
                &[
                    account_id.into(),
                    attribute.into(),
                    false.into(),
                    true.into(),
                ],
            )
            .await?;
        if let Some(value_id) = value_id {
            let chosen = transaction
                .execute(
                    "UPDATE identity_profile_values SET preferred = $4 \
                     WHERE account_id = $1 AND attribute = $2 AND id = $3",
                    &[
                        account_id.into(),
                        attribute.into(),
                        value_id.into(),
                        true.into(),
                    ],
                )
                .await?;
            if chosen == 0 {
                return Err(IdentityError::ValueNotFound);
            }
        }
        transaction.commit().await?;

        Ok(())
    }

    /// Deletes one value of the person's profile, whatever its source. A provider's value
    /// comes back with the next sign-in through that provider. Returns whether there was
    /// such a value.
    pub async fn delete_value(
        &self,
        account_id: Uuid,
        value_id: Uuid,
    ) -> Result<bool, IdentityError> {
        let removed = self
            .database
            .execute(
                "DELETE FROM identity_profile_values WHERE account_id = $1 AND id = $2",
                &[account_id.into(), value_id.into()],
            )
            .await?;
        Ok(removed > 0)
    }

    /// Reads the current values of the named attributes for a purpose, and records the read
    /// in the data-use log in the same transaction: a read that returns writes exactly one
    /// entry; a read that fails writes none.
    ///
    /// `reader` names the platform or process that reads (`process.residence_registration`);
    /// `reference` says where the data goes (`prefilled into application 2026-000123`).
    /// Attributes without a value are left out of the answer. A purpose that needs consent
    /// is refused with `ConsentRequired` unless the person has consented and not withdrawn.
    pub async fn read_for_purpose(
        &self,
        account_id: Uuid,
        reader: &str,
        purpose: &Purpose,
        names: &[&str],
        reference: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<ProfileValue>, IdentityError> {
        let reader = checked_label(reader).ok_or(IdentityError::InvalidReader)?;
        let reference = checked_label(reference).ok_or(IdentityError::InvalidReference)?;
        if names.is_empty() {
            return Err(IdentityError::NoAttributesRequested);
        }
        let refused: Vec<AttributeError> = names
            .iter()
            .filter_map(|name| catalogue::check_attribute_name(name).err())
            .collect();
        if !refused.is_empty() {
            return Err(IdentityError::InvalidAttributes(refused));
        }

        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        let consent_granted_at = if purpose.requires_consent() {
            let consent = active_consent(&mut transaction, account_id, purpose.key()).await?;
            Some(consent.ok_or_else(|| IdentityError::ConsentRequired {
                purpose: purpose.key().to_owned(),
            })?)
        } else {
            None
        };

        let rows: Vec<ValueRow> = transaction
            .fetch_all(
                concat!(value_columns!(), " WHERE account_id = $1"),
                &[account_id.into()],
            )
            .await?;
        let wanted: Vec<ValueRow> = rows
            .into_iter()
            .filter(|row| names.contains(&row.attribute.as_str()))
            .collect();
        let handed_out: Vec<ProfileValue> = group_by_attribute(wanted)?
            .into_iter()
            .filter_map(|attribute| attribute.values.into_iter().next())
            .collect();

        let attributes: Vec<String> = handed_out
            .iter()
            .map(|value| value.attribute.clone())
            .collect();
        transaction
            .execute(
                "INSERT INTO identity_data_use_log (account_id, at, reader, purpose, \
                 purpose_label, reference, attributes, consent_granted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    account_id.into(),
                    now.into(),
                    reader.into(),
                    purpose.key().into(),
                    purpose.label().into(),
                    reference.into(),
                    Value::from(attributes).into(),
                    consent_granted_at.into(),
                ],
            )
            .await?;
        transaction.commit().await?;

        Ok(handed_out)
    }

    /// The person's data-use log: who read which of their attributes, newest first.
    pub async fn data_uses(&self, account_id: Uuid) -> Result<Vec<DataUse>, IdentityError> {
        let rows: Vec<DataUseRow> = self
            .database
            .fetch_all(
                "SELECT at, reader, purpose, purpose_label, reference, attributes, \
                 consent_granted_at FROM identity_data_use_log \
                 WHERE account_id = $1 ORDER BY id DESC",
                &[account_id.into()],
            )
            .await?;
        Ok(rows.into_iter().map(DataUse::from).collect())
    }

    /// Records the person's consent to reads for a purpose (its key, such as
    /// `contact.notifications`). Consenting again while the consent stands changes nothing
    /// and returns the standing consent.
    pub async fn grant_consent(
        &self,
        account_id: Uuid,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> Result<Consent, IdentityError> {
        check_purpose_key(purpose)?;

        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        transaction
            .execute(
                "INSERT INTO identity_consents (id, account_id, purpose, granted_at) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (account_id, purpose) WHERE withdrawn_at IS NULL DO NOTHING",
                &[
                    Uuid::now_v7().into(),
                    account_id.into(),
                    purpose.into(),
                    now.into(),
                ],
            )
            .await?;
        let standing: ConsentRow = transaction
            .fetch_one(
                "SELECT id, purpose, granted_at, withdrawn_at FROM identity_consents \
                 WHERE account_id = $1 AND purpose = $2 AND withdrawn_at IS NULL",
                &[account_id.into(), purpose.into()],
            )
            .await?;
        transaction.commit().await?;

        Ok(standing.into())
    }

    /// Withdraws the person's consent to a purpose: reads for it are refused from now on.
    /// Returns whether a consent stood.
    pub async fn withdraw_consent(
        &self,
        account_id: Uuid,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, IdentityError> {
        let withdrawn = self
            .database
            .execute(
                "UPDATE identity_consents SET withdrawn_at = $3 \
                 WHERE account_id = $1 AND purpose = $2 AND withdrawn_at IS NULL",
                &[account_id.into(), purpose.into(), now.into()],
            )
            .await?;
        Ok(withdrawn > 0)
    }

    /// The person's consents, standing and withdrawn, newest first.
    pub async fn consents(&self, account_id: Uuid) -> Result<Vec<Consent>, IdentityError> {
        let rows: Vec<ConsentRow> = self
            .database
            .fetch_all(
                "SELECT id, purpose, granted_at, withdrawn_at FROM identity_consents \
                 WHERE account_id = $1 ORDER BY granted_at DESC, id DESC",
                &[account_id.into()],
            )
            .await?;
        Ok(rows.into_iter().map(Consent::from).collect())
    }

    /// Checks and stores values from one source, all or none.
    async fn record_values(
        &self,
        account_id: Uuid,
        source: &Source,
        verified: bool,
        values: &[(&str, Value)],
        now: DateTime<Utc>,
    ) -> Result<(), IdentityError> {
        let mut checked = Vec::with_capacity(values.len());
        let mut refused = Vec::new();
        for (name, value) in values {
            match catalogue::check_attribute(name, value, now) {
                Ok(value) => checked.push((*name, value)),
                Err(error) => refused.push(error),
            }
        }
        if !refused.is_empty() {
            return Err(IdentityError::InvalidAttributes(refused));
        }

        let mut transaction = self.database.begin().await?;
        lock_account(&mut transaction, account_id).await?;
        for (name, value) in checked {
            write_value(
                &mut transaction,
                account_id,
                name,
                value,
                source,
                verified,
                now,
            )
            .await?;
        }
        if let Source::Provider { .. } = source {
            mark_verified(&mut transaction, account_id, now).await?;
        }
        transaction.commit().await?;

        Ok(())
    }
}

/// Stores a checked value, replacing the same source's earlier value of the attribute.
async fn write_value(
    transaction: &mut Transaction,
    account_id: Uuid,
    name: &str,
    value: Value,
    source: &Source,
    verified: bool,
    now: DateTime<Utc>,
) -> Result<(), IdentityError> {
    let others: Count = transaction
        .fetch_one(
            "SELECT COUNT(DISTINCT attribute) AS value FROM identity_profile_values \
             WHERE account_id = $1 AND attribute <> $2",
            &[account_id.into(), name.into()],
        )
        .await?;
    if usize::try_from(others.value).unwrap_or(usize::MAX) >= MAX_ATTRIBUTES {
        return Err(IdentityError::ProfileFull {
            max: MAX_ATTRIBUTES,
        });
    }

    let statement = match source {
        Source::Provider { .. } => UPSERT_PROVIDER_VALUE,
        Source::SelfDeclared | Source::Application { .. } => UPSERT_OTHER_VALUE,
    };
    transaction
        .execute(
            statement,
            &[
                Uuid::now_v7().into(),
                account_id.into(),
                name.into(),
                value.into(),
                source.kind().into(),
                source.reference().into(),
                verified.into(),
                now.into(),
                false.into(),
            ],
        )
        .await?;
    Ok(())
}

/// When the standing consent of the account to the purpose was granted, if one stands.
async fn active_consent(
    transaction: &mut Transaction,
    account_id: Uuid,
    purpose: &str,
) -> Result<Option<DateTime<Utc>>, IdentityError> {
    let row: Option<GrantedAt> = transaction
        .fetch_optional(
            "SELECT granted_at FROM identity_consents \
             WHERE account_id = $1 AND purpose = $2 AND withdrawn_at IS NULL",
            &[account_id.into(), purpose.into()],
        )
        .await?;
    Ok(row.map(|row| row.granted_at))
}

/// Value rows grouped into attributes, in order of their names, each with its current
/// value first and the others newest first.
fn group_by_attribute(rows: Vec<ValueRow>) -> Result<Vec<ProfileAttribute>, IdentityError> {
    let mut grouped: BTreeMap<String, Vec<ProfileValue>> = BTreeMap::new();
    for row in rows {
        let value = row.into_value()?;
        grouped
            .entry(value.attribute.clone())
            .or_default()
            .push(value);
    }

    Ok(grouped
        .into_iter()
        .map(|(name, mut values)| {
            let current = current_value(&values).map(|value| value.id);
            values.sort_by_key(|value| {
                (
                    Some(value.id) != current,
                    std::cmp::Reverse(value.recorded_at),
                )
            });
            ProfileAttribute { name, values }
        })
        .collect())
}

/// A provider id, reference or reader: trimmed, 1 to 200 characters, no control
/// characters.
fn checked_label(text: &str) -> Option<String> {
    let text = text.trim();
    let valid = !text.is_empty()
        && text.chars().count() <= MAX_LABEL_LENGTH
        && !text.chars().any(char::is_control);
    valid.then(|| text.to_owned())
}
