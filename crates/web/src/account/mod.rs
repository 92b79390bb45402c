//! The citizen's account in the portal: signing up, signing in and out (with a password or
//! The citizen's account in the portal: signing up, signing in and out (with a password, a
//! passkey or through an external identity provider), raising the trust level, resetting a
//! forgotten password, and the account pages: the overview; sign-in and security with the
//! password, the address, the authenticator, the passkeys, the linked providers and the list
//! of sessions; the profile from the profile vault; consents; the data-use log; the copy of
//! all data; deleting the account.
//!
//! The pages speak the variant of their address (`/de/account`, `/en/account`,
//! `/ls/account`) and work without JavaScript. Pages for a signed-in person need a session
//! of a citizen account ([`Citizen`]); every form that changes something carries a token
//! bound to the session (or, before signing in, to the form) and is refused when sent from
//! another site. Nothing here is cached: each response says `no-store`, and the router sits
//! outside the portal's page cache.
//!
//! Every handler takes the account from the session and passes its id to the identity
//! platform, whose calls touch only that account's rows; no address or form field names
//! another person's data.

pub mod auth;
pub mod data;
pub mod passkeys;
pub mod profile;
pub mod providers;
pub mod security;

use axum::Router;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rathaus_base::mail::MailMessage;
use rathaus_content::model::Variant;
use rathaus_identity::{AccountKind, AddressMail, EmailLink, IdentityError, Session, SessionToken};
use serde::Serialize;

use crate::error::WebError;
use crate::page::{Layout, PageContext};
use crate::staff::{check_origin, see_other, token_from, urlencoding};
use crate::state::AppState;

/// The routes of the account pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(sign_in_routes())
        .merge(security_routes())
        .merge(data_routes())
        .merge(passkeys_routes())
        .merge(providers_routes())
}

/// Signing up, in and out, and the links sent by email to do so.
fn sign_in_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{lang}/account/sign-in",
            get(auth::sign_in_form).post(auth::sign_in),
        )
        .route(
            "/{lang}/account/sign-in/code",
            get(auth::code_form).post(auth::check_code),
        )
        .route("/{lang}/account/sign-out", post(auth::sign_out))
        .route(
            "/{lang}/account/sign-up",
            get(auth::sign_up_form).post(auth::sign_up),
        )
        .route(
            "/{lang}/account/sign-up/{token}",
            get(auth::sign_up_link).post(auth::complete_sign_up),
        )
        .route(
            "/{lang}/account/password-reset",
            get(auth::reset_request_form).post(auth::request_reset),
        )
        .route(
            "/{lang}/account/password-reset/{token}",
            get(auth::reset_form).post(auth::reset_password),
        )
}

/// The overview and the page of sign-in and security.
fn security_routes() -> Router<AppState> {
    Router::new()
        .route("/{lang}/account", get(security::overview))
        .route(
            "/{lang}/account/email/{token}",
            get(security::email_link).post(security::confirm_email),
        )
        .route("/{lang}/account/security", get(security::security))
        .route("/{lang}/account/password", post(security::change_password))
        .route(
            "/{lang}/account/email",
            post(security::request_email_change),
        )
        .route(
            "/{lang}/account/authenticator",
            get(security::authenticator_form).post(security::confirm_authenticator),
        )
        .route(
            "/{lang}/account/authenticator/remove",
            post(security::remove_authenticator),
        )
        .route(
            "/{lang}/account/sessions/{id}/end",
            post(security::end_session),
        )
        .route(
            "/{lang}/account/sessions/end-others",
            post(security::end_other_sessions),
        )
}

/// The person's data: profile, consents, data-use log, copy and deletion.
fn data_routes() -> Router<AppState> {
    Router::new()
        .route("/{lang}/account/profile", get(profile::profile))
        .route(
            "/{lang}/account/profile/prefer",
            post(profile::prefer_value),
        )
        .route(
            "/{lang}/account/profile/values/{id}/delete",
            post(profile::delete_value),
        )
        .route(
            "/{lang}/account/profile/{attribute}",
            get(profile::edit_form).post(profile::save_value),
        )
        .route("/{lang}/account/consents", get(data::consents))
        .route(
            "/{lang}/account/consents/{id}/withdraw",
            post(data::withdraw_consent),
        )
        .route("/{lang}/account/data-use", get(data::data_uses))
        .route("/{lang}/account/export", get(data::export_page))
        .route(
            "/{lang}/account/export/download",
            get(data::export_download),
        )
        .route(
            "/{lang}/account/delete",
            get(data::deletion_form).post(data::delete_account),
        )
        .route("/{lang}/account/deleted", get(data::deleted))
}

