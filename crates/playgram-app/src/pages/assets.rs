//! The dashboard's one stylesheet, its script and the inbox page's script, compiled into the binary. Pages link them as
//! `/static/app.css?v=<hash>`; the hash changes with the content, so browsers may cache them for a
//! year without ever seeing a stale file.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");
const INBOX_JS: &str = include_str!("../../static/inbox.js");
const WIDGET_JS: &str = include_str!("../../static/widget.js");

/// FNV-1a over the files: tiny, dependency-free, and plenty to tell versions apart.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in CSS.bytes().chain(JS.bytes()).chain(INBOX_JS.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:012x}", hash & 0xffff_ffff_ffff)
});

/// The cache-busting token appended to asset URLs.
pub fn version() -> &'static str {
    VERSION.as_str()
}

pub async fn get_css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

pub async fn get_js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}

pub async fn get_inbox_js() -> Response {
    asset(INBOX_JS, "text/javascript; charset=utf-8")
}

/// The website chat widget, embedded on customers' sites: any site may load it, and it is
/// cached for an hour only (its URL carries no version, so updates must reach sites soon).
pub async fn get_widget_js() -> Response {
    let mut response = asset(WIDGET_JS, "text/javascript; charset=utf-8");
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    response
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}
