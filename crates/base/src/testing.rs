//! Support for tests that must pass on both database backends.
//!
//! [`each_backend`] runs a test body once on a fresh SQLite file and once in a fresh
//! PostgreSQL schema. The PostgreSQL server is taken from `RATHAUS_TEST_POSTGRES` (a
//! `postgres://` URL; default `postgres://postgres@127.0.0.1:5432/test`). Setting it to
//! `off` skips PostgreSQL, which the test command of the README never does.
//!
//! This is code for tests: a database that cannot be set up stops the test with a message
//! saying why, so the functions here panic instead of returning errors.
#![expect(
    clippy::expect_used,
    clippy::missing_panics_doc,
    reason = "test support panics by design"
)]

use std::future::Future;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::db::Database;
use crate::migrate::{self, Migration};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Runs `test` on SQLite and on PostgreSQL, each with `migrations` applied to an empty
/// database. Panics (this is for tests) when a database cannot be set up.
pub async fn each_backend<F, Fut>(migrations: &[Migration], test: F)
where
    F: Fn(Database) -> Fut,
    Fut: Future<Output = ()>,
{
    let folder = tempfile::tempdir().expect("a temporary folder for the SQLite test database");
    let sqlite = sqlite_database(&folder.path().join("test.db")).await;
    migrate::run(&sqlite, migrations)
        .await
        .expect("migrations on SQLite");
    test(sqlite.clone()).await;
    sqlite.close().await;

    if let Some((database, cleanup)) = postgres_database().await {
        migrate::run(&database, migrations)
            .await
            .expect("migrations on PostgreSQL");
        test(database.clone()).await;
        database.close().await;
        cleanup.await;
    }
}

/// A fresh SQLite database in the given file.
pub async fn sqlite_database(path: &std::path::Path) -> Database {
    let config = crate::config::DatabaseConfig {
        url: format!("sqlite://{}", path.display()),
        ..Default::default()
    };
    Database::connect(&config)
        .await
        .expect("an SQLite test database")
}

/// A fresh, empty PostgreSQL schema and a future that drops it, or `None` when PostgreSQL is
/// switched off for tests.
pub async fn postgres_database() -> Option<(Database, impl Future<Output = ()>)> {
    let url = std::env::var("RATHAUS_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into());
    if url == "off" {
        return None;
    }

    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let base = PgConnectOptions::from_str(&url).expect("RATHAUS_TEST_POSTGRES is a postgres URL");
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(base.clone())
        .await
        .unwrap_or_else(|error| {
            panic!(
                "cannot reach PostgreSQL at {url} for the tests ({error}); start it, point \
             RATHAUS_TEST_POSTGRES at another server, or set RATHAUS_TEST_POSTGRES=off"
            )
        });
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("creating a test schema");

    let options = base.options([("search_path", schema.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .expect("connecting to the test schema");
    let cleanup = async move {
        let drop = format!("DROP SCHEMA {schema} CASCADE");
        // A leftover schema only costs disk space; a failed drop must not fail the test.
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
            .execute(&admin)
            .await;
        admin.close().await;
    };
    Some((Database::Postgres(pool), cleanup))
}
