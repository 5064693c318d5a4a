//! A fresh database per test: a SQLite file in a new temporary directory, or a new PostgreSQL
//! database created through an admin connection and dropped again afterwards (best effort).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Once;

use playgram_core::Backend;
use sqlx::Connection;

const POSTGRES_ENV: &str = "PLAYGRAM_TEST_POSTGRES_URL";

/// The admin URL of the PostgreSQL server for tests, when `PLAYGRAM_TEST_POSTGRES_URL` is set.
/// Otherwise prints (once per test binary) that the PostgreSQL tests are skipped.
pub fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            static SKIP: Once = Once::new();
            SKIP.call_once(|| {
                // Written past the test harness's capture so it shows in a normal run.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: PostgreSQL tests skipped (they pass without running); set \
                     {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/postgres to run them"
                );
            });
            None
        }
    }
}

/// A database that exists for one test app (or one test of the binary), and its temporary data
/// directory. Both are removed when it is dropped.
pub struct FreshDatabase {
    pub url: String,
    pub data_dir: PathBuf,
    /// For PostgreSQL: the admin URL and the database name to drop at the end.
    postgres: Option<(String, String)>,
}

impl FreshDatabase {
    pub async fn create(backend: Backend) -> Option<FreshDatabase> {
        let data_dir = std::env::temp_dir().join(format!("playgram-test-{}", &hex_token()[..16]));
        std::fs::create_dir_all(&data_dir).expect("create the test data directory");
        match backend {
            Backend::Sqlite => Some(FreshDatabase {
                url: format!("sqlite://{}", data_dir.join("playgram.db").display()),
                data_dir,
                postgres: None,
            }),
            Backend::Postgres => {
                let admin = postgres_url()?;
                let name = format!("playgram_test_{}", &hex_token()[..20]);
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("connecting to {POSTGRES_ENV} ({admin}): {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
                let _ = conn.close().await;
                let mut url = url::Url::parse(&admin).expect("PLAYGRAM_TEST_POSTGRES_URL is a URL");
                url.set_path(&name);
                Some(FreshDatabase {
                    url: url.to_string(),
                    data_dir,
                    postgres: Some((admin, name)),
                })
            }
        }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on; a short-lived thread
        // with its own runtime does the dropping. FORCE ends the app's pooled connections.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await?;
                conn.close().await?;
                Ok::<_, anyhow::Error>(())
            })?;
            Ok::<_, anyhow::Error>(())
        });
        if let Ok(Err(error)) = dropper.join() {
            eprintln!("warning: could not drop a test database: {error:#}");
        }
    }
}

/// 64 lowercase hex characters of randomness (safe in a database name).
pub(crate) fn hex_token() -> String {
    playgram_core::crypto::random_bytes::<32>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
