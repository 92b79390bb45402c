//! Endpoints for operators and the platform: health, readiness, metrics and static files.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::state::AppState;

/// `/health`: the process is up. Load balancers restart a node that fails this.
pub async fn health() -> &'static str {
    "ok"
}

/// `/ready`: the node can serve: the database answers and content is loaded. Load balancers
/// send traffic only to ready nodes.
pub async fn ready(State(state): State<AppState>) -> Response {
    if let Err(error) = state.database().ping().await {
        tracing::warn!(error = %error, "not ready: database does not answer");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response();
    }
    if state.catalog().version() == 0 {
        return (StatusCode::SERVICE_UNAVAILABLE, "no content published yet").into_response();
    }
    "ready".into_response()
}

/// `/metrics`: Prometheus metrics.
#[expect(clippy::cast_precision_loss, reason = "counts stay far below 2^52")]
pub async fn metrics(State(state): State<AppState>) -> Response {
    match state.metrics() {
        Some(handle) => {
            let catalog = state.catalog();
            metrics::gauge!("rathaus_content_version").set(catalog.version() as f64);
            for (kind, count) in catalog.counts() {
                metrics::gauge!("rathaus_content_items", "kind" => kind.as_str()).set(count as f64);
            }
            (
                [(
                    header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                handle.render(),
            )
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/assets/{*path}`: a static file by its hashed name, cached for a year.
pub async fn asset(
    State(state): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(asset) = state.assets().get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", asset.hash);
    let cached = crate::page::etag_matches(&headers, etag.as_bytes());
    let mut response = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.bytes.clone().into_owned().into_response()
    };
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, value);
    }
    response
}

/// `/`: to the start page in the language the browser prefers.
pub async fn root(headers: HeaderMap) -> Response {
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let target = if prefers_english(accepted) {
        "/en/"
    } else {
        "/de/"
    };
    let mut response = Redirect::to(target).into_response();
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-language"));
    response
}

/// Whether a browser that sends `accept_language` prefers English to German.
fn prefers_english(accept_language: &str) -> bool {
    for part in accept_language.split(',') {
        let tag = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("de") {
            return false;
        }
        if tag.starts_with("en") {
            return true;
        }
    }
    false
}

/// `/favicon.ico`: browsers ask for it on their own.
pub async fn favicon(State(state): State<AppState>) -> Response {
    Redirect::permanent(&state.assets().url("img/favicon.svg")).into_response()
}

#[cfg(test)]
mod tests {
    use super::prefers_english;

    #[test]
    fn the_first_known_language_wins() {
        assert!(prefers_english("en-GB,en;q=0.9,de;q=0.8"));
        assert!(!prefers_english("de-DE,de;q=0.9,en;q=0.8"));
        assert!(!prefers_english("fr-FR"));
        assert!(!prefers_english(""));
    }
}