/// Adding, renaming and removing passkeys, and signing in with one.
fn passkeys_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{lang}/account/passkeys/register/begin",
            post(passkeys::begin_registration),
        )
        .route(
            "/{lang}/account/passkeys/register/finish",
            post(passkeys::finish_registration),
        )
        .route(
            "/{lang}/account/passkeys/{id}/rename",
            post(passkeys::rename),
        )
        .route(
            "/{lang}/account/passkeys/{id}/remove",
            post(passkeys::remove),
        )
        .route(
            "/{lang}/account/password/remove",
            post(passkeys::remove_password),
        )
        .route(
            "/{lang}/account/sign-in/passkey/begin",
            post(passkeys::begin_sign_in),
        )
        .route(
            "/{lang}/account/sign-in/passkey/finish",
            post(passkeys::finish_sign_in),
        )
}

/// Signing in through identity providers, linking them, and stepping up.
fn providers_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{lang}/account/provider/{provider}/sign-in",
            post(providers::start_sign_in),
        )
        .route(
            "/{lang}/account/provider/{provider}/link",
            post(providers::start_link),
        )
        .route(
            "/{lang}/account/provider/{provider}/unlink",
            post(providers::unlink),
        )
        .route(
            "/{lang}/account/provider/{provider}/step-up",
            post(providers::start_step_up),
        )
        .route(
            "/{lang}/account/provider/callback",
            get(providers::callback),
        )
        .route("/{lang}/account/step-up", get(providers::step_up_page))
        .route(
            "/{lang}/account/apply/{service}",
            get(providers::apply_online),
        )
}

/// The form name of the forms shown before signing in.
const ANONYMOUS_FORM: &str = "account-anonymous";

/// The name of the citizen's session cookie, apart from the staff portal's (see
/// [`crate::cookies`]).
pub fn cookie_name(state: &AppState) -> &'static str {
    if crate::cookies::is_https(state) {
        "__Host-rathaus"
    } else {
        "rathaus"
    }
}

/// A `Set-Cookie` value that keeps `token` for the browser session.
fn session_cookie(state: &AppState, token: &SessionToken) -> HeaderValue {
    crate::cookies::session(state, cookie_name(state), token)
}

/// A `Set-Cookie` value that removes the session cookie.
fn clear_cookie(state: &AppState) -> HeaderValue {
    crate::cookies::removal(state, cookie_name(state))
}

/// A redirect that also stores a new session token, noting the device it runs on.
async fn signed_in_redirect(
    state: &AppState,
    headers: &HeaderMap,
    token: &SessionToken,
    target: &str,
) -> Result<Response, WebError> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    state
        .identity()
        .note_device(token, &describe_device(user_agent))
        .await
        .map_err(internal)?;
    let mut response = see_other(target);
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(state, token));
    Ok(response)
}

/// A short, recognisable description of a browser and its system from the `User-Agent`
/// header, such as `Firefox, Windows`: enough for a person to tell their sessions apart,
/// without keeping the whole header.
pub fn describe_device(user_agent: &str) -> String {
    let browsers = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    ];
    let systems = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(marker, _)| user_agent.contains(marker))
            .map(|(_, name)| *name)
    };
    match (find(&browsers), find(&systems)) {
        (Some(browser), Some(system)) => format!("{browser}, {system}"),
        (Some(name), None) | (None, Some(name)) => name.to_owned(),
        (None, None) => String::new(),
    }
}

fn internal(error: impl std::fmt::Display) -> WebError {
    WebError::Internal(error.to_string())
}

/// Only addresses inside this site are followed after signing in, so that a link cannot
/// send someone elsewhere; anything else leads to the account overview.
fn safe_next(next: Option<&str>, context: &PageContext) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.contains("/account/sign-") =>
        {
            path.to_owned()
        }
        _ => context.url("/account"),
    }
}

/// A signed-in citizen.
pub struct Citizen {
    /// The session with its account.
    pub session: Session,
    /// The session's token from the cookie, for the steps the identity platform keeps with
    /// the session itself (setting up the authenticator).
    token: SessionToken,
}

impl Citizen {
    /// The form name that binds a form token to this session.
    fn form_name(&self) -> String {
        format!("account:{}", self.session.id)
    }

    /// A token for the forms of one page.
    fn form_token(&self, state: &AppState) -> String {
        state
            .form_tokens()
            .issue(&self.form_name(), state.now().timestamp())
    }

