//! Citizens' accounts over HTTP, on both database backends: signing up through the link in
//! the message, signing in and out, the forgotten password, the address change, the
//! authenticator, passkeys, the list of devices, and the rule that nobody reaches another
//! person's account, whatever address or form field is tried.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up step must stop the test"
)]

mod support;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rathaus_base::Database;
use rathaus_base::testing::each_backend;
use support::{Answer, Browser, app_at, app_code, demo_city, outbox};

const PASSWORD: &str = "Mein Hund heißt Bello und bellt";

fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

/// The path and query of an absolute link in a message.
fn path_of(link: &str) -> String {
    let after_scheme = link.split_once("://").map_or(link, |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or_else(|| "/".to_owned(), |start| after_scheme[start..].to_owned())
}

/// Signs up through the form and the link in the message; the browser is signed in
/// afterwards.
async fn sign_up(browser: &mut Browser, database: &Database, name: &str, email: &str) {
    let form = browser.get("/de/account/sign-up").await;
    assert_eq!(form.status, StatusCode::OK);
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
    assert!(sent.body.contains("Bitte sehen Sie in Ihr Postfach"));

    let mail = outbox(database).await;
    let message = mail
        .iter()
        .rev()
        .find(|mail| mail.recipient == email)
        .expect("a message to the address");
    let link = path_of(&message.link("http"));
    let confirm = browser.get(&link).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let done = browser
        .post(&link, &[("token", &confirm.field("token"))])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/de/account?note=welcome");
}

async fn sign_in(browser: &mut Browser, email: &str, password: &str) -> Answer {
    let form = browser.get("/de/account/sign-in").await;
    browser
        .post(
            "/de/account/sign-in",
            &[
                ("email", email),
                ("password", password),
                ("next", "/de/account"),
                ("token", &form.field("token")),
            ],
        )
        .await
}

#[tokio::test]
async fn a_citizen_signs_up_through_the_emailed_link_and_signs_in_and_out() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app.clone());

        let refused = maria.get("/de/account").await;
        assert_eq!(refused.status, StatusCode::SEE_OTHER);
        assert_eq!(
            refused.location(),
            "/de/account/sign-in?next=/de/account",
            "signed out, the account page leads to signing in"
        );

        sign_up(&mut maria, &database, "Maria Muster", "maria@example.org").await;
        let overview = maria.get("/de/account").await;
        assert_eq!(overview.status, StatusCode::OK);
        assert!(overview.body.contains("Maria Muster"));
        assert!(overview.body.contains("maria@example.org"));
        assert_eq!(
            overview.headers.get("cache-control").unwrap(),
            "no-store",
            "personal pages are never kept"
        );
        let mail = outbox(&database).await;
        assert_eq!(mail[0].subject, "Ihr Konto beim Serviceportal Musterstadt");

        let out = maria
            .post(
                "/de/account/sign-out",
                &[("token", &overview.field("token"))],
            )
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(!maria.has_cookie());
        assert_eq!(maria.get("/de/account").await.status, StatusCode::SEE_OTHER);

        let wrong = sign_in(&mut maria, "maria@example.org", "ein falsches Passwort").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(
            wrong
                .body
                .contains("E-Mail-Adresse oder Passwort stimmen nicht.")
        );
        assert!(
            wrong.body.contains("value=\"maria@example.org\""),
            "the address stays"
        );
        let unknown = sign_in(&mut maria, "niemand@example.org", "ein falsches Passwort").await;
        assert_eq!(
            unknown.status, wrong.status,
            "unknown addresses look the same"
        );

        let right = sign_in(&mut maria, "maria@example.org", PASSWORD).await;
        assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.body);
        assert_eq!(right.location(), "/de/account");
        assert_eq!(maria.get("/de/account").await.status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn a_sign_up_form_with_mistakes_names_each_field_and_keeps_what_was_typed() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let mut browser = Browser::new(app_at(&database, morning()).await);
        let form = browser.get("/en/account/sign-up").await;

        let answer = browser
            .post(
                "/en/account/sign-up",
                &[
                    ("name", "Jonas"),
                    ("email", "jonas@example.org"),
                    ("password", "Password2026!"),
                    ("password_again", "Password2026!"),
                    ("token", &form.field("token")),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.body.contains("<title>Error: Create an account"));
        let message = answer.text_of("account-password-error").unwrap();
        assert!(message.contains("most common"), "{message}");
        assert!(
            answer.body.contains("href=\"#account-password\""),
            "in the summary"
        );
        assert!(answer.body.contains("value=\"jonas@example.org\""));

        let answer = browser
            .post(
                "/en/account/sign-up",
                &[
                    ("name", "Jonas"),
                    ("email", "jonas-at-example.org"),
                    ("password", PASSWORD),
                    ("password_again", PASSWORD),
                    ("token", &form.field("token")),
                ],
            )
            .await;
        assert!(answer.text_of("account-email-error").is_some());

        let answer = browser
            .post(
                "/en/account/sign-up",
                &[
                    ("name", "Jonas"),
                    ("email", "jonas@example.org"),
                    ("password", PASSWORD),
                    ("password_again", "something else entirely"),
                    ("token", &form.field("token")),
                ],
            )
            .await;
        assert!(answer.text_of("account-password-again-error").is_some());
        assert!(outbox(&database).await.is_empty(), "nothing was sent");
    })
    .await;
}

