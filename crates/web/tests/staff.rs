//! The staff portal over HTTP, on both database backends: signing in with password and
//! authenticator code, the editorial workflow from draft to publication, previews, and the
//! rules on who may see and do what, whatever address is tried.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up step must stop the test"
)]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Duration, TimeZone, Utc};
use rathaus_base::Database;
use rathaus_base::testing::each_backend;
use rathaus_content::ContentStore;
use rathaus_identity::{IdentityConfig, IdentityStore, Role};
use support::{Browser, STAFF_PASSWORD as PASSWORD, app_at, city_with_staff, encode, unescape};

fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

/// The demo city with three staff accounts: an editor, a publisher and an administrator.
async fn city(database: &Database) {
    let staff = [
        ("erika@musterstadt.example", "Erika Editor", Role::Editor),
        (
            "paul@musterstadt.example",
            "Paul Publisher",
            Role::Publisher,
        ),
        ("ada@musterstadt.example", "Ada Admin", Role::Admin),
    ];
    city_with_staff(database, monday_morning(), &staff).await;
}

#[tokio::test]
async fn an_edit_goes_from_draft_through_review_to_the_portal() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let now = monday_morning();
        let mut erika = Browser::new(app_at(&database, now).await);
        erika.sign_in("erika@musterstadt.example", now, None).await;

        // The editor changes a fee and writes a Leichte Sprache summary.
        let form = erika
            .get("/staff/content/service/hundesteuer-anmelden/edit")
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("value=\"100.00\""));
        let token = form.field("_token");
        let based_on = form.field("_based_on");
        let mut fields = form_fields(&form.body);
        set(&mut fields, "fees[0].amount", "120.00");
        set(&mut fields, "_action", "submit");
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let saved = erika
            .post("/staff/content/service/hundesteuer-anmelden/edit", &pairs)
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert!(!token.is_empty() && !based_on.is_empty());

        // The portal still shows the old fee; the editor cannot approve.
        let public = erika.get("/de/services/hundesteuer-anmelden").await;
        assert!(public.body.contains("100,00"));
        let item = erika
            .get("/staff/content/service/hundesteuer-anmelden")
            .await;
        let token = item.field("token");
        let refused = erika
            .post(
                "/staff/content/service/hundesteuer-anmelden/revisions/2/approve",
                &[("token", &token)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // The publisher compares and approves.
        let later = now + Duration::minutes(5);
        let mut paul = Browser::new(app_at(&database, later).await);
        paul.sign_in("paul@musterstadt.example", later, None).await;
        let dashboard = paul.get("/staff").await;
        assert!(dashboard.body.contains("Hund anmelden (Hundesteuer)"));
        let compare = paul
            .get("/staff/content/service/hundesteuer-anmelden/compare?from=1&to=2")
            .await;
        assert_eq!(compare.status, StatusCode::OK);
        assert!(
            compare.body.contains("<del>100.00</del>") || compare.body.contains("100.00</del>")
        );
        assert!(compare.body.contains("120.00</ins>"));
        let token = paul
            .get("/staff/content/service/hundesteuer-anmelden")
            .await
            .field("token");
        let approved = paul
            .post(
                "/staff/content/service/hundesteuer-anmelden/revisions/2/approve",
                &[("token", &token), ("publish_at", "")],
            )
            .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);

        let public = paul.get("/de/services/hundesteuer-anmelden").await;
        assert!(
            public.body.contains("120,00"),
            "the portal shows the new fee"
        );
        let api = paul.get("/api/v1/services/hundesteuer-anmelden").await;
        assert!(api.body.contains("120.00"));
    })
    .await;
}

/// Every named field of a form page with its value, as a browser would send it.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        let attribute = |name: &str| {
            let marker = format!(" {name}=\"");
            tag.find(&marker).map(|at| {
                let from = at + marker.len();
                let to = tag[from..].find('"').unwrap() + from;
                unescape(&tag[from..to])
            })
        };
        if tag.starts_with("<input") {
            let kind = attribute("type").unwrap_or_default();
            if let Some(name) = attribute("name")
                && kind != "radio"
                && (kind != "checkbox" || tag.contains(" checked"))
            {
                fields.push((name, attribute("value").unwrap_or_default()));
            }
        } else if tag.starts_with("<textarea") {
            let name = attribute("name").unwrap();
            let body_start = end + 1;
            let close = rest[body_start..].find("</textarea>").unwrap() + body_start;
            let text = rest[body_start..close]
                .strip_prefix('\n')
                .unwrap_or(&rest[body_start..close]);
            fields.push((name, unescape(text)));
        } else if tag.starts_with("<select") {
            let name = attribute("name").unwrap();
            let close = rest.find("</select>").unwrap();
            let options = &rest[..close];
            if let Some(at) = options.find(" selected") {
                let before = &options[..at];
                let value_at = before.rfind("value=\"").unwrap() + 7;
                let value_end = before[value_at..].find('"').unwrap() + value_at;
                fields.push((name, unescape(&before[value_at..value_end])));
            } else {
                fields.push((name, String::new()));
            }
        }
        rest = &rest[1..];
    }
    fields
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(field, _)| field != name);
    fields.push((name.to_owned(), value.to_owned()));
}

