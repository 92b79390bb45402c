//! The foundation every Rathaus platform stands on: configuration, the database over SQLite
//! and PostgreSQL, schema migrations, and test support for running the same tests on both.

pub mod config;
pub mod db;
pub mod migrate;
pub mod testing;

pub use config::Config;
pub use db::{Backend, Database, DbError, Transaction, Value};
pub use migrate::Migration;
