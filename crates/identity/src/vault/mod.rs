//! The profile vault: what a person has told the city about themselves, or what an identity
//! provider or an application confirmed, kept once and used again ("once only").
//!
//! The vault holds *attributes* of an account, each named by a namespaced string from the
//! [`catalogue`] (`person.family_name`, `address.main_residence`, …). An attribute can have
//! several *values*, one per *source*: the person's own (self-declared), one per identity
//! provider (verified by it), and the latest one taken from an application. A new value from
//! a source replaces that source's earlier value, never another source's: a self-declared
//! value does not overwrite what a provider verified, and a provider does not overwrite what
//! the person typed. Which value a read returns is decided by [`current_value`]: the one the
//! person chose, else the newest verified one, else the newest.
//!
//! Every use of the data by a platform goes through
//! [`IdentityStore::read_for_purpose`](crate::IdentityStore::read_for_purpose), which writes
//! an entry to the *data-use log* in the same transaction: nothing is read without a record
//! of who read what, for which *purpose*, and where it went. Some purposes need the person's
//! standing *consent* ([`Purpose::requires_consent`]); a read for such a purpose is refused
//! when there is no consent or it was withdrawn.

pub mod catalogue;
mod countries;
pub mod iban;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

pub use countries::is_country_code;

use crate::error::IdentityError;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The person entered it themselves. Never verified.
    SelfDeclared,
    /// An identity provider sent it at sign-in, such as the federal citizen account behind
    /// the city's Keycloak.
    /// Always verified.
    Provider {
        /// The provider's id in the configuration, such as `bundid`.
        provider: String,
    },
    /// It was taken from an application or case; verified when the office checked it.
    Application {
        /// The application's or case's reference, such as `2026-000123`.
        reference: String,
    },
}

impl Source {
    /// The kind as stored: `self_declared`, `provider` or `application`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Source::SelfDeclared => "self_declared",
            Source::Provider { .. } => "provider",
            Source::Application { .. } => "application",
        }
    }

    /// The provider's id or the application's reference, as stored.
    pub(crate) fn reference(&self) -> Option<&str> {
        match self {
            Source::SelfDeclared => None,
            Source::Provider { provider } => Some(provider),
            Source::Application { reference } => Some(reference),
        }
    }

    /// The source from its stored form.
    pub(crate) fn from_stored(kind: &str, reference: Option<String>) -> Option<Source> {
        match (kind, reference) {
            ("self_declared", _) => Some(Source::SelfDeclared),
            ("provider", Some(provider)) => Some(Source::Provider { provider }),
            ("application", Some(reference)) => Some(Source::Application { reference }),
            _ => None,
        }
    }
}

/// One value of an attribute, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileValue {
    /// The value's id, with which the person can choose or delete it.
    pub id: Uuid,
    /// The attribute's name, such as `person.family_name`.
    pub attribute: String,
    /// The value in its normal form (see [`catalogue`]).
    pub value: serde_json::Value,
    /// Where it came from.
    pub source: Source,
    /// Whether a provider or an office confirmed it.
    pub verified: bool,
    /// When this source gave this value.
    pub recorded_at: DateTime<Utc>,
    /// Whether the person chose this value to be used instead of the usual rule.
    pub preferred: bool,
}

/// An attribute with all its values, the one reads return first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileAttribute {
    /// The attribute's name.
    pub name: String,
    /// Every value the vault holds, the current one (see [`current_value`]) first, the rest
    /// newest first. Never empty.
    pub values: Vec<ProfileValue>,
}

impl ProfileAttribute {
    /// The value reads return.
    pub fn current(&self) -> Option<&ProfileValue> {
        self.values.first()
    }
}

/// The value of an attribute that reads return: the one the person chose, if any; else the
/// newest verified one; else the newest. `values` are the values of one attribute.
pub fn current_value(values: &[ProfileValue]) -> Option<&ProfileValue> {
    values.iter().find(|value| value.preferred).or_else(|| {
        values
            .iter()
            .max_by_key(|value| (value.verified, value.recorded_at, value.id))
    })
}

/// Why a platform reads a person's data. The key decides whether the person's consent is
/// needed; the label says in words what the data is used for, for the person's view of the
/// data-use log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose {
    key: String,
    label: String,
}

/// Purposes the identity platform knows by key.
pub mod purposes {
    /// Prefilling a form the person is filling in. Needs no standing consent: the person
    /// starts it and sees every value in a preview before it is used.
    pub const APPLICATION_PREFILL: &str = "application.prefill";
    /// Sending the person messages about their applications to the email address or phone
    /// number in the profile. Needs consent.
    pub const CONTACT: &str = "contact.notifications";
    /// An office looking up the current data for a case it handles, after the application.
    /// Needs consent.
    pub const CASE_LOOKUP: &str = "case.lookup";

    /// The purposes a read may have without the person's standing consent.
    pub(crate) const WITHOUT_CONSENT: [&str; 1] = [APPLICATION_PREFILL];
}

