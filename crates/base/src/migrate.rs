//! Schema migrations for both database backends.
//!
//! Each platform owns its tables and hands its migrations to [`run`] as a list of
//! [`Migration`]s. One SQL text serves both backends; the few column types that differ are
//! written as placeholders that [`render`] fills in:
//!
//! | placeholder   | SQLite    | PostgreSQL    |
//! |---------------|-----------|---------------|
//! | `{uuid}`      | `BLOB`    | `UUID`        |
//! | `{timestamp}` | `TEXT`    | `TIMESTAMPTZ` |
//! | `{json}`      | `TEXT`    | `JSONB`       |
//! | `{serial}`    | `INTEGER PRIMARY KEY AUTOINCREMENT` | `BIGSERIAL PRIMARY KEY` |
//! | `{blob}`      | `BLOB`    | `BYTEA`       |
//!
//! Applied migrations are recorded with a checksum in `rathaus_migrations`; a migration that
//! was changed after it ran is an error, because the database would no longer match the
//! code. Migrations only ever add (expand, then contract in a later release), so that nodes
//! of the previous version keep working while a new one starts. See `docs/migrations.md`.

use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::db::{Backend, Database, DbError, Transaction};

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Unique across all platforms; migrations run in rising order. The runner refuses two
    /// migrations with the same version.
    pub version: i64,
    /// What the migration does, in a few words.
    pub name: &'static str,
    /// The SQL, with placeholders for the column types that differ.
    pub sql: &'static str,
}

/// The SQL of a migration for one backend.
pub fn render(sql: &str, backend: Backend) -> String {
    let types: [(&str, &str); 5] = match backend {
        Backend::Sqlite => [
            ("{uuid}", "BLOB"),
            ("{timestamp}", "TEXT"),
            ("{json}", "TEXT"),
            ("{serial}", "INTEGER PRIMARY KEY AUTOINCREMENT"),
            ("{blob}", "BLOB"),
        ],
        Backend::Postgres => [
            ("{uuid}", "UUID"),
            ("{timestamp}", "TIMESTAMPTZ"),
            ("{json}", "JSONB"),
            ("{serial}", "BIGSERIAL PRIMARY KEY"),
            ("{blob}", "BYTEA"),
        ],
    };
    types
        .iter()
        .fold(sql.to_owned(), |sql, (placeholder, type_name)| {
            sql.replace(placeholder, type_name)
        })
}

fn checksum(sql: &str) -> String {
    crate::hex(&Sha256::digest(sql.as_bytes()))
}

#[derive(sqlx::FromRow)]
struct Applied {
    version: i64,
    checksum: String,
}

/// Applies the migrations that have not run yet and returns the versions it applied.
///
/// Several nodes may start at once: on PostgreSQL an advisory lock makes them take turns;
/// on SQLite the immediate transaction does.
pub async fn run(database: &Database, migrations: &[Migration]) -> Result<Vec<i64>, DbError> {
    let mut ordered: Vec<Migration> = migrations.to_vec();
    ordered.sort_by_key(|migration| migration.version);
    if let Some(pair) = ordered
        .windows(2)
        .find(|pair| pair[0].version == pair[1].version)
    {
        return Err(DbError::Migration {
            version: pair[1].version,
            name: pair[1].name,
            reason: format!("the version is also used by `{}`", pair[0].name),
        });
    }

    let mut transaction = database.begin().await?;
    if transaction.backend() == Backend::Postgres {
        transaction
            .execute("SELECT pg_advisory_xact_lock(7263616)", &[])
            .await?;
    }
    transaction
        .execute_script(render(
            "CREATE TABLE IF NOT EXISTS rathaus_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at {timestamp} NOT NULL
            )",
            transaction.backend(),
        ))
        .await?;
    let applied: Vec<Applied> = transaction
        .fetch_all("SELECT version, checksum FROM rathaus_migrations", &[])
        .await?;

    let mut newly_applied = Vec::new();
    for migration in ordered {
        let sql = render(migration.sql, transaction.backend());
        let sum = checksum(migration.sql);
        match applied.iter().find(|row| row.version == migration.version) {
            Some(row) if row.checksum == sum => continue,
            Some(_) => {
                return Err(DbError::Migration {
                    version: migration.version,
                    name: migration.name,
                    reason: "it was changed after it had been applied; add a new migration \
                             instead of editing an applied one"
                        .to_owned(),
                });
            }
            None => {}
        }
        apply(&mut transaction, migration, sql, sum).await?;
        newly_applied.push(migration.version);
    }
    transaction.commit().await?;

    Ok(newly_applied)
}

async fn apply(
    transaction: &mut Transaction,
    migration: Migration,
    sql: String,
    sum: String,
) -> Result<(), DbError> {
    transaction
        .execute_script(sql)
        .await
        .map_err(|error| DbError::Migration {
            version: migration.version,
            name: migration.name,
            reason: error.to_string(),
        })?;
    transaction
        .execute(
            "INSERT INTO rathaus_migrations (version, name, checksum, applied_at) \
             VALUES ($1, $2, $3, $4)",
            &[
                migration.version.into(),
                migration.name.into(),
                sum.into(),
                Utc::now().into(),
            ],
        )
        .await?;
    tracing::info!(migration.version, migration.name, "applied migration");
    Ok(())
}
