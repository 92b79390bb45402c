//! What the identity tests share: the migrations, a store with cheap hashing, a clock, and
//! the steps of signing in as a person would, computing authenticator codes as an app does.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rathaus_base::{Database, Migration};
use rathaus_identity::{
    Account, Grants, IdentityConfig, IdentityStore, RecoveryCodes, Role, SessionToken, SignInStep,
};
use uuid::Uuid;

/// A password that passes the rules.
pub const PASSWORD: &str = "Rathaus-Passphrase 2026";

/// The client key the web layer would derive from an address.
pub const CLIENT: &str = "client-203.0.113.7";

/// The outbox's and the identity platform's migrations.
pub fn migrations() -> Vec<Migration> {
    [rathaus_base::mail::MIGRATIONS, rathaus_identity::MIGRATIONS].concat()
}

/// A store with hashing parameters cheap enough for tests.
pub fn store(database: Database) -> IdentityStore {
    IdentityStore::new(database, IdentityConfig::for_tests())
}

/// A fixed morning.
pub fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap()
}

/// `seconds` after `start`.
pub fn later(start: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    start + Duration::seconds(seconds)
}

/// `count` days after `start`.
pub fn days_later(start: DateTime<Utc>, count: i64) -> DateTime<Utc> {
    start + Duration::days(count)
}

/// Makes a citizen account, unverified, as citizen sign-up will. The identity platform has
/// no call for it yet, so the row is written directly.
pub async fn citizen(database: &Database, email: &str, now: DateTime<Utc>) -> Uuid {
    let id = Uuid::now_v7();
    database
        .execute(
            "INSERT INTO identity_accounts (id, kind, email, email_normalised, display_name, \
             disabled, created_at, updated_at) VALUES ($1, 'citizen', $2, $3, $4, $5, $6, $6)",
            &[
                id.into(),
                email.into(),
                email.to_lowercase().into(),
                "Erika Mustermann".into(),
                false.into(),
                now.into(),
            ],
        )
        .await
        .unwrap();
    id
}

/// The roles given.
pub fn roles(list: &[Role]) -> BTreeSet<Role> {
    list.iter().copied().collect()
}

/// The roles given, everywhere.
pub fn grants(list: &[Role]) -> Grants {
    Grants::everywhere(roles(list))
}

/// The code an authenticator app with this secret shows at `now`.
pub fn app_code(secret_base32: &str, now: DateTime<Utc>) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret_base32).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    totp.generate(u64::try_from(now.timestamp()).unwrap())
        .to_string()
}

/// A staff member who has signed in once and set up the app: the account, the session
/// token, the app's secret and the recovery codes.
pub struct Enrolled {
    pub account: Account,
    pub token: SessionToken,
    pub secret: String,
    pub codes: RecoveryCodes,
}

/// Makes a staff account and signs it in for the first time at `now`, setting up the app.
pub async fn enrolled(
    store: &IdentityStore,
    email: &str,
    granted: &[Role],
    now: DateTime<Utc>,
) -> Enrolled {
    let account = store
        .create_staff(email, "Anna Huber", PASSWORD, &roles(granted), now)
        .await
        .unwrap();
    let step = store
        .sign_in_with_password(email, PASSWORD, CLIENT, now)
        .await
        .unwrap();
    let SignInStep::EnrolmentRequired { pending } = step else {
        panic!("a new account sets up its app first, got {step:?}");
    };
    let enrolment = store.begin_totp_enrolment(&pending, now).await.unwrap();
    let (token, codes) = store
        .confirm_totp_enrolment(&pending, &app_code(&enrolment.secret_base32, now), now)
        .await
        .unwrap();
    Enrolled {
        account,
        token,
        secret: enrolment.secret_base32,
        codes,
    }
}

/// Signs in with password and a current app code at `now`.
pub async fn sign_in(
    store: &IdentityStore,
    email: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> SessionToken {
    let step = store
        .sign_in_with_password(email, PASSWORD, CLIENT, now)
        .await
        .unwrap();
    let SignInStep::SecondFactorRequired { pending } = step else {
        panic!("an enrolled account is asked for a code, got {step:?}");
    };
    store
        .verify_second_factor(&pending, &app_code(secret, now), CLIENT, now)
        .await
        .unwrap()
}
