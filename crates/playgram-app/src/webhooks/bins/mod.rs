//! Request bins: capture URLs (`/bin/{token}`) that record any request sent to them — method,
//! path, headers, body — so a webhook (or anything else) can be seen arriving while it is set up.
//!
//! - `capture.rs`: the public capture endpoint (size cap, per-bin rate limit in `rate.rs`);
//! - `store.rs` / `service.rs`: SQL, and the rules with their audit entries;
//! - `api.rs`: `/api/v1/request-bins…`; `live.rs`: the SSE stream of new captures;
//! - `views.rs` / `detail.rs`: the dashboard pages under `/app/webhooks/bins`.
//!
//! Captures are kept `request_bin_retention_hours` (the hourly prune job) and at most
//! [`capture::KEEP_PER_BIN`] per bin.

pub mod api;
pub mod capture;
pub mod detail;
pub mod live;
pub mod rate;
pub mod service;
pub mod store;
pub mod views;

use std::sync::Arc;

use axum::Router;
use axum::routing::{any, get, post};
use playgram_core::Config;

use crate::state::AppState;

/// This instance's request-bin machinery: the wake-ups for live streams and the rate limiter.
#[derive(Clone)]
pub struct Bins {
    pub notifier: Arc<live::Notifier>,
    pub limiter: Arc<rate::Limiter>,
}

impl Bins {
    pub fn new(config: &Config) -> Bins {
        Bins {
            notifier: Arc::default(),
            limiter: Arc::new(rate::Limiter::new(config.request_bin_rate_per_minute)),
        }
    }
}

/// The public capture URLs, for any method.
pub fn capture_routes() -> Router<AppState> {
    Router::new()
        .route("/bin/{token}", any(capture::capture_request))
        .route("/bin/{token}/", any(capture::capture_request))
        .route("/bin/{token}/{*rest}", any(capture::capture_request))
}

/// The REST API, to be nested under `/api/v1`.
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/request-bins",
            get(api::list_request_bins).post(api::create_request_bin),
        )
        .route(
            "/request-bins/{id}",
            get(api::get_request_bin).delete(api::delete_request_bin),
        )
        .route(
            "/request-bins/{id}/captures",
            get(api::list_captures).delete(api::delete_captures),
        )
        .route(
            "/request-bins/{id}/captures/{capture_id}",
            get(api::get_capture),
        )
        .route("/request-bins/{id}/stream", get(live::stream_captures))
}

/// The dashboard pages.
pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/app/webhooks/bins",
            get(views::list_bins).post(views::create_bin),
        )
        .route("/app/webhooks/bins/{id}", get(detail::show_bin))
        .route("/app/webhooks/bins/{id}/clear", post(views::clear_bin))
        .route("/app/webhooks/bins/{id}/delete", post(views::delete_bin))
}
