//! The staff portal: where the city's editors, publishers and administrators work.
//!
//! Every page under `/staff` needs a signed-in session that passed the second factor; the
//! only exceptions are the sign-in steps themselves and accepting an invitation. Each
//! handler states the role it needs ([`SignedIn::require`]) before it reads or changes
//! anything, and every form that changes something carries a token bound to the session
//! and is refused when sent from another site.
//!
//! Pages are rendered on the server and work without JavaScript; scripts only add the live
//! preview and readability hints while typing. The staff portal speaks German, the working
//! language of city staff. Its responses are never cached (`Cache-Control: no-store`).

pub mod auth;
pub mod content;
pub mod feedback;
pub mod media;
pub mod people;
pub mod preview;

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rathaus_identity::{Role, Session, SessionToken};
use serde::Serialize;

use crate::csrf;
use crate::error::WebError;
use crate::state::AppState;

/// The routes of the staff portal.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(content::dashboard))
        .route("/staff/", get(content::dashboard))
        .route(
            "/staff/sign-in",
            get(auth::sign_in_form).post(auth::sign_in),
        )
        .route(
            "/staff/provider/{provider}/sign-in",
            post(auth::sign_in_with_provider),
        )
        .route(
            "/staff/sign-in/code",
            get(auth::code_form).post(auth::check_code),
        )
        .route(
            "/staff/sign-in/enrol",
            get(auth::enrol_form).post(auth::confirm_enrolment),
        )
        .route("/staff/sign-out", post(auth::sign_out))
        .route(
            "/staff/invitation/{token}",
            get(auth::invitation_form).post(auth::accept_invitation),
        )
        .route("/staff/content", get(content::list))
        .route(
            "/staff/content/{kind}/new",
            get(content::new_form).post(content::create),
        )
        .route("/staff/content/{kind}/{key}", get(content::item))
        .route(
            "/staff/content/{kind}/{key}/edit",
            get(content::edit_form).post(content::save),
        )
        .route("/staff/content/{kind}/{key}/compare", get(content::compare))
        .route(
            "/staff/content/{kind}/{key}/dates",
            post(content::set_dates),
        )
        .route(
            "/staff/content/{kind}/{key}/archive",
            post(content::archive),
        )
        .route(
            "/staff/content/{kind}/{key}/revisions/{number}/{step}",
            post(content::workflow_step),
        )
        .route(
            "/staff/content/{kind}/{key}/revisions/{number}/preview",
            get(preview::frames),
        )
        .route(
            "/staff/content/{kind}/{key}/revisions/{number}/render/{lang}",
            get(preview::render_revision),
        )
        .route(
            "/staff/content/{kind}/{key}/revisions/{number}/preview-link",
            post(preview::create_link),
        )
        .route("/staff/assist", post(content::assist))
        .route(
            "/staff/media",
            get(media::list)
                .merge(post(media::upload).layer(DefaultBodyLimit::max(media::MAX_UPLOAD_BYTES))),
        )
        .route("/staff/media/new", get(media::new_form))
        .route("/staff/media/{key}", get(media::item).post(media::update))
        .route("/staff/media/{key}/delete", post(media::delete))
        .route("/staff/people", get(people::list).post(people::invite))
        .route("/staff/people/{id}", post(people::update))
        .route("/staff/audit", get(people::audit))
        .route("/staff/feedback", get(feedback::list))
        .route(
            "/staff/feedback/{id}/answered",
            post(feedback::mark_answered),
        )
        .route("/preview/{secret}", get(preview::by_link))
        .route("/preview/{secret}/{lang}", get(preview::by_link_in))
}

/// The name of the staff session cookie (see [`crate::cookies`]).
pub fn cookie_name(state: &AppState) -> &'static str {
    if crate::cookies::is_https(state) {
        "__Host-rathaus-staff"
    } else {
        "rathaus-staff"
    }
}

/// A `Set-Cookie` value that stores `token` for the browser session.
pub fn session_cookie(state: &AppState, token: &SessionToken) -> HeaderValue {
    crate::cookies::session(state, cookie_name(state), token)
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    crate::cookies::removal(state, cookie_name(state))
}

/// The session token the browser sent, if any.
pub fn token_from(headers: &HeaderMap, name: &str) -> Option<SessionToken> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, value)| *cookie == name && !value.is_empty())
        .map(|(_, value)| SessionToken::new(value))
}

/// The key under which failed sign-ins of one client are counted: its address, or, behind a
/// trusted reverse proxy, the address the proxy reports. Headers from anyone else are
/// ignored, since a client could write any address into them.
pub fn client_key(parts: &Parts, trusted_proxies: &[IpAddr]) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let forwarded = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|value| value.trim().parse::<IpAddr>().ok());

    let client = match (peer, forwarded) {
        (Some(peer), Some(forwarded)) if trusted_proxies.contains(&peer) => Some(forwarded),
        (peer, _) => peer,
    };
    client.map_or_else(|| "unknown".to_owned(), |address| address.to_string())
}

/// The key a request's client is counted under ([`client_key`]), taken from the request.
pub struct ClientKey(pub String);

impl FromRequestParts<AppState> for ClientKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientKey(client_key(
            parts,
            &state.config().server.trusted_proxies,
        )))
    }
}

/// A signed-in member of staff who passed the second factor.
pub struct SignedIn {
    /// The session with its account.
    pub session: Session,
}

