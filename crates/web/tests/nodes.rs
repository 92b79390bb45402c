//! Two nodes sharing one PostgreSQL database: what one node publishes shows on the other
//! within a second, in the page, the API, the feed, the sitemap and search. Several nodes
//! need a shared server database, so this runs on PostgreSQL only (SQLite is the one-node
//! set-up).

#![expect(
    clippy::unwrap_used,
    reason = "a failed set-up step must stop the test"
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{TimeZone, Utc};
use rathaus_base::testing::postgres_database;
use rathaus_base::{Config, Database, migrate};
use rathaus_content::model::Item;
use rathaus_content::{ContentStore, import};
use rathaus_web::{AppState, Clock, router};
use sqlx::postgres::PgPoolOptions;
use tower::ServiceExt;

async fn get(app: &Router, uri: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Waits until `check` holds on `app`, at most `limit`; returns how long it took.
async fn until(app: &Router, limit: Duration, check: impl Fn(&Router) -> Checks) -> Duration {
    let started = Instant::now();
    loop {
        if check(app).all(app).await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "the second node did not show the change within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The addresses to ask and the text each answer must contain.
struct Checks(Vec<(String, String)>);

impl Checks {
    async fn all(self, app: &Router) -> bool {
        for (uri, expected) in self.0 {
            let (status, body) = get(app, &uri).await;
            if status != StatusCode::OK || !body.contains(&expected) {
                return false;
            }
        }
        true
    }
}

/// A new service and a news item about dwarf poodles, made from the demo's dog tax and a
/// current news item.
fn new_items(items: &[Item], now: chrono::DateTime<Utc>) -> (Item, Item) {
    let mut service = items
        .iter()
        .find(|item| item.key() == "hundesteuer-anmelden")
        .unwrap()
        .clone();
    if let Item::Service(service) = &mut service {
        service.key = String::from("zwergpudel-anmelden");
        service.de.name = String::from("Zwergpudel anmelden");
    }
    let mut news = items
        .iter()
        .find(|item| matches!(item, Item::News(news) if news.is_current(now)))
        .unwrap()
        .clone();
    if let Item::News(news) = &mut news {
        news.key = String::from("zwergpudel-sprechstunde");
        news.de.title = String::from("Sprechstunde für Zwergpudel");
        news.published_at = now - chrono::Duration::hours(1);
    }
    (service, news)
}

#[tokio::test]
async fn a_publication_on_one_node_shows_on_the_other_within_a_second() {
    let Some((first, cleanup)) = postgres_database().await else {
        return;
    };
    migrate::run(&first, &rathaus_web::all_migrations())
        .await
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
    let items = import::read_folder(&folder, &BTreeSet::new()).unwrap();
    let store = ContentStore::new(first.clone());
    store.import(&items, "test", now).await.unwrap();

    // The second node has its own connections to the same database.
    let Database::Postgres(pool) = &first else {
        unreachable!("postgres_database gives a PostgreSQL database")
    };
    let second = Database::Postgres(
        PgPoolOptions::new()
            .max_connections(4)
            .connect_with((*pool.connect_options()).clone())
            .await
            .unwrap(),
    );
    // Polling is slowed to a minute: only the database's notice can bring the change in time.
    let mut config = Config::default();
    config.server.content_poll_milliseconds = 60_000;
    let node = AppState::new(config, second.clone(), None, Clock::Fixed(now))
        .await
        .unwrap();
    tokio::spawn(node.clone().follow_content());
    let app = router(node);
    let (status, _) = get(&app, "/de/services/zwergpudel-anmelden").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A new service and a news item go through review on the first node.
    let (service, news) = new_items(&items, now);
    for item in [&service, &news] {
        store
            .save_draft(item, None, "Erika", None, now)
            .await
            .unwrap();
        store
            .submit_for_review(item.kind(), item.key(), 1)
            .await
            .unwrap();
        store
            .approve(item.kind(), item.key(), 1, "Paul", None, now)
            .await
            .unwrap();
    }

    let took = until(&app, Duration::from_secs(1), |_| {
        Checks(vec![
            (
                "/de/services/zwergpudel-anmelden".to_owned(),
                "Zwergpudel anmelden".to_owned(),
            ),
            (
                "/api/v1/services/zwergpudel-anmelden".to_owned(),
                "Zwergpudel anmelden".to_owned(),
            ),
            (
                "/api/v1/search?q=zwergpudel".to_owned(),
                "zwergpudel-anmelden".to_owned(),
            ),
            (
                "/de/search?q=zwergpudel".to_owned(),
                "Zwergpudel anmelden".to_owned(),
            ),
            (
                "/sitemap.xml".to_owned(),
                "/de/services/zwergpudel-anmelden".to_owned(),
            ),
            (
                "/de/news/feed.atom".to_owned(),
                "Sprechstunde für Zwergpudel".to_owned(),
            ),
        ])
    })
    .await;
    assert!(took < Duration::from_secs(1), "took {took:?}");

    second.close().await;
    first.close().await;
    cleanup.await;
}

#[tokio::test]
async fn a_node_publishes_a_scheduled_revision_by_itself_when_its_time_comes() {
    rathaus_base::testing::each_backend(&rathaus_web::all_migrations(), |database| async move {
        let now = Utc::now();
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
        let items = import::read_folder(&folder, &BTreeSet::new()).unwrap();
        let store = ContentStore::new(database.clone());
        store.import(&items, "test", now).await.unwrap();
        let node = AppState::new(Config::default(), database.clone(), None, Clock::System)
            .await
            .unwrap();
        let worker = tokio::spawn(node.clone().run_scheduled_work());

        let (service, _) = new_items(&items, now);
        store
            .save_draft(&service, None, "Erika", None, now)
            .await
            .unwrap();
        store
            .submit_for_review(service.kind(), service.key(), 1)
            .await
            .unwrap();
        let at = now + chrono::Duration::seconds(2);
        store
            .approve(service.kind(), service.key(), 1, "Paul", Some(at), now)
            .await
            .unwrap();
        assert!(node.catalog().service("zwergpudel-anmelden").is_none());

        let started = Instant::now();
        while node.catalog().service("zwergpudel-anmelden").is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the scheduled revision was not published"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(Utc::now() >= at, "not before its time");
        worker.abort();
    })
    .await;
}
