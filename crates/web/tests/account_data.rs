//! A citizen's own data over HTTP, on both database backends: the profile with its sources
//! and forms, the choice of the value forms use, consents and their withdrawal, the
//! data-use log, the copy of everything, deleting the account, and the rule that nobody
//! reaches another person's data, whatever id is put in an address or a form field.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up step must stop the test"
)]

mod support;

use axum::http::{StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use rathaus_base::Database;
use rathaus_base::testing::each_backend;
use rathaus_identity::vault::catalogue::{BANK_ACCOUNT, FAMILY_NAME};
use rathaus_identity::vault::purposes;
use rathaus_identity::{IdentityConfig, IdentityError, IdentityStore, Purpose, Source};
use serde_json::{Value, json};
use support::{Browser, app_at, demo_city, outbox};
use uuid::Uuid;

const PASSWORD: &str = "Mein Hund heißt Bello und bellt";
const GOOD_IBAN: &str = "DE89 3704 0044 0532 0130 00";
const MISTYPED_IBAN: &str = "DE89 3704 0044 0532 0130 01";
const READER: &str = "process.residence_registration";
const REFERENCE: &str = "prefilled into application 2026-000123";

fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

fn identity(database: &Database) -> IdentityStore {
    IdentityStore::new(database.clone(), IdentityConfig::for_tests())
}

#[derive(sqlx::FromRow)]
struct Id {
    id: Uuid,
}

/// Signs up through the form and the link in the message; the browser is signed in
/// afterwards. Returns the new account's id.
async fn sign_up(browser: &mut Browser, database: &Database, name: &str, email: &str) -> Uuid {
    let form = browser.get("/de/account/sign-up").await;
    let sent = browser
        .post(
            "/de/account/sign-up",
            &[
                ("name", name),
                ("email", email),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
                ("token", &form.field("token")),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);

    let mail = outbox(database).await;
    let message = mail
        .iter()
        .rev()
        .find(|mail| mail.recipient == email)
        .expect("a message to the address");
    let link = message.link("http");
    let path = &link[link.find("/de/").unwrap()..];
    let confirm = browser.get(path).await;
    let done = browser
        .post(path, &[("token", &confirm.field("token"))])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    let row: Id = database
        .fetch_one(
            "SELECT id FROM identity_accounts WHERE email = $1",
            &[email.into()],
        )
        .await
        .unwrap();
    row.id
}

fn prefill() -> Purpose {
    Purpose::new(purposes::APPLICATION_PREFILL, "Wohnsitz anmelden").unwrap()
}

/// Sends the form of an attribute with these fields and a fresh token.
async fn send_value(
    browser: &mut Browser,
    attribute: &str,
    fields: &[(&str, &str)],
) -> support::Answer {
    let path = format!("/de/account/profile/{attribute}");
    let form = browser.get(&path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let token = form.field("token");
    let mut all = fields.to_vec();
    all.push(("token", &token));
    browser.post(&path, &all).await
}

#[tokio::test]
async fn a_mistyped_iban_is_named_at_its_field_with_the_input_kept_and_a_good_one_is_stored() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app);
        let id = sign_up(&mut maria, &database, "Maria", "maria@example.org").await;

        let refused = send_value(
            &mut maria,
            BANK_ACCOUNT,
            &[
                ("iban", MISTYPED_IBAN),
                ("bic", ""),
                ("holder", "Maria Muster"),
            ],
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("<title>Fehler: "),
            "the title says so"
        );
        let message = refused
            .error_at("account-iban")
            .expect("a message at the IBAN");
        assert!(message.contains("Prüfziffern"), "{message}");
        assert!(
            refused.body.contains("href=\"#account-iban\""),
            "the summary links to the field"
        );
        assert_eq!(refused.field("iban"), MISTYPED_IBAN);
        assert_eq!(refused.field("holder"), "Maria Muster");
        assert!(identity(&database).profile(id).await.unwrap().is_empty());

        let saved = send_value(
            &mut maria,
            BANK_ACCOUNT,
            &[("iban", GOOD_IBAN), ("bic", ""), ("holder", "Maria Muster")],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert!(
            saved
                .location()
                .starts_with("/de/account/profile?note=value-saved")
        );

        let profile = identity(&database).profile(id).await.unwrap();
        let value = &profile[0].values[0];
        assert_eq!(value.source, Source::SelfDeclared);
        assert_eq!(
            value.value,
            json!({"iban": "DE89370400440532013000", "bic": null, "holder": "Maria Muster"})
        );
        let back = saved.location().split('#').next().unwrap().to_owned();
        let page = maria.get(&back).await;
        assert!(page.body.contains("IBAN DE89 3704 0044 0532 0130 00"));
        assert!(page.body.contains("Von Ihnen eingegeben, nicht geprüft"));
        assert!(page.body.contains("Ihr Wert ist gespeichert."));
    })
    .await;
}

