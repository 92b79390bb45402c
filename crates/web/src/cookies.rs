//! The session cookies of the staff portal and of citizens' accounts.
//!
//! A session cookie holds only the session's random token, is hidden from scripts
//! (`HttpOnly`) and sent with top-level navigations from other sites but not with their
//! requests in the background (`SameSite=Lax`), so that the way back from an identity
//! provider keeps the sign-in. Behind https it is also `Secure`, and its name carries the
//! `__Host-` prefix, which browsers honour only for secure, host-only cookies for the whole
//! site.

use axum::http::HeaderValue;
use rathaus_identity::SessionToken;

use crate::state::AppState;

/// Whether the portal is reached over https, as `server.public_url` says.
pub fn is_https(state: &AppState) -> bool {
    state.config().server.public_url.starts_with("https://")
}

/// The cookie's name: `__Host-{name}` behind https, `name` otherwise.
pub fn name(state: &AppState, name: &'static str) -> String {
    if is_https(state) {
        format!("__Host-{name}")
    } else {
        name.to_owned()
    }
}

/// A `Set-Cookie` value that keeps `token` under `cookie` for the browser session.
pub fn session(state: &AppState, cookie: &str, token: &SessionToken) -> HeaderValue {
    let secure = if is_https(state) { "; Secure" } else { "" };
    let value = format!(
        "{cookie}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
        token.as_str()
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` value that removes the cookie `cookie`.
pub fn removal(state: &AppState, cookie: &str) -> HeaderValue {
    let secure = if is_https(state) { "; Secure" } else { "" };
    let value = format!("{cookie}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}");
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}
