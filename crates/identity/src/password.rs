//! Hashing and checking passwords with Argon2id on blocking threads, never more at once
//! than there are slots, because each hash takes many megabytes of memory and a core for a
//! noticeable time.
//!
//! Checking a password, which every sign-in does, works in memory kept from one check to
//! the next, one buffer per slot. Allocating the memory anew for each check on whichever
//! blocking thread runs it leaves the freed megabytes in that thread's allocator arena, so
//! that a flood of sign-ins made the process hold several times the memory the slots need.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::Output;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::PasswordPolicy;
use crate::error::{IdentityError, PasswordRule};

/// How long a refused sign-in is asked to wait when all slots are busy.
const BUSY_RETRY: Duration = Duration::from_secs(1);

/// The outcome of checking a password.
pub(crate) struct Verdict {
    /// Whether the password matched the stored hash.
    pub(crate) matches: bool,
    /// A hash with the current parameters, when the password matched a hash made with
    /// other parameters.
    pub(crate) new_hash: Option<String>,
}

/// Hashes passwords with a bounded number of blocking threads.
#[derive(Debug, Clone)]
pub(crate) struct Hasher {
    params: Params,
    slots: Arc<Semaphore>,
    wait: Duration,
    /// Argon2's working memory for checks, at most one buffer per slot (a check takes one
    /// only while it holds a slot).
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Hasher {
    /// A hasher with the policy's parameters, raised to Argon2's minimums where they fall
    /// below, and `slots` hashes at most at once.
    pub(crate) fn new(policy: &PasswordPolicy, slots: usize, wait: Duration) -> Hasher {
        let lanes = policy.parallelism.clamp(1, Params::MAX_P_COST);
        let params = Params::new(
            policy.memory_kib.max(8 * lanes),
            policy.iterations.max(1),
            lanes,
            None,
        )
        .unwrap_or_default();
        Hasher {
            params,
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
            memory: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Hashes a new password.
    pub(crate) async fn hash(&self, password: &str) -> Result<String, IdentityError> {
        let slot = self.slot().await?;
        let params = self.params.clone();
        let password = password.to_owned();
        run_blocking(slot, move || hash_with(&params, &password)).await
    }

    /// Checks a password against a stored hash. Without a stored hash (an unknown address)
    /// the password is hashed anyway, so that the answer takes as long either way.
    pub(crate) async fn verify(
        &self,
        password: &str,
        stored: Option<String>,
    ) -> Result<Verdict, IdentityError> {
        let slot = self.slot().await?;
        let params = self.params.clone();
        let password = password.to_owned();
        let memory = Arc::clone(&self.memory);
        run_blocking(slot, move || {
            let mut blocks = memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()
                .unwrap_or_default();
            let checked = check_with(&params, &password, stored.as_deref(), &mut blocks);
            memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(blocks);
            let Some(parsed) = checked? else {
                return Ok(Verdict {
                    matches: false,
                    new_hash: None,
                });
            };
            let (matches, parsed) = parsed;
            let new_hash = if matches && is_outdated(&parsed, &params) {
                Some(hash_with(&params, &password)?)
            } else {
                None
            };
            Ok(Verdict { matches, new_hash })
        })
        .await
    }

    /// A hashing slot, or `Busy` when none frees up within the configured wait.
    async fn slot(&self) -> Result<OwnedSemaphorePermit, IdentityError> {
        let busy = IdentityError::Busy {
            retry_after: BUSY_RETRY,
        };
        match tokio::time::timeout(self.wait, Arc::clone(&self.slots).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => Err(busy),
        }
    }
}

/// Checks a new password against the policy's rules.
pub(crate) fn check_rules(
    policy: &PasswordPolicy,
    password: &str,
    email: &str,
) -> Result<(), IdentityError> {
    let length = password.chars().count();
    if length < policy.min_length {
        return Err(IdentityError::WeakPassword(PasswordRule::TooShort {
            min: policy.min_length,
        }));
    }
    if length > policy.max_length {
        return Err(IdentityError::WeakPassword(PasswordRule::TooLong {
            max: policy.max_length,
        }));
    }
    let lower = password.to_lowercase();
    let email = email.to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if lower == email || lower == local {
        return Err(IdentityError::WeakPassword(PasswordRule::SameAsEmail));
    }
    if is_common(&lower) {
        return Err(IdentityError::WeakPassword(PasswordRule::Common));
    }
    Ok(())
}

/// The shipped list of common passwords (see `data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

/// Whether a lower-cased password is a common one: listed as it is, listed once digits and
/// punctuation around it are taken away (`sommer2026!`), or a listed one repeated
/// (`passwortpasswort`). Digits alone count as common too.
fn is_common(lower: &str) -> bool {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let list = LIST.get_or_init(|| {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|line| line.chars().count() >= 4)
            .collect()
    });

    let core = lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if core.is_empty() || list.contains(lower) || list.contains(core) {
        return true;
    }
    // A listed password typed twice or more, such as `hallohallohallo`.
    (1..=core.len() / 2)
        .filter(|&length| core.len().is_multiple_of(length) && core.is_char_boundary(length))
        .any(|length| {
            let unit = &core[..length];
            list.contains(unit) && core == unit.repeat(core.len() / length)
        })
}

/// Runs hashing work on a blocking thread, holding the slot until it is done.
async fn run_blocking<T, F>(slot: OwnedSemaphorePermit, work: F) -> Result<T, IdentityError>
where
    F: FnOnce() -> Result<T, IdentityError> + Send + 'static,
    T: Send + 'static,
{
    let result = tokio::task::spawn_blocking(move || {
        let result = work();
        drop(slot);
        result
    })
    .await;
    result.map_err(|error| IdentityError::Hashing(error.to_string()))?
}

fn hash_with(params: &Params, password: &str) -> Result<String, IdentityError> {
    let salt: [u8; 16] = rand::random();
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let hash = hasher
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|error| IdentityError::Hashing(error.to_string()))?;
    Ok(hash.to_string())
}

/// Checks `password` against the stored hash in the working memory `blocks` (grown as the
/// hash's parameters need): whether it matches, with the parsed hash. Without a stored hash
/// the password is hashed with the current parameters all the same, and `None` returned.
fn check_with(
    params: &Params,
    password: &str,
    stored: Option<&str>,
    blocks: &mut Vec<Block>,
) -> Result<Option<(bool, PasswordHash)>, IdentityError> {
    let failed = |error: &dyn std::fmt::Display| IdentityError::Hashing(error.to_string());

    let Some(stored) = stored else {
        let salt: [u8; 16] = rand::random();
        let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
        blocks.resize(params.block_count(), Block::default());
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, &mut blocks[..])
            .map_err(|error| failed(&error))?;
        return Ok(None);
    };