#[tokio::test]
async fn signing_up_again_with_a_known_address_looks_the_same_and_tells_the_owner() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        sign_up(
            &mut Browser::new(app.clone()),
            &database,
            "Maria",
            "maria@example.org",
        )
        .await;

        let mut stranger = Browser::new(app.clone());
        let form = stranger.get("/de/account/sign-up").await;
        let answer = stranger
            .post(
                "/de/account/sign-up",
                &[
                    ("name", "Someone"),
                    ("email", "maria@example.org"),
                    ("password", "ein ganz anderes Passwort"),
                    ("password_again", "ein ganz anderes Passwort"),
                    ("token", &form.field("token")),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(
            answer
                .body
                .contains("Wir haben eine Nachricht an maria@example.org geschickt")
        );

        let mail = outbox(&database).await;
        let notice = mail.last().unwrap();
        assert_eq!(notice.recipient, "maria@example.org");
        assert!(notice.body_text.contains("Sie haben schon ein Konto"));
        assert!(
            !notice.body_text.contains("/account/sign-up/"),
            "no sign-up link"
        );
    })
    .await;
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_link_once() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app.clone());
        sign_up(&mut maria, &database, "Maria", "maria@example.org").await;

        let mut elsewhere = Browser::new(app.clone());
        let form = elsewhere.get("/de/account/password-reset").await;
        for email in ["niemand@example.org", "maria@example.org"] {
            let answer = elsewhere
                .post(
                    "/de/account/password-reset",
                    &[("email", email), ("token", &form.field("token"))],
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK);
            assert!(
                answer
                    .body
                    .contains(&format!("Wenn es für {email} ein Konto gibt"))
            );
        }
        let mail = outbox(&database).await;
        assert!(
            mail.iter()
                .all(|mail| mail.recipient != "niemand@example.org")
        );
        let link = path_of(&mail.last().unwrap().link("http"));

        let page = elsewhere.get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        let new_password = "Ein neues Passwort für Maria";
        let done = elsewhere
            .post(
                &link,
                &[
                    ("password", new_password),
                    ("password_again", new_password),
                    ("token", &page.field("token")),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location(), "/de/account/sign-in?note=reset");

        assert_eq!(
            maria.get("/de/account").await.status,
            StatusCode::SEE_OTHER,
            "the old session ended"
        );
        assert_eq!(
            elsewhere.get(&link).await.status,
            StatusCode::NOT_FOUND,
            "once only"
        );
        let signed_in = sign_in(&mut elsewhere, "maria@example.org", new_password).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn the_address_changes_through_the_link_and_the_old_one_is_told() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let mut maria = Browser::new(app_at(&database, morning()).await);
        sign_up(&mut maria, &database, "Maria", "maria@example.org").await;

        let security = maria.get("/de/account/security").await;
        assert_eq!(security.status, StatusCode::OK);
        let token = security.field("token");
        let wrong = maria
            .post(
                "/de/account/email",
                &[
                    ("email", "maria@example.net"),
                    ("email_password", "falsch und falsch"),
                    ("token", &token),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.text_of("account-email-password-error").is_some());
        assert!(wrong.body.contains("value=\"maria@example.net\""));

        let sent = maria
            .post(
                "/de/account/email",
                &[
                    ("email", "maria@example.net"),
                    ("email_password", PASSWORD),
                    ("token", &token),
                ],
            )
            .await;
        assert_eq!(sent.location(), "/de/account/security?note=email-sent");
        let mail = outbox(&database).await;
        let message = mail.last().unwrap();
        assert_eq!(message.recipient, "maria@example.net");
        let link = path_of(&message.link("http"));

        let confirm = maria.get(&link).await;
        let done = maria
            .post(&link, &[("token", &confirm.field("token"))])
            .await;
        assert_eq!(done.location(), "/de/account?note=email-changed");
        let overview = maria.get("/de/account?note=email-changed").await;
        assert!(overview.body.contains("maria@example.net"));
        assert!(overview.body.contains("Ihre neue E-Mail-Adresse gilt."));
        let mail = outbox(&database).await;
        let notice = mail.last().unwrap();
        assert_eq!(notice.recipient, "maria@example.org");
        assert!(notice.body_text.contains("maria@example.net"));
    })
    .await;
}

