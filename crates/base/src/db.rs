//! One database interface over SQLite and PostgreSQL.
//!
//! Rathaus runs on an embedded SQLite file by default and on PostgreSQL when one machine is
//! not enough. Queries are written once, in SQL both understand, with numbered parameters
//! (`$1`, `$2`, ...; SQLite binds `$N` by its number too). Arguments are [`Value`]s, typed
//! even when null, because PostgreSQL refuses a text-typed null for a UUID column. Rows are
//! read into structs that derive `sqlx::FromRow`, which works for both backends as long as
//! the field types exist in both ([`Row`]).
//!
//! Types that differ between the backends are stored as follows: UUIDs as `BLOB` in SQLite
//! and `UUID` in PostgreSQL; timestamps as ISO 8601 `TEXT` in SQLite and `TIMESTAMPTZ` in
//! PostgreSQL; JSON as `TEXT` in SQLite and `JSONB` in PostgreSQL; binary data such as
//! images as `BLOB` in SQLite and `BYTEA` in PostgreSQL. Migrations name these with
//! placeholders (see [`crate::migrate`]).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection as _, FromRow};
use uuid::Uuid;

use crate::config::DatabaseConfig;

/// Which database engine a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded SQLite database.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A database error.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A migration could not be applied, or the applied ones do not match this program.
    #[error("migration {version} ({name}): {reason}")]
    Migration {
        /// The migration's version.
        version: i64,
        /// The migration's name.
        name: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The database URL names no supported database.
    #[error("unsupported database URL; use sqlite:… or postgres://…")]
    UnsupportedUrl,
    /// The folder of the SQLite file could not be created.
    #[error("cannot create the folder for the database file: {0}")]
    Folder(#[from] std::io::Error),
}

impl DbError {
    /// Whether the error is a violated unique constraint, such as a duplicate key.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlx(sqlx::Error::Database(error)) => error.is_unique_violation(),
            _ => false,
        }
    }
}

/// A query argument. Every variant holds an `Option` so that a null keeps its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A boolean.
    Bool(Option<bool>),
    /// A 64-bit integer.
    Int(Option<i64>),
    /// Text.
    Text(Option<String>),
    /// A UUID.
    Uuid(Option<Uuid>),
    /// A point in time.
    Time(Option<DateTime<Utc>>),
    /// A JSON document.
    Json(Option<serde_json::Value>),
    /// Binary data, such as the bytes of an image.
    Bytes(Option<Vec<u8>>),
}

macro_rules! value_from {
    ($variant:ident, $type:ty) => {
        impl From<$type> for Value {
            fn from(value: $type) -> Self {
                Value::$variant(Some(value.into()))
            }
        }
        impl From<Option<$type>> for Value {
            fn from(value: Option<$type>) -> Self {
                Value::$variant(value.map(Into::into))
            }
        }
    };
}

value_from!(Bool, bool);
value_from!(Int, i64);
value_from!(Text, String);
value_from!(Text, &str);
value_from!(Uuid, Uuid);
value_from!(Time, DateTime<Utc>);
value_from!(Json, serde_json::Value);
value_from!(Bytes, Vec<u8>);
value_from!(Bytes, &[u8]);

/// A row type both backends can read: derive `sqlx::FromRow` with field types that exist in
/// both (integers, `bool`, `String`, `Uuid`, `DateTime<Utc>`, `sqlx::types::Json<T>`,
/// `Vec<u8>`).
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// Binds each [`Value`] to a query of either backend.
macro_rules! bind_values {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value.clone() {
                Value::Bool(v) => query.bind(v),
                Value::Int(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
                Value::Uuid(v) => query.bind(v),
                Value::Time(v) => query.bind(v),
                Value::Json(v) => query.bind(v.map(sqlx::types::Json)),
                Value::Bytes(v) => query.bind(v),
            };
        }
        query
    }};
}

/// Runs one query on a pool or transaction of either backend.
macro_rules! on_backend {
    ($self:ident, $conn:ident => $body:expr) => {
        match $self {
            Self::Sqlite($conn) => $body,
            Self::Postgres($conn) => $body,
        }
    };
}

/// A pool of connections to the database.
#[derive(Debug, Clone)]
pub enum Database {
    /// The embedded SQLite database.
    Sqlite(SqlitePool),
    /// A PostgreSQL server.
    Postgres(PgPool),
}

impl Database {
    /// Connects to the database the configuration names, creating an SQLite file and its
    /// folder when missing.
    pub async fn connect(config: &DatabaseConfig) -> Result<Database, DbError> {
        let timeout = Duration::from_secs(config.busy_timeout_seconds);

        if config.url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(&config.url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // A commit is on disk before it is acknowledged: nothing a citizen was told
                // is saved may be lost, even on power loss.
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(timeout)
                .foreign_keys(true);
            if let Some(folder) = options.get_filename().parent()
                && !folder.as_os_str().is_empty()
            {
                std::fs::create_dir_all(folder)?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(config.max_connections)
                .acquire_timeout(timeout)
                .connect_with(options)
                .await?;
            return Ok(Database::Sqlite(pool));
        }

        if config.url.starts_with("postgres://") || config.url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(&config.url)?.application_name("rathaus");
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections)
                .acquire_timeout(timeout)
                .connect_with(options)
                .await?;
            return Ok(Database::Postgres(pool));
        }