impl SignedIn {
    /// Refuses with 403 unless the account has `role`, everywhere or (for the roles of case
    /// work) in at least one office. Administrators may do everything editors, publishers
    /// and process designers may, but handle no cases by their role.
    pub fn require(&self, role: Role) -> Result<(), WebError> {
        let account = &self.session.account;
        let allowed = match role {
            Role::Editor => account.can_edit(),
            Role::Publisher => account.can_publish(),
            Role::Caseworker => account.handles_cases(),
            Role::OfficeLead => {
                account.has_role(Role::OfficeLead)
                    || account
                        .office_roles
                        .iter()
                        .any(|grant| grant.role == Role::OfficeLead)
            }
            Role::ProcessDesigner => account.can_design_processes(),
            Role::Admin => account.can_manage_staff(),
        };
        if allowed {
            Ok(())
        } else {
            Err(WebError::Forbidden)
        }
    }

    /// The name recorded as author or reviewer.
    pub fn name(&self) -> &str {
        &self.session.account.display_name
    }

    /// The form name that binds a form token to this session.
    fn form_name(&self) -> String {
        format!("staff:{}", self.session.id)
    }

    /// A token for the forms of one page.
    pub fn form_token(&self, state: &AppState) -> String {
        state
            .form_tokens()
            .issue(&self.form_name(), state.now().timestamp())
    }

    /// Refuses a state-changing request sent from another site or without this session's
    /// form token.
    pub fn check_form(
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

/// Refuses a request whose browser headers show it comes from another site.
pub fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), WebError> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let public_url = state.config().server.public_url.as_str();
    if csrf::is_cross_site(header("origin"), header("sec-fetch-site"), &[public_url]) {
        Err(WebError::Forbidden)
    } else {
        Ok(())
    }
}

/// Why a request needs signing in first.
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
                let target = format!("/staff/sign-in?next={}", urlencoding(&back));
                see_other(&target)
            }
            NotSignedIn::Failed(error) => error.into_response(),
        }
    }
}

/// Percent-encodes a path for a query parameter.
pub fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Only addresses inside the staff portal are followed after signing in, so that a link
/// cannot send someone elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with("/staff") && !path.contains("//") && !path.contains('\\') =>
        {
            path.to_owned()
        }
        _ => "/staff".to_owned(),
    }
}

async fn current_session(parts: &Parts, state: &AppState) -> Result<Option<Session>, WebError> {
    let Some(token) = token_from(&parts.headers, cookie_name(state)) else {
        return Ok(None);
    };
    state
        .identity()
        .session(&token, state.now())
        .await
        .map_err(|error| WebError::Internal(error.to_string()))
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = NotSignedIn;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let back = parts
            .uri
            .path_and_query()
            .map_or("/staff", |path| path.as_str())
            .to_owned();
        let session = current_session(parts, state)
            .await
            .map_err(NotSignedIn::Failed)?;
        match session {
            Some(session) if session.second_factor_passed => Ok(SignedIn { session }),
            _ => Err(NotSignedIn::SignIn(back)),
        }
    }
}

impl OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        let session = current_session(parts, state).await?;
        Ok(session
            .filter(|session| session.second_factor_passed)
            .map(|session| SignedIn { session }))
    }
}

/// The frame of a staff page: who is signed in, what they may do, and the form token.
#[derive(Debug, Serialize)]
pub struct StaffLayout {
    /// The page title.
    pub title: String,
    /// The section of the navigation the page belongs to.
    pub section: &'static str,
    /// The signed-in person's name, if someone is signed in.
    pub user: Option<String>,
    /// Whether they may approve and publish.
    pub can_publish: bool,
    /// Whether they may manage staff.
    pub can_manage: bool,
    /// Whether they may edit content (and so see the content and media pages).
    pub can_edit: bool,
    /// The form token for this page's forms.
    pub token: String,
    /// A message about what the last action did.
    pub notice: Option<String>,
}

impl StaffLayout {
    /// The layout of a page for a signed-in person.
    pub fn signed_in(
        state: &AppState,
        staff: &SignedIn,
        title: String,
        section: &'static str,
    ) -> StaffLayout {
        StaffLayout {
            title,
            section,
            user: Some(staff.session.account.display_name.clone()),
            can_publish: staff.session.account.can_publish(),
            can_manage: staff.session.account.can_manage_staff(),
            can_edit: staff.session.account.can_edit(),
            token: staff.form_token(state),
            notice: None,
        }
    }

    /// The layout of a sign-in page, with a token for the form `form`.
    pub fn public(state: &AppState, title: String, form: &str) -> StaffLayout {
        StaffLayout {
            title,
            section: "sign-in",
            user: None,
            can_publish: false,
            can_manage: false,
            can_edit: false,
            token: state.form_tokens().issue(form, state.now().timestamp()),
            notice: None,
        }
    }
}

/// Renders a staff page. Staff pages are never stored by browsers or proxies.
pub fn render(
    state: &AppState,
    template: &str,
    layout: &StaffLayout,
    page: impl Serialize,
) -> Result<Response, WebError> {
    let texts = state
        .messages()
        .table(rathaus_content::model::Variant::German);
    let html =
        state
            .templates()
            .render(template, texts, view! { layout => layout, page => page })?;
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A redirect after a successful form (`303 See Other`), so that reloading the page does not
/// send the form again.
pub fn see_other(target: &str) -> Response {
    Redirect::to(target).into_response()
}