    // The stored hash names its own algorithm, version, parameters and salt.
    let parsed = PasswordHash::new(stored).map_err(|error| failed(&error))?;
    let used = Params::try_from(&parsed).map_err(|error| failed(&error))?;
    let algorithm =
        Algorithm::try_from(parsed.algorithm.as_str()).map_err(|error| failed(&error))?;
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .map_err(|error| failed(&error))?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(IdentityError::Hashing(
            "the stored hash has no salt or output".to_owned(),
        ));
    };

    let mut out = vec![0_u8; expected.len()];
    blocks.resize(used.block_count(), Block::default());
    Argon2::new(algorithm, version, used)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks[..])
        .map_err(|error| failed(&error))?;
    // `Output` compares in constant time.
    let matches = Output::new(&out).is_ok_and(|computed| computed == *expected);
    Ok(Some((matches, parsed)))
}

/// Whether a stored hash was made with another algorithm or other parameters than now.
fn is_outdated(stored: &PasswordHash, params: &Params) -> bool {
    if stored.algorithm != argon2::ARGON2ID_IDENT {
        return true;
    }
    match Params::try_from(stored) {
        Ok(used) => {
            (used.m_cost(), used.t_cost(), used.p_cost())
                != (params.m_cost(), params.t_cost(), params.p_cost())
        }
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordPolicy {
        PasswordPolicy {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
            ..PasswordPolicy::default()
        }
    }

    #[test]
    fn common_passwords_are_refused_even_with_digits_and_punctuation_around() {
        let policy = PasswordPolicy::default();
        let common = |password: &str| {
            matches!(
                check_rules(&policy, password, "erika@example.org"),
                Err(IdentityError::WeakPassword(PasswordRule::Common))
            )
        };

        assert!(common("123456789012"), "digits only");
        assert!(common("Fussball2026!"), "a listed German word with a year");
        assert!(common("!!Password1234"));
        assert!(common("passwortpasswort"), "a listed word typed twice");
        assert!(common("qwertzuiop123"));
        assert!(
            !common("Fussball im Regen 2026"),
            "a phrase is not a listed password"
        );
        assert!(!common("correct horse battery"));
        assert!(check_rules(&policy, "Ein Hund namens Bello", "erika@example.org").is_ok());
    }

    #[tokio::test]
    async fn a_hash_accepts_its_password_only() {
        let hasher = Hasher::new(&cheap(), 1, Duration::from_secs(1));
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));

        let right = hasher
            .verify("correct horse battery", Some(hash.clone()))
            .await
            .unwrap();
        assert!(right.matches);
        assert!(right.new_hash.is_none());
        let wrong = hasher
            .verify("correct horse battre", Some(hash))
            .await
            .unwrap();
        assert!(!wrong.matches);
        let unknown = hasher.verify("correct horse battery", None).await.unwrap();
        assert!(!unknown.matches);
    }

    #[tokio::test]
    async fn a_hash_with_old_parameters_is_renewed_on_a_match() {
        let old = Hasher::new(&cheap(), 1, Duration::from_secs(1));
        let hash = old.hash("correct horse battery").await.unwrap();
        let stronger = PasswordPolicy {
            memory_kib: 16,
            ..cheap()
        };
        let new = Hasher::new(&stronger, 1, Duration::from_secs(1));

        let verdict = new
            .verify("correct horse battery", Some(hash))
            .await
            .unwrap();
        assert!(verdict.matches);
        let renewed = verdict.new_hash.expect("a new hash");
        assert!(renewed.contains("m=16,"), "{renewed}");
    }

    #[tokio::test]
    async fn hashes_of_other_argon2_variants_are_checked_and_renewed() {
        let hasher = Hasher::new(&cheap(), 1, Duration::from_secs(1));
        let params = Params::new(8, 2, 1, None).unwrap();
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x10, params)
            .hash_password_with_salt(b"correct horse battery", b"salt of sixteen!")
            .unwrap()
            .to_string();
        assert!(argon2i.starts_with("$argon2i$v=16$"), "{argon2i}");

        let right = hasher
            .verify("correct horse battery", Some(argon2i.clone()))
            .await
            .unwrap();
        assert!(right.matches);
        assert!(right.new_hash.unwrap().starts_with("$argon2id$v=19$"));
        let wrong = hasher.verify("correct horse", Some(argon2i)).await.unwrap();
        assert!(!wrong.matches);
    }

    #[tokio::test]
    async fn checks_reuse_at_most_one_working_memory_per_slot() {
        let hasher = Hasher::new(&cheap(), 2, Duration::from_secs(5));
        let hash = hasher.hash("correct horse battery").await.unwrap();

        let checks = (0..12).map(|round| {
            let hasher = hasher.clone();
            let hash = hash.clone();
            tokio::spawn(async move {
                let password = if round % 2 == 0 {
                    "correct horse battery"
                } else {
                    "wrong"
                };
                hasher.verify(password, Some(hash)).await.unwrap().matches == (round % 2 == 0)
            })
        });
        for check in checks {
            assert!(check.await.unwrap(), "each check gives its own answer");
        }

        let kept = hasher.memory.lock().unwrap().len();
        assert!((1..=2).contains(&kept), "{kept} buffers for two slots");
    }

    #[test]
    fn rules_name_what_is_wrong() {
        let policy = PasswordPolicy::default();
        let check = |password: &str| check_rules(&policy, password, "anna.huber@stadt.example");
        assert!(matches!(
            check("kurz"),
            Err(IdentityError::WeakPassword(PasswordRule::TooShort {
                min: 12
            }))
        ));
        assert!(matches!(
            check(&"x".repeat(129)),
            Err(IdentityError::WeakPassword(PasswordRule::TooLong {
                max: 128
            }))
        ));
        assert!(matches!(
            check("Anna.Huber@stadt.example"),
            Err(IdentityError::WeakPassword(PasswordRule::SameAsEmail))
        ));
        assert!(check("zwölf Zeichen lang").is_ok());
        assert!(check("äöüäöüäöüäöü").is_ok(), "characters count, not bytes");
    }
}