        Err(DbError::UnsupportedUrl)
    }

    /// The engine behind this pool.
    pub fn backend(&self) -> Backend {
        match self {
            Database::Sqlite(_) => Backend::Sqlite,
            Database::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute(&self, sql: &'static str, values: &[Value]) -> Result<u64, DbError> {
        on_backend!(self, pool => {
            let result = bind_values!(sqlx::query(sql), values).execute(pool).await?;
            Ok(result.rows_affected())
        })
    }

    /// Runs a query and reads all rows.
    pub async fn fetch_all<T: Row>(
        &self,
        sql: &'static str,
        values: &[Value],
    ) -> Result<Vec<T>, DbError> {
        on_backend!(self, pool => {
            Ok(bind_values!(sqlx::query_as::<_, T>(sql), values).fetch_all(pool).await?)
        })
    }

    /// Runs a query and reads the first row, if any.
    pub async fn fetch_optional<T: Row>(
        &self,
        sql: &'static str,
        values: &[Value],
    ) -> Result<Option<T>, DbError> {
        on_backend!(self, pool => {
            Ok(bind_values!(sqlx::query_as::<_, T>(sql), values).fetch_optional(pool).await?)
        })
    }

    /// Runs a query that returns exactly one row.
    pub async fn fetch_one<T: Row>(
        &self,
        sql: &'static str,
        values: &[Value],
    ) -> Result<T, DbError> {
        on_backend!(self, pool => {
            Ok(bind_values!(sqlx::query_as::<_, T>(sql), values).fetch_one(pool).await?)
        })
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so two writers queue on the busy timeout instead of failing when they upgrade.
    pub async fn begin(&self) -> Result<Transaction, DbError> {
        match self {
            Database::Sqlite(pool) => Ok(Transaction::Sqlite(
                pool.begin_with("BEGIN IMMEDIATE").await?,
            )),
            Database::Postgres(pool) => Ok(Transaction::Postgres(pool.begin().await?)),
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), DbError> {
        match self {
            Database::Sqlite(pool) => pool.acquire().await?.ping().await?,
            Database::Postgres(pool) => pool.acquire().await?.ping().await?,
        }
        Ok(())
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        on_backend!(self, pool => pool.close().await);
    }
}

/// A database transaction: committed with [`Transaction::commit`], rolled back when dropped.
#[derive(Debug)]
pub enum Transaction {
    /// On SQLite.
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// On PostgreSQL.
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Transaction {
    /// Runs a statement and returns the number of rows it changed.
    pub async fn execute(&mut self, sql: &'static str, values: &[Value]) -> Result<u64, DbError> {
        on_backend!(self, tx => {
            let result = bind_values!(sqlx::query(sql), values).execute(&mut **tx).await?;
            Ok(result.rows_affected())
        })
    }

    /// Runs a query and reads all rows.
    pub async fn fetch_all<T: Row>(
        &mut self,
        sql: &'static str,
        values: &[Value],
    ) -> Result<Vec<T>, DbError> {
        on_backend!(self, tx => {
            Ok(bind_values!(sqlx::query_as::<_, T>(sql), values).fetch_all(&mut **tx).await?)
        })
    }

    /// Runs a query and reads the first row, if any.
    pub async fn fetch_optional<T: Row>(
        &mut self,
        sql: &'static str,
        values: &[Value],
    ) -> Result<Option<T>, DbError> {
        on_backend!(self, tx => {
            let query = bind_values!(sqlx::query_as::<_, T>(sql), values);
            Ok(query.fetch_optional(&mut **tx).await?)
        })
    }

    /// Runs a query that returns exactly one row.
    pub async fn fetch_one<T: Row>(
        &mut self,
        sql: &'static str,
        values: &[Value],
    ) -> Result<T, DbError> {
        on_backend!(self, tx => {
            Ok(bind_values!(sqlx::query_as::<_, T>(sql), values).fetch_one(&mut **tx).await?)
        })
    }

    /// Runs SQL text that holds several statements and no parameters, such as a migration.
    pub(crate) async fn execute_script(&mut self, sql: String) -> Result<(), DbError> {
        on_backend!(self, tx => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut **tx).await?;
            Ok(())
        })
    }

    /// The engine this transaction runs on.
    pub fn backend(&self) -> Backend {
        match self {
            Transaction::Sqlite(_) => Backend::Sqlite,
            Transaction::Postgres(_) => Backend::Postgres,
        }
    }

    /// Makes the transaction's changes permanent.
    pub async fn commit(self) -> Result<(), DbError> {
        on_backend!(self, tx => tx.commit().await?);
        Ok(())
    }
}
