//! How the identity platform behaves: password rules and hashing cost, session lifetimes,
//! throttling of failed sign-ins, how long personal data is kept, and the external identity
//! providers. Operators tune a few of these in the `[identity]` section of the
//! configuration; the rest are fixed defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use rathaus_base::config::{IdentitySettings, ProviderSettings};

use crate::model::TrustLevel;

/// An external identity provider reached over OpenID Connect, such as the city's Keycloak
/// that brokers BundID and BayernID.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The provider's id, such as `muenchen`; stable, since linked identities and profile
    /// values name it.
    pub id: String,
    /// The name on the sign-in button.
    pub display_name: String,
    /// The issuer URL, where discovery starts and which ID tokens must name.
    pub issuer_url: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// The client secret; empty for a public client. `Debug` leaves it out.
    pub client_secret: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// Which claim (dotted for claims inside objects) fills which attribute (with `:part`
    /// for a part of an address).
    pub claims: BTreeMap<String, String>,
    /// The claim that names how the person proved their identity, usually `acr`.
    pub assurance_claim: String,
    /// Which value of the assurance claim means which trust level.
    pub trust_levels: BTreeMap<String, TrustLevel>,
    /// Whether the provider signs in staff accounts (and only those).
    pub staff: bool,
    /// Values of the `amr` claim or of the assurance claim that show a second factor.
    pub second_factor: Vec<String>,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ProviderConfig {
    /// The trust level a value of the assurance claim stands for; `Low` for a missing or
    /// unknown value.
    pub fn trust_level_of(&self, assurance: Option<&str>) -> TrustLevel {
        assurance
            .and_then(|value| self.trust_levels.get(value))
            .copied()
            .unwrap_or(TrustLevel::Low)
    }

    /// The highest level the provider can confirm, by its configuration.
    pub fn highest_level(&self) -> TrustLevel {
        self.trust_levels
            .values()
            .copied()
            .max()
            .unwrap_or(TrustLevel::Low)
    }

    /// The values of the assurance claim that stand for at least `level`, to ask for with
    /// `acr_values`, the strongest first.
    pub fn assurance_values_for(&self, level: TrustLevel) -> Vec<String> {
        let mut values: Vec<(&String, &TrustLevel)> = self
            .trust_levels
            .iter()
            .filter(|(_, mapped)| **mapped >= level)
            .collect();
        values.sort_by(|left, right| right.1.cmp(left.1).then(left.0.cmp(right.0)));
        values.into_iter().map(|(value, _)| value.clone()).collect()
    }
}

impl From<&ProviderSettings> for ProviderConfig {
    /// The settings as checked at load; a level that is not one becomes `Low`.
    fn from(settings: &ProviderSettings) -> Self {
        ProviderConfig {
            id: settings.id.clone(),
            display_name: settings.display_name.trim().to_owned(),
            issuer_url: settings.issuer_url.clone(),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            scopes: settings.scopes.clone(),
            claims: settings.claims.clone(),
            assurance_claim: settings.assurance_claim.clone(),
            trust_levels: settings
                .trust_levels
                .iter()
                .map(|(value, level)| {
                    (
                        value.clone(),
                        TrustLevel::parse(level).unwrap_or(TrustLevel::Low),
                    )
                })
                .collect(),
            staff: settings.staff,
            second_factor: settings.second_factor.clone(),
        }
    }
}

/// Password rules and the cost of hashing a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// The fewest characters a password may have.
    pub min_length: usize,
    /// The most characters a password may have; longer input is refused before hashing.
    pub max_length: usize,
    /// Argon2id memory cost in KiB.
    pub memory_kib: u32,
    /// Argon2id passes over the memory.
    pub iterations: u32,
    /// Argon2id lanes.
    pub parallelism: u32,
}

