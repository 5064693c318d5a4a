//! Playgram's test harness: the real application on port 0 against a fresh database, a fake SMTP
//! server that captures the emails it sends, and HTTP clients that behave like browsers or API
//! integrations.
//!
//! - [`TestApp::spawn`] starts the app in-process against a fresh SQLite file in a temporary
//!   directory; [`TestApp::spawn_postgres`] against a fresh PostgreSQL database made from
//!   `PLAYGRAM_TEST_POSTGRES_URL` (and dropped again when the app is dropped).
//! - [`both!`] turns one `async fn(TestApp)` into a test per backend.
//! - [`Settings`] overrides configuration keys per test, without touching the process environment.
//! - [`Client`] is a "browser" (own cookie jar, `Origin` on writes) or an API-key client; its
//!   [`Reply`] checks the response envelope.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod app;
mod client;
mod database;
mod meta;
mod people;
mod receiver;
mod settings;
mod smtp;

pub use app::{Arg, OFF_CRON, TestApp};
pub use client::{Client, Reply};
pub use database::{FreshDatabase, postgres_url};
pub use meta::{FakeMeta, GraphCall, error_fixture};
pub use people::{PASSWORD, User, token_of};
pub use playgram_app::ServeRole;
pub use playgram_core::Backend;
pub use receiver::{Answer, Received, Receiver};
pub use settings::Settings;
pub use smtp::{FakeSmtp, Mail};

/// Generates a `#[tokio::test]` per backend from one `async fn(app: TestApp)`:
///
/// ```ignore
/// async fn logout_ends_the_session(app: TestApp) { … }
/// both!(logout_ends_the_session);
/// both!(throttles_by_account, Settings::new().set("login_max_failures_per_account", 2));
/// ```
///
/// The tests are named `NAME::sqlite` and `NAME::postgres`, so `cargo test postgres` picks one
/// backend. The PostgreSQL test runs only when `PLAYGRAM_TEST_POSTGRES_URL` is set; otherwise it
/// passes after printing one skip line per test binary.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        $crate::both!($name, $crate::Settings::new());
    };
    ($name:ident, $settings:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let app = $crate::TestApp::spawn_with($settings).await;
                super::$name(app).await;
            }

            #[tokio::test]
            async fn postgres() {
                if let Some(app) = $crate::TestApp::spawn_postgres_with($settings).await {
                    super::$name(app).await;
                }
            }
        }
    };
}
