//! The foundation every Rathaus platform stands on: configuration, the database over SQLite
//! and PostgreSQL, schema migrations, outgoing mail, and test support for running the same
//! tests on both.

pub mod config;
pub mod db;
pub mod mail;
pub mod migrate;
pub mod testing;

pub use config::Config;
pub use db::{Backend, Database, DbError, Transaction, Value};
pub use migrate::Migration;

/// Bytes as lower-case hexadecimal text.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}
