//! The content store on both database backends: importing, revisions, the published state
//! and export, with the demo city as data.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up step must stop the test"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use rathaus_base::testing::each_backend;
use rathaus_content::model::{Item, Kind, Variant};
use rathaus_content::store::{MIGRATIONS, NewFeedback};
use rathaus_content::{ContentError, ContentStore, MediaStore, import};

fn demo_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo")
}

fn demo_items() -> Vec<Item> {
    import::read_folder(&demo_folder(), &BTreeSet::new()).expect("the demo content is valid")
}

#[test]
fn the_demo_city_has_what_the_portal_promises() {
    let items = demo_items();
    let count = |kind| items.iter().filter(|item| item.kind() == kind).count();
    assert!(
        count(Kind::Service) >= 40,
        "services: {}",
        count(Kind::Service)
    );
    assert!(count(Kind::Office) >= 10);
    assert!(count(Kind::LifeSituation) >= 8);
    assert!(count(Kind::News) >= 10);

    let examples = [
        "wohnsitz-anmelden",
        "bewohnerparkausweis",
        "hundesteuer-anmelden",
        "fuehrungszeugnis",
        "personalausweis-beantragen",
        "meldebescheinigung",
        "fahrzeug-wiederzulassen",
        "kita-platz",
        "halteverbot-umzug",
        "gewerbe-anmelden",
        "einbuergerung",
        "problem-melden",
    ];
    for key in examples {
        let Some(Item::Service(service)) = items.iter().find(|item| item.key() == key) else {
            panic!("example service {key} is missing");
        };
        assert_eq!(
            service.texts().available().len(),
            3,
            "{key} must exist in all three variants"
        );
    }
    let moving = items
        .iter()
        .find(|item| item.key() == "umzug-nach-musterstadt");
    let Some(Item::LifeSituation(moving)) = moving else {
        panic!("moving to the city is missing")
    };
    assert!(moving.texts().exact(Variant::EasyGerman).is_some());
}