#[tokio::test]
async fn an_authenticator_protects_the_account_from_then_on() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app.clone());
        sign_up(&mut maria, &database, "Maria", "maria@example.org").await;

        let setup = maria.get("/de/account/authenticator").await;
        assert_eq!(setup.status, StatusCode::OK);
        assert!(setup.body.contains("<svg"), "a QR code");
        let secret = setup.text_of("secret").unwrap().replace(' ', "");
        let wrong = maria
            .post(
                "/de/account/authenticator",
                &[("code", "000000"), ("token", &setup.field("token"))],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            wrong.text_of("secret").unwrap().replace(' ', ""),
            secret,
            "the same secret is offered again"
        );
        let codes = maria
            .post(
                "/de/account/authenticator",
                &[
                    ("code", &app_code(&secret, morning())),
                    ("token", &setup.field("token")),
                ],
            )
            .await;
        assert_eq!(codes.status, StatusCode::OK, "{}", codes.body);
        assert_eq!(codes.body.matches("<li><code>").count(), 10);

        // A minute later, on another device, the code is asked for.
        let later = morning() + Duration::minutes(1);
        let mut phone = Browser::on_phone(app_at(&database, later).await);
        let step = sign_in(&mut phone, "maria@example.org", PASSWORD).await;
        assert_eq!(step.status, StatusCode::SEE_OTHER);
        assert!(step.location().starts_with("/de/account/sign-in/code"));
        assert_eq!(
            phone.get("/de/account").await.status,
            StatusCode::SEE_OTHER,
            "a pending sign-in opens nothing"
        );
        let form = phone.get("/de/account/sign-in/code").await;
        let done = phone
            .post(
                "/de/account/sign-in/code",
                &[
                    ("code", &app_code(&secret, later)),
                    ("next", "/de/account/security"),
                    ("token", &form.field("token")),
                ],
            )
            .await;
        assert_eq!(done.location(), "/de/account/security");
        let security = phone.get("/de/account/security").await;
        assert!(security.body.contains("Safari, iOS"));
        assert!(security.body.contains("Firefox, Linux"));
    })
    .await;
}

#[tokio::test]
async fn nobody_reaches_another_persons_account_whatever_is_tried() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = app_at(&database, morning()).await;
        let mut maria = Browser::new(app.clone());
        sign_up(&mut maria, &database, "Maria", "maria@example.org").await;
        let mut jonas = Browser::new(app.clone());
        sign_up(&mut jonas, &database, "Jonas", "jonas@example.org").await;

        // Maria's session id, as her own page shows it.
        let page = maria.get("/de/account/security").await;
        let start = page.body.find("/de/account/sessions/").unwrap() + 21;
        let maria_session = &page.body[start..start + 36];

        // Jonas tries to end it with his own valid form token.
        let own = jonas.get("/de/account/security").await;
        assert!(!own.body.contains("maria@example.org"));
        let attempt = jonas
            .post(
                &format!("/de/account/sessions/{maria_session}/end"),
                &[("token", &own.field("token"))],
            )
            .await;
        assert_eq!(attempt.status, StatusCode::NOT_FOUND);
        assert_eq!(maria.get("/de/account").await.status, StatusCode::OK);

        // A token from Maria's page does not work in Jonas's session.
        let stolen = jonas
            .post(
                "/de/account/sessions/end-others",
                &[("token", &page.field("token"))],
            )
            .await;
        assert_eq!(stolen.status, StatusCode::FORBIDDEN);

        // A form sent from another site is refused.
        let mut request = support::form_request(
            "/de/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "von woanders gesetzt"),
                ("password_again", "von woanders gesetzt"),
                ("token", &own.field("token")),
            ],
        );
        request
            .headers_mut()
            .insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert_eq!(jonas.send(request).await.status, StatusCode::FORBIDDEN);

        // A staff session is no citizen session, and the other way round.
        let staff_page = maria.get("/staff").await;
        assert_eq!(staff_page.status, StatusCode::SEE_OTHER);
        assert!(staff_page.location().starts_with("/staff/sign-in"));
        for path in [
            "/de/account",
            "/de/account/security",
            "/en/account/authenticator",
            "/ls/account",
        ] {
            let mut anonymous = Browser::new(app.clone());
            let answer = anonymous.get(path).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
            assert!(
                answer.location().contains("/account/sign-in?next="),
                "{path}"
            );
        }
    })
    .await;
}

