//! What the web tests share: the demo city in a database, the router at a fixed time, a
//! browser without scripts that keeps its session cookie and sends forms, the messages
//! waiting in the outbox, and authenticator codes computed as an app does.

#![allow(dead_code, reason = "each test file uses part of the support")]

use std::collections::BTreeSet;
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{DateTime, Utc};
use rathaus_base::{Config, Database};
use rathaus_content::{ContentStore, import};
use rathaus_identity::{IdentityConfig, IdentityStore, Role};
use rathaus_web::{AppState, Clock, router};
use tower::ServiceExt;

/// Imports the demo city's content at `now`.
pub async fn demo_city(database: &Database, now: DateTime<Utc>) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
    let items = import::read_folder(&folder, &BTreeSet::new()).unwrap();
    ContentStore::new(database.clone())
        .import(&items, "test", now)
        .await
        .unwrap();
}

/// The whole application with the default configuration, its clock stopped at `now`.
pub async fn app_at(database: &Database, now: DateTime<Utc>) -> Router {
    let state = AppState::new(Config::default(), database.clone(), None, Clock::Fixed(now))
        .await
        .unwrap();
    router(state)
}

/// The whole application reached at `public_url`, its clock stopped at `now`. Passkeys need
/// a host name there (`http://localhost:8080`); the default address turns them off.
pub async fn app_reached_at(database: &Database, now: DateTime<Utc>, public_url: &str) -> Router {
    let mut config = Config::default();
    config.server.public_url = public_url.to_owned();
    let state = AppState::new(config, database.clone(), None, Clock::Fixed(now))
        .await
        .unwrap();
    router(state)
}

/// A JSON body sent with `POST`, as the page's scripts send it.
pub fn json_request(uri: &str, body: &serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// The password of the staff accounts the tests make.
pub const STAFF_PASSWORD: &str = "correct horse battery staple";

/// The demo city with staff accounts: each address with its name and its one role.
pub async fn city_with_staff(
    database: &Database,
    now: DateTime<Utc>,
    staff: &[(&str, &str, Role)],
) {
    demo_city(database, now).await;
    let identity = IdentityStore::new(database.clone(), IdentityConfig::for_tests());
    for (email, name, role) in staff {
        identity
            .create_staff(email, name, STAFF_PASSWORD, &BTreeSet::from([*role]), now)
            .await
            .unwrap();
    }
}

/// An answer as the browser got it.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    /// The body as text, with the entities HTML escaping wrote turned back into characters.
    pub body: String,
}

impl Answer {
    /// Where a redirect leads.
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }

    /// The value of the first form field called `name`.
    pub fn field(&self, name: &str) -> String {
        let at = self
            .body
            .find(&format!(" name=\"{name}\""))
            .expect("the field is on the page");
        let start = self.body[..at].rfind('<').unwrap();
        let end = self.body[at..].find('>').unwrap() + at;
        attribute(&self.body[start..end], "value").unwrap_or_default()
    }

    /// The text of the element with this id, tags left out.
    pub fn text_of(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let start = self.body.find(&marker)?;
        let open_end = self.body[start..].find('>')? + start + 1;
        let close = self.body[open_end..].find("</")? + open_end;
        Some(self.body[open_end..close].trim().to_owned())
    }

    /// The message shown at the field with the id `id`, if there is one.
    pub fn error_at(&self, id: &str) -> Option<String> {
        let marker = format!("<p class=\"kern-error\" id=\"{id}-error\">");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find("</p>")? + start;
        Some(self.body[start..end].to_owned())
    }

    /// The `<img>` tag whose address starts with `src`.
    pub fn image(&self, src: &str) -> Option<String> {
        let at = self.body.find(&format!("src=\"{src}"))?;
        let start = self.body[..at].rfind("<img ")?;
        let end = self.body[start..].find('>')? + start;
        Some(self.body[start..=end].to_owned())
    }
}

/// The value of the attribute `name` in an HTML tag.
pub fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_owned())
}

