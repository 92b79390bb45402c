//! Random secrets and their hashes: session and invitation tokens, recovery codes, and the
//! checks of email addresses and names that come with storing them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use sha2::{Digest as _, Sha256};

use crate::error::IdentityError;

/// The letters of recovery codes: lower case and digits without `0`, `1`, `i`, `l` and `o`,
/// which are easily mistaken for one another.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Groups of four letters in a recovery code.
const RECOVERY_GROUPS: usize = 3;

/// A new token: 32 random bytes as URL-safe base64 text (43 characters).
pub(crate) fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of a text as lower-case hexadecimal, the form in which secrets are stored.
pub(crate) fn sha256_hex(text: &str) -> String {
    rathaus_base::hex(&Sha256::digest(text.as_bytes()))
}

/// A new recovery code such as `abcd-efgh-jkmn` (about 59 bits of chance).
pub(crate) fn new_recovery_code() -> String {
    let mut random = rand::rng();
    let groups: Vec<String> = (0..RECOVERY_GROUPS)
        .map(|_| {
            (0..4)
                .map(|_| {
                    let index = random.random_range(0..RECOVERY_ALPHABET.len());
                    char::from(RECOVERY_ALPHABET[index])
                })
                .collect()
        })
        .collect();
    groups.join("-")
}

/// A recovery code as typed, reduced to its letters in lower case, or `None` when it cannot
/// be one (wrong length or letters), so that it is not even looked up.
pub(crate) fn normalise_recovery_code(typed: &str) -> Option<String> {
    let letters: String = typed
        .chars()
        .filter(|letter| !(letter.is_whitespace() || *letter == '-'))
        .map(|letter| letter.to_ascii_lowercase())
        .collect();
    let valid = letters.len() == RECOVERY_GROUPS * 4
        && letters
            .bytes()
            .all(|letter| RECOVERY_ALPHABET.contains(&letter));
    valid.then_some(letters)
}

/// The email address as given (trimmed) and in the lower-case form used to compare it.
pub(crate) fn check_email(email: &str) -> Result<(String, String), IdentityError> {
    let email = email.trim();
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(IdentityError::InvalidEmail);
    };
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email
            .chars()
            .any(|letter| letter.is_whitespace() || letter.is_control());
    if !plausible {
        return Err(IdentityError::InvalidEmail);
    }
    Ok((email.to_owned(), email.to_lowercase()))
}

/// The display name, trimmed; 1 to 200 characters.
pub(crate) fn check_display_name(name: &str) -> Result<String, IdentityError> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 || length > 200 || name.chars().any(char::is_control) {
        return Err(IdentityError::InvalidDisplayName);
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_url_safe_and_different() {
        let first = new_token();
        assert_eq!(first.len(), 43);
        assert!(
            first
                .chars()
                .all(|letter| letter.is_ascii_alphanumeric() || letter == '-' || letter == '_')
        );
        assert_ne!(first, new_token());
    }

    #[test]
    fn recovery_codes_read_back_however_they_are_typed() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);

        let plain = code.replace('-', "");
        assert_eq!(normalise_recovery_code(&code), Some(plain.clone()));
        assert_eq!(
            normalise_recovery_code(&format!(" {} ", code.to_uppercase().replace('-', " "))),
            Some(plain)
        );
        assert_eq!(
            normalise_recovery_code("abcd-efgh-ijkl"),
            None,
            "i and l are not used"
        );
        assert_eq!(normalise_recovery_code("abcd-efgh"), None);
    }

    #[test]
    fn email_addresses_are_compared_in_lower_case() {
        let (email, normalised) = check_email("  Anna.Huber@Stadt.Example ").unwrap();
        assert_eq!(email, "Anna.Huber@Stadt.Example");
        assert_eq!(normalised, "anna.huber@stadt.example");

        for wrong in [
            "",
            "anna",
            "@stadt.example",
            "anna@stadt",
            "an na@stadt.example",
        ] {
            assert!(check_email(wrong).is_err(), "{wrong}");
        }
    }
}
