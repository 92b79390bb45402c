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
/// styles. Videos of the city may come from its own media server over https.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; media-src 'self' https:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// The content security policy of a PDF document. Browsers show a PDF in a viewer page of
/// their own that the document's policy also governs, and that viewer needs its plugin and
/// inline styles; a PDF runs no script of this site, so only framing stays forbidden.
const DOCUMENT_SECURITY_POLICY: &str = "frame-ancestors 'none'";

/// The same policy for pages this site shows in its own frames (the staff portal's
/// previews).
const FRAMEABLE_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; media-src 'self' https:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'self'";

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
    let (policy, framing) = if frameable {
        (FRAMEABLE_CONTENT_SECURITY_POLICY, "SAMEORIGIN")
    } else {
        (CONTENT_SECURITY_POLICY, "DENY")
    };
    let fixed = [
        ("content-security-policy", policy),
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