/// Stores a passkey for the account as registering one would; its key is never read by the
/// pages, which list names and dates only. (The ceremony itself needs an authenticator: the
/// identity tests sign with a software one, the browser tests with Chromium's.)
async fn stored_passkey(database: &Database, email: &str, name: &str) -> uuid::Uuid {
    #[derive(sqlx::FromRow)]
    struct Id {
        id: uuid::Uuid,
    }
    let account: Id = database
        .fetch_one(
            "SELECT id FROM identity_accounts WHERE email = $1",
            &[email.into()],
        )
        .await
        .unwrap();
    let id = uuid::Uuid::now_v7();
    database
        .execute(
            "INSERT INTO identity_passkeys (id, account_id, credential_id, passkey, name, \
             created_at) VALUES ($1, $2, $3, '{}', $4, $5)",
            &[
                id.into(),
                account.id.into(),
                id.to_string().into(),
                name.into(),
                morning().into(),
            ],
        )
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn passkeys_are_listed_renamed_and_removed_without_javascript() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = support::app_reached_at(&database, morning(), "http://localhost:8080").await;
        let mut maria = Browser::new(app.clone());
        sign_up(&mut maria, &database, "Maria Muster", "maria@example.org").await;

        let page = maria.get("/de/account/security").await;
        assert!(page.body.contains("Sie haben noch keinen Passkey."));
        assert!(page.body.contains("braucht diese Seite JavaScript"));
        assert!(
            !page.body.contains("Passwort entfernen"),
            "no passkey, no removal"
        );

        let passkey = stored_passkey(&database, "maria@example.org", "Laptop").await;
        let page = maria.get("/de/account/security").await;
        assert!(page.body.contains("Laptop"));
        let renamed = maria
            .post(
                &format!("/de/account/passkeys/{passkey}/rename"),
                &[("name", "Telefon"), ("token", &page.field("token"))],
            )
            .await;
        assert_eq!(
            renamed.location(),
            "/de/account/security?note=passkey-renamed"
        );
        let unnamed = maria
            .post(
                &format!("/de/account/passkeys/{passkey}/rename"),
                &[("name", "  "), ("token", &page.field("token"))],
            )
            .await;
        assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unnamed.body.contains("höchstens 100 Zeichen"));
        assert!(unnamed.body.contains("Telefon"));

        // The password goes after it is confirmed; then the passkey is the last way in.
        let wrong = maria
            .post(
                "/de/account/password/remove",
                &[
                    ("password_to_remove", "falsch"),
                    ("token", &page.field("token")),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let removed = maria
            .post(
                "/de/account/password/remove",
                &[
                    ("password_to_remove", PASSWORD),
                    ("token", &page.field("token")),
                ],
            )
            .await;
        assert_eq!(
            removed.location(),
            "/de/account/security?note=password-removed"
        );
        let page = maria
            .get("/de/account/security?note=password-removed")
            .await;
        assert!(page.body.contains("Ihr Konto hat kein Passwort"));
        assert!(
            page.body.contains("Dafür brauchen Sie Ihr Passwort")
                && !page.body.contains("action=\"/de/account/email\""),
            "the address form asks for a password the person no longer has"
        );
        let last = maria
            .post(
                &format!("/de/account/passkeys/{passkey}/remove"),
                &[("token", &page.field("token"))],
            )
            .await;
        assert_eq!(last.status, StatusCode::CONFLICT);
        assert!(last.body.contains("letzter Weg"));

        // Nobody else renames or removes it.
        let mut jonas = Browser::new(app.clone());
        sign_up(&mut jonas, &database, "Jonas Beispiel", "jonas@example.org").await;
        let own = jonas.get("/de/account/security").await;
        for action in ["rename", "remove"] {
            let answer = jonas
                .post(
                    &format!("/de/account/passkeys/{passkey}/{action}"),
                    &[("name", "Meins"), ("token", &own.field("token"))],
                )
                .await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{action}");
        }
        let page = maria.get("/de/account/security").await;
        assert!(page.body.contains("Telefon"));
    })
    .await;
}

