//! Platform services shared by every Playgram domain: configuration, the database over SQLite or
//! PostgreSQL, typed ids, time, secrets, TOTP, mail and logging.

pub mod config;
pub mod crypto;
pub mod db;
pub mod ids;
pub mod mail;
pub mod seal;
pub mod telemetry;
pub mod time;
pub mod totp;

pub use config::Config;
pub use db::{Backend, Db, Tx};
