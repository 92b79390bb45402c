//! The portal and API as a browser or an app sees them, on both database backends, with the
//! demo city loaded and the clock fixed to Monday 7 December 2026, 10:00 in Musterstadt.

#![expect(
    clippy::unwrap_used,
    reason = "a failed set-up step must stop the test"
)]

use std::collections::BTreeSet;
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use rathaus_base::testing::each_backend;
use rathaus_base::{Config, Database, Migration};
use rathaus_content::{ContentStore, import};
use rathaus_web::{AppState, Clock, router};
use tower::ServiceExt;

fn migrations() -> Vec<Migration> {
    rathaus_web::all_migrations()
}

async fn app_at(database: Database, now: chrono::DateTime<Utc>) -> (Router, ContentStore) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
    let items = import::read_folder(&folder, &BTreeSet::new()).unwrap();
    let store = ContentStore::new(database.clone());
    store.import(&items, "test", now).await.unwrap();
    let state = AppState::new(Config::default(), database, None, Clock::Fixed(now))
        .await
        .unwrap();
    (router(state), store)
}

fn monday_morning() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

async fn app(database: Database) -> (Router, ContentStore) {
    app_at(database, monday_morning()).await
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn every_page_type_answers_in_every_variant() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let paths = [
            "/",
            "/search?q=ummelden",
            "/a-z",
            "/services/wohnsitz-anmelden",
            "/offices",
            "/offices?postcode=85104&service=wohnsitz-anmelden",
            "/offices/buergerbuero-altstadt",
            "/life-situations",
            "/life-situations/umzug-nach-musterstadt",
            "/news",
            "/news/winterdienst",
            "/pages/barrierefreiheit",
            "/pages/gebaerdensprache",
            "/pages/leichte-sprache",
            "/pages/impressum",
            "/news/feed.atom",
        ];
        for (code, tag) in [("de", "de"), ("en", "en"), ("ls", "de-x-ls")] {
            for path in paths {
                let answer = get(&app, &format!("/{code}{path}")).await;
                assert_eq!(answer.status, StatusCode::OK, "/{code}{path}");
                if !path.contains("feed.atom") {
                    assert!(
                        answer.body.contains(&format!("<html lang=\"{tag}\"")),
                        "/{code}{path}"
                    );
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn pages_carry_security_and_cache_headers_and_answer_304_when_unchanged() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let answer = get(&app, "/de/services/hundesteuer-anmelden").await;
        let csp = answer.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(answer.headers["x-content-type-options"], "nosniff");
        assert!(
            answer.headers[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .starts_with("public")
        );

        let etag = answer.headers[header::ETAG].clone();
        let again = Request::get("/de/services/hundesteuer-anmelden")
            .header(header::IF_NONE_MATCH, etag)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, again).await.status, StatusCode::NOT_MODIFIED);
    })
    .await;
}

#[tokio::test]
async fn a_service_page_shows_fees_offices_and_structured_data() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let answer = get(&app, "/de/services/bewohnerparkausweis").await;
        assert!(
            answer.body.contains("30,00 €"),
            "the yearly fee is shown in German format"
        );
        assert!(answer.body.contains("\"@type\":\"GovernmentService\""));
        assert!(answer.body.contains("property=\"og:title\""));
        let english = get(&app, "/en/services/bewohnerparkausweis").await;
        assert!(english.body.contains("€30.00"), "and in English format");
    })
    .await;
}

#[tokio::test]
async fn a_missing_variant_shows_german_with_a_note_and_the_right_language() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let answer = get(&app, "/ls/services/fundsache").await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(
            answer
                .body
                .contains("Diese Seite gibt es noch nicht in Leichter Sprache")
        );
        assert!(
            answer.body.contains("<div lang=\"de\">"),
            "screen readers switch to German"
        );
    })
    .await;
}

#[tokio::test]
async fn offices_say_whether_they_are_open_now() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database.clone()).await;
        let answer = get(&app, "/de/offices/buergerbuero-altstadt").await;
        assert!(
            answer.body.contains("Jetzt geöffnet bis"),
            "open on a Monday morning"
        );

        let sunday = Utc.with_ymd_and_hms(2026, 12, 6, 11, 0, 0).unwrap();
        let state = AppState::new(Config::default(), database, None, Clock::Fixed(sunday))
            .await
            .unwrap();
        let answer = get(&router(state), "/de/offices/buergerbuero-altstadt").await;
        assert!(
            answer.body.contains("Jetzt geschlossen. Öffnet morgen um"),
            "closed on Sunday"
        );
    })
    .await;
}

