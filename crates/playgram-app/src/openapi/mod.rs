//! The OpenAPI 3.1 document served at `/api/openapi.json`, and Swagger UI at `/api/docs` (its files
//! come from the `utoipa-swagger-ui` package, built into the binary; nothing loads from a CDN).
//!
//! The document is written here by hand, one small entry per operation (`paths.rs`) and per schema
//! (`schemas.rs`). A test reads `router.rs` and fails when a route has no entry or an entry has no
//! route, so the two cannot drift apart.

mod paths;
mod schemas;

use axum::Router;
use serde_json::{Value, json};
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    SwaggerUi::new("/api/docs")
        .external_url_unchecked("/api/openapi.json", document())
        .into()
}

/// The whole document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Playgram API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Playgram's REST API. Every answer uses one envelope: `{success, data, error: {code, message, details}, meta: {request_id, timestamp, next_cursor}}`. Errors carry a stable snake_case `code`. Authenticate with `Authorization: Bearer pgk_…` (an API key acts for its own workspace) or with the dashboard's session cookie (cookie-authenticated writes must come from Playgram's own origin or carry `X-CSRF-Token`). Timestamps are RFC 3339 UTC; ids are prefixed (`ws_`, `usr_`, `key_`, `inv_`, `aud_`). Lists that page return `meta.next_cursor`; pass it back as `cursor`.",
        },
        "servers": [{ "url": "/api/v1" }],
        "tags": [
            { "name": "auth", "description": "Sign-up, login, logout and password reset." },
            { "name": "me", "description": "The caller: profile, password and two-factor authentication." },
            { "name": "workspaces", "description": "Workspaces, members and invites." },
            { "name": "api-keys", "description": "API keys: shown once, stored hashed, scoped, rotatable." },
            { "name": "audit", "description": "The audit log of sensitive actions." },
        ],
        "paths": paths::all(),
        "components": {
            "schemas": schemas::all(),
            "securitySchemes": {
                "apiKey": { "type": "http", "scheme": "bearer", "description": "An API key, `pgk_…`." },
                "session": { "type": "apiKey", "in": "cookie", "name": "pg_session" },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// `(method, path)` of every route in router.rs's `api()`, read from its source.
    fn routed() -> BTreeSet<(String, String)> {
        let source = include_str!("../router.rs");
        let api = source
            .split("fn api()")
            .nth(1)
            .and_then(|s| s.split(".fallback(").next())
            .unwrap_or_default();
        let compact: String = api.split_whitespace().collect();
        let mut out = BTreeSet::new();
        for route in compact.split(".route(\"").skip(1) {
            let (path, handlers) = route.split_once('"').unwrap_or_default();
            for method in ["get", "post", "patch", "delete", "put"] {
                if handlers.contains(&format!("{method}(")) {
                    out.insert((method.to_owned(), path.to_owned()));
                }
            }
        }
        out
    }

    fn documented() -> BTreeSet<(String, String)> {
        let doc = document();
        let mut out = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
            for method in item
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                out.insert((method, path.clone()));
            }
        }
        out
    }

    #[test]
    fn every_route_is_documented_and_every_entry_is_routed() {
        let (routed, documented) = (routed(), documented());
        assert!(routed.len() > 20, "router.rs could not be read: {routed:?}");
        let missing: Vec<_> = routed.difference(&documented).collect();
        let stale: Vec<_> = documented.difference(&routed).collect();
        assert!(
            missing.is_empty(),
            "routes without an OpenAPI entry: {missing:?}"
        );
        assert!(
            stale.is_empty(),
            "OpenAPI entries without a route: {stale:?}"
        );
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for piece in text.split("\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap_or_default();
            assert!(
                schemas.contains_key(name),
                "unresolved schema reference {name}"
            );
        }
    }
}
