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

/// A message the [`SmtpReceiver`] accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message as sent after `DATA`: headers, a blank line, the body.
    pub data: String,
}

/// A small SMTP server on the loopback address that accepts every message and keeps it, so
/// that tests can check what was really sent over the wire. It speaks just enough SMTP for
/// a client that does not insist on TLS or authentication: `EHLO`/`HELO`, `MAIL FROM`,
/// `RCPT TO`, `DATA`, `RSET`, `NOOP` and `QUIT`. Dropping it stops listening.
#[derive(Debug)]
pub struct SmtpReceiver {
    address: std::net::SocketAddr,
    received: std::sync::Arc<std::sync::Mutex<Vec<ReceivedMail>>>,
    listening: tokio::task::JoinHandle<()>,
}

impl SmtpReceiver {
    /// Starts a receiver on a free port of 127.0.0.1.
    pub async fn start() -> SmtpReceiver {
        SmtpReceiver::start_on(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a receiver on the given address, for example one where a test first found
    /// nobody listening.
    pub async fn start_on(address: std::net::SocketAddr) -> SmtpReceiver {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .expect("a port for the test SMTP server");
        let address = listener
            .local_addr()
            .expect("the test SMTP server's address");
        let received = std::sync::Arc::default();
        let store = std::sync::Arc::clone(&received);
        let listening = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = std::sync::Arc::clone(&store);
                tokio::spawn(async move {
                    // A client that hangs up mid-conversation is no concern of the test.
                    let _ = converse(stream, store).await;
                });
            }
        });
        SmtpReceiver {
            address,
            received,
            listening,
        }
    }

    /// The address to put into `mail.smtp_url`, such as `smtp://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// The address the receiver listens on.
    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    /// Every message received so far, in order of arrival.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().expect("the received messages").clone()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        self.listening.abort();
    }
}

/// An address on 127.0.0.1 where, at the moment, nobody listens.
pub async fn unused_address() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a free port");
    listener.local_addr().expect("the free port's address")
}

/// One SMTP conversation with a client.
async fn converse(
    stream: tokio::net::TcpStream,
    received: std::sync::Arc<std::sync::Mutex<Vec<ReceivedMail>>>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer
        .write_all(b"220 localhost test SMTP ready\r\n")
        .await?;

    let mut from = String::new();
    let mut to = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_owned();
        let verb = command.to_ascii_uppercase();

        let reply: &[u8] = if verb.starts_with("EHLO") {
            b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if verb.starts_with("HELO") {
            b"250 localhost\r\n"
        } else if verb.starts_with("MAIL FROM:") {
            from = angle_address(&command);
            b"250 OK\r\n"
        } else if verb.starts_with("RCPT TO:") {
            to.push(angle_address(&command));
            b"250 OK\r\n"
        } else if verb == "DATA" {
            writer
                .write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let data = read_data(&mut reader).await?;
            received
                .lock()
                .expect("the received messages")
                .push(ReceivedMail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
            b"250 OK queued\r\n"
        } else if verb == "RSET" {
            from.clear();
            to.clear();
            b"250 OK\r\n"
        } else if verb == "NOOP" {
            b"250 OK\r\n"
        } else if verb == "QUIT" {
            writer.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 command not implemented\r\n"
        };
        writer.write_all(reply).await?;
    }
}

/// The text between `<` and `>` of a `MAIL FROM` or `RCPT TO` line.
fn angle_address(command: &str) -> String {
    let start = command.find('<').map_or(0, |index| index + 1);
    let end = command.rfind('>').unwrap_or(command.len());
    command.get(start..end).unwrap_or_default().to_owned()
}

/// The message after `DATA`, up to the line with a single dot, with dot-stuffing undone.
async fn read_data<R>(reader: &mut R) -> std::io::Result<String>
where
    R: tokio::io::AsyncBufRead + Unpin,
{
    use tokio::io::AsyncBufReadExt as _;

    let mut data = String::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(data);
        }
        let text = String::from_utf8_lossy(&line);
        let content = text.trim_end_matches(['\r', '\n']);
        if content == "." {
            return Ok(data);
        }
        data.push_str(content.strip_prefix('.').unwrap_or(content));
        data.push_str("\r\n");
    }
}