#[tokio::test]
async fn the_office_finder_sorts_by_distance_and_explains_bad_input() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let answer = get(&app, "/de/offices?postcode=85104&service=wohnsitz-anmelden").await;
        assert!(
            answer.body.contains(" km") || answer.body.contains(" m<"),
            "distances shown"
        );

        let answer = get(&app, "/de/offices?postcode=99999").await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(
            answer
                .body
                .contains("Die Postleitzahl 99999 kennen wir nicht")
        );

        let answer = get(&app, "/de/offices?lat=abc&lon=11.6").await;
        assert!(
            answer
                .body
                .contains("Der Standort konnte nicht gelesen werden")
        );

        assert_eq!(
            get(&app, "/de/offices?service=gibt-es-nicht").await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_addresses_get_a_helpful_page_in_their_language() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let german = get(&app, "/de/services/gibt-es-nicht").await;
        assert_eq!(german.status, StatusCode::NOT_FOUND);
        assert!(german.body.contains("Seite nicht gefunden"));
        let english = get(&app, "/en/nothing/here").await;
        assert_eq!(english.status, StatusCode::NOT_FOUND);
        assert!(english.body.contains("Page not found"));
        assert_eq!(get(&app, "/fr/").await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn odd_input_never_breaks_a_page() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let long = "a".repeat(60_000);
        for uri in [
            "/de/search?q=%00%01%FF%FE".to_owned(),
            format!("/de/search?q={long}"),
            "/de/search?q=%22%3Cscript%3Ealert(1)%3C%2Fscript%3E".to_owned(),
            "/de/search?q=' OR 1=1 --".replace(' ', "%20"),
            "/de/search?q=%F0%9F%90%B6%F0%9F%90%B6".to_owned(),
            "/de/search?q=".to_owned(),
            "/de/search?unknown=1&q=hund&q=katze".to_owned(),
            "/de/offices?lat=1e309&lon=NaN".to_owned(),
            "/api/v1/search?q=hund&limit=100000".to_owned(),
            "/api/v1/search?q=hund&lang=xx".to_owned(),
        ] {
            let answer = get(&app, &uri).await;
            assert!(answer.status.as_u16() < 500, "{uri}: {}", answer.status);
            assert!(
                !answer.body.contains("<script>alert"),
                "{uri} reflected markup unescaped"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_api_serves_records_search_and_problem_documents() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let answer = get(&app, "/api/v1/services/hundesteuer-anmelden").await;
        let service: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(service["key"], "hundesteuer-anmelden");
        assert!(
            service["ls"]["name"].is_string(),
            "all variants are in the record"
        );

        let hits: serde_json::Value =
            serde_json::from_str(&get(&app, "/api/v1/search?q=perso").await.body).unwrap();
        assert_eq!(hits[0]["key"], "personalausweis-beantragen");

        let offices: serde_json::Value =
            serde_json::from_str(&get(&app, "/api/v1/offices?postcode=85104").await.body).unwrap();
        let distances: Vec<f64> = offices
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["distance_metres"].as_f64().unwrap())
            .collect();
        assert!(
            distances.windows(2).all(|pair| pair[0] <= pair[1]),
            "sorted by distance"
        );

        let missing = get(&app, "/api/v1/services/nope").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(
            missing.headers[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert!(missing.body.contains("there is no service `nope`"));
        let bad = get(&app, "/api/v1/search?q=x&lang=fr").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("lang must be de, en or ls"));

        let openapi: serde_json::Value =
            serde_json::from_str(&get(&app, "/api/v1/openapi.json").await.body).unwrap();
        assert!(openapi["paths"]["/api/v1/services/{key}"].is_object());
    })
    .await;
}

#[tokio::test]
async fn feeds_and_sitemap_show_only_current_news_and_every_variant() {
    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let feed = get(&app, "/de/news/feed.atom").await.body;
        assert!(feed.contains("/de/news/winterdienst"));
        assert!(
            !feed.contains("kita-anmeldung-2027"),
            "scheduled news stays hidden"
        );
        assert!(
            !feed.contains("herbstmarkt-sperrungen"),
            "expired news is gone"
        );
        assert_eq!(
            get(&app, "/de/news/kita-anmeldung-2027").await.status,
            StatusCode::NOT_FOUND
        );

        let sitemap = get(&app, "/sitemap.xml").await.body;
        assert!(sitemap.contains("/ls/services/wohnsitz-anmelden</loc>"));
        assert!(sitemap.contains("hreflang=\"de-x-ls\""));
        assert!(get(&app, "/robots.txt").await.body.contains("Sitemap: "));
    })
    .await;
}

fn form_token(page: &str) -> String {
    let start = page.find("name=\"token\" value=\"").unwrap() + "name=\"token\" value=\"".len();
    page[start..].split('"').next().unwrap().to_owned()
}

