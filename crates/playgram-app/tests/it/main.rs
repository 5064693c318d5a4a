//! Playgram's integration tests: the real app over HTTP, each test on SQLite and (when
//! `PLAYGRAM_TEST_POSTGRES_URL` is set) on PostgreSQL. One binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod api_keys;
mod contacts;
mod dashboard_jobs;
mod dashboard_webhooks;
mod events;
mod http;
mod inbox;
mod invites;
mod jobs;
mod pages;
mod password_reset;
mod request_bins;
mod roles;
mod sessions;
mod tenancy;
mod totp;
mod webhooks;

/// Milliseconds since the epoch, as the database stores time.
pub fn now_ms() -> i64 {
    playgram_core::time::now_ms()
}

/// The actions recorded in the audit log as `viewer` sees it, newest first.
pub async fn audit_actions(viewer: &playgram_testkit::Client) -> Vec<String> {
    viewer
        .get("/api/v1/audit-log?limit=200")
        .await
        .ok()
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}
