//! The OpenAPI 3.1 document served at `/api/openapi.json`, and Swagger UI at `/api/docs` (its files
//! come from the `utoipa-swagger-ui` package, built into the binary; nothing loads from a CDN).
//!
//! The document is written here by hand, one small entry per operation (`paths.rs`, and
//! `webhooks.rs` for webhooks and request bins, `contacts.rs` for contacts) and per schema (`schemas.rs`,
//! `webhook_schemas.rs`, `contact_schemas.rs`, `contact_filter_schemas.rs`); the contact tags' prose
//! is in `contact_guide.rs`.
//! A test reads `router.rs` (and the request-bin routes it merges) and fails when a route has no
//! entry or an entry has no route, so the two cannot drift apart.

mod chat;
mod contact_filter_schemas;
mod contact_guide;
mod contact_schemas;
#[cfg(test)]
mod contact_tests;
#[cfg(test)]
mod contact_transfer_tests;
mod contact_transfers;
mod contacts;
mod inbox;
mod inbox_schemas;
mod paths;
mod schemas;
mod webhook_schemas;
#[cfg(test)]
mod webhook_tests;
mod webhooks;

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
            "description": "Playgram's REST API. Every answer uses one envelope: `{success, data, error: {code, message, details}, meta: {request_id, timestamp, next_cursor}}`. Errors carry a stable snake_case `code`. Authenticate with `Authorization: Bearer pgk_…` (an API key acts for its own workspace) or with the dashboard's session cookie (cookie-authenticated writes must come from Playgram's own origin or carry `X-CSRF-Token`). Timestamps are RFC 3339 UTC; ids are prefixed (`ws_`, `usr_`, `key_`, `inv_`, `aud_`, `job_`, `evt_`, `ep_`, `msg_`, `att_`, `bin_`, `cap_`, `ct_` contacts, `tag_` tags, `fld_` custom fields, `seg_` segments, `act_` timeline entries, `chg_` field history entries, `imp_` imports, `exp_` exports, `ch_` channels, `cv_` conversations; inbox messages are `msg_` too). Lists that page return `meta.next_cursor`; pass it back as `cursor`. `GET /stream` and `GET /request-bins/{id}/stream` answer Server-Sent Events instead of JSON, `GET /contacts/{id}/gdpr-export` a ZIP archive, and an import's error report and an export's download their files. Request bins' capture URLs (`/bin/{token}`) and Meta's webhook URLs (`/hooks/{kind}/{channel_id}`) are served at the site's root, not under `/api/v1`. How outbound webhook deliveries look and how to verify their signatures: see the `webhooks` tag; what a contact is, the filter format, search, merging, consent and the GDPR: see the `contacts` and `consent` tags.",
        },
        "servers": [{ "url": "/api/v1" }],
        "tags": [
            { "name": "auth", "description": "Sign-up, login, logout and password reset." },
            { "name": "me", "description": "The caller: profile, password and two-factor authentication." },
            { "name": "workspaces", "description": "Workspaces, members and invites." },
            { "name": "api-keys", "description": "API keys: shown once, stored hashed, scoped, rotatable." },
            { "name": "audit", "description": "The audit log of sensitive actions." },
            { "name": "jobs", "description": "The workspace's background jobs: list, inspect, statistics, retry, cancel, replay, and a probe job." },
            { "name": "events", "description": "Domain events: the catalog of types, the recent events, and a live Server-Sent Events stream." },
            { "name": "webhooks", "description": webhooks::webhooks_tag() },
            { "name": "request-bins", "description": webhooks::bins_tag() },
            { "name": "contacts", "description": contact_guide::contacts_tag() },
            { "name": "tags", "description": contact_guide::tags_tag() },
            { "name": "contact-fields", "description": contact_guide::fields_tag() },
            { "name": "segments", "description": contact_guide::segments_tag() },
            { "name": "consent", "description": contact_guide::consent_tag() },
            { "name": "contact-imports", "description": contact_transfers::imports_tag() },
            { "name": "contact-exports", "description": contact_transfers::exports_tag() },
            { "name": "channels", "description": inbox::CHANNELS_TAG },
            { "name": "conversations", "description": inbox::CONVERSATIONS_TAG },
            { "name": "website chat", "description": chat::TAG },
        ],
        "paths": paths::all(),
        "components": {
            "schemas": schemas::all(),
            "securitySchemes": {
                "apiKey": { "type": "http", "scheme": "bearer", "description": api_key_description() },
                "session": { "type": "apiKey", "in": "cookie", "name": "pg_session" },
            },
        },
    })
}