impl Default for PasswordPolicy {
    /// Twelve to 128 characters; Argon2id with 19 MiB, two passes and one lane, the
    /// parameters OWASP recommends.
    fn default() -> Self {
        PasswordPolicy {
            min_length: 12,
            max_length: 128,
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// How failed sign-ins slow down further attempts, per account and per client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// How many failures are free before waits begin.
    pub free_failures: u32,
    /// The wait after the first failure beyond the free ones; it doubles with each further
    /// failure.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// After this long without a failure, the count starts again from zero.
    pub forget_after: Duration,
}

impl Default for ThrottlePolicy {
    /// Five free failures, then waits of 1 s, 2 s, 4 s ... up to 15 minutes; forgotten after
    /// a day without failures.
    fn default() -> Self {
        ThrottlePolicy {
            free_failures: 5,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_mins(15),
            forget_after: Duration::from_hours(24),
        }
    }
}

/// How long records about people are kept before
/// [`crate::IdentityStore::enforce_retention`] deletes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Audit log entries older than this are deleted.
    pub audit_log: Duration,
    /// Data-use log entries older than this are deleted, and so are consents withdrawn
    /// longer ago (they only prove what the deleted entries relied on).
    pub data_use_log: Duration,
    /// Citizen accounts that have not been verified this long after they were made are
    /// deleted.
    pub unverified_accounts: Duration,
}

impl Default for RetentionPolicy {
    /// The audit log for a year, the data-use log for two years, unverified citizen
    /// accounts for seven days.
    fn default() -> Self {
        RetentionPolicy {
            audit_log: days(365),
            data_use_log: days(730),
            unverified_accounts: days(7),
        }
    }
}

/// A number of days as a duration; saturates instead of overflowing.
fn days(count: u64) -> Duration {
    Duration::from_secs(count.saturating_mul(24 * 60 * 60))
}

/// Everything the [`crate::IdentityStore`] needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityConfig {
    /// Password rules and hashing cost.
    pub password: PasswordPolicy,
    /// How many passwords are hashed at once.
    pub max_concurrent_hashes: usize,
    /// How long a sign-in waits for a free hashing slot before it is answered with
    /// [`crate::IdentityError::Busy`].
    pub hash_wait: Duration,
    /// A session ends after this long without use.
    pub session_idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_absolute_timeout: Duration,
    /// The name authenticator apps show beside the account.
    pub totp_issuer: String,
    /// How long an invitation can be accepted.
    pub invitation_lifetime: Duration,
    /// How failed sign-ins are slowed down.
    pub throttle: ThrottlePolicy,
    /// How long records about people are kept.
    pub retention: RetentionPolicy,
    /// The address people reach the portal at (`server.public_url`). Passkeys are bound to
    /// its host (the relying party id) and accept answers only from this origin.
    pub public_url: String,
    /// The external identity providers, in the order the sign-in page shows them.
    pub providers: Vec<ProviderConfig>,
    /// How long a request to an identity provider may take.
    pub provider_timeout: Duration,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            password: PasswordPolicy::default(),
            max_concurrent_hashes: processor_cores(),
            hash_wait: Duration::from_secs(2),
            session_idle_timeout: Duration::from_mins(30),
            session_absolute_timeout: Duration::from_hours(10),
            totp_issuer: "Rathaus".to_owned(),
            invitation_lifetime: Duration::from_hours(72),
            throttle: ThrottlePolicy::default(),
            retention: RetentionPolicy::default(),
            public_url: "http://localhost:8080".to_owned(),
            providers: Vec::new(),
            provider_timeout: Duration::from_secs(10),
        }
    }
}

impl IdentityConfig {
    /// The defaults with the cheapest Argon2 parameters, so that tests hash in microseconds.
    /// For tests only: such hashes are no protection at all.
    pub fn for_tests() -> IdentityConfig {
        IdentityConfig {
            password: PasswordPolicy {
                memory_kib: 8,
                iterations: 1,
                parallelism: 1,
                ..PasswordPolicy::default()
            },
            ..IdentityConfig::default()
        }
    }
}

impl IdentityConfig {
    /// The configuration from the `[identity]` section, for a portal reached at
    /// `public_url` (`server.public_url`).
    pub fn for_portal(settings: &IdentitySettings, public_url: &str) -> IdentityConfig {
        IdentityConfig {
            public_url: public_url.to_owned(),
            ..IdentityConfig::from(settings)
        }
    }
}

impl From<&IdentitySettings> for IdentityConfig {
    fn from(settings: &IdentitySettings) -> Self {
        let defaults = IdentityConfig::default();
        IdentityConfig {
            password: PasswordPolicy {
                min_length: settings.password_min_length,
                ..defaults.password
            },
            max_concurrent_hashes: match settings.max_concurrent_hashes {
                0 => processor_cores(),
                number => number,
            },
            session_idle_timeout: Duration::from_mins(settings.session_idle_minutes),
            session_absolute_timeout: Duration::from_hours(settings.session_absolute_hours),
            totp_issuer: settings.totp_issuer.trim().to_owned(),
            invitation_lifetime: Duration::from_hours(settings.invitation_hours),
            retention: RetentionPolicy {
                audit_log: days(settings.audit_log_retention_days),
                data_use_log: days(settings.data_use_log_retention_days),
                unverified_accounts: days(settings.unverified_account_days),
            },
            providers: settings
                .providers
                .iter()
                .map(ProviderConfig::from)
                .collect(),
            ..defaults
        }
    }
}

impl IdentityConfig {
    /// The provider with this id, if one is configured.
    pub fn provider(&self, id: &str) -> Option<&ProviderConfig> {
        self.providers.iter().find(|provider| provider.id == id)
    }
}

fn processor_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}
