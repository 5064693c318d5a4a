//! Operational endpoints: liveness, readiness and Prometheus metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

use crate::http::{Api, AppError, Result};
use crate::state::AppState;

#[derive(Serialize)]
pub struct Health {
    pub status: &'static str,
}

/// Liveness: the process answers.
pub async fn healthz() -> Api<Health> {
    Api::ok(Health { status: "ok" })
}

#[derive(Serialize)]
pub struct Ready {
    pub status: &'static str,
    pub database: &'static str,
    pub pending_migrations: usize,
}

/// Readiness: the database answers and every migration this binary knows is applied.
pub async fn readyz(State(state): State<AppState>) -> Result<Api<Ready>> {
    let unavailable =
        |message: &str| AppError::client(StatusCode::SERVICE_UNAVAILABLE, "not_ready", message);
    state
        .db
        .ping()
        .await
        .map_err(|_| unavailable("The database does not answer."))?;
    let pending = state
        .db
        .pending_migrations()
        .await
        .map_err(|_| unavailable("Cannot read the migration table."))?;
    if pending > 0 {
        return Err(unavailable(&format!(
            "{pending} database migrations are not applied yet; run `playgram migrate`."
        )));
    }
    let database = match state.db.backend() {
        playgram_core::Backend::Sqlite => "sqlite",
        playgram_core::Backend::Postgres => "postgres",
    };
    Ok(Api::ok(Ready {
        status: "ready",
        database,
        pending_migrations: 0,
    }))
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (open, idle) = state.db.pool_stats();
    let mut body = state
        .metrics
        .render((open, idle, state.config.db_max_connections));
    state.job_metrics.render(&mut body);
    render_queue_depth(&state, &mut body).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// Jobs per queue and state, and the age of the oldest waiting job, read from the database.
async fn render_queue_depth(state: &AppState, out: &mut String) {
    use std::fmt::Write;
    let Ok(depth) = playgram_core::jobs::manage::depth(&state.db).await else {
        return;
    };
    let now = playgram_core::time::now_ms();
    out.push_str("# HELP playgram_jobs Jobs by queue and state (all workspaces).\n");
    out.push_str("# TYPE playgram_jobs gauge\n");
    for row in &depth {
        let _ = writeln!(
            out,
            "playgram_jobs{{queue=\"{}\",state=\"{}\"}} {}",
            row.queue, row.state, row.count
        );
    }
    out.push_str(
        "# HELP playgram_jobs_oldest_age_seconds Age of the oldest job waiting to run, by queue.\n",
    );
    out.push_str("# TYPE playgram_jobs_oldest_age_seconds gauge\n");
    for row in depth.iter().filter(|r| r.state == "ready") {
        let age = (now - row.oldest_created_at.unwrap_or(now)).max(0) as f64 / 1000.0;
        let _ = writeln!(
            out,
            "playgram_jobs_oldest_age_seconds{{queue=\"{}\"}} {age}",
            row.queue
        );
    }
}