/// The bearer scheme, with every scope a key can hold (from `auth::Scope`) and the roles that grant it.
fn api_key_description() -> String {
    use crate::auth::{Role, Scope};
    let scopes: Vec<String> = Scope::ALL
        .iter()
        .map(|scope| {
            let roles: Vec<&str> = Role::ALL
                .iter()
                .filter(|role| scope.capabilities().iter().all(|c| role.can(*c)))
                .map(|role| role.as_str())
                .collect();
            format!(
                "- `{}`: {} (roles: {})",
                scope.as_str(),
                scope.describe(),
                roles.join(", ")
            )
        })
        .collect();
    format!(
        "An API key, `pgk_…`. It acts for its own workspace only, with the scopes it was given; a person can give a key only scopes their own role holds. A call a key's scopes do not cover is refused with 403 `insufficient_scope`. Scopes:\n\n{}",
        scopes.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The text of `source` after `start`, up to `end`.
    fn section<'a>(source: &'a str, start: &str, end: &str) -> &'a str {
        source
            .split(start)
            .nth(1)
            .and_then(|s| s.split(end).next())
            .unwrap_or_default()
    }

    /// `(method, path)` of every `.route("…", …)` in `code`; `any(` stands for every method the
    /// document lists for the capture URL.
    fn routes_in(code: &str) -> Vec<(String, String)> {
        let compact: String = code.split_whitespace().collect();
        let mut out = Vec::new();
        for route in compact.split(".route(\"").skip(1) {
            let (path, handlers) = route.split_once('"').unwrap_or_default();
            for method in ["get", "post", "patch", "delete", "put"] {
                if handlers.contains(&format!("{method}(")) {
                    out.push((method.to_owned(), path.to_owned()));
                }
            }
            if handlers.contains("any(") {
                for method in webhooks::CAPTURE_METHODS {
                    out.push((method.to_owned(), path.to_owned()));
                }
            }
        }
        out
    }

    /// `(method, path)` of every route in router.rs's `api()` and of the request-bin routes it
    /// merges (`webhooks::bins::api_routes`), read from their source; and of the public capture
    /// URLs (`webhooks::bins::capture_routes`), whose sub-path forms are one entry, `/bin/{token}`.
    fn routed() -> BTreeSet<(String, String)> {
        let router = include_str!("../router.rs");
        let bins = include_str!("../webhooks/bins/mod.rs");
        let mut out: BTreeSet<_> = routes_in(section(router, "fn api()", ".fallback("))
            .into_iter()
            .collect();
        out.extend(routes_in(section(bins, "fn api_routes()", "\n}")));
        let inbox = include_str!("../inbox/routes.rs");
        out.extend(routes_in(section(inbox, "fn api_routes()", "\n}")));
        out.extend(routes_in(section(inbox, "fn hook_routes()", "\n}")));
        out.extend(routes_in(section(inbox, "fn chat_routes()", "\n}")));
        for (method, path) in routes_in(section(bins, "fn capture_routes()", "\n}")) {
            let path = path
                .trim_end_matches("/{*rest}")
                .trim_end_matches('/')
                .to_owned();
            out.insert((method, path));
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
                let methods = ["get", "put", "post", "delete", "options", "head", "patch"];
                assert!(
                    methods.contains(&method.as_str()),
                    "{path}: `{method}` is not an operation"
                );
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
    fn the_job_state_filter_lists_what_the_handler_accepts() {
        use crate::jobs::api::{ListQuery, filter_from};
        let with_state = |state: &str| ListQuery {
            state: Some(state.to_owned()),
            ..ListQuery::default()
        };
        for state in paths::JOB_STATES {
            assert!(filter_from(&with_state(state)).is_ok(), "{state}");
        }
        assert!(filter_from(&with_state("asleep")).is_err());
    }

    #[test]
    fn the_event_stream_and_the_scopes_are_described() {
        let doc = document();
        let stream = &doc["paths"]["/stream"]["get"];
        assert!(stream["responses"]["200"]["content"]["text/event-stream"].is_object());
        let params = stream["parameters"].to_string();
        for name in ["Last-Event-ID", "last_event_id", "type"] {
            assert!(params.contains(&format!("\"{name}\"")), "{name}: {params}");
        }
        assert_eq!(
            doc["paths"]["/event-types"]["get"]["security"],
            json!([]),
            "the catalog is public"
        );
        let scopes =
            doc["components"]["schemas"]["ApiKeyIn"]["properties"]["scopes"]["items"]["enum"]
                .to_string();
        let described = doc["components"]["securitySchemes"]["apiKey"]["description"].to_string();
        for scope in crate::auth::Scope::ALL {
            assert!(scopes.contains(scope.as_str()), "{}", scope.as_str());
            assert!(described.contains(scope.as_str()), "{}", scope.as_str());
        }
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

    #[test]
    fn operation_ids_are_unique() {
        let doc = document();
        let mut seen = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
            for (method, operation) in item.as_object().cloned().unwrap_or_default() {
                let id = operation["operationId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(!id.is_empty(), "{method} {path} has no operationId");
                assert!(seen.insert(id.clone()), "{id} is used twice");
            }
        }
    }
}