#[tokio::test]
async fn the_person_chooses_the_value_forms_use_and_deletes_their_own() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app);
        let id = sign_up(&mut maria, &database, "Maria", "maria@example.org").await;
        let store = identity(&database);
        store
            .record_from_provider(id, "bundid", &[(FAMILY_NAME, json!("Muster"))], morning())
            .await
            .unwrap();
        let saved = send_value(&mut maria, FAMILY_NAME, &[("value", "Muster-Huber")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

        // The verified value comes first; the person's own is offered to choose.
        let page = maria.get("/de/account/profile").await;
        assert!(page.body.contains("Von bundid, geprüft"));
        let profile = store.profile(id).await.unwrap();
        let own = profile[0]
            .values
            .iter()
            .find(|value| value.source == Source::SelfDeclared)
            .unwrap();
        assert_ne!(profile[0].current().unwrap().id, own.id);

        let chosen = maria
            .post(
                "/de/account/profile/prefer",
                &[
                    ("value", &own.id.to_string()),
                    ("token", &page.field("token")),
                ],
            )
            .await;
        assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.body);
        let profile = store.profile(id).await.unwrap();
        assert_eq!(profile[0].current().unwrap().id, own.id);
        let page = maria.get("/de/account/profile").await;
        assert!(page.body.contains("Von Ihnen ausgewählt."));

        let deleted = maria
            .post(
                &format!("/de/account/profile/values/{}/delete", own.id),
                &[("token", &page.field("token"))],
            )
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
        let profile = store.profile(id).await.unwrap();
        assert_eq!(profile[0].values.len(), 1, "the provider's value stays");
        assert_eq!(profile[0].values[0].value, json!("Muster"));

        // A provider's value is not deleted from the profile page.
        let provider_value = profile[0].values[0].id;
        let refused = maria
            .post(
                &format!("/de/account/profile/values/{provider_value}/delete"),
                &[("token", &page.field("token"))],
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_withdrawn_consent_is_shown_with_its_date_and_stops_reads() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app);
        let id = sign_up(&mut maria, &database, "Maria", "maria@example.org").await;
        let store = identity(&database);
        let consent = store
            .grant_consent(id, purposes::CONTACT, morning())
            .await
            .unwrap();

        let page = maria.get("/de/account/consents").await;
        assert_eq!(page.status, StatusCode::OK);
        let token = page.field("token");
        assert!(
            page.body
                .contains("Nachrichten zu Ihren Anträgen per E-Mail oder Telefon")
        );
        let withdrawn = maria
            .post(
                &format!("/de/account/consents/{}/withdraw", consent.id),
                &[("token", &token)],
            )
            .await;
        assert_eq!(
            withdrawn.status,
            StatusCode::SEE_OTHER,
            "{}",
            withdrawn.body
        );

        let contact = Purpose::new(purposes::CONTACT, "Nachrichten").unwrap();
        let read = store
            .read_for_purpose(id, READER, &contact, &[FAMILY_NAME], REFERENCE, morning())
            .await;
        assert!(matches!(read, Err(IdentityError::ConsentRequired { .. })));
        let page = maria
            .get("/de/account/consents?note=consent-withdrawn")
            .await;
        assert!(page.body.contains("Widerrufen: "));
        assert!(page.body.contains("Ihre Einwilligung ist widerrufen."));
        assert!(
            !page.body.contains("/withdraw\""),
            "nothing left to withdraw"
        );

        // Withdrawing twice finds nothing.
        let again = maria
            .post(
                &format!("/de/account/consents/{}/withdraw", consent.id),
                &[("token", &token)],
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_data_use_log_shows_each_read_with_reader_purpose_data_and_destination() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app);
        let id = sign_up(&mut maria, &database, "Maria", "maria@example.org").await;
        let store = identity(&database);

        let empty = maria.get("/de/account/data-use").await;
        assert!(
            empty
                .body
                .contains("Bisher hat niemand Ihre Daten genutzt.")
        );

        store
            .set_attribute(id, FAMILY_NAME, &json!("Muster"), morning())
            .await
            .unwrap();
        store
            .read_for_purpose(id, READER, &prefill(), &[FAMILY_NAME], REFERENCE, morning())
            .await
            .unwrap();

        let page = maria.get("/de/account/data-use").await;
        assert_eq!(page.status, StatusCode::OK);
        for shown in [
            READER,
            "Wohnsitz anmelden",
            "Familienname",
            REFERENCE,
            "730 Tage",
        ] {
            assert!(page.body.contains(shown), "{shown} is on the page");
        }
    })
    .await;
}

