//! Layers every request passes through: security headers, one log event and metrics per
//! request, and error pages.
//!
//! The request log records method, route pattern (not the path, which may hold search
//! words), status and duration; never query strings, bodies, cookies or addresses, so no
//! personal data reaches the logs. An internal error's cause is logged here, once.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ErrorMarker, WebError};
use crate::page::PageContext;
use crate::state::AppState;

/// The content security policy: everything from this site only, no inline scripts or
/// styles. Videos of the city may come from its own media server over https. Forms post to
/// this site, which may send the browser on to an identity provider ([`SecurityPolicies`]).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; media-src 'self' https:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'";

/// The content security policy of a PDF document. Browsers show a PDF in a viewer page of
/// their own that the document's policy also governs, and that viewer needs its plugin and
/// inline styles; a PDF runs no script of this site, so only framing stays forbidden.
const DOCUMENT_SECURITY_POLICY: &str = "frame-ancestors 'none'";

/// The content security policies of this portal's pages, made once at start.
///
/// Signing in through an identity provider posts a form to the portal, which answers with a
/// redirect to the provider, and browsers hold such a redirect to the form's `form-action`:
/// the origins of the configured providers' issuers are allowed there besides the portal
/// itself. (A provider whose authorization endpoint lies on another origin than its issuer
/// is not covered; Keycloak serves both from one.)
#[derive(Debug, Clone)]
pub struct SecurityPolicies {
    /// Pages that no site may frame.
    page: HeaderValue,
    /// Pages this site shows in its own frames (the staff portal's previews).
    frameable: HeaderValue,
}

impl SecurityPolicies {
    /// The policies for a portal whose identity providers have these issuer addresses.
    pub fn new<'a>(issuers: impl IntoIterator<Item = &'a str>) -> SecurityPolicies {
        let mut form_action = "'self'".to_owned();
        for origin in issuers.into_iter().filter_map(origin_of) {
            if !form_action.split(' ').any(|known| known == origin) {
                form_action.push(' ');
                form_action.push_str(origin);
            }
        }
        let policy = |frame_ancestors: &str| {
            let text = format!(
                "{CONTENT_SECURITY_POLICY}; form-action {form_action}; \
                 frame-ancestors {frame_ancestors}"
            );
            // Origins are checked to hold only characters allowed in a header.
            HeaderValue::from_str(&text)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
        };
        SecurityPolicies {
            page: policy("'none'"),
            frameable: policy("'self'"),
        }
    }
}

/// The origin (`scheme://host[:port]`) of an http or https address, if it is one that can
/// stand in a policy.
fn origin_of(address: &str) -> Option<&str> {
    let (scheme, rest) = address.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = &address[..scheme.len() + 3 + host_end];
    let host = &rest[..host_end];
    let allowed = |character: char| {
        character.is_ascii_alphanumeric() || matches!(character, '.' | '-' | ':' | '[' | ']')
    };
    (!host.is_empty() && host.chars().all(allowed)).then_some(origin)
}

/// Adds the security headers to every response. A response that a handler marked as
/// frameable by this site (`X-Frame-Options: sameorigin`) may be framed by this site only;
/// every other response may not be framed at all.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let frameable = headers
        .get(header::X_FRAME_OPTIONS)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"sameorigin"));
    let policies = state.security_policies();
    let (policy, framing) = if frameable {
        (policies.frameable.clone(), "SAMEORIGIN")
    } else {
        (policies.page.clone(), "DENY")
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    let fixed = [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("x-frame-options", framing),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "geolocation=(self), camera=(), microphone=(), interest-cohort=()",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == b"application/pdf")
    {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCUMENT_SECURITY_POLICY),
        );
    }
    if state.config().server.public_url.starts_with("https://") {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Logs one event per request and records its metrics.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());

    let response = next.run(request).await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    let labels = [
        ("method", method.to_string()),
        ("route", route.clone()),
        ("status", status.to_string()),
    ];
    metrics::counter!("rathaus_http_requests_total", &labels).increment(1);
    metrics::histogram!("rathaus_http_request_duration_seconds", "route" => route.clone())
        .record(seconds);

    let duration_ms = seconds * 1000.0;
    match response
        .extensions()
        .get::<ErrorMarker>()
        .map(|marker| marker.0.as_ref())
    {
        Some(WebError::Internal(cause)) => {
            tracing::error!(http.method = %method, http.route = %route, http.status = status, duration_ms, error = %cause, "request failed");
        }
        _ if status >= 500 => {
            tracing::warn!(http.method = %method, http.route = %route, http.status = status, duration_ms, "request");
        }
        _ => {
            tracing::info!(http.method = %method, http.route = %route, http.status = status, duration_ms, "request");
        }
    }
    response
}

