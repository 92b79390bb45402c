//! Signing in through identity providers over OpenID Connect, against a real OpenID
//! provider (oidc-provider, started from `tests/oidc/provider.js`) and a forging issuer that
//! hands out broken ID tokens, on both database backends: a good sign-in makes a verified
//! account with verified profile values at the right trust level; forged tokens, replayed
//! answers and answers to no open flow are refused without a session; an existing address
//! is not linked silently; linking while signed in works; a step-up rotates the session, and
//! one that comes back too low leaves the session as it was.
//!
//! Needs `node` and the packages of `tests/oidc` (`npm --prefix tests/oidc ci`); without
//! `node` the tests say so and pass.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up step must stop the test"
)]

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Utc};
use rathaus_base::config::ProviderSettings;
use rathaus_base::testing::each_backend;
use rathaus_base::{Config, Database};
use rathaus_identity::{
    AddressMail, IdentityConfig, IdentityError, IdentityStore, ProviderAnswer, SessionToken,
    Source, TrustLevel,
};
use rathaus_web::{AppState, Clock, router};
use support::{Answer, form_request, unescape};
use tower::ServiceExt;

/// The callback addresses the test provider accepts: the default public URL's.
const CALLBACK: &str = "http://127.0.0.1:8080/de/account/provider/callback";

/// The two providers, running in a `node` process that answers commands on its input.
struct TestProviders {
    child: Child,
    commands: Mutex<(ChildStdin, BufReader<ChildStdout>)>,
    issuer: String,
    forging_issuer: String,
}

impl TestProviders {
    /// Starts the providers; `None` (after saying why) when `node` is not installed on a
    /// developer's machine. In CI (`CI` set), where the test script installs it, a missing
    /// `node` fails the test instead of skipping it.
    fn start() -> Option<TestProviders> {
        if Command::new("node").arg("--version").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "`node` is missing in CI; scripts/test.sh installs it"
            );
            eprintln!("SKIPPED: `node` is not installed, so no OpenID provider can run here");
            return None;
        }
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc");
        assert!(
            folder.join("node_modules/oidc-provider").exists(),
            "run `npm --prefix tests/oidc ci` first"
        );
        let mut child = Command::new("node")
            .arg(folder.join("provider.js"))
            .arg(CALLBACK)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts");
        let input = child.stdin.take().unwrap();
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        let started: serde_json::Value = serde_json::from_str(&line).expect("the issuers");
        Some(TestProviders {
            issuer: started["issuer"].as_str().unwrap().to_owned(),
            forging_issuer: started["forging_issuer"].as_str().unwrap().to_owned(),
            child,
            commands: Mutex::new((input, output)),
        })
    }

    /// Follows a browser's way from an authorization address through the provider and
    /// returns the path and query it is sent back to in the portal.
    fn drive(&self, authorization_url: &str) -> String {
        let command = serde_json::json!({ "drive": authorization_url });
        let mut commands = self.commands.lock().unwrap();
        let (input, output) = &mut *commands;
        writeln!(input, "{command}").unwrap();
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        let answer: serde_json::Value = serde_json::from_str(&line).unwrap();
        let location = answer["location"]
            .as_str()
            .unwrap_or_else(|| panic!("the provider failed: {answer}"));
        location
            .strip_prefix("http://127.0.0.1:8080")
            .expect("back to the portal")
            .to_owned()
    }

    /// The configuration with three providers: `city` (the real one, a Keycloak stand-in
    /// with Munich's ACR values), `forge`, and `staff` (the real one again, for staff, with
    /// a one-time code as the second factor).
    fn config(&self) -> Config {
        let provider = |id: &str, issuer: &str| ProviderSettings {
            id: id.to_owned(),
            display_name: format!("Stadt-Login {id}"),
            issuer_url: issuer.to_owned(),
            client_id: "rathaus".to_owned(),
            client_secret: "rathaus-test-secret".to_owned(),
            scopes: ["openid", "email", "profile", "address"]
                .map(str::to_owned)
                .to_vec(),
            claims: [
                ("given_name", "person.given_names"),
                ("family_name", "person.family_name"),
                ("birthdate", "person.date_of_birth"),
                ("address.street_address", "address.main_residence:street"),
                (
                    "address.house_number",
                    "address.main_residence:house_number",
                ),
                ("address.postal_code", "address.main_residence:postal_code"),
                ("address.locality", "address.main_residence:city"),
                ("address.country", "address.main_residence:country"),
            ]
            .map(|(claim, attribute)| (claim.to_owned(), attribute.to_owned()))
            .into(),
            assurance_claim: "acr".to_owned(),
            trust_levels: [
                ("level1", "low"),
                ("level3", "substantial"),
                ("level4", "high"),
            ]
            .map(|(value, level)| (value.to_owned(), level.to_owned()))
            .into(),
            staff: false,
            second_factor: Vec::new(),
        };
        let staff = ProviderSettings {
            staff: true,
            second_factor: vec!["otp".to_owned()],
            ..provider("staff", &self.issuer)
        };
        let mut config = Config::default();
        config.identity.providers = vec![
            provider("city", &self.issuer),
            provider("forge", &self.forging_issuer),
            staff,
        ];
        config
    }
}

