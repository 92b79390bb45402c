//! Images and documents as a browser sees them, on both database backends, with the demo
//! city and its media loaded: how pages show them and how their files are served and cached.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up step must stop the test"
)]

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use rathaus_base::testing::each_backend;
use rathaus_base::{Config, Database, Migration};
use rathaus_content::media::CENTRE;
use rathaus_content::{ContentStore, MediaStore, import};
use rathaus_web::{AppState, Clock, router};
use tower::ServiceExt;

fn migrations() -> Vec<Migration> {
    [rathaus_content::store::MIGRATIONS, rathaus_web::MIGRATIONS].concat()
}

fn monday_morning() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

async fn app(database: Database) -> (Router, AppState) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
    let demo = import::read_folder_with_media(&folder, &import::Stored::default()).unwrap();
    MediaStore::new(database.clone())
        .import(demo.media, "test", monday_morning())
        .await
        .unwrap();
    ContentStore::new(database.clone())
        .import(&demo.items, "test", monday_morning())
        .await
        .unwrap();
    let state = AppState::new(
        Config::default(),
        database,
        None,
        Clock::Fixed(monday_morning()),
    )
    .await
    .unwrap();
    (router(state.clone()), state)
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .map_or("", |value| value.to_str().unwrap())
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 30 << 20)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// The first `<img …>` tag of a page.
fn img_tag(html: &str) -> String {
    let start = html.find("<img ").expect("the page shows an image");
    let end = start + html[start..].find('>').unwrap();
    html[start..=end].to_owned()
}

/// The value of an attribute in a tag, if it has it.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].replace("&amp;", "&").replace("&#x2f;", "/"))
}

#[tokio::test]
async fn a_news_item_shows_its_image_with_sizes_and_text_in_each_variant() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;

        let german = get(&app, "/de/news/umbau-buergerbuero-nord").await.text();
        let img = img_tag(&german);
        let src = attribute(&img, "src").unwrap();
        assert!(
            src.starts_with("/media/rathaus-marktplatz/w1024?v="),
            "{img}"
        );
        assert_eq!(attribute(&img, "width").as_deref(), Some("1024"));
        assert_eq!(attribute(&img, "height").as_deref(), Some("576"));
        let srcset = attribute(&img, "srcset").unwrap();
        for width in ["320w", "640w", "1024w", "1600w"] {
            assert!(srcset.contains(width), "{srcset}");
        }
        assert!(attribute(&img, "sizes").is_some());
        assert!(
            attribute(&img, "alt")
                .unwrap()
                .starts_with("Das Rathaus am Marktplatz")
        );
        assert_eq!(attribute(&img, "lang"), None);
        assert_eq!(
            attribute(&img, "loading"),
            None,
            "the image in the first screen loads at once"
        );
        assert!(german.contains("<figcaption"));

        let english = get(&app, "/en/news/umbau-buergerbuero-nord").await.text();
        let img = img_tag(&english);
        assert!(
            attribute(&img, "alt")
                .unwrap()
                .starts_with("The town hall on the market square")
        );
        assert_eq!(attribute(&img, "lang"), None);

        // The news item has no Leichte Sprache text, so the page is German; the image has a
        // Leichte Sprache description, which is marked as such inside the German page.
        let easy = get(&app, "/ls/news/umbau-buergerbuero-nord").await.text();
        assert!(easy.contains("<div lang=\"de\">"));
        let img = img_tag(&easy);
        assert!(
            attribute(&img, "alt")
                .unwrap()
                .starts_with("Das ist das Rathaus")
        );
        assert_eq!(attribute(&img, "lang").as_deref(), Some("de-x-ls"));
    })
    .await;
}

