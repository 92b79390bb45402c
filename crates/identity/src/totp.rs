//! Time-based one-time passwords (TOTP, RFC 6238) as authenticator apps make them: SHA-1,
//! six digits, a new code every 30 seconds. Accepting a step only once is up to the caller.

use chrono::{DateTime, Utc};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::error::IdentityError;

/// Seconds per code.
const STEP_SECONDS: u64 = 30;

/// Digits per code.
const DIGITS: u8 = 6;

/// A new shared secret of 160 bits, as base32 text.
pub(crate) fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes).to_base32()
}

/// The step whose code `code` is, within one step before or after `now`; `None` when the
/// code matches none of them.
pub(crate) fn matching_step(
    secret_base32: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, IdentityError> {
    let totp = generator(secret_base32)?;
    let seconds = u64::try_from(now.timestamp()).unwrap_or_default();
    let code: String = code
        .chars()
        .filter(|letter| !letter.is_whitespace())
        .collect();
    Ok(totp
        .check(&code, seconds)
        .and_then(|step| i64::try_from(step).ok()))
}

/// Whether `code` looks like an authenticator code rather than a recovery code.
pub(crate) fn looks_like_code(code: &str) -> bool {
    let digits: Vec<char> = code
        .chars()
        .filter(|letter| !letter.is_whitespace())
        .collect();
    digits.len() == usize::from(DIGITS) && digits.iter().all(char::is_ascii_digit)
}

/// The `otpauth://` address a QR code carries for authenticator apps.
pub(crate) fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret_base32}&issuer={issuer}\
         &algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = percent_encode(account),
    )
}

fn generator(secret_base32: &str) -> Result<Totp, IdentityError> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|_| IdentityError::Corrupt("an authenticator secret is not base32".to_owned()))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_step_duration(STEP_SECONDS)
        .with_skew(1)
        .with_secret(secret)
        .build()
        .map_err(|error| IdentityError::Corrupt(format!("an authenticator secret: {error:?}")))
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
fn percent_encode(text: &str) -> String {
    use std::fmt::Write as _;

    text.bytes().fold(String::new(), |mut encoded, byte| {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
        encoded
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn the_uri_carries_issuer_account_and_secret_encoded() {
        let uri = otpauth_uri(
            "Stadt Musterstadt",
            "anna@stadt.example",
            "JBSWY3DPEHPK3PXP",
        );
        assert_eq!(
            uri,
            "otpauth://totp/Stadt%20Musterstadt:anna%40stadt.example?secret=JBSWY3DPEHPK3PXP\
             &issuer=Stadt%20Musterstadt&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn codes_of_the_neighbouring_steps_are_accepted_and_others_not() {
        // The RFC 6238 test secret "12345678901234567890" and its SHA-1 code at 59 s.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        let at = |seconds| Utc.timestamp_opt(seconds, 0).unwrap();

        assert_eq!(matching_step(&secret, "287082", at(59)).unwrap(), Some(1));
        assert_eq!(matching_step(&secret, "287 082", at(89)).unwrap(), Some(1));
        assert_eq!(matching_step(&secret, "287082", at(120)).unwrap(), None);
        assert_eq!(matching_step(&secret, "000000", at(59)).unwrap(), None);
    }

    #[test]
    fn a_new_secret_has_160_bits() {
        let secret = new_secret();
        assert_eq!(
            Secret::try_from_base32(&secret).unwrap().as_bytes().len(),
            20
        );
    }
}
