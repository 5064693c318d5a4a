//! The middleware every request passes through, in one function so its order is plain to read:
//! request id → client IP → body size pre-check → CSRF origin check → handler → security headers,
//! metrics and the access log.

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tracing::Instrument;

use super::csrf;
use crate::state::AppState;

/// The caller's IP as we trust it (the socket peer, or the last `X-Forwarded-For` hop if configured).
#[derive(Clone, Debug)]
pub struct ClientIp(pub IpAddr);

pub async fn around(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = super::request_id::accept(
        req.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
    );
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let ip = client_ip(&req, state.config.trust_forwarded_for);
    req.extensions_mut().insert(ClientIp(ip));

    // Every log line written while handling the request carries its id through this span.
    let span = tracing::info_span!("request", request_id = %id);
    let response = super::request_id::scope(
        id.clone(),
        async {
            let limit = if crate::contacts::imports::is_upload(&method, &path) {
                state
                    .config
                    .contacts_import_max_bytes
                    .max(state.config.max_body_bytes)
            } else if crate::inbox::website::is_upload(&method, &path) {
                // The chat's and the composer's files (their routes hold them to 10 MB).
                (crate::inbox::website::UPLOAD_LIMIT + 64 * 1024).max(state.config.max_body_bytes)
            } else {
                state.config.max_body_bytes
            };
            if declared_length(req.headers()).is_some_and(|len| len > limit as u64) {
                return super::json::payload_too_large().into_response();
            }
            if let Err(error) = csrf::check(&state, &method, &path, req.headers()).await {
                return error.into_response();
            }
            next.run(req).await
        }
        .instrument(span),
    )
    .await;

    let mut response = response;
    secure_headers(response.headers_mut(), &path, state.config.is_https());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let elapsed = started.elapsed();
    let route = route.as_deref().unwrap_or("unmatched");
    state.metrics.observe(
        method.as_str(),
        route,
        response.status().as_u16(),
        elapsed.as_secs_f64(),
    );
    if !matches!(route, "/healthz" | "/readyz" | "/metrics") {
        tracing::info!(
            request_id = %id,
            method = %method,
            path = %path,
            status = response.status().as_u16(),
            micros = elapsed.as_micros() as u64,
            "request"
        );
    }
    response
}

fn client_ip(req: &Request, trust_forwarded_for: bool) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    if !trust_forwarded_for {
        return peer;
    }
    // The last hop is the one our own proxy appended; earlier hops are client-supplied and spoofable.
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    hops.last()
        .and_then(|hop| hop.trim().parse().ok())
        .unwrap_or(peer)
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
/// Swagger UI (served from the binary) sets inline styles; it gets this slightly looser policy.
const DOCS_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
    script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

fn secure_headers(headers: &mut HeaderMap, path: &str, https: bool) {
    let csp = if path.starts_with("/api/docs") {
        DOCS_CSP
    } else {
        CSP
    };
    // A response that set a stricter policy of its own (a stored file) keeps it.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Whether a method changes state (and so needs CSRF protection when cookie-authenticated).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}
