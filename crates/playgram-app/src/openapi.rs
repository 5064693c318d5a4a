//! The OpenAPI document (`/api/openapi.json`) and the browsable docs (`/api/docs`).

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

/// The OpenAPI 3 text, kept beside the code and checked against the router by a test.
pub const DOCUMENT: &str = include_str!("../openapi.json");

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(document))
}

async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
