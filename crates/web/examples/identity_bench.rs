//! The in-process parts of the identity benchmark (`bench/identity.sh`).
//!
//! - `prepare <database-url> <accounts>`: migrates the database, imports the demo city and
//!   makes `accounts` citizen accounts `bench-N@example.org` with the password
//!   [`PASSWORD`], through the identity platform with its real hashing cost.
//! - `hash-time <samples>`: the median time of one Argon2id hash with the parameters the
//!   platform uses, on one thread. The script divides the machine's cores by it to get the
//!   most password sign-ins per second the machine allows.
//! - `session-cost <samples>`: on a fresh SQLite database, the median time of looking up a
//!   session by its token, and of answering the account page (which looks one up) through
//!   the whole router, so that the lookup's share of a personal page is known.
//! - `passkey-logins <count>`: on a fresh SQLite database, `count` complete passkey sign-ins
//!   one after another (begin, sign with a software P-256 authenticator, finish), each by one
//!   of 16 citizens with a registered passkey; prints passkey logins per second on one
//!   thread. The signing is done by the authenticator the identity tests use, and its share
//!   is timed apart, so that the server's part is known.
//!
//! Every subcommand prints its figures as `RESULT key=value` lines for the script.

use std::io::Write as _;
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use axum::body::Body;
use axum::http::{Request, header};
use chrono::Utc;
use rathaus_base::config::DatabaseConfig;
use rathaus_base::{Config, Database, migrate};
use rathaus_content::{ContentStore, import};
use rathaus_identity::{AddressMail, IdentityConfig, IdentityStore, PasswordPolicy};
use rathaus_web::{AppState, Clock, all_migrations, router};
use tower::ServiceExt;

#[expect(
    clippy::unwrap_used,
    dead_code,
    reason = "test support: a malformed ceremony stops the benchmark; the forging helpers are \
              for the tests"
)]
#[path = "../../identity/tests/identity/soft_authenticator.rs"]
mod soft_authenticator;

use soft_authenticator::{ORIGIN, SoftPasskey};

/// The password of every benchmark account.
const PASSWORD: &str = "Ein langer Satz als Passwort für den Benchmark";

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let number = |index: usize, default: usize| {
        arguments
            .get(index)
            .and_then(|text| text.parse().ok())
            .unwrap_or(default)
    };
    match arguments.first().map(String::as_str) {
        Some("prepare") => {
            let url = arguments.get(1).ok_or("prepare needs a database URL")?;
            prepare(url, number(2, 64)).await
        }
        Some("hash-time") => hash_time(number(1, 30)),
        Some("session-cost") => session_cost(number(1, 2000)).await,
        Some("passkey-logins") => passkey_logins(number(1, 500)).await,
        _ => Err(
            "usage: identity_bench prepare <url> <accounts> | hash-time <samples> | \
                  session-cost <samples> | passkey-logins <count>"
                .into(),
        ),
    }
}

async fn connect(url: &str) -> Result<Database, Failure> {
    let config = DatabaseConfig {
        url: url.to_owned(),
        ..DatabaseConfig::default()
    };
    let database = Database::connect(&config).await?;
    migrate::run(&database, &all_migrations()).await?;
    Ok(database)
}

/// Makes the benchmark accounts the way people do: sign-up, then the emailed link.
async fn prepare(url: &str, accounts: usize) -> Result<(), Failure> {
    let database = connect(url).await?;
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/demo");
    let items = import::read_folder(&folder, &std::collections::BTreeSet::new())?;
    let content = ContentStore::new(database.clone());
    if content.version().await? == 0 {
        content.import(&items, "benchmark", Utc::now()).await?;
    }

    let identity = IdentityStore::new(database, IdentityConfig::default());
    for index in 0..accounts {
        let email = format!("bench-{index}@example.org");
        // Each sign-up counts against the client and the address: give each its own.
        let client = format!("bench-client-{index}");
        let mail = identity
            .sign_up(&email, "Benchmark", PASSWORD, &client, Utc::now())
            .await?;
        match mail {
            AddressMail::Confirm(link) => {
                identity.complete_sign_up(&link.token, Utc::now()).await?;
            }
            AddressMail::AlreadyRegistered { .. } => {}
            AddressMail::Withheld => return Err(format!("no link for {email}").into()),
        }
    }
    report(&format!("accounts={accounts}"))
}