/// Turns the entities HTML escaping writes back into characters.
pub fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A browser without scripts: it keeps one session cookie and sends forms.
pub struct Browser {
    app: Router,
    cookie: Option<String>,
    user_agent: &'static str,
}

impl Browser {
    pub fn new(app: Router) -> Browser {
        Browser {
            app,
            cookie: None,
            user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        }
    }

    /// The same browser on a phone.
    pub fn on_phone(app: Router) -> Browser {
        Browser {
            user_agent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) \
                         AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 \
                         Safari/604.1",
            ..Browser::new(app)
        }
    }

    /// Whether the browser holds a session cookie.
    /// Goes on with the same cookies in `app`, such as the application with its clock moved
    /// on.
    pub fn move_to(&mut self, app: Router) {
        self.app = app;
    }

    pub fn has_cookie(&self) -> bool {
        self.cookie.is_some()
    }

    pub async fn send(&mut self, mut request: Request<Body>) -> Answer {
        if let Some(cookie) = &self.cookie {
            request
                .headers_mut()
                .insert(header::COOKIE, cookie.parse().unwrap());
        }
        request
            .headers_mut()
            .insert(header::USER_AGENT, self.user_agent.parse().unwrap());
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(set) = headers.get(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
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

    pub async fn get(&mut self, uri: &str) -> Answer {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Answer {
        self.send(form_request(uri, fields)).await
    }

    /// Signs in to the staff portal with password and authenticator code, setting the
    /// authenticator up when `secret` is `None`; returns the authenticator's secret.
    pub async fn sign_in(
        &mut self,
        email: &str,
        now: DateTime<Utc>,
        secret: Option<&str>,
    ) -> String {
        let token = self.get("/staff/sign-in").await.field("token");
        let answer = self
            .post(
                "/staff/sign-in",
                &[
                    ("email", email),
                    ("password", STAFF_PASSWORD),
                    ("token", &token),
                    ("next", "/staff"),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);

        let (secret, target) = if let Some(secret) = secret {
            assert!(answer.location().starts_with("/staff/sign-in/code"));
            (secret.to_owned(), "/staff/sign-in/code")
        } else {
            assert!(answer.location().starts_with("/staff/sign-in/enrol"));
            (String::new(), "/staff/sign-in/enrol")
        };
        let page = self.get(target).await;
        assert_eq!(page.status, StatusCode::OK);
        let secret = if secret.is_empty() {
            page.text_of("secret").unwrap().replace(' ', "")
        } else {
            secret
        };

        let done = self
            .post(
                target,
                &[
                    ("code", &app_code(&secret, now)),
                    ("token", &page.field("token")),
                    ("next", "/staff"),
                ],
            )
            .await;
        assert!(
            done.status == StatusCode::SEE_OTHER || done.status == StatusCode::OK,
            "{}: {}",
            done.status,
            done.body
        );
        secret
    }
}

/// Marks a request as sent by a page of another site, as browsers do.
pub fn from_elsewhere(mut request: Request<Body>) -> Request<Body> {
    let headers = request.headers_mut();
    headers.insert("origin", "https://evil.example".parse().unwrap());
    headers.insert("sec-fetch-site", "cross-site".parse().unwrap());
    request
}

/// A form sent with `POST`, encoded as browsers do.
pub fn form_request(uri: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body: String = fields
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

/// Percent-encodes a form value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// A message waiting in the outbox.
#[derive(Debug, sqlx::FromRow)]
pub struct Mail {
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
}

impl Mail {
    /// The first address in the text starting with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        let start = self
            .body_text
            .find(prefix)
            .expect("the message has the link");
        self.body_text[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    }
}

/// The messages in the outbox, oldest first.
pub async fn outbox(database: &Database) -> Vec<Mail> {
    database
        .fetch_all(
            "SELECT recipient, subject, body_text FROM mail_outbox ORDER BY created_at, id",
            &[],
        )
        .await
        .unwrap()
}

/// The code an authenticator app with this secret shows at `now`.
pub fn app_code(secret_base32: &str, now: DateTime<Utc>) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_base32).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    totp.generate(u64::try_from(now.timestamp()).unwrap())
        .to_string()
}