#[tokio::test]
async fn the_copy_of_all_data_is_a_page_and_a_file_with_profile_and_log() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app);
        let id = sign_up(&mut maria, &database, "Maria", "maria@example.org").await;
        let store = identity(&database);
        store
            .set_attribute(id, FAMILY_NAME, &json!("Muster"), morning())
            .await
            .unwrap();
        store
            .read_for_purpose(id, READER, &prefill(), &[FAMILY_NAME], REFERENCE, morning())
            .await
            .unwrap();

        let page = maria.get("/de/account/export").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("maria@example.org"));
        assert!(page.body.contains("Familienname</strong>: Muster"));
        assert!(page.body.contains(REFERENCE));

        let file = maria.get("/de/account/export/download").await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(
            file.headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"my-data-2026-12-07.json\""
        );
        let export: Value = serde_json::from_slice(&file.bytes).unwrap();
        assert_eq!(export["account"]["email"], "maria@example.org");
        assert_eq!(export["profile"][0]["name"], FAMILY_NAME);
        assert_eq!(export["profile"][0]["values"][0]["value"], "Muster");
        assert_eq!(export["data_uses"][0]["reader"], READER);
        assert_eq!(export["data_uses"][0]["attributes"], json!([FAMILY_NAME]));
        assert!(!file.body.contains("argon2"), "no password hash");
    })
    .await;
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_signs_out() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app);
        let id = sign_up(&mut maria, &database, "Maria", "maria@example.org").await;
        let store = identity(&database);

        let page = maria.get("/de/account/delete").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("365 Tage lang"),
            "the audit log's period"
        );
        assert!(
            page.body.contains("730 Tage lang"),
            "the data-use log's period"
        );

        let refused = maria
            .post(
                "/de/account/delete",
                &[
                    ("delete_password", "falsches Passwort"),
                    ("token", &page.field("token")),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            refused.error_at("account-delete-password").as_deref(),
            Some("Das Passwort stimmt nicht. Ihr Konto ist nicht gelöscht.")
        );
        assert!(store.account(id).await.unwrap().is_some());

        let deleted = maria
            .post(
                "/de/account/delete",
                &[
                    ("delete_password", PASSWORD),
                    ("token", &page.field("token")),
                ],
            )
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
        assert_eq!(deleted.location(), "/de/account/deleted");
        assert!(!maria.has_cookie(), "the session cookie is removed");
        assert!(store.account(id).await.unwrap().is_none());

        let confirmation = maria.get("/de/account/deleted").await;
        assert_eq!(confirmation.status, StatusCode::OK);
        assert!(confirmation.body.contains("Ihr Konto ist gelöscht"));
        let account = maria.get("/de/account").await;
        assert_eq!(account.status, StatusCode::SEE_OTHER);
        assert!(account.location().starts_with("/de/account/sign-in"));
    })
    .await;
}

/// The first id after `marker` in a page.
fn id_after(body: &str, marker: &str) -> String {
    let start = body.find(marker).expect("the marker is on the page") + marker.len();
    body[start..start + 36].to_owned()
}

/// Gives Maria data of every kind: an own value, a provider's value, a consent and a read.
/// Returns the consent.
async fn give_data(
    maria: &mut Browser,
    store: &IdentityStore,
    maria_id: Uuid,
) -> rathaus_identity::Consent {
    send_value(
        maria,
        BANK_ACCOUNT,
        &[("iban", GOOD_IBAN), ("holder", "Maria Muster")],
    )
    .await;
    store
        .record_from_provider(
            maria_id,
            "bundid",
            &[(
                BANK_ACCOUNT,
                json!({"iban": "AT611904300234573201", "holder": "Maria Muster"}),
            )],
            morning(),
        )
        .await
        .unwrap();
    let consent = store
        .grant_consent(maria_id, purposes::CONTACT, morning())
        .await
        .unwrap();
    store
        .read_for_purpose(
            maria_id,
            READER,
            &prefill(),
            &[BANK_ACCOUNT],
            REFERENCE,
            morning(),
        )
        .await
        .unwrap();
    consent
}