/// Times Argon2id hashes with the platform's parameters on this thread.
fn hash_time(samples: usize) -> Result<(), Failure> {
    let policy = PasswordPolicy::default();
    let params = Params::new(
        policy.memory_kib,
        policy.iterations,
        policy.parallelism,
        None,
    )
    .unwrap_or_default();
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = [7_u8; 16];
    let mut output = [0_u8; 32];

    let mut times: Vec<Duration> = (0..samples.max(3))
        .map(|_| {
            let started = Instant::now();
            // The parameters are valid (the defaults the platform uses), so hashing succeeds.
            let _ = hasher.hash_password_into(PASSWORD.as_bytes(), &salt, &mut output);
            started.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    report(&format!(
        "hash_ms={:.2} memory_kib={} iterations={} lanes={}",
        median.as_secs_f64() * 1000.0,
        policy.memory_kib,
        policy.iterations,
        policy.parallelism
    ))
}

/// Times a session lookup alone and the account page that makes one.
async fn session_cost(samples: usize) -> Result<(), Failure> {
    let folder = tempfile::tempdir()?;
    let url = format!("sqlite://{}", folder.path().join("bench.db").display());
    let database = connect(&url).await?;
    let identity = IdentityStore::new(database.clone(), IdentityConfig::for_tests());
    let AddressMail::Confirm(link) = identity
        .sign_up(
            "lookup@example.org",
            "Lookup",
            PASSWORD,
            "client",
            Utc::now(),
        )
        .await?
    else {
        return Err("the sign-up sent no link".into());
    };
    let (_, token) = identity.complete_sign_up(&link.token, Utc::now()).await?;

    let lookups = median_of(samples, || async {
        let _ = identity.session(&token, Utc::now()).await;
    })
    .await;

    let state = AppState::new(Config::default(), database, None, Clock::System).await?;
    let app = router(state);
    let cookie = format!("rathaus={}", token.as_str());
    let pages = median_of(samples, || {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let request = Request::get("/de/account")
                .header(header::COOKIE, cookie)
                .body(Body::empty());
            if let Ok(request) = request {
                let _ = app.oneshot(request).await;
            }
        }
    })
    .await;

    report(&format!(
        "lookup_us={:.1} account_page_us={:.1} lookup_share_percent={:.1}",
        micros(lookups),
        micros(pages),
        100.0 * lookups.as_secs_f64() / pages.as_secs_f64().max(f64::EPSILON)
    ))
}

/// Times complete passkey sign-ins through the identity platform, and the authenticator's
/// signing alone.
async fn passkey_logins(count: usize) -> Result<(), Failure> {
    let folder = tempfile::tempdir()?;
    let url = format!("sqlite://{}", folder.path().join("bench.db").display());
    let database = connect(&url).await?;
    // The relying party of the software authenticator's origin; cheap hashing, since the
    // passwords only make the accounts.
    let identity = IdentityStore::new(database, IdentityConfig::for_tests());

    let mut devices = Vec::new();
    for index in 0..16_u8 {
        let email = format!("passkey-{index}@example.org");
        // Each from its own client, since one client may ask for only a few sign-up links.
        let client = format!("client-{index}");
        let AddressMail::Confirm(link) = identity
            .sign_up(&email, "Passkey", PASSWORD, &client, Utc::now())
            .await?
        else {
            return Err("the sign-up sent no link".into());
        };
        let (account, _) = identity.complete_sign_up(&link.token, Utc::now()).await?;
        let ceremony = identity
            .begin_passkey_registration(account.id, "client", Utc::now())
            .await?;
        let (device, answer) = SoftPasskey::register(&ceremony.options, ORIGIN, index + 1);
        identity
            .finish_passkey_registration(account.id, &ceremony.token, &answer, "Bench", Utc::now())
            .await?;
        devices.push(device);
    }

    let mut signing = Duration::ZERO;
    let started = Instant::now();
    for round in 0..count.max(1) {
        let device = &mut devices[round % 16];
        let ceremony = identity.begin_passkey_sign_in("client", Utc::now()).await?;
        let signed = Instant::now();
        let answer = device.sign(&ceremony.options, ORIGIN);
        signing += signed.elapsed();
        identity
            .finish_passkey_sign_in(&ceremony.token, &answer, "client", Utc::now())
            .await?;
    }
    let elapsed = started.elapsed();

    let logins = f64::from(u32::try_from(count.max(1))?);
    report(&format!(
        "passkey_logins_per_s={:.1} signing_share_percent={:.1}",
        logins / elapsed.as_secs_f64().max(f64::EPSILON),
        100.0 * signing.as_secs_f64() / elapsed.as_secs_f64().max(f64::EPSILON)
    ))
}

/// Prints one `RESULT` line for the script.
fn report(figures: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "RESULT {figures}")?;
    Ok(())
}

/// The median duration of `samples` runs of `work`, after a tenth as many untimed ones.
async fn median_of<F, Fut>(samples: usize, work: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..samples / 10 {
        work().await;
    }
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples.max(1) {
        let started = Instant::now();
        work().await;
        times.push(started.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000_000.0
}