#[tokio::test]
async fn image_files_are_kept_for_a_year_under_their_version() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let page = get(&app, "/de/news/umbau-buergerbuero-nord").await.text();
        let src = attribute(&img_tag(&page), "src").unwrap();

        let image = get(&app, &src).await;
        assert_eq!(image.status, StatusCode::OK);
        assert_eq!(image.header(header::CONTENT_TYPE), "image/jpeg");
        assert!(image.body.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert_eq!(
            image.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        let etag = image.header(header::ETAG).to_owned();
        assert!(etag.starts_with('"'), "{etag}");

        let again = Request::get(&src)
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap();
        let again = send(&app, again).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.body.is_empty());
        assert_eq!(again.header(header::ETAG), etag);

        // Without the version the file may have changed since: kept only briefly.
        let unversioned = get(&app, "/media/rathaus-marktplatz/w1024").await;
        assert_eq!(unversioned.status, StatusCode::OK);
        assert_eq!(
            unversioned.header(header::CACHE_CONTROL),
            "public, max-age=300"
        );

        let square = get(&app, "/media/rathaus-marktplatz/1x1-w320").await;
        let decoded = image::load_from_memory(&square.body).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (320, 320));

        for missing in [
            "/media/rathaus-marktplatz/w9999",
            "/media/rathaus-marktplatz/document",
            "/media/gibt-es-nicht/w320",
            "/media/merkblatt-wohnsitzanmeldung/w320",
        ] {
            assert_eq!(
                get(&app, missing).await.status,
                StatusCode::NOT_FOUND,
                "{missing}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_service_links_its_documents_which_open_in_the_browser() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;

        let german = get(&app, "/de/services/wohnsitz-anmelden")
            .await
            .text()
            .replace("&#x2f;", "/");
        assert!(german.contains("Formulare und Merkblätter"));
        let start = german
            .find("href=\"/media/merkblatt-wohnsitzanmeldung/document")
            .unwrap();
        let link = &german[start..start + german[start..].find("</a>").unwrap()];
        assert!(link.contains("hreflang=\"de\""), "{link}");
        assert!(
            link.contains("Merkblatt Wohnsitzanmeldung</span> (PDF, 2 KB, Deutsch)"),
            "the link names the document, its type, size and language: {link}"
        );

        let english = get(&app, "/en/services/wohnsitz-anmelden").await.text();
        assert!(
            english.contains("Leaflet on registering your address</span> (PDF, 2 KB, German)"),
            "{english}"
        );

        let url = attribute(&format!(" {link}"), "href").unwrap();
        let pdf = get(&app, &url).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.header(header::CONTENT_TYPE), "application/pdf");
        assert_eq!(
            pdf.header(header::CONTENT_DISPOSITION),
            "inline; filename=\"merkblatt-wohnsitzanmeldung.pdf\""
        );
        assert!(pdf.body.starts_with(b"%PDF-"));
        // The browser's PDF viewer runs under the document's policy and needs its plugin.
        assert_eq!(
            pdf.header(header::CONTENT_SECURITY_POLICY),
            "frame-ancestors 'none'"
        );
        assert_eq!(
            pdf.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
    })
    .await;
}

#[tokio::test]
async fn the_api_describes_media_with_the_addresses_of_their_files() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let answer = get(&app, "/api/v1/media/rathaus-marktplatz").await;
        assert_eq!(answer.status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(json["kind"], "image");
        assert_eq!(json["width"], 1600);
        assert!(
            json["alt"]["en"]
                .as_str()
                .unwrap()
                .starts_with("The town hall")
        );
        let renditions = json["renditions"].as_array().unwrap();
        assert_eq!(renditions.len(), 10);
        for rendition in renditions {
            let url = rendition["url"].as_str().unwrap();
            assert_eq!(get(&app, url).await.status, StatusCode::OK, "{url}");
        }

        let answer = get(&app, "/api/v1/media/merkblatt-wohnsitzanmeldung").await;
        let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(json["kind"], "document");
        assert_eq!(json["language"], "de");
        assert!(
            json["url"]
                .as_str()
                .unwrap()
                .starts_with("/media/merkblatt-wohnsitzanmeldung/document?v=")
        );

        let missing = get(&app, "/api/v1/media/gibt-es-nicht").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(
            missing.header(header::CONTENT_TYPE),
            "application/problem+json"
        );
    })
    .await;
}

#[tokio::test]
async fn a_moved_focal_point_gives_the_image_new_addresses() {
    each_backend(&migrations(), |database| async move {
        let (app, state) = app(database.clone()).await;
        let before = state
            .catalog()
            .media("rathaus-marktplatz")
            .unwrap()
            .version
            .clone();

        let info = state.catalog().media("rathaus-marktplatz").unwrap().clone();
        let image = info.image().unwrap();
        state
            .media()
            .update_image_details(
                "rathaus-marktplatz",
                image.alt.clone(),
                image.caption.clone(),
                CENTRE,
                "editor",
                monday_morning(),
            )
            .await
            .unwrap();
        assert!(
            state.refresh_catalog().await.unwrap(),
            "media changes are noticed"
        );

        let after = state
            .catalog()
            .media("rathaus-marktplatz")
            .unwrap()
            .version
            .clone();
        assert_ne!(before, after);
        let page = get(&app, "/de/news/umbau-buergerbuero-nord").await.text();
        let src = attribute(&img_tag(&page), "src").unwrap();
        assert!(src.ends_with(&format!("?v={after}")), "{src}");

        // A page rendered before still works; its old address is kept only briefly.
        let old = get(&app, &format!("/media/rathaus-marktplatz/w640?v={before}")).await;
        assert_eq!(old.status, StatusCode::OK);
        assert_eq!(old.header(header::CACHE_CONTROL), "public, max-age=300");
    })
    .await;
}
