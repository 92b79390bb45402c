//! The editorial workflow on both database backends: drafts, review, scheduling, expiry,
//! conflicts between editors, and preview links.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up step must stop the test"
)]

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rathaus_base::testing::each_backend;
use rathaus_content::model::{Item, Kind, Money, Variant};
use rathaus_content::store::MIGRATIONS;
use rathaus_content::workflow::{Approval, DueReport};
use rathaus_content::{ContentStore, WorkflowError, import};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap()
}

fn demo_items() -> Vec<Item> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
    import::read_folder(&folder, &BTreeSet::new()).expect("the demo content is valid")
}

/// The dog tax service with its first fee changed to `cents`.
fn dog_tax_with_fee(store_item: &Item, cents: i64) -> Item {
    let mut item = store_item.clone();
    if let Item::Service(service) = &mut item {
        service.fees[0].amount = Money { cents };
    }
    item
}

async fn imported_store(database: rathaus_base::Database) -> (ContentStore, Item) {
    let store = ContentStore::new(database);
    let items = demo_items();
    store.import(&items, "import", start()).await.unwrap();
    let dog_tax = items
        .into_iter()
        .find(|item| item.key() == "hundesteuer-anmelden")
        .unwrap();
    (store, dog_tax)
}

async fn published_fee(store: &ContentStore) -> i64 {
    let (_, items) = store.published().await.unwrap();
    match items
        .iter()
        .find(|item| item.key() == "hundesteuer-anmelden")
    {
        Some(Item::Service(service)) => service.fees[0].amount.cents,
        _ => panic!("the dog tax service is not published"),
    }
}

#[tokio::test]
async fn a_draft_reaches_the_portal_only_after_approval() {
    each_backend(MIGRATIONS, |database| async move {
        let (store, dog_tax) = imported_store(database).await;
        let before = published_fee(&store).await;
        let version = store.version().await.unwrap();

        let number = store
            .save_draft(
                &dog_tax_with_fee(&dog_tax, 9_900),
                Some(1),
                "Erika",
                None,
                start(),
            )
            .await
            .unwrap();
        assert_eq!(number, 2);
        store
            .submit_for_review(Kind::Service, "hundesteuer-anmelden", 2)
            .await
            .unwrap();
        assert_eq!(
            published_fee(&store).await,
            before,
            "a draft in review is not public"
        );
        assert_eq!(store.version().await.unwrap(), version);

        let approval = store
            .approve(
                Kind::Service,
                "hundesteuer-anmelden",
                2,
                "Paul",
                None,
                start(),
            )
            .await
            .unwrap();
        assert_eq!(approval, Approval::Published);
        assert_eq!(published_fee(&store).await, 9_900);
        assert!(store.version().await.unwrap() > version);

        let history = store
            .revisions(Kind::Service, "hundesteuer-anmelden")
            .await
            .unwrap();
        let states: Vec<&str> = history.iter().map(|rev| rev.state.as_str()).collect();
        assert_eq!(states, ["published", "superseded"]);
        assert_eq!(history[0].author, "Erika");
        assert_eq!(history[0].reviewed_by.as_deref(), Some("Paul"));
    })
    .await;
}