#[tokio::test]
async fn nobody_reaches_another_persons_data_whatever_id_is_tried() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let store = identity(&database);
        let mut maria = Browser::new(app.clone());
        let maria_id = sign_up(&mut maria, &database, "Maria", "maria@example.org").await;
        let mut jonas = Browser::new(app.clone());
        sign_up(&mut jonas, &database, "Jonas", "jonas@example.org").await;

        // Maria has data of every kind, and a session.
        let consent = give_data(&mut maria, &store, maria_id).await;
        let profile = maria.get("/de/account/profile").await;
        let values = &store.profile(maria_id).await.unwrap()[0].values;
        let id_from = |own: bool| {
            values
                .iter()
                .find(|value| (value.source == Source::SelfDeclared) == own)
                .unwrap()
                .id
                .to_string()
        };
        let (own_value, other_value) = (id_from(true), id_from(false));
        assert!(profile.body.contains(&own_value));
        let security = maria.get("/de/account/security").await;
        let maria_session = id_after(&security.body, "/de/account/sessions/");
        let before = store.export_account(maria_id).await.unwrap();

        // Jonas tries every route with Maria's ids, with his own valid form token.
        let token = jonas.get("/de/account/security").await.field("token");
        let attempts = [
            ("/de/account/profile/prefer".to_owned(), Some(&own_value)),
            ("/de/account/profile/prefer".to_owned(), Some(&other_value)),
            (
                format!("/de/account/profile/values/{own_value}/delete"),
                None,
            ),
            (
                format!("/de/account/profile/values/{other_value}/delete"),
                None,
            ),
            (
                format!("/de/account/consents/{}/withdraw", consent.id),
                None,
            ),
            (format!("/de/account/sessions/{maria_session}/end"), None),
            (
                "/de/account/profile/values/not-an-id/delete".to_owned(),
                None,
            ),
            ("/de/account/consents/not-an-id/withdraw".to_owned(), None),
        ];
        for (path, value) in attempts {
            let mut fields = vec![("token", token.as_str())];
            if let Some(value) = value {
                fields.push(("value", value.as_str()));
            }
            let answer = jonas.post(&path, &fields).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        }

        // A token from Maria's page does not work in Jonas's session.
        let stolen = jonas
            .post(
                "/de/account/profile/prefer",
                &[("value", &other_value), ("token", &profile.field("token"))],
            )
            .await;
        assert_eq!(stolen.status, StatusCode::FORBIDDEN);

        // Maria's data is unchanged and never appears in Jonas's pages.
        assert_eq!(store.export_account(maria_id).await.unwrap(), before);
        for path in [
            "/de/account",
            "/de/account/profile",
            "/de/account/consents",
            "/de/account/data-use",
            "/de/account/export",
            "/de/account/export/download",
            "/de/account/delete",
        ] {
            let answer = jonas.get(path).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}");
            for secret in [
                "maria@example.org",
                "Maria Muster",
                "DE89",
                "AT61",
                REFERENCE,
                &maria_id.to_string(),
            ] {
                assert!(!answer.body.contains(secret), "{secret} on {path}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn the_data_pages_are_personal_and_ask_to_sign_in_first() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app.clone());
        sign_up(&mut maria, &database, "Maria", "maria@example.org").await;
        let pages = [
            "/de/account/profile",
            "/en/account/profile/person.family_name",
            "/ls/account/consents",
            "/de/account/data-use",
            "/en/account/export",
            "/de/account/export/download",
            "/ls/account/delete",
        ];
        for path in pages {
            let answer = maria.get(path).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}");
            assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store", "{path}");
            if !path.ends_with("download") {
                assert!(
                    answer.body.contains("class=\"account-nav\""),
                    "{path} has the account navigation"
                );
            }

            let mut anonymous = Browser::new(app.clone());
            let answer = anonymous.get(path).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
            assert!(
                answer.location().contains("/account/sign-in?next="),
                "{path}"
            );
        }

        let unknown = maria.get("/de/account/profile/person.shoe_size").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    })
    .await;
}