#[tokio::test]
async fn an_import_is_stored_once_and_a_repeat_changes_nothing() {
    each_backend(MIGRATIONS, |database| async move {
        let store = ContentStore::new(database);
        let items = demo_items();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();

        let first = store.import(&items, "test", now).await.unwrap();
        assert_eq!(first.created, items.len());
        assert_eq!(store.version().await.unwrap(), 1);

        let second = store.import(&items, "test", now).await.unwrap();
        assert_eq!(second.unchanged, items.len());
        assert_eq!(
            store.version().await.unwrap(),
            1,
            "an unchanged import publishes nothing"
        );

        let (version, published) = store.published().await.unwrap();
        assert_eq!(version, 1);
        assert_eq!(published.len(), items.len());
        for item in &items {
            assert!(
                published.contains(item),
                "{} {} did not survive storage",
                item.kind(),
                item.key()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_change_becomes_a_new_revision_and_the_old_one_is_kept() {
    each_backend(MIGRATIONS, |database| async move {
        let store = ContentStore::new(database);
        let mut items = demo_items();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        store.import(&items, "first", now).await.unwrap();

        let Some(Item::Service(service)) = items
            .iter_mut()
            .find(|item| item.key() == "hundesteuer-anmelden")
        else {
            panic!("dog tax service missing");
        };
        service.fees[0].amount.cents += 500;
        let changed = Item::Service(service.clone());
        let report = store
            .import(std::slice::from_ref(&changed), "second", now)
            .await
            .unwrap();
        assert_eq!(report.updated, 1);
        assert_eq!(store.version().await.unwrap(), 2);

        let revisions = store
            .revisions(Kind::Service, "hundesteuer-anmelden")
            .await
            .unwrap();
        let states: Vec<(i64, &str, &str)> = revisions
            .iter()
            .map(|r| (r.number, r.state.as_str(), r.author.as_str()))
            .collect();
        assert_eq!(
            states,
            vec![(2, "published", "second"), (1, "superseded", "first")]
        );

        let (_, published) = store.published().await.unwrap();
        assert!(published.contains(&changed));
    })
    .await;
}

#[tokio::test]
async fn export_writes_files_that_import_to_the_same_content() {
    each_backend(MIGRATIONS, |database| async move {
        let store = ContentStore::new(database.clone());
        let media = MediaStore::new(database);
        let demo = import::read_folder_with_media(&demo_folder(), &import::Stored::default())
            .expect("the demo content is valid");
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        media.import(demo.media.clone(), "test", now).await.unwrap();
        store.import(&demo.items, "test", now).await.unwrap();

        let folder = tempfile::tempdir().unwrap();
        let (_, published) = store.published().await.unwrap();
        import::write_folder(folder.path(), &published).unwrap();
        let mut files = Vec::new();
        for info in media.list(None).await.unwrap() {
            let original = media.original(&info.key).await.unwrap().unwrap();
            files.push((info, original));
        }
        assert_eq!(import::write_media(folder.path(), &files).unwrap(), 2);
        let again =
            import::read_folder_with_media(folder.path(), &import::Stored::default()).unwrap();

        let report = store.import(&again.items, "test", now).await.unwrap();
        assert_eq!(
            report.unchanged,
            demo.items.len(),
            "the exported files must import unchanged"
        );
        let report = media.import(again.media, "test", now).await.unwrap();
        assert_eq!(report.unchanged, demo.media.len(), "and so must the media");
    })
    .await;
}

#[tokio::test]
async fn feedback_is_stored_before_it_is_acknowledged() {
    each_backend(MIGRATIONS, |database| async move {
        let store = ContentStore::new(database);
        let feedback = NewFeedback {
            page: "/de/offices".into(),
            message: "Die Karte ist mit der Tastatur nicht bedienbar.".into(),
            contact_name: None,
            contact_email: Some("a@b.example".into()),
        };
        store.save_feedback(&feedback, Utc::now()).await.unwrap();
        assert_eq!(store.open_feedback_count().await.unwrap(), 1);
    })
    .await;
}

/// Copies the demo folder and lets a test break one file.
fn broken_copy(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    let folders = Kind::ALL.map(Kind::folder);
    for folder in folders.into_iter().chain([import::MEDIA_FOLDER]) {
        let from = demo_folder().join(folder);
        let to = copy.path().join(folder);
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    edit(copy.path());
    copy
}

fn import_problems(folder: &Path) -> Vec<String> {
    match import::read_folder(folder, &BTreeSet::new()) {
        Err(ContentError::Import(problems)) => problems.iter().map(ToString::to_string).collect(),
        other => panic!("expected the import to be refused, got {other:?}"),
    }
}

#[test]
fn a_bad_field_is_named_with_file_item_and_field() {
    let folder = broken_copy(|root| {
        let path = root.join("services/hundesteuer-anmelden.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let broken = text.replacen("amount = \"", "amount = \"zwölf", 1);
        std::fs::write(path, broken).unwrap();
    });
    let problems = import_problems(folder.path());
    let expected = "services/hundesteuer-anmelden.toml, item `hundesteuer-anmelden`, field \
                    `fees[0].amount`: `zwölf";
    assert!(problems[0].starts_with(expected), "{problems:#?}");
    // Items referring to the refused one are named too, so nothing breaks unnoticed.
    assert!(
        problems[1..]
            .iter()
            .all(|problem| problem.contains("hundesteuer-anmelden"))
    );
}

#[test]
fn unknown_fields_broken_references_and_syntax_errors_are_all_reported() {
    let folder = broken_copy(|root| {
        let office = root.join("offices/standesamt.toml");
        let text = std::fs::read_to_string(&office).unwrap();
        std::fs::write(&office, format!("opening_hour = 1\n{text}")).unwrap();

        let service = root.join("services/fundsache.toml");
        let text = std::fs::read_to_string(&service).unwrap();
        let re = text.replacen("offices = [", "offices = [\"rathaus-mond\", ", 1);
        std::fs::write(&service, re).unwrap();

        std::fs::write(
            root.join("news/kaputt.toml"),
            "key = \"kaputt\"\n[de\ntitle = 1\n",
        )
        .unwrap();
    });
    let problems = import_problems(folder.path());
    let text = problems.join("\n");
    assert!(
        text.contains("offices/standesamt.toml") && text.contains("opening_hour"),
        "{text}"
    );
    assert!(
        text.contains("services/fundsache.toml") && text.contains("rathaus-mond"),
        "{text}"
    );
    assert!(
        text.contains("news/kaputt.toml") && text.contains("line 2"),
        "{text}"
    );
}

#[tokio::test]
async fn a_refused_import_changes_nothing() {
    each_backend(MIGRATIONS, |database| async move {
        let store = ContentStore::new(database);
        let folder = broken_copy(|root| {
            std::fs::write(root.join("services/neu.toml"), "key = \"neu\"\n").unwrap();
        });
        assert!(import::read_folder(folder.path(), &store.keys().await.unwrap()).is_err());
        assert_eq!(store.version().await.unwrap(), 0);
        assert!(store.keys().await.unwrap().is_empty());
    })
    .await;
}