    /// Refuses a state-changing request sent from another site or without this session's
    /// form token.
    fn check_form(
        &self,
        state: &AppState,
        headers: &HeaderMap,
        token: &str,
    ) -> Result<(), WebError> {
        check_origin(state, headers)?;
        if state
            .form_tokens()
            .verify(&self.form_name(), token, state.now().timestamp())
        {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }
}

/// A token for the forms shown before signing in.
fn anonymous_token(state: &AppState) -> String {
    state
        .form_tokens()
        .issue(ANONYMOUS_FORM, state.now().timestamp())
}

/// Refuses a form sent before signing in from another site or without its token.
fn check_anonymous_form(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
) -> Result<(), WebError> {
    check_origin(state, headers)?;
    if state
        .form_tokens()
        .verify(ANONYMOUS_FORM, token, state.now().timestamp())
    {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

/// The variant code at the start of a path, such as `en` for `/en/account`.
fn variant_of(path: &str) -> &'static str {
    let code = path.trim_start_matches('/').split('/').next().unwrap_or("");
    Variant::from_code(code).map_or("de", Variant::code)
}

/// Why a page needs signing in first.
pub enum NotSignedIn {
    /// Send the browser to the sign-in page, coming back to this address afterwards.
    SignIn(String),
    /// Something broke while looking up the session.
    Failed(WebError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::SignIn(back) => {
                let target = format!(
                    "/{}/account/sign-in?next={}",
                    variant_of(&back),
                    urlencoding(&back)
                );
                see_other(&target)
            }
            NotSignedIn::Failed(error) => error.into_response(),
        }
    }
}

async fn current_citizen(parts: &Parts, state: &AppState) -> Result<Option<Citizen>, WebError> {
    let Some(token) = token_from(&parts.headers, cookie_name(state)) else {
        return Ok(None);
    };
    let session = state
        .identity()
        .session(&token, state.now())
        .await
        .map_err(internal)?;
    Ok(session
        .filter(|session| session.account.kind == AccountKind::Citizen)
        .map(|session| Citizen { session, token }))
}

impl FromRequestParts<AppState> for Citizen {
    type Rejection = NotSignedIn;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let back = parts
            .uri
            .path_and_query()
            .map_or("/de/account", |path| path.as_str())
            .to_owned();
        current_citizen(parts, state)
            .await
            .map_err(NotSignedIn::Failed)?
            .ok_or(NotSignedIn::SignIn(back))
    }
}

impl OptionalFromRequestParts<AppState> for Citizen {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        current_citizen(parts, state).await
    }
}

/// The layout of an account page at `path` (after the variant), titled from the text
/// `title_key`; `failed` puts "Error:" before the title, so that a screen reader hears at
/// once that the form came back.
fn layout(context: &PageContext, path: &str, title_key: &str, failed: bool) -> Layout {
    let title = if failed {
        format!(
            "{}: {}",
            context.t("account_error_prefix"),
            context.t(title_key)
        )
    } else {
        context.t(title_key)
    };
    let mut layout = context.layout(path, title, context.t("account_description"));
    layout.section = "account";
    if path != "/account" {
        layout
            .breadcrumbs
            .push((context.t("account_title"), context.url("/account")));
    }
    layout
}

/// Renders an account page with `status`. Account pages are personal: browsers and proxies
/// must not keep them.
fn render(
    context: &PageContext,
    template: &str,
    layout: &Layout,
    page: impl Serialize,
    status: StatusCode,
) -> Result<Response, WebError> {
    let mut response = context.render(template, layout, page)?;
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.remove(header::ETAG);
    Ok(response)
}

/// The problems of a form: the field each belongs to and the message, in the page's
/// variant.
#[derive(Debug, Default, Serialize)]
pub(super) struct Problems {
    list: Vec<(String, String)>,
}

