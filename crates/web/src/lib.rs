//! The web layer of Rathaus: the citizen portal, the JSON API, feeds, and the endpoints
//! operators need. It turns HTTP requests into plain calls on the content platform and
//! renders the answers; it holds no business rules of its own.

/// Builds a template context from named values of any serialisable type.
macro_rules! view {
    ($($key:ident => $value:expr),* $(,)?) => {
        minijinja::context! {
            $($key => minijinja::Value::from(minijinja::value::Serde($value))),*
        }
    };
}

pub mod account;
pub mod assets;
pub mod cookies;
pub mod csrf;
pub mod error;
pub mod i18n;
pub mod middleware;
pub mod page;
pub mod page_cache;
pub mod render;
pub mod routes;
pub mod staff;
pub mod state;
pub mod structured_data;

use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};

pub use state::{AppState, Clock, StartError};

/// The largest request body accepted: forms are small.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The migrations of the web layer's own tables.
pub const MIGRATIONS: &[rathaus_base::Migration] = &[rathaus_base::Migration {
    version: 2,
    name: "shared secrets of the web layer",
    sql: "CREATE TABLE web_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
}];

/// The migrations of every platform the web layer serves, in one list.
pub fn all_migrations() -> Vec<rathaus_base::Migration> {
    [
        rathaus_content::store::MIGRATIONS,
        MIGRATIONS,
        rathaus_identity::MIGRATIONS,
        rathaus_base::mail::MIGRATIONS,
    ]
    .concat()
}

/// The portal's public pages, which pass through the page cache.
fn portal_routes() -> Router<AppState> {
    use routes::{feedback, feeds, ops, portal};

    Router::new()
        .route("/", get(ops::root))
        .route("/{lang}/", get(portal::home))
        .route("/{lang}", get(portal::home))
        .route("/{lang}/search", get(portal::search))
        .route("/{lang}/a-z", get(portal::a_to_z))
        .route("/{lang}/services/{key}", get(portal::service))
        .route("/{lang}/offices", get(portal::offices))
        .route("/{lang}/offices/{key}", get(portal::office))
        .route("/{lang}/life-situations", get(portal::life_situations))
        .route("/{lang}/life-situations/{key}", get(portal::life_situation))
        .route("/{lang}/news", get(portal::news_list))
        .route("/{lang}/news/feed.atom", get(feeds::news_feed))
        .route("/{lang}/news/{key}", get(portal::news_item))
        .route("/{lang}/pages/{key}", get(portal::page))
        .route("/{lang}/accessibility-feedback", post(feedback::submit))
        .route("/sitemap.xml", get(feeds::sitemap))
        .route("/robots.txt", get(feeds::robots))
        .route("/favicon.ico", get(ops::favicon))
        .route("/assets/{*path}", get(ops::asset))
}

/// The JSON API.
fn api_routes() -> Router<AppState> {
    use routes::api;

    Router::new()
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/services", get(api::services))
        .route("/api/v1/services/{key}", get(api::service))
        .route("/api/v1/offices", get(api::offices))
        .route("/api/v1/offices/{key}", get(api::office))
        .route("/api/v1/life-situations", get(api::life_situations))
        .route("/api/v1/life-situations/{key}", get(api::life_situation))
        .route("/api/v1/news", get(api::news))
        .route("/api/v1/pages/{key}", get(api::page))
        .route("/api/v1/media/{key}", get(api::media))
        .route("/api/v1/search", get(api::search))
        .route("/api/v1/suggest", get(api::suggest))
}

/// All routes with their middleware.
pub fn router(state: AppState) -> Router {
    use routes::{media, ops};

    let portal = portal_routes();
    let api = api_routes();

    // Images and documents are files, not pages: they pass by the page cache, and
    // browsers keep them by their versioned address.
    let media_files = Router::new().route("/media/{key}/{variant}", get(media::file));

    let operations = Router::new()
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics));

    let server = &state.config().server;
    let overload = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|error: tower::BoxError| async move {
            // Both a timeout and a full house mean: try again shortly.
            let cause = if error.is::<tower::timeout::error::Elapsed>() {
                "timeout"
            } else {
                "overload"
            };
            metrics::counter!("rathaus_http_rejected_total", "cause" => cause).increment(1);
            let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
            response
        }))
        .load_shed()
        .concurrency_limit(server.max_concurrent_requests)
        .timeout(Duration::from_secs(server.request_timeout_seconds));

    // Staff pages, previews and citizens' account pages are personal: they pass the error
    // pages but never the cache.
    let staff =
        staff::router()
            .merge(account::router())
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                middleware::error_pages,
            ));

    Router::new()
        .merge(portal)
        .merge(api)
        .fallback(|| async { error::WebError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::error_pages,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_cache::serve_cached,
        ))
        .merge(staff)
        .merge(operations)
        .merge(media_files)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Fonts are compressed already; compressing them again only costs time.
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("font/"))),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(overload)
        .layer(axum::middleware::from_fn(middleware::log_request))
        .with_state(state)
}