impl Purpose {
    /// A purpose with its key (namespaced like an attribute name, such as
    /// `application.prefill`) and a label in words, such as the service's name.
    pub fn new(key: &str, label: &str) -> Result<Purpose, IdentityError> {
        check_purpose_key(key)?;
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 200 || label.chars().any(char::is_control) {
            return Err(IdentityError::InvalidPurpose);
        }
        Ok(Purpose {
            key: key.to_owned(),
            label: label.to_owned(),
        })
    }

    /// The key, such as `application.prefill`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The label in words.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether a read for this purpose needs the person's standing consent. Every purpose
    /// does except those the person triggers and sees themselves (prefilling a form), so a
    /// purpose a process invents is safe by default.
    pub fn requires_consent(&self) -> bool {
        !purposes::WITHOUT_CONSENT.contains(&self.key.as_str())
    }
}

/// Checks a purpose key: lower-case words joined by dots, like an attribute name.
pub(crate) fn check_purpose_key(key: &str) -> Result<(), IdentityError> {
    let well_formed = key.len() <= 100
        && key.contains('.')
        && key.split('.').all(|word| {
            word.starts_with(|letter: char| letter.is_ascii_lowercase())
                && word.chars().all(|letter| {
                    letter.is_ascii_lowercase() || letter.is_ascii_digit() || letter == '_'
                })
        });
    if well_formed {
        Ok(())
    } else {
        Err(IdentityError::InvalidPurpose)
    }
}

/// One entry of the data-use log: a platform read some of a person's attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataUse {
    /// When.
    pub at: DateTime<Utc>,
    /// Who read: the platform or process, such as `process.residence_registration`.
    pub reader: String,
    /// The purpose's key.
    pub purpose: String,
    /// The purpose in words.
    pub purpose_label: String,
    /// Where the data went, such as `prefilled into application 2026-000123`.
    pub reference: String,
    /// The attributes whose values were handed out, in order of their names. Empty when
    /// none of those asked for had a value.
    pub attributes: Vec<String>,
    /// When the consent the read relied on was granted; `None` for purposes that need none.
    /// Kept here so that the log proves the consent even after the consent record is gone.
    pub consent_granted_at: Option<DateTime<Utc>>,
}

/// A person's consent to reads for one purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    /// The consent's id.
    pub id: Uuid,
    /// The purpose's key.
    pub purpose: String,
    /// When the person consented.
    pub granted_at: DateTime<Utc>,
    /// When the person withdrew it, if they did. A consent given again after a withdrawal
    /// is a new consent.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Consent {
    /// Whether reads may rely on it.
    pub fn is_active(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use serde_json::json;

    use super::*;

    fn value(source: Source, verified: bool, minute: u32, preferred: bool) -> ProfileValue {
        ProfileValue {
            id: Uuid::now_v7(),
            attribute: catalogue::FAMILY_NAME.to_owned(),
            value: json!(format!("Huber {minute}")),
            source,
            verified,
            recorded_at: Utc.with_ymd_and_hms(2026, 12, 4, 9, minute, 0).unwrap(),
            preferred,
        }
    }

    fn bundid() -> Source {
        Source::Provider {
            provider: "bundid".to_owned(),
        }
    }

    #[test]
    fn a_verified_value_wins_over_a_newer_self_declared_one() {
        let verified = value(bundid(), true, 1, false);
        let own = value(Source::SelfDeclared, false, 2, false);
        let values = [own, verified.clone()];
        assert_eq!(current_value(&values), Some(&verified));
    }

    #[test]
    fn among_verified_values_the_newest_wins() {
        let older = value(bundid(), true, 1, false);
        let newer = value(
            Source::Application {
                reference: "2026-000123".to_owned(),
            },
            true,
            5,
            false,
        );
        let values = [
            older,
            newer.clone(),
            value(Source::SelfDeclared, false, 9, false),
        ];
        assert_eq!(current_value(&values), Some(&newer));
    }

    #[test]
    fn the_persons_choice_wins_over_everything() {
        let chosen = value(Source::SelfDeclared, false, 1, true);
        let values = [value(bundid(), true, 5, false), chosen.clone()];
        assert_eq!(current_value(&values), Some(&chosen));
        assert_eq!(current_value(&[]), None);
    }

    #[test]
    fn purposes_need_consent_unless_the_person_sees_the_use_themselves() {
        let prefill = Purpose::new(purposes::APPLICATION_PREFILL, "Wohnsitz anmelden").unwrap();
        assert!(!prefill.requires_consent());
        let contact = Purpose::new(purposes::CONTACT, "Nachrichten zu Anträgen").unwrap();
        assert!(contact.requires_consent());
        let invented = Purpose::new("newsletter.city", "Newsletter").unwrap();
        assert!(invented.requires_consent());

        assert!(Purpose::new("Prefill", "x").is_err());
        assert!(Purpose::new("application.prefill", " ").is_err());
    }

    #[test]
    fn sources_survive_their_stored_form() {
        for source in [
            Source::SelfDeclared,
            bundid(),
            Source::Application {
                reference: "2026-000123".to_owned(),
            },
        ] {
            let stored = Source::from_stored(source.kind(), source.reference().map(str::to_owned));
            assert_eq!(stored, Some(source));
        }
        assert_eq!(Source::from_stored("provider", None), None);
    }
}