fn post_feedback(body: String, origin: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/de/accessibility-feedback")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn the_feedback_form_stores_reports_and_refuses_forgeries() {
    each_backend(&migrations(), |database| async move {
        let (app, store) = app(database).await;
        let token = form_token(&get(&app, "/de/pages/barrierefreiheit").await.body);

        let empty = send(
            &app,
            post_feedback(format!("token={token}&message=&page=Startseite"), None),
        )
        .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("Beschreiben Sie die Barriere."));
        assert!(
            empty.body.contains("value=\"Startseite\""),
            "what was entered is kept"
        );
        assert!(
            empty.body.contains("<title>Fehler: "),
            "the title says there is an error"
        );

        let forged = send(&app, post_feedback("token=1.abc&message=x".into(), None)).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let cross = format!("token={token}&message=x");
        let cross_site = send(&app, post_feedback(cross, Some("https://evil.example"))).await;
        assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
        assert_eq!(store.open_feedback_count().await.unwrap(), 0);

        let good = format!("token={token}&message=Kontrast+zu+gering&email=a%40b.example");
        let sent = send(&app, post_feedback(good, Some("http://127.0.0.1:8080"))).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER);
        assert!(
            sent.headers[header::LOCATION]
                .to_str()
                .unwrap()
                .contains("sent=1")
        );
        assert_eq!(store.open_feedback_count().await.unwrap(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_connection_that_sends_many_reports_is_asked_to_wait_and_keeps_its_text() {
    each_backend(&migrations(), |database| async move {
        let (app, store) = app(database).await;
        let token = form_token(&get(&app, "/de/pages/barrierefreiheit").await.body);
        let report = |client: [u8; 4], message: &str| {
            let body = format!("token={token}&message={message}");
            let mut request = post_feedback(body, Some("http://127.0.0.1:8080"));
            let address = std::net::SocketAddr::from((client, 50_000));
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(address));
            request
        };
        let busy = [192, 0, 2, 7];

        // The free reports, and the one after them that starts a wait, are all stored.
        for number in 1..=6 {
            let sent = send(&app, report(busy, &format!("Meldung+{number}"))).await;
            assert_eq!(sent.status, StatusCode::SEE_OTHER, "report {number}");
        }
        let refused = send(&app, report(busy, "Bild+ohne+Alternativtext")).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers[header::RETRY_AFTER], "1");
        assert!(refused.body.contains("in einer Minute noch einmal"));
        assert!(
            refused
                .body
                .contains(">Bild ohne Alternativtext</textarea>"),
            "the text is kept for sending again"
        );
        assert_eq!(store.open_feedback_count().await.unwrap(), 6);

        // Another connection is counted apart.
        let other = send(&app, report([198, 51, 100, 1], "Kontrast")).await;
        assert_eq!(other.status, StatusCode::SEE_OTHER);
        assert_eq!(store.open_feedback_count().await.unwrap(), 7);
    })
    .await;
}

#[tokio::test]
async fn published_changes_show_after_a_refresh() {
    each_backend(&migrations(), |database| async move {
        let (_, store) = app(database.clone()).await;
        let state = AppState::new(
            Config::default(),
            database,
            None,
            Clock::Fixed(monday_morning()),
        )
        .await
        .unwrap();
        let app = router(state.clone());
        assert!(
            get(&app, "/de/services/hundesteuer-anmelden")
                .await
                .body
                .contains("100,00 €")
        );

        let (_, items) = store.published().await.unwrap();
        let mut service = items
            .into_iter()
            .find_map(|item| match item {
                rathaus_content::model::Item::Service(s) if s.key == "hundesteuer-anmelden" => {
                    Some(s)
                }
                _ => None,
            })
            .unwrap();
        service.fees[0].amount.cents = 12_000;
        store
            .import(
                &[rathaus_content::model::Item::Service(service)],
                "test",
                monday_morning(),
            )
            .await
            .unwrap();

        assert!(
            state.refresh_catalog().await.unwrap(),
            "the new version is noticed"
        );
        assert!(
            get(&app, "/de/services/hundesteuer-anmelden")
                .await
                .body
                .contains("120,00 €")
        );
    })
    .await;
}

#[tokio::test]
async fn pages_come_compressed_from_the_cache_and_match_the_rendered_page() {
    use std::io::Read as _;

    each_backend(&migrations(), |database| async move {
        let (app, _) = app(database).await;
        let plain = get(&app, "/de/services/wohnsitz-anmelden").await;

        let compressed = |encoding: &'static str| {
            Request::get("/de/services/wohnsitz-anmelden")
                .header(header::ACCEPT_ENCODING, encoding)
                .body(Body::empty())
                .unwrap()
        };
        let response = app
            .clone()
            .oneshot(compressed("gzip, deflate, br"))
            .await
            .unwrap();
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
        assert!(response.headers().contains_key("content-security-policy"));
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let mut decoded = String::new();
        brotli::Decompressor::new(&bytes[..], 4096)
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain.body, "the cached page is the rendered page");

        let response = app.clone().oneshot(compressed("gzip")).await.unwrap();
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain.body);

        let missing = get(&app, "/de/services/gibt-es-nicht").await;
        assert_eq!(
            missing.status,
            StatusCode::NOT_FOUND,
            "errors are not cached"
        );
    })
    .await;
}
