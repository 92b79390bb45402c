//! Protection of forms against cross-site request forgery.
//!
//! Two checks guard every state-changing request. The browser's own headers: a request whose
//! `Sec-Fetch-Site` says it comes from another site, or whose `Origin` names another origin,
//! is refused. And a form token: each form carries the time it was made and a keyed hash of
//! that time and the form's name; a token older than [`TOKEN_LIFETIME_SECONDS`] or with a
//! wrong hash is refused. The key is shared through the database, so a form rendered by one
//! node can be sent to another.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a form stays valid: long enough to write a careful message.
pub const TOKEN_LIFETIME_SECONDS: i64 = 4 * 60 * 60;

/// Makes and checks form tokens.
#[derive(Clone)]
pub struct FormTokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for FormTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormTokens { key: <redacted> }")
    }
}

impl FormTokens {
    /// Tokens keyed with `key`, which every node shares.
    pub fn with_key(key: Vec<u8>) -> FormTokens {
        FormTokens { key }
    }

    /// A token for the form `form`, made at `now` (seconds since 1970).
    pub fn issue(&self, form: &str, now: i64) -> String {
        format!("{now}.{}", self.signature(form, now))
    }

    /// Whether `token` was issued for `form` by a node with the same key, no longer than
    /// the lifetime ago and not in the future.
    pub fn verify(&self, form: &str, token: &str, now: i64) -> bool {
        let Some((issued, signature)) = token.split_once('.') else {
            return false;
        };
        let Ok(issued) = issued.parse::<i64>() else {
            return false;
        };
        let age = now.saturating_sub(issued);
        if !(0..=TOKEN_LIFETIME_SECONDS).contains(&age) {
            return false;
        }
        let expected = self.signature(form, issued);
        // Compare in constant time so the signature cannot be guessed byte by byte.
        expected.len() == signature.len()
            && expected
                .bytes()
                .zip(signature.bytes())
                .fold(0, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    fn signature(&self, form: &str, issued: i64) -> String {
        // HMAC takes keys of any length, so this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(form.as_bytes());
        mac.update(b":");
        mac.update(issued.to_string().as_bytes());
        rathaus_base::hex(&mac.finalize().into_bytes()[..16])
    }
}

/// Whether the browser's headers show a request from another site. `origin` is the value of
/// the `Origin` header, `fetch_site` that of `Sec-Fetch-Site`, `own_origins` the origins this
/// site is reached at.
pub fn is_cross_site(origin: Option<&str>, fetch_site: Option<&str>, own_origins: &[&str]) -> bool {
    if let Some(site) = fetch_site
        && (site == "cross-site" || site == "same-site")
    {
        return true;
    }
    match origin {
        Some("null") => true,
        Some(origin) => !own_origins
            .iter()
            .any(|own| own.eq_ignore_ascii_case(origin)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_token_for_the_same_form_is_accepted() {
        let tokens = FormTokens::with_key(b"secret".to_vec());
        let token = tokens.issue("feedback", 1_000);
        assert!(tokens.verify("feedback", &token, 1_060));
    }

    #[test]
    fn tokens_for_other_forms_other_keys_or_old_times_are_refused() {
        let tokens = FormTokens::with_key(b"secret".to_vec());
        let token = tokens.issue("feedback", 1_000);
        assert!(!tokens.verify("other", &token, 1_060));
        assert!(!FormTokens::with_key(b"other".to_vec()).verify("feedback", &token, 1_060));
        assert!(!tokens.verify("feedback", &token, 1_000 + TOKEN_LIFETIME_SECONDS + 1));
        assert!(!tokens.verify("feedback", &token, 999));
        assert!(!tokens.verify("feedback", "garbage", 1_000));
        assert!(!tokens.verify("feedback", "1000.", 1_000));
    }

    #[test]
    fn requests_from_other_sites_are_recognised() {
        let own = ["http://127.0.0.1:8080"];
        assert!(!is_cross_site(None, None, &own));
        assert!(!is_cross_site(
            Some("http://127.0.0.1:8080"),
            Some("same-origin"),
            &own
        ));
        assert!(is_cross_site(Some("https://evil.example"), None, &own));
        assert!(is_cross_site(None, Some("cross-site"), &own));
        assert!(is_cross_site(Some("null"), None, &own));
    }
}