#[tokio::test]
async fn an_account_without_a_password_is_deleted_only_after_a_recent_sign_in() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = support::app_reached_at(&database, morning(), "http://localhost:8080").await;
        let mut maria = Browser::new(app);
        sign_up(&mut maria, &database, "Maria Muster", "maria@example.org").await;
        stored_passkey(&database, "maria@example.org", "Laptop").await;
        let page = maria.get("/de/account/security").await;
        let removed = maria
            .post(
                "/de/account/password/remove",
                &[
                    ("password_to_remove", PASSWORD),
                    ("token", &page.field("token")),
                ],
            )
            .await;
        assert_eq!(
            removed.location(),
            "/de/account/security?note=password-removed"
        );

        // Without a password, deleting the account needs a recent sign-in: twenty minutes
        // later (the session still open) the page offers to sign in again instead, and leads
        // back to it afterwards.
        let later = morning() + Duration::minutes(20);
        maria.move_to(support::app_reached_at(&database, later, "http://localhost:8080").await);
        let page = maria.get("/de/account/delete").await;
        assert!(
            page.body.contains("Ihr Konto hat kein Passwort"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Abmelden und neu anmelden"));
        assert!(!page.body.contains("name=\"delete_password\""));
        let refused = maria
            .post("/de/account/delete", &[("token", &page.field("token"))])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.body.contains("Ihre Anmeldung ist zu lange her"));
        let out = maria
            .post(
                "/de/account/sign-out",
                &[
                    ("token", &page.field("token")),
                    ("next", "/de/account/delete"),
                ],
            )
            .await;
        assert_eq!(
            out.location(),
            "/de/account/sign-in?note=signed-out&next=/de/account/delete"
        );
        assert!(!maria.has_cookie());
    })
    .await;
}

#[tokio::test]
async fn the_passkey_endpoints_answer_json_and_refuse_forged_requests() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let app = support::app_reached_at(&database, morning(), "http://localhost:8080").await;
        let mut maria = Browser::new(app.clone());
        sign_up(&mut maria, &database, "Maria Muster", "maria@example.org").await;
        let token = maria.get("/de/account/security").await.field("token");

        let registration = "/de/account/passkeys/register/begin";
        let begun = maria
            .send(support::json_request(
                registration,
                &serde_json::json!({ "token": token }),
            ))
            .await;
        assert_eq!(begun.status, StatusCode::OK, "{}", begun.body);
        let answer: serde_json::Value = serde_json::from_slice(&begun.bytes).unwrap();
        assert_eq!(answer["options"]["publicKey"]["rp"]["id"], "localhost");
        assert!(
            answer["ceremony"]
                .as_str()
                .is_some_and(|token| !token.is_empty())
        );

        let forged = maria
            .send(support::json_request(
                registration,
                &serde_json::json!({ "token": "1.abc" }),
            ))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let elsewhere = maria
            .send(support::from_elsewhere(support::json_request(
                registration,
                &serde_json::json!({ "token": token }),
            )))
            .await;
        assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);

        // Signing in: a made-up answer is refused with a message in the page's language.
        let mut visitor = Browser::new(app.clone());
        let form = visitor.get("/en/account/sign-in").await;
        assert!(form.body.contains("Sign in with a passkey"));
        let anonymous = form.field("token");
        let begun = visitor
            .send(support::json_request(
                "/en/account/sign-in/passkey/begin",
                &serde_json::json!({ "token": anonymous }),
            ))
            .await;
        let ceremony: serde_json::Value = serde_json::from_slice(&begun.bytes).unwrap();
        let refused = visitor
            .send(support::json_request(
                "/en/account/sign-in/passkey/finish",
                &serde_json::json!({
                    "token": anonymous,
                    "ceremony": ceremony["ceremony"],
                    "credential": { "id": "made-up" },
                }),
            ))
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        let message: serde_json::Value = serde_json::from_slice(&refused.bytes).unwrap();
        assert_eq!(
            message["error"],
            "This passkey was not accepted. It may have been removed from your account. \
             Please sign in another way."
        );
        assert!(!visitor.has_cookie(), "no session for a refused passkey");
    })
    .await;
}

#[tokio::test]
async fn passkeys_are_off_when_the_public_address_is_an_ip_address() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        demo_city(&database, morning()).await;
        let mut visitor = Browser::new(app_at(&database, morning()).await);
        let form = visitor.get("/de/account/sign-in").await;
        let begun = visitor
            .send(support::json_request(
                "/de/account/sign-in/passkey/begin",
                &serde_json::json!({ "token": form.field("token") }),
            ))
            .await;
        assert_eq!(begun.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            begun
                .body
                .contains("lassen sich in diesem Portal gerade nicht verwenden")
        );
    })
    .await;
}
