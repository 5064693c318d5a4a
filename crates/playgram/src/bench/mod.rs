//! `playgram bench …`: benchmarks kept with the code, each on a fresh database of its own.
//! - `queue`: the job queue's enqueue and processing rates and pick-up latency.
//! - `contacts`: importing a 100,000-row CSV, and list and search latency at that size.
//! - `webhooks`: outbound webhook deliveries per second with the delivery log kept, and the
//!   event-to-delivery latency.

mod contacts;
mod queue;
mod webhooks;

use anyhow::Context;
use sqlx::Connection;

pub use contacts::{ContactBench, contacts};
pub use queue::{QueueBench, queue};
pub use webhooks::{WebhookBench, webhooks};

/// A fresh database, removed when dropped (PostgreSQL: dropped by [`Scratch::finish`]).
pub struct Scratch {
    pub url: String,
    dir: Option<std::path::PathBuf>,
    postgres: Option<(String, String)>,
}

impl Scratch {
    pub async fn create(postgres: Option<&str>) -> anyhow::Result<Scratch> {
        let suffix = &playgram_core::crypto::random_token()[..12];
        let suffix: String = suffix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    'x'
                }
            })
            .collect();
        match postgres {
            None => {
                let dir = std::env::temp_dir().join(format!("playgram-bench-{suffix}"));
                std::fs::create_dir_all(&dir)?;
                Ok(Scratch {
                    url: format!("sqlite://{}", dir.join("bench.db").display()),
                    dir: Some(dir),
                    postgres: None,
                })
            }
            Some(admin) => {
                let name = format!("playgram_bench_{suffix}");
                let mut conn = sqlx::PgConnection::connect(admin)
                    .await
                    .context("connecting to --postgres")?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await?;
                let _ = conn.close().await;
                let mut url = url::Url::parse(admin)?;
                url.set_path(&name);
                Ok(Scratch {
                    url: url.to_string(),
                    dir: None,
                    postgres: Some((admin.to_owned(), name)),
                })
            }
        }
    }

    pub async fn finish(self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut conn) = sqlx::PgConnection::connect(admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }
}