/// Turns error responses without a body into a page in the variant of the address, or into
/// a problem document under `/api`.
pub async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let marker = response.extensions().get::<ErrorMarker>().cloned();
    if marker.is_none() && !response_is_empty(&response) {
        return response;
    }

    if path.starts_with("/api/") {
        let detail = match marker.as_ref().map(|marker| marker.0.as_ref()) {
            Some(WebError::BadRequest(detail)) => detail.clone(),
            _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
        };
        let mut problem = crate::routes::api::problem(status, detail);
        copy_extensions(&response, &mut problem);
        return problem;
    }

    let code = path
        .split('/')
        .nth(1)
        .filter(|code| rathaus_content::model::Variant::from_code(code).is_some());
    let Ok(context) = PageContext::new(&state, code.unwrap_or("de")) else {
        return response;
    };
    let mut page = render_error(
        &context,
        status,
        marker.as_ref().map(|marker| marker.0.as_ref()),
    );
    *page.status_mut() = status;
    copy_extensions(&response, &mut page);
    page
}

fn copy_extensions(from: &Response, to: &mut Response) {
    if let Some(marker) = from.extensions().get::<ErrorMarker>() {
        to.extensions_mut().insert(marker.clone());
    }
    if let Some(retry) = from.headers().get(header::RETRY_AFTER) {
        to.headers_mut().insert(header::RETRY_AFTER, retry.clone());
    }
}

fn response_is_empty(response: &Response) -> bool {
    use axum::body::HttpBody;
    response.body().size_hint().exact() == Some(0)
}

fn render_error(context: &PageContext, status: StatusCode, error: Option<&WebError>) -> Response {
    let (title, text) = match status {
        StatusCode::NOT_FOUND => ("error_404_title", "error_404_text"),
        StatusCode::FORBIDDEN => ("error_403_title", "error_403_text"),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            ("error_503_title", "error_503_text")
        }
        status if status.is_client_error() => ("error_400_title", "error_400_text"),
        _ => ("error_500_title", "error_500_text"),
    };
    let detail = match error {
        Some(WebError::BadRequest(detail)) => Some(detail.clone()),
        _ => None,
    };
    let layout = context.layout("/", context.t(title), context.t(text));
    let view = view! {
        status => status.as_u16(),
        text => context.t(text),
        detail => detail,
        search_url => context.url("/search"),
        home_url => context.url("/"),
    };
    match context.render("error.html", &layout, view) {
        Ok(mut response) => {
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response.headers_mut().remove(header::ETAG);
            response
        }
        Err(_) => (status, Body::from("Error")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_of_an_address_is_its_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://login.muenchen.example/realms/public"),
            Some("https://login.muenchen.example")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:4100"),
            Some("http://127.0.0.1:4100")
        );
        assert_eq!(
            origin_of("https://[::1]:8443/x"),
            Some("https://[::1]:8443")
        );
        assert_eq!(origin_of("ftp://files.example/"), None);
        assert_eq!(origin_of("https://evil.example; script-src *"), None);
        assert_eq!(origin_of("https:///realms"), None);
    }

    #[test]
    fn forms_may_lead_to_the_configured_providers_and_nowhere_else() {
        let policies = SecurityPolicies::new([
            "https://login.muenchen.example/realms/public",
            "https://login.muenchen.example/realms/staff",
            "https://id.bund.example",
        ]);
        let page = policies.page.to_str().unwrap();
        assert!(
            page.contains(
                "form-action 'self' https://login.muenchen.example https://id.bund.example;"
            ),
            "{page}"
        );
        assert!(page.ends_with("frame-ancestors 'none'"));
        assert!(
            policies
                .frameable
                .to_str()
                .unwrap()
                .ends_with("frame-ancestors 'self'")
        );

        let without = SecurityPolicies::new([]);
        assert!(
            without
                .page
                .to_str()
                .unwrap()
                .contains("form-action 'self';")
        );
    }
}