#[tokio::test]
async fn no_staff_page_or_preview_is_reachable_without_signing_in() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut anonymous = Browser::new(app_at(&database, monday_morning()).await);
        let pages = [
            "/staff",
            "/staff/content",
            "/staff/content?kind=service&sort=score",
            "/staff/content/service/new",
            "/staff/content/service/hundesteuer-anmelden",
            "/staff/content/service/hundesteuer-anmelden/edit",
            "/staff/content/service/hundesteuer-anmelden/compare?from=1&to=1",
            "/staff/content/service/hundesteuer-anmelden/revisions/1/preview",
            "/staff/content/service/hundesteuer-anmelden/revisions/1/render/de",
            "/staff/content/service/no-such-thing",
            "/staff/people",
            "/staff/audit",
            "/staff/feedback",
        ];
        for page in pages {
            let answer = anonymous.get(page).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{page}");
            assert!(
                answer.location().starts_with("/staff/sign-in?next="),
                "{page}"
            );
            assert!(!answer.body.contains("Hundesteuer"), "{page}");
        }
        let writes = [
            "/staff/content/service/new",
            "/staff/content/service/hundesteuer-anmelden/edit",
            "/staff/content/service/hundesteuer-anmelden/revisions/1/approve",
            "/staff/content/service/hundesteuer-anmelden/revisions/1/preview-link",
            "/staff/content/service/hundesteuer-anmelden/archive",
            "/staff/content/service/hundesteuer-anmelden/dates",
            "/staff/people",
            "/staff/assist",
            "/staff/feedback/0190a6a0-0000-7000-8000-000000000000/answered",
        ];
        for write in writes {
            let answer = anonymous.post(write, &[("token", "x")]).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{write}");
            assert!(answer.location().starts_with("/staff/sign-in"), "{write}");
        }
        for guess in ["/preview/00", "/preview/zz", "/preview/0123456789abcdef/de"] {
            assert_eq!(
                anonymous.get(guess).await.status,
                StatusCode::NOT_FOUND,
                "{guess}"
            );
        }
        let (_, items) = ContentStore::new(database.clone())
            .published()
            .await
            .unwrap();
        assert!(
            items
                .iter()
                .any(|item| item.key() == "hundesteuer-anmelden")
        );
    })
    .await;
}

#[tokio::test]
async fn editors_cannot_publish_or_manage_staff_and_a_pending_sign_in_grants_nothing() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let now = monday_morning();
        let mut erika = Browser::new(app_at(&database, now).await);
        erika.sign_in("erika@musterstadt.example", now, None).await;
        let token = erika.get("/staff").await.field("token");

        for page in ["/staff/people", "/staff/audit"] {
            assert_eq!(
                erika.get(page).await.status,
                StatusCode::FORBIDDEN,
                "{page}"
            );
        }
        for (path, fields) in [
            (
                "/staff/content/service/hundesteuer-anmelden/archive",
                vec![("token", token.as_str())],
            ),
            (
                "/staff/content/service/hundesteuer-anmelden/revisions/1/approve",
                vec![("token", token.as_str())],
            ),
            (
                "/staff/content/service/hundesteuer-anmelden/revisions/1/send-back",
                vec![("token", token.as_str()), ("comment", "x")],
            ),
            (
                "/staff/people",
                vec![
                    ("token", token.as_str()),
                    ("email", "x@example.org"),
                    ("name", "X"),
                    ("role", "admin"),
                ],
            ),
        ] {
            let answer = erika.post(path, &fields).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        }

        // A form without this session's token, or sent from another site, is refused.
        let forged = erika
            .post(
                "/staff/content/service/hundesteuer-anmelden/revisions/1/preview-link",
                &[("token", "1.abc")],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let mut request =
            Request::post("/staff/content/service/hundesteuer-anmelden/revisions/1/preview-link")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("origin", "https://evil.example")
                .body(Body::from(format!("token={}", encode(&token))))
                .unwrap();
        request
            .headers_mut()
            .insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert_eq!(erika.send(request).await.status, StatusCode::FORBIDDEN);

        // A password without the second factor reaches no staff page.
        let mut half = Browser::new(app_at(&database, now).await);
        let token = half.get("/staff/sign-in").await.field("token");
        let answer = half
            .post(
                "/staff/sign-in",
                &[
                    ("email", "paul@musterstadt.example"),
                    ("password", PASSWORD),
                    ("token", &token),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert!(half.has_cookie());
        let refused = half.get("/staff/content").await;
        assert_eq!(refused.status, StatusCode::SEE_OTHER);
        assert!(refused.location().starts_with("/staff/sign-in"));
    })
    .await;
}

