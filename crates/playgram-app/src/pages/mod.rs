//! The dashboard's shared pieces: the signed-in page chrome (header, navigation, workspace
//! switcher), form state with per-field errors, the HTML error and 404 pages, the static assets,
//! the overview and the roadmap's placeholder sections. Each domain's own pages live in its
//! `views.rs`; their URLs are in `routes.rs`, merged by `router.rs`.

pub mod assets;
pub mod chrome;
pub mod error;
pub mod form;
pub mod home;
pub mod nav;
pub mod roadmap;
pub mod routes;

pub use chrome::Chrome;
pub use error::PageError;
pub use form::FormState;

use axum::response::{IntoResponse, Redirect, Response};
use playgram_core::time::{Millis, to_datetime};

/// What a page handler returns: a response, or an error page / login redirect.
pub type PageResult = Result<Response, PageError>;

/// A `next` target we are willing to redirect to: a local path, never another site
/// (`//evil.example` and `/\evil` are protocol-relative to browsers), and only ASCII: anything
/// else cannot be a `Location` header, and the redirect would lose its target.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && path.is_ascii()
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/app".to_owned(),
    }
}

/// 303 See Other: the browser follows with a GET, so a refresh never re-posts a form.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A file to download: its bytes with the content type, `attachment` with its name, and no
/// caching (exports and GDPR archives hold personal data).
pub fn attachment(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    let name: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A timestamp as shown in pages (UTC; `app.js` rewrites it in the reader's time zone).
#[derive(Clone, Debug)]
pub struct Stamp {
    pub iso: String,
    pub text: String,
}

impl Stamp {
    pub fn new(ms: Millis) -> Stamp {
        let at = to_datetime(ms);
        Stamp {
            iso: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            text: at.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }

    pub fn maybe(ms: Option<Millis>) -> Option<Stamp> {
        ms.map(Stamp::new)
    }
}

/// Percent-encodes a value for a query string (`next=`, `cursor=`).
pub fn query_escape(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Query parameters pages share: where to go after login, and which action just succeeded.
#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    pub next: Option<String>,
    pub done: Option<String>,
}
