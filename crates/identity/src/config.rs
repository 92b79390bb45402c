//! How the identity platform behaves: password rules and hashing cost, session lifetimes,
//! throttling of failed sign-ins, and how long personal data is kept. Operators tune a few
//! of these in the `[identity]` section of the configuration; the rest are fixed defaults.

use std::time::Duration;

use rathaus_base::config::IdentitySettings;

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
            ..defaults
        }
    }
}

fn processor_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}