#[tokio::test]
async fn wrong_passwords_get_one_answer_and_are_throttled() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut visitor = Browser::new(app_at(&database, monday_morning()).await);
        let token = visitor.get("/staff/sign-in").await.field("token");

        let unknown = visitor
            .post(
                "/staff/sign-in",
                &[
                    ("email", "nobody@musterstadt.example"),
                    ("password", "whatever whatever"),
                    ("token", &token),
                ],
            )
            .await;
        let wrong = visitor
            .post(
                "/staff/sign-in",
                &[
                    ("email", "erika@musterstadt.example"),
                    ("password", "whatever whatever"),
                    ("token", &token),
                ],
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(
            unknown
                .body
                .contains("E-Mail-Adresse oder Passwort stimmen nicht.")
        );
        assert!(
            wrong
                .body
                .contains("E-Mail-Adresse oder Passwort stimmen nicht.")
        );

        let mut last = StatusCode::OK;
        for _ in 0..10 {
            last = visitor
                .post(
                    "/staff/sign-in",
                    &[
                        ("email", "erika@musterstadt.example"),
                        ("password", "still wrong!!"),
                        ("token", &token),
                    ],
                )
                .await
                .status;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    })
    .await;
}

#[tokio::test]
async fn a_preview_link_shows_a_draft_without_signing_in_until_it_expires() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let now = monday_morning();
        let store = ContentStore::new(database.clone());
        let (_, items) = store.published().await.unwrap();
        let mut item = items
            .into_iter()
            .find(|item| item.key() == "hundesteuer-anmelden")
            .unwrap();
        if let rathaus_content::model::Item::Service(service) = &mut item {
            service.de.summary = "Ein ganz neuer Entwurfstext.".to_owned();
        }
        store
            .save_draft(&item, Some(1), "Erika", None, now)
            .await
            .unwrap();

        let mut erika = Browser::new(app_at(&database, now).await);
        erika.sign_in("erika@musterstadt.example", now, None).await;
        let frames = erika
            .get("/staff/content/service/hundesteuer-anmelden/revisions/2/preview")
            .await;
        assert_eq!(frames.status, StatusCode::OK);
        assert!(frames.body.contains("<iframe"));
        let render = erika
            .get("/staff/content/service/hundesteuer-anmelden/revisions/2/render/de")
            .await;
        assert!(render.body.contains("Ein ganz neuer Entwurfstext."));
        assert_eq!(render.headers.get("x-frame-options").unwrap(), "SAMEORIGIN");
        assert!(
            render
                .headers
                .get("content-security-policy")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'self'")
        );

        let token = erika
            .get("/staff/content/service/hundesteuer-anmelden")
            .await
            .field("token");
        let made = erika
            .post(
                "/staff/content/service/hundesteuer-anmelden/revisions/2/preview-link",
                &[("token", &token)],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let secret = made.location().split("link=").nth(1).unwrap().to_owned();

        let mut stranger = Browser::new(app_at(&database, now + Duration::days(1)).await);
        let shown = stranger.get(&format!("/preview/{secret}/de")).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.body.contains("Ein ganz neuer Entwurfstext."));
        assert_eq!(
            shown.headers.get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
        let public = stranger.get("/de/services/hundesteuer-anmelden").await;
        assert!(!public.body.contains("Ein ganz neuer Entwurfstext."));

        let mut late = Browser::new(app_at(&database, now + Duration::days(8)).await);
        assert_eq!(
            late.get(&format!("/preview/{secret}/de")).await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn an_administrator_gives_a_role_in_one_office_which_opens_no_editing() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let now = monday_morning();
        let mut ada = Browser::new(app_at(&database, now).await);
        ada.sign_in("ada@musterstadt.example", now, None).await;
        let identity = IdentityStore::new(database.clone(), IdentityConfig::for_tests());
        let erika = identity
            .staff()
            .await
            .unwrap()
            .into_iter()
            .find(|account| account.email == "erika@musterstadt.example")
            .unwrap();

        let people = ada.get("/staff/people").await;
        assert!(
            people
                .body
                .contains("<option value=\"buergerbuero-altstadt\">")
        );
        let saved = ada
            .post(
                &format!("/staff/people/{}", erika.id),
                &[
                    ("token", &people.field("token")),
                    ("action", "roles"),
                    ("add_office_role", "caseworker"),
                    ("add_office", "buergerbuero-altstadt"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert!(saved.body.contains("Rollen gespeichert."));
        assert!(
            saved
                .body
                .contains("Sachbearbeitung in Bürgerbüro Altstadt")
        );
        let changed = identity.account(erika.id).await.unwrap().unwrap();
        assert!(
            changed.roles.is_empty(),
            "the editor role was not ticked, so it went"
        );
        assert!(changed.handles_cases_in("buergerbuero-altstadt"));
        assert!(!changed.handles_cases_in("bauamt"));

        // An office that is not published is refused, and nothing changes.
        let refused = ada
            .post(
                &format!("/staff/people/{}", erika.id),
                &[
                    ("token", &people.field("token")),
                    ("action", "roles"),
                    ("role", "editor"),
                    ("add_office_role", "caseworker"),
                    ("add_office", "erfundenes-amt"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        let unchanged = identity.account(erika.id).await.unwrap().unwrap();
        assert_eq!(unchanged.office_roles, changed.office_roles);

        // Signed in, the caseworker sees her roles and no editorial pages.
        let mut caseworker = Browser::new(app_at(&database, now).await);
        caseworker
            .sign_in("erika@musterstadt.example", now, None)
            .await;
        let overview = caseworker.get("/staff").await;
        assert_eq!(overview.status, StatusCode::OK);
        assert!(
            overview
                .body
                .contains("Sachbearbeitung in Bürgerbüro Altstadt")
        );
        assert!(!overview.body.contains("href=\"/staff/content\""));
        for page in ["/staff/content", "/staff/media", "/staff/people"] {
            assert_eq!(
                caseworker.get(page).await.status,
                StatusCode::FORBIDDEN,
                "{page}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn editors_see_barrier_reports_with_their_due_date_and_record_the_answer() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let now = monday_morning();

        // A person reports a barrier through the portal's form.
        let mut visitor = Browser::new(app_at(&database, now).await);
        let statement = visitor.get("/de/pages/barrierefreiheit").await;
        let sent = visitor
            .post(
                "/de/accessibility-feedback",
                &[
                    ("token", &statement.field("token")),
                    ("page", "Hundesteuer"),
                    (
                        "message",
                        "Die Gebührentabelle ist mit dem Screenreader nicht lesbar.",
                    ),
                    ("email", "leser@example.org"),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);

        // The editor finds it on the overview and in the list, due in six weeks.
        let mut erika = Browser::new(app_at(&database, now).await);
        erika.sign_in("erika@musterstadt.example", now, None).await;
        let overview = erika.get("/staff").await;
        assert!(
            overview
                .body
                .contains("Eine Meldung wartet auf eine Antwort")
        );
        let list = erika.get("/staff/feedback").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("Offen (1)"));
        assert!(list.body.contains("nicht lesbar"));
        assert!(list.body.contains("Antwort fällig bis 18.01.2027"));
        assert!(list.body.contains("mailto:leser@example.org"));

        // Recording the answer moves it to the answered reports, with name and note.
        let action = list
            .body
            .split("action=\"")
            .filter_map(|rest| rest.split('"').next())
            .find(|action| action.starts_with("/staff/feedback/"))
            .unwrap()
            .to_owned();
        let token = list.field("token");
        let answered = erika
            .post(
                &action,
                &[("token", &token), ("note", "Tabelle hat jetzt Kopfzeilen.")],
            )
            .await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER);
        let list = erika.get("/staff/feedback").await;
        assert!(list.body.contains("Offen (0)"));
        assert!(list.body.contains("Beantwortet (1)"));
        assert!(list.body.contains("Erika Editor"));
        assert!(list.body.contains("Tabelle hat jetzt Kopfzeilen."));

        // A second click, or a form from another site, changes nothing.
        let again = erika
            .post(&action, &[("token", &token), ("note", "")])
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        let forged = erika
            .send(support::from_elsewhere(support::form_request(
                &action,
                &[("token", &token)],
            )))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(
            erika
                .get("/staff/feedback")
                .await
                .body
                .contains("Tabelle hat jetzt Kopfzeilen.")
        );

        // A year after the answer the report, with its contact data, is deleted.
        let store = ContentStore::new(database.clone());
        let later = now + Duration::days(366);
        assert_eq!(store.delete_old_feedback(later).await.unwrap(), 1);
        assert!(store.feedback_reports().await.unwrap().1.is_empty());
    })
    .await;
}
