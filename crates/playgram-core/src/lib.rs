//! Platform services shared by every Playgram domain: configuration, the database over SQLite or
//! PostgreSQL, the job queue, the events outbox and its realtime hub, wake-up signals, typed ids,
//! time, secrets, TOTP, mail and logging.

pub mod config;
pub mod crypto;
pub mod db;
pub mod events;
pub mod ids;
pub mod jobs;
pub mod mail;
pub mod net;
pub mod seal;
pub mod signals;
pub mod sql;
pub mod telemetry;
pub mod time;
pub mod totp;

pub use config::Config;
pub use db::{Backend, Conn, Db, Tx};