impl Drop for TestProviders {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser without scripts that keeps every cookie it is given.
struct Visitor {
    app: Router,
    cookies: BTreeMap<String, String>,
}

impl Visitor {
    fn new(app: &Router) -> Visitor {
        Visitor {
            app: app.clone(),
            cookies: BTreeMap::new(),
        }
    }

    async fn send(&mut self, mut request: Request<Body>) -> Answer {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if !cookie.is_empty() {
            let value = cookie.join("; ").parse().unwrap();
            request.headers_mut().insert(header::COOKIE, value);
        }
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = axum::body::to_bytes(response.into_body(), 30 << 20)
            .await
            .unwrap()
            .to_vec();
        Answer {
            status,
            headers,
            body: unescape(&String::from_utf8_lossy(&bytes)),
            bytes,
        }
    }

    async fn get(&mut self, uri: &str) -> Answer {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        self.send(form_request(uri, fields)).await
    }

    /// The token of the session cookie, if the visitor has one.
    fn session(&self) -> Option<SessionToken> {
        self.cookies.get("rathaus").map(SessionToken::new)
    }

    /// Presses the button of `provider` on the sign-in page and returns the address the
    /// portal sends the browser to.
    async fn start_sign_in(&mut self, provider: &str) -> String {
        let page = self.get("/de/account/sign-in").await;
        assert!(
            page.body
                .contains(&format!("Anmelden mit Stadt-Login {provider}"))
        );
        let sent = self
            .post(
                &format!("/de/account/provider/{provider}/sign-in"),
                &[("token", &page.field("token")), ("next", "/de/account")],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        assert!(self.cookies.contains_key("rathaus-flow"));
        sent.location().to_owned()
    }

    /// Presses a button of the security or step-up page that starts a flow.
    async fn start_from(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> String {
        let page = self.get(page).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let token = page.field("token");
        let mut all = vec![("token", token.as_str())];
        all.extend_from_slice(fields);
        let sent = self.post(action, &all).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        sent.location().to_owned()
    }
}

/// The application with both providers, its clock at the real time (the provider's tokens
/// are checked against it).
async fn app(database: &Database, providers: &TestProviders) -> Router {
    support::demo_city(database, Utc::now()).await;
    let state = AppState::new(providers.config(), database.clone(), None, Clock::System)
        .await
        .unwrap();
    router(state)
}

fn store(database: &Database) -> IdentityStore {
    IdentityStore::new(database.clone(), IdentityConfig::for_tests())
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Makes a citizen account with a password for `email` and returns its session's token.
async fn password_account(database: &Database, email: &str) -> SessionToken {
    let identity = store(database);
    let mail = identity
        .sign_up(
            email,
            "Erika M.",
            "Mein Hund heißt Bello und bellt",
            "test",
            now(),
        )
        .await
        .unwrap();
    let AddressMail::Confirm(link) = mail else {
        panic!("a sign-up link")
    };
    identity
        .complete_sign_up(&link.token, now())
        .await
        .unwrap()
        .1
}

/// Presses the button that unlinks the provider `city` on the security page and returns
/// where it leads.
async fn unlink_city(visitor: &mut Visitor) -> String {
    let security = visitor.get("/de/account/security").await;
    assert!(security.body.contains("Stadt-Login city: verknüpft seit"));
    let unlink = visitor
        .post(
            "/de/account/provider/city/unlink",
            &[("token", &security.field("token"))],
        )
        .await;
    unlink.location().to_owned()
}

/// Checks that the account's profile holds the test provider's values for Erika, verified
/// and with the provider as their source.
async fn assert_profile_from_city(identity: &IdentityStore, account_id: uuid::Uuid) {
    let profile = identity.profile(account_id).await.unwrap();
    let value = |name: &str| {
        let attribute = profile.iter().find(|attribute| attribute.name == name);
        attribute.and_then(|attribute| attribute.current()).cloned()
    };
    let family_name = value("person.family_name").expect("the family name");
    assert_eq!(family_name.value, "Mustermann");
    assert!(family_name.verified);
    assert_eq!(
        family_name.source,
        Source::Provider {
            provider: "city".to_owned()
        }
    );
    let residence = value("address.main_residence").expect("the address");
    assert_eq!(residence.value["city"], "München");
    assert!(residence.verified);
    assert_eq!(value("person.date_of_birth").unwrap().value, "1964-08-12");
}

#[tokio::test]
async fn a_good_sign_in_makes_a_verified_account_at_the_providers_trust_level() {
    let Some(providers) = TestProviders::start() else {
        return;
    };
    each_backend(&rathaus_web::all_migrations(), |database| {
        let providers = &providers;
        async move {
            let app = app(&database, providers).await;
            let mut visitor = Visitor::new(&app);
            let authorize = visitor.start_sign_in("city").await;
            assert!(authorize.starts_with(&providers.issuer), "{authorize}");
            assert!(authorize.contains("code_challenge_method=S256"));
            assert!(authorize.contains("nonce="));
            let callback = providers.drive(&format!("{authorize}&login_hint=erika"));

            let signed_in = visitor.get(&callback).await;
            assert_eq!(
                signed_in.status,
                StatusCode::SEE_OTHER,
                "{}",
                signed_in.body
            );
            assert_eq!(signed_in.location(), "/de/account?note=welcome");
            assert!(!visitor.cookies.contains_key("rathaus-flow"));
            let overview = visitor.get("/de/account?note=welcome").await;
            assert_eq!(overview.status, StatusCode::OK);
            assert!(overview.body.contains("hoch (Online-Ausweis)"));

            let identity = store(&database);
            let token = visitor.session().expect("a session");
            let session = identity.session(&token, now()).await.unwrap().unwrap();
            assert_eq!(session.account.email, "erika@example.org");
            assert_eq!(session.account.display_name, "Erika Mustermann");
            assert_eq!(session.level(), TrustLevel::High);
            assert_profile_from_city(&identity, session.account.id).await;

            // The same answer again finds no flow: no second session.
            let mut replayer = Visitor::new(&app);
            replayer.cookies = visitor.cookies.clone();
            replayer.cookies.remove("rathaus");
            let second_answer = replayer.get(&callback).await;
            assert_eq!(second_answer.status, StatusCode::BAD_REQUEST);
            assert!(
                second_answer
                    .body
                    .contains("passt zu keiner offenen Anmeldung")
            );
            assert!(replayer.session().is_none());
            let sessions = identity
                .sessions_of(session.account.id, now())
                .await
                .unwrap();
            assert_eq!(sessions.len(), 1);

            // Signing in again finds the linked account and makes no new one.
            let mut again = Visitor::new(&app);
            let authorize = again.start_sign_in("city").await;
            let callback = providers.drive(&format!("{authorize}&login_hint=erika"));
            let signed_in = again.get(&callback).await;
            assert_eq!(signed_in.location(), "/de/account");
            let second = identity
                .session(&again.session().unwrap(), now())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(second.account.id, session.account.id);

            // The account has no password: its only provider stays linked.
            let unlinked = unlink_city(&mut again).await;
            assert_eq!(unlinked, "/de/account/security?note=provider-last");
            let linked = identity
                .linked_identities(session.account.id)
                .await
                .unwrap();
            assert_eq!(linked.len(), 1);

            // Without a password, the recent sign-in confirms deleting the account.
            let page = again.get("/de/account/delete").await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(
                page.body.contains("Ihr Konto hat kein Passwort"),
                "{}",
                page.body
            );
            assert!(!page.body.contains("name=\"delete_password\""));
            let deleted = again
                .post("/de/account/delete", &[("token", &page.field("token"))])
                .await;
            assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
            assert_eq!(deleted.location(), "/de/account/deleted");
            assert!(
                identity
                    .account(session.account.id)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn forged_tokens_and_answers_to_no_flow_make_no_session() {
    let Some(providers) = TestProviders::start() else {
        return;
    };
    each_backend(&rathaus_web::all_migrations(), |database| {
        let providers = &providers;
        async move {
            let app = app(&database, providers).await;

            // The forging issuer's good token signs in: the cases below fail for their flaw.
            let mut control = Visitor::new(&app);
            let authorize = control.start_sign_in("forge").await;
            let callback = providers.drive(&format!("{authorize}&forge=good"));
            let signed_in = control.get(&callback).await;
            assert_eq!(
                signed_in.status,
                StatusCode::SEE_OTHER,
                "{}",
                signed_in.body
            );
            assert!(control.session().is_some());

            for case in [
                "wrong-issuer",
                "wrong-audience",
                "bad-signature",
                "alg-none",
                "expired",
            ] {
                let mut visitor = Visitor::new(&app);
                let authorize = visitor.start_sign_in("forge").await;
                let callback = providers.drive(&format!("{authorize}&forge={case}"));
                let refused = visitor.get(&callback).await;
                assert_eq!(
                    refused.status,
                    StatusCode::BAD_GATEWAY,
                    "{case}: {}",
                    refused.body
                );
                assert!(
                    refused.body.contains("ließ sich nicht sicher prüfen"),
                    "{case}"
                );
                assert!(visitor.session().is_none(), "{case} made a session");
            }
            let events = store(&database).audit_events(50).await.unwrap();
            let failures = events
                .iter()
                .filter(|event| event.kind == "sign_in.failed")
                .count();
            assert_eq!(failures, 5);

            // A state that matches no flow, and an answer in another browser.
            let mut visitor = Visitor::new(&app);
            let authorize = visitor.start_sign_in("city").await;
            let callback = providers.drive(&format!("{authorize}&login_hint=erika"));
            let (path, query) = callback.split_once('?').unwrap();
            let wrong_state: Vec<String> = query
                .split('&')
                .map(|pair| {
                    if pair.starts_with("state=") {
                        "state=not-a-flow".to_owned()
                    } else {
                        pair.to_owned()
                    }
                })
                .collect();
            let refused = visitor
                .get(&format!("{path}?{}", wrong_state.join("&")))
                .await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST);
            assert!(visitor.session().is_none());
            let mut stranger = Visitor::new(&app);
            let refused = stranger.get(&callback).await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST);
            assert!(stranger.session().is_none());
        }
    })
    .await;
}

#[tokio::test]
async fn an_existing_address_is_linked_only_by_its_signed_in_owner() {
    let Some(providers) = TestProviders::start() else {
        return;
    };
    each_backend(&rathaus_web::all_migrations(), |database| {
        let providers = &providers;
        async move {
            let app = app(&database, providers).await;
            let password_session = password_account(&database, "erika@example.org").await;

            // The provider's address has an account: no silent link, no session.
            let mut stranger = Visitor::new(&app);
            let authorize = stranger.start_sign_in("city").await;
            let callback = providers.drive(&format!("{authorize}&login_hint=erika"));
            let refused = stranger.get(&callback).await;
            assert_eq!(refused.status, StatusCode::CONFLICT);
            assert!(
                refused
                    .body
                    .contains("Melden Sie sich mit Ihrem Passwort an")
            );
            assert!(stranger.session().is_none());

            // Signed in with the password, the owner links the provider.
            let mut owner = Visitor::new(&app);
            owner
                .cookies
                .insert("rathaus".to_owned(), password_session.as_str().to_owned());
            let authorize = owner
                .start_from(
                    "/de/account/security",
                    "/de/account/provider/city/link",
                    &[],
                )
                .await;
            let callback = providers.drive(&format!("{authorize}&login_hint=erika"));
            let linked = owner.get(&callback).await;
            assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.body);
            assert_eq!(
                linked.location(),
                "/de/account/security?note=provider-linked"
            );

            // The provider's values are in the profile; with a password, the provider can be
            // unlinked again.
            let identity = store(&database);
            let session = identity.session(&password_session, now()).await.unwrap();
            let account_id = session.unwrap().account.id;
            assert_profile_from_city(&identity, account_id).await;
            let unlinked = unlink_city(&mut owner).await;
            assert_eq!(unlinked, "/de/account/security?note=provider-unlinked");
            assert!(
                identity
                    .linked_identities(account_id)
                    .await
                    .unwrap()
                    .is_empty()
            );
            let events = identity.audit_events(20).await.unwrap();
            assert!(events.iter().any(|event| event.kind == "provider.linked"));
            assert!(events.iter().any(|event| event.kind == "provider.unlinked"));
        }
    })
    .await;
}

#[tokio::test]
async fn a_service_below_its_trust_level_asks_for_a_step_up_that_rotates_the_session() {
    let Some(providers) = TestProviders::start() else {
        return;
    };
    each_backend(&rathaus_web::all_migrations(), |database| {
        let providers = &providers;
        async move {
            let app = app(&database, providers).await;
            let password_session = password_account(&database, "erika@example.org").await;
            let mut owner = Visitor::new(&app);
            owner
                .cookies
                .insert("rathaus".to_owned(), password_session.as_str().to_owned());

            // The password session is low; the online application of a service that needs
            // a high level asks for a step-up, which replaces the session.
            let identity = store(&database);
            let before = identity
                .session(&password_session, now())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(before.level(), TrustLevel::Low);
            let service = owner.get("/de/services/auskunftssperre").await;
            assert!(
                service
                    .body
                    .contains("href=\"/de/account/apply/auskunftssperre\"")
            );
            let apply = "/de/account/apply/auskunftssperre";
            let asked = owner.get(apply).await;
            assert_eq!(asked.status, StatusCode::SEE_OTHER);
            let step_up = asked.location().to_owned();
            assert_eq!(
                step_up,
                "/de/account/step-up?level=high&next=/de/account/apply/auskunftssperre"
            );
            let page = owner.get(&step_up).await;
            assert!(page.body.contains("Bestätigen mit Stadt-Login city"));
            let authorize = owner
                .start_from(
                    &step_up,
                    "/de/account/provider/city/step-up",
                    &[("level", "high"), ("next", apply)],
                )
                .await;
            assert!(authorize.contains("acr_values=level4"), "{authorize}");
            let callback = providers.drive(&format!("{authorize}&login_hint=erika"));
            let stepped = owner.get(&callback).await;
            assert_eq!(stepped.status, StatusCode::SEE_OTHER, "{}", stepped.body);
            assert_eq!(stepped.location(), apply);
            let forwarded = owner.get(apply).await;
            assert_eq!(
                forwarded.location(),
                "https://musterstadt.example/online/auskunftssperre"
            );
            let new_token = owner.session().unwrap();
            assert_ne!(new_token, password_session);
            assert!(
                identity
                    .session(&password_session, now())
                    .await
                    .unwrap()
                    .is_none()
            );
            let after = identity.session(&new_token, now()).await.unwrap().unwrap();
            assert_eq!(after.account.id, before.account.id);
            assert_eq!(after.level(), TrustLevel::High);
            let events = identity.audit_events(20).await.unwrap();
            assert!(
                events
                    .iter()
                    .any(|event| event.kind == "session.stepped_up")
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_step_up_that_comes_back_too_low_leaves_the_session_as_it_was() {
    let Some(providers) = TestProviders::start() else {
        return;
    };
    each_backend(&rathaus_web::all_migrations(), |database| {
        let providers = &providers;
        async move {
            let app = app(&database, providers).await;
            let mut max = Visitor::new(&app);
            let authorize = max.start_sign_in("city").await;
            let callback = providers.drive(&format!("{authorize}&login_hint=max"));
            max.get(&callback).await;
            let token = max.session().expect("signed in");
            let identity = store(&database);
            let session = identity.session(&token, now()).await.unwrap().unwrap();
            assert_eq!(session.level(), TrustLevel::Low);

            let page = "/de/account/step-up?level=substantial&next=/de/account";
            let shown = max.get(page).await;
            assert!(shown.body.contains("substanziell"), "{}", shown.body);
            let authorize = max
                .start_from(
                    page,
                    "/de/account/provider/city/step-up",
                    &[("level", "substantial"), ("next", "/de/account")],
                )
                .await;
            let callback = providers.drive(&format!("{authorize}&login_hint=max"));
            let refused = max.get(&callback).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            assert!(refused.body.contains("Ihre Anmeldung bleibt, wie sie war"));
            assert_eq!(max.session(), Some(token.clone()));
            let unchanged = identity.session(&token, now()).await.unwrap().unwrap();
            assert_eq!(unchanged.id, session.id);
            assert_eq!(unchanged.level(), TrustLevel::Low);
        }
    })
    .await;
}

#[tokio::test]
async fn flows_expire_and_a_client_may_leave_only_a_few_open() {
    let Some(providers) = TestProviders::start() else {
        return;
    };
    each_backend(&rathaus_web::all_migrations(), |database| {
        let providers = &providers;
        async move {
            let app = app(&database, providers).await;

            // An answer that comes back after the flow's ten minutes finds no flow.
            let mut late = Visitor::new(&app);
            let authorize = late.start_sign_in("city").await;
            let callback = providers.drive(&format!("{authorize}&login_hint=erika"));
            let state = callback
                .split(['?', '&'])
                .find_map(|pair| pair.strip_prefix("state="))
                .expect("the callback carries the state")
                .to_owned();
            let answer = ProviderAnswer {
                state,
                code: Some("unused".to_owned()),
                error: None,
            };
            let browser_secret = late.cookies["rathaus-flow"].clone();
            let eleven_minutes_later = now() + chrono::Duration::minutes(11);
            let expired = store(&database)
                .finish_provider_flow(&answer, &browser_secret, None, eleven_minutes_later)
                .await;
            assert!(
                matches!(expired, Err(IdentityError::FlowUnknown)),
                "{expired:?}"
            );

            // One client (these requests all come from the same one) with twenty flows open
            // is asked to wait before it begins another; the page says so and for how long.
            // (The late answer above used its flow up.)
            for _ in 0..20 {
                Visitor::new(&app).start_sign_in("city").await;
            }
            let mut flooding = Visitor::new(&app);
            let page = flooding.get("/de/account/sign-in").await;
            let refused = flooding
                .post(
                    "/de/account/provider/city/sign-in",
                    &[("token", &page.field("token")), ("next", "/de/account")],
                )
                .await;
            assert_eq!(
                refused.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{}",
                refused.body
            );
            assert!(refused.headers.contains_key(header::RETRY_AFTER));
            assert!(refused.body.contains("Sekunden"), "{}", refused.body);
        }
    })
    .await;
}

/// Presses the staff provider's button on the staff sign-in page and comes back from the
/// provider as `account`; returns the portal's answer to the provider's redirect.
async fn staff_sign_in(visitor: &mut Visitor, providers: &TestProviders, account: &str) -> Answer {
    let page = visitor.get("/staff/sign-in").await;
    assert!(page.body.contains("Anmelden mit Stadt-Login staff"));
    let sent = visitor
        .post(
            "/staff/provider/staff/sign-in",
            &[("token", &page.field("token")), ("next", "/staff")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let callback = providers.drive(&format!("{}&login_hint={account}", sent.location()));
    visitor.get(&callback).await
}

#[tokio::test]
async fn staff_sign_in_through_the_staff_provider_needs_its_second_factor_and_an_account() {
    let Some(providers) = TestProviders::start() else {
        return;
    };
    each_backend(&rathaus_web::all_migrations(), |database| {
        let providers = &providers;
        async move {
            let app = app(&database, providers).await;
            let identity = store(&database);
            let roles = std::collections::BTreeSet::from([rathaus_identity::Role::Editor]);
            for email in ["anna.huber@rathaus.example", "bert.maier@rathaus.example"] {
                identity
                    .create_staff(
                        email,
                        "Staff",
                        "correct horse battery staple",
                        &roles,
                        now(),
                    )
                    .await
                    .unwrap();
            }

            // Citizens never see the staff provider.
            let citizen_page = Visitor::new(&app).get("/de/account/sign-in").await;
            assert!(!citizen_page.body.contains("Stadt-Login staff"));

            // Anna's provider sign-in had a one-time code: she is in, by her verified address.
            let mut anna = Visitor::new(&app);
            let signed_in = staff_sign_in(&mut anna, providers, "anna").await;
            assert_eq!(
                signed_in.status,
                StatusCode::SEE_OTHER,
                "{}",
                signed_in.body
            );
            assert_eq!(signed_in.location(), "/staff");
            let token = SessionToken::new(anna.cookies["rathaus-staff"].clone());
            let session = identity.session(&token, now()).await.unwrap().unwrap();
            assert_eq!(session.account.email, "anna.huber@rathaus.example");
            assert_eq!(session.level(), TrustLevel::Substantial);
            let portal = anna.get("/staff").await;
            assert_eq!(portal.status, StatusCode::OK);
            let linked = identity
                .linked_identities(session.account.id)
                .await
                .unwrap();
            assert_eq!(linked.len(), 1);

            // Bert's had only a password: refused, no session.
            let mut bert = Visitor::new(&app);
            let refused = staff_sign_in(&mut bert, providers, "bert").await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            assert!(refused.body.contains("keinen zweiten Faktor"));
            assert!(refused.body.contains("href=\"/staff/sign-in\""));
            assert!(!bert.cookies.contains_key("rathaus-staff"));

            // Disabled, Anna's account is not signed in any more.
            let anna_id = session.account.id;
            identity
                .set_disabled(anna_id, true, anna_id, now())
                .await
                .unwrap();
            let mut again = Visitor::new(&app);
            let refused = staff_sign_in(&mut again, providers, "anna").await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            assert!(refused.body.contains("kein aktives Konto der Redaktion"));
            assert!(!again.cookies.contains_key("rathaus-staff"));
        }
    })
    .await;
}
