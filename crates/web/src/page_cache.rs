//! A cache of rendered portal pages, compressed once.
//!
//! Public pages are the same for everyone, so a node renders each address once, compresses it
//! with brotli and gzip, and answers the next requests from memory until one of two things
//! happens: the content version changes (something was published) or the entry is older than
//! [`TTL`], so that "open now" and dated lists stay current. Only successful `GET` requests
//! for HTML are kept; forms, errors and the API pass through. The number of entries is
//! bounded, so arbitrary search words cannot fill the memory.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::page::etag_matches;
use crate::state::AppState;

/// How long a page is served from the cache at most.
pub const TTL: Duration = Duration::from_mins(1);

/// How many pages are kept at most.
const MAX_ENTRIES: usize = 2048;

/// The largest page kept; larger ones are rare and rendered each time.
const MAX_PAGE_BYTES: usize = 512 * 1024;

/// One rendered page in each encoding.
struct Entry {
    version: i64,
    created: Instant,
    headers: HeaderMap,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
}

/// The cache of one node.
#[derive(Default)]
pub struct PageCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageCache")
    }
}

/// The encodings a browser accepts that the cache can serve, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

fn preferred_encoding(headers: &HeaderMap) -> Encoding {
    let accepted = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let accepts = |name: &str| {
        accepted.split(',').any(|part| {
            let mut pieces = part.split(';');
            let coding = pieces.next().unwrap_or("").trim();
            let refused = pieces.any(|parameter| {
                let parameter = parameter.trim().replace(' ', "");
                parameter == "q=0" || parameter == "q=0.0" || parameter == "q=0.00"
            });
            coding.eq_ignore_ascii_case(name) && !refused
        })
    };
    if accepts("br") {
        Encoding::Brotli
    } else if accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

impl PageCache {
    /// The response for `key` from the cache, if it holds a fresh entry.
    fn answer(&self, key: &str, version: i64, request: &HeaderMap) -> Option<Response> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        if entry.version != version || entry.created.elapsed() > TTL {
            return None;
        }

        let unchanged = entry
            .headers
            .get(header::ETAG)
            .is_some_and(|etag| etag_matches(request, etag.as_bytes()));
        let encoding = preferred_encoding(request);
        let body = match (unchanged, encoding) {
            (true, _) => Bytes::new(),
            (false, Encoding::Brotli) => entry.brotli.clone(),
            (false, Encoding::Gzip) => entry.gzip.clone(),
            (false, Encoding::Identity) => entry.identity.clone(),
        };
        let mut response = Response::new(Body::from(body));
        *response.headers_mut() = entry.headers.clone();
        if unchanged {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response.headers_mut().remove(header::CONTENT_TYPE);
        } else if let Some(name) = match encoding {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        } {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        }
        Some(response)
    }

    /// Keeps a rendered page.
    fn store(&self, key: String, version: i64, headers: HeaderMap, html: Bytes) {
        let (Some(gzip), Some(brotli)) = (gzip(&html), brotli(&html)) else {
            return;
        };
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, entry| entry.version == version && entry.created.elapsed() <= TTL);
        }
        if entries.len() >= MAX_ENTRIES {
            // Still full of fresh pages: start over rather than track an order of use.
            entries.clear();
        }
        let entry = Entry {
            version,
            created: Instant::now(),
            headers,
            identity: html,
            gzip,
            brotli,
        };
        entries.insert(key, entry);
    }

    /// How many pages the cache holds.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |entries| entries.len())
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// Brotli at quality 5 with a 1 MiB window: for a page of some 14 KB it is within a few
/// dozen bytes of quality 9 at a twentieth of the time, which matters on every cache miss
/// (each new search is one).
fn brotli(bytes: &[u8]) -> Option<Bytes> {
    let mut output = Vec::with_capacity(bytes.len() / 4);
    let mut writer = brotli::CompressorWriter::new(&mut output, 4096, 5, 20);
    writer.write_all(bytes).ok()?;
    drop(writer);
    Some(Bytes::from(output))
}

/// Serves portal pages from the cache, and fills it.
pub async fn serve_cached(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cacheable = request.method() == Method::GET && !request.uri().path().starts_with("/api/");
    if !cacheable {
        return next.run(request).await;
    }

    let key = request.uri().to_string();
    let version = state.catalog().version();
    let cache = state.page_cache();
    if let Some(response) = cache.answer(&key, version, request.headers()) {
        metrics::counter!("rathaus_page_cache_total", "result" => "hit").increment(1);
        return response;
    }
    metrics::counter!("rathaus_page_cache_total", "result" => "miss").increment(1);

    let request_headers = request.headers().clone();
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if response.status() != StatusCode::OK || !is_html {
        return response;
    }

    let (parts, body) = response.into_parts();
    let Ok(html) = axum::body::to_bytes(body, MAX_PAGE_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut headers = parts.headers.clone();
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    cache.store(key.clone(), version, headers, html.clone());
    cache
        .answer(&key, version, &request_headers)
        .unwrap_or_else(|| Response::from_parts(parts, Body::from(html)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn the_best_accepted_encoding_is_chosen() {
        assert_eq!(
            preferred_encoding(&accepting("gzip, deflate, br, zstd")),
            Encoding::Brotli
        );
        assert_eq!(preferred_encoding(&accepting("gzip")), Encoding::Gzip);
        assert_eq!(
            preferred_encoding(&accepting("br;q=0, gzip")),
            Encoding::Gzip
        );
        assert_eq!(
            preferred_encoding(&accepting("identity")),
            Encoding::Identity
        );
        assert_eq!(preferred_encoding(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn compressed_forms_decode_to_the_page() {
        use std::io::Read as _;
        let html = "<p>Wohnsitz anmelden</p>".repeat(100);
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(&gzip(html.as_bytes()).unwrap()[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, html);
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&brotli(html.as_bytes()).unwrap()[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, html.as_bytes());
    }
}