impl Problems {
    fn add(&mut self, field: &str, message: String) {
        self.list.push((field.to_owned(), message));
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The message of one field, for the field itself.
    fn by_field(&self) -> std::collections::BTreeMap<String, String> {
        let mut map = std::collections::BTreeMap::new();
        for (field, message) in &self.list {
            map.entry(field.clone()).or_insert_with(|| message.clone());
        }
        map
    }
}

/// The message for an identity error the person can act on, with the field it belongs to
/// and the status to answer with; `Err` for faults on our side.
fn explain(
    context: &PageContext,
    error: &IdentityError,
) -> Result<(&'static str, String, StatusCode), WebError> {
    use rathaus_identity::PasswordRule;

    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(match error {
        IdentityError::InvalidEmail => ("email", context.t("account_error_email"), unprocessable),
        IdentityError::InvalidDisplayName => {
            ("name", context.t("account_error_name"), unprocessable)
        }
        IdentityError::WeakPassword(rule) => {
            let message = match rule {
                PasswordRule::TooShort { min } => context
                    .texts
                    .format("account_error_password_short", &[("min", &min.to_string())]),
                PasswordRule::TooLong { max } => context
                    .texts
                    .format("account_error_password_long", &[("max", &max.to_string())]),
                PasswordRule::SameAsEmail => context.t("account_error_password_email"),
                PasswordRule::Common => context.t("account_error_password_common"),
            };
            ("password", message, unprocessable)
        }
        IdentityError::InvalidCredentials => (
            "password",
            context.t("account_error_credentials"),
            StatusCode::UNAUTHORIZED,
        ),
        IdentityError::Throttled { retry_after } => (
            "",
            context.texts.format(
                "account_error_throttled",
                &[("seconds", &retry_after.as_secs().max(1).to_string())],
            ),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        IdentityError::Busy { .. } => (
            "",
            context.t("account_error_busy"),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        IdentityError::InvalidCode | IdentityError::CodeAlreadyUsed => {
            ("code", context.t("account_error_code"), unprocessable)
        }
        IdentityError::EmailUnchanged => (
            "email",
            context.t("account_error_email_unchanged"),
            unprocessable,
        ),
        other => return Err(internal(other)),
    })
}

/// Adds `Retry-After` to a response for a throttled or overloaded request.
fn add_retry_after(response: &mut Response, error: &IdentityError) {
    let wait = match error {
        IdentityError::Throttled { retry_after } | IdentityError::Busy { retry_after } => {
            retry_after.as_secs().max(1)
        }
        _ => return,
    };
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

/// Queues a message and wakes the sender; the message is stored before the person is told
/// it is on its way.
async fn send_mail(state: &AppState, message: MailMessage) -> Result<(), WebError> {
    state
        .outbox()
        .enqueue(&message, state.now())
        .await
        .map_err(internal)?;
    state.wake_mail();
    Ok(())
}

/// A message in the page's variant from the texts `{key}_subject` and `{key}_text`, with
/// the city's name and `values` filled in.
fn mail(context: &PageContext, to: &str, key: &str, values: &[(&str, &str)]) -> MailMessage {
    let city = context.state.config().city.name.clone();
    let mut all: Vec<(&str, &str)> = vec![("city", city.as_str())];
    all.extend_from_slice(values);
    MailMessage {
        to: to.to_owned(),
        subject: context.texts.format(&format!("{key}_subject"), &all),
        text: context.texts.format(&format!("{key}_text"), &all),
        html: None,
    }
}

/// The absolute address of `path` in the page's variant, for links in messages.
fn absolute(context: &PageContext, path: &str) -> String {
    format!(
        "{}{}",
        context.state.config().server.public_url,
        context.url(path)
    )
}

/// Sends the message `key` with the link of `link`: its token's page under `path`.
async fn send_link(
    context: &PageContext,
    link: &EmailLink,
    path: &str,
    key: &str,
) -> Result<(), WebError> {
    let url = absolute(context, &format!("{path}/{}", link.token));
    let until = local_time(context, link.expires_at);
    let values = [
        ("name", link.display_name.as_str()),
        ("link", url.as_str()),
        ("until", until.as_str()),
    ];
    send_mail(&context.state, mail(context, &link.email, key, &values)).await
}

/// Tells the owner of an address that has an account that someone tried to sign up with
/// it or move another account to it, with the ways to sign in and to reset the password.
async fn send_registered_notice(context: &PageContext, email: &str) -> Result<(), WebError> {
    let sign_in = absolute(context, "/account/sign-in");
    let reset = absolute(context, "/account/password-reset");
    let values = [("sign_in", sign_in.as_str()), ("reset", reset.as_str())];
    send_mail(
        &context.state,
        mail(context, email, "mail_registered", &values),
    )
    .await
}

/// Sends what an [`AddressMail`] asks for: the link (to its token's page under `path`, in
/// the message `key`), the notice to an address that has an account, or nothing.
async fn send_address_mail(
    context: &PageContext,
    address_mail: AddressMail,
    path: &str,
    key: &str,
) -> Result<(), WebError> {
    match address_mail {
        AddressMail::Confirm(link) => send_link(context, &link, path, key).await,
        AddressMail::AlreadyRegistered { email } => send_registered_notice(context, &email).await,
        AddressMail::Withheld => Ok(()),
    }
}

/// A time in the city's time zone as people read it in the page's variant.
fn local_time(context: &PageContext, time: chrono::DateTime<chrono::Utc>) -> String {
    context.format_datetime(time.with_timezone(&context.state.time_zone()).naive_local())
}

#[cfg(test)]
mod tests {
    use super::describe_device;

    #[test]
    fn devices_are_named_by_browser_and_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe_device(firefox), "Firefox, Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like \
                    Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(describe_device(edge), "Edge, Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(iphone), "Safari, iOS");
        assert_eq!(describe_device("curl/8.5.0"), "");
    }
}