#[tokio::test]
async fn sending_back_keeps_the_comment_and_returns_the_draft() {
    each_backend(MIGRATIONS, |database| async move {
        let (store, dog_tax) = imported_store(database).await;
        store
            .save_draft(
                &dog_tax_with_fee(&dog_tax, 1),
                Some(1),
                "Erika",
                None,
                start(),
            )
            .await
            .unwrap();
        store
            .submit_for_review(Kind::Service, "hundesteuer-anmelden", 2)
            .await
            .unwrap();

        let empty = store
            .send_back(
                Kind::Service,
                "hundesteuer-anmelden",
                2,
                "Paul",
                "  ",
                start(),
            )
            .await;
        assert!(matches!(empty, Err(WorkflowError::CommentRequired)));

        store
            .send_back(
                Kind::Service,
                "hundesteuer-anmelden",
                2,
                "Paul",
                "Der Betrag stimmt nicht.",
                start(),
            )
            .await
            .unwrap();
        let (info, _) = store
            .revision(Kind::Service, "hundesteuer-anmelden", 2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(info.state, "draft");
        assert_eq!(
            info.review_comment.as_deref(),
            Some("Der Betrag stimmt nicht.")
        );

        let approve_draft = store
            .approve(
                Kind::Service,
                "hundesteuer-anmelden",
                2,
                "Paul",
                None,
                start(),
            )
            .await;
        assert!(matches!(
            approve_draft,
            Err(WorkflowError::WrongState { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn a_second_editor_cannot_overwrite_a_newer_revision_unnoticed() {
    each_backend(MIGRATIONS, |database| async move {
        let (store, dog_tax) = imported_store(database).await;
        store
            .save_draft(
                &dog_tax_with_fee(&dog_tax, 100),
                Some(1),
                "Erika",
                None,
                start(),
            )
            .await
            .unwrap();

        let late = store
            .save_draft(
                &dog_tax_with_fee(&dog_tax, 200),
                Some(1),
                "Max",
                None,
                start(),
            )
            .await;
        match late {
            Err(WorkflowError::Conflict { latest, author, .. }) => {
                assert_eq!(latest, 2);
                assert_eq!(author, "Erika");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }

        let newer = store
            .save_draft(
                &dog_tax_with_fee(&dog_tax, 200),
                Some(2),
                "Max",
                None,
                start(),
            )
            .await
            .unwrap();
        assert_eq!(newer, 3);
        let history = store
            .revisions(Kind::Service, "hundesteuer-anmelden")
            .await
            .unwrap();
        let states: Vec<&str> = history.iter().map(|rev| rev.state.as_str()).collect();
        assert_eq!(states, ["draft", "superseded", "published"]);
    })
    .await;
}

#[tokio::test]
async fn a_scheduled_revision_is_published_once_at_its_time() {
    each_backend(MIGRATIONS, |database| async move {
        let (store, dog_tax) = imported_store(database.clone()).await;
        let monday = start() + Duration::days(4);
        store
            .save_draft(
                &dog_tax_with_fee(&dog_tax, 4_200),
                Some(1),
                "Erika",
                None,
                start(),
            )
            .await
            .unwrap();
        store
            .submit_for_review(Kind::Service, "hundesteuer-anmelden", 2)
            .await
            .unwrap();
        let approval = store
            .approve(
                Kind::Service,
                "hundesteuer-anmelden",
                2,
                "Paul",
                Some(monday),
                start(),
            )
            .await
            .unwrap();
        assert_eq!(approval, Approval::Scheduled(monday));

        let early = store
            .publish_due(monday - Duration::seconds(1))
            .await
            .unwrap();
        assert_eq!(early, DueReport::default());
        assert_ne!(published_fee(&store).await, 4_200);

        // Two nodes run the job at the same moment: exactly one publishes.
        let other_node = ContentStore::new(database);
        let (first, second) =
            tokio::join!(store.publish_due(monday), other_node.publish_due(monday));
        let total = first.unwrap().published + second.unwrap().published;
        assert_eq!(total, 1);
        assert_eq!(published_fee(&store).await, 4_200);

        let again = store
            .publish_due(monday + Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(again, DueReport::default());
    })
    .await;
}

#[tokio::test]
async fn a_cancelled_schedule_publishes_nothing() {
    each_backend(MIGRATIONS, |database| async move {
        let (store, dog_tax) = imported_store(database).await;
        let monday = start() + Duration::days(4);
        store
            .save_draft(
                &dog_tax_with_fee(&dog_tax, 4_200),
                Some(1),
                "Erika",
                None,
                start(),
            )
            .await
            .unwrap();
        store
            .submit_for_review(Kind::Service, "hundesteuer-anmelden", 2)
            .await
            .unwrap();
        store
            .approve(
                Kind::Service,
                "hundesteuer-anmelden",
                2,
                "Paul",
                Some(monday),
                start(),
            )
            .await
            .unwrap();
        store
            .cancel_schedule(Kind::Service, "hundesteuer-anmelden", 2)
            .await
            .unwrap();

        let report = store.publish_due(monday).await.unwrap();
        assert_eq!(report.published, 0);
        assert_ne!(published_fee(&store).await, 4_200);
    })
    .await;
}

#[tokio::test]
async fn an_expired_item_leaves_the_portal_and_review_dates_are_listed() {
    each_backend(MIGRATIONS, |database| async move {
        let (store, _) = imported_store(database).await;
        let expiry = start() + Duration::days(1);
        let due = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        store
            .set_dates(
                Kind::Service,
                "hundesteuer-anmelden",
                Some(due),
                Some(expiry),
            )
            .await
            .unwrap();
        let missing = store
            .set_dates(Kind::Service, "no-such-service", None, None)
            .await;
        assert!(matches!(missing, Err(WorkflowError::NotFound)));

        let overview = store.overview().await.unwrap();
        let dog_tax = overview
            .iter()
            .find(|entry| entry.key == "hundesteuer-anmelden")
            .unwrap();
        assert!(dog_tax.review_overdue(start().date_naive()));
        assert_eq!(dog_tax.expire_at, Some(expiry));
        assert_eq!(dog_tax.title(), "Hund anmelden (Hundesteuer)");

        let report = store.publish_due(expiry).await.unwrap();
        assert_eq!(report.expired, 1);
        let (_, items) = store.published().await.unwrap();
        assert!(
            items
                .iter()
                .all(|item| item.key() != "hundesteuer-anmelden")
        );
    })
    .await;
}

#[tokio::test]
async fn a_preview_link_shows_the_draft_until_it_expires() {
    each_backend(MIGRATIONS, |database| async move {
        let (store, dog_tax) = imported_store(database).await;
        store
            .save_draft(
                &dog_tax_with_fee(&dog_tax, 777),
                Some(1),
                "Erika",
                None,
                start(),
            )
            .await
            .unwrap();
        let secret = store
            .create_preview_link(
                Kind::Service,
                "hundesteuer-anmelden",
                2,
                "Erika",
                Duration::hours(24),
                start(),
            )
            .await
            .unwrap();

        let shown = store.preview(&secret, start()).await.unwrap();
        assert_eq!(shown, Some(dog_tax_with_fee(&dog_tax, 777)));
        let late = store
            .preview(&secret, start() + Duration::hours(25))
            .await
            .unwrap();
        assert_eq!(late, None);
        let guessed = store.preview("0000", start()).await.unwrap();
        assert_eq!(guessed, None);
    })
    .await;
}

#[tokio::test]
async fn a_new_item_starts_as_a_draft_and_lists_its_missing_variants() {
    each_backend(MIGRATIONS, |database| async move {
        let (store, dog_tax) = imported_store(database).await;
        let mut new_service = dog_tax.clone();
        if let Item::Service(service) = &mut new_service {
            service.key = "katzensteuer".to_owned();
            service.en = None;
            service.ls = None;
        }
        let number = store
            .save_draft(&new_service, None, "Erika", Some("neu"), start())
            .await
            .unwrap();
        assert_eq!(number, 1);

        let overview = store.overview().await.unwrap();
        let entry = overview
            .iter()
            .find(|entry| entry.key == "katzensteuer")
            .unwrap();
        assert_eq!(entry.published_number, None);
        assert_eq!(entry.latest_revision.state, "draft");
        assert_eq!(
            entry.missing_variants(),
            [Variant::EasyGerman, Variant::English]
        );
        let (_, items) = store.published().await.unwrap();
        assert!(items.iter().all(|item| item.key() != "katzensteuer"));
    })
    .await;
}
