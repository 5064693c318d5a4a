//! HTTP conventions shared by every domain: errors, the envelope, JSON and form extraction,
//! request ids, CSRF, metrics and the middleware that ties them together.

pub mod csrf;
pub mod envelope;
pub mod error;
pub mod forms;
pub mod json;
pub mod layers;
pub mod metrics;
pub mod request_id;

pub use envelope::Api;
pub use error::{AppError, FieldErrors, Result};
pub use json::ApiJson;

/// A page size from `?limit=` (read as text so `limit=abc` gets the envelope's `invalid_limit`
/// rather than the query extractor's plain-text rejection): 1–200, `default` when absent.
pub fn page_limit(limit: Option<&str>, default: i64) -> Result<i64> {
    let limit = match limit.map(str::trim).filter(|l| !l.is_empty()) {
        Some(text) => text.parse::<i64>().unwrap_or(0),
        None => default,
    };
    if !(1..=200).contains(&limit) {
        return Err(AppError::bad_request(
            "invalid_limit",
            "`limit` must be between 1 and 200.",
        ));
    }
    Ok(limit)
}

/// `?cursor=` and `?limit=` of a list that pages.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// An id cursor from `?cursor=` (blank is none); one this API did not give out is a 400
/// `invalid_cursor`.
pub fn id_cursor<T>(text: Option<&str>, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => parse(text).map(Some).ok_or_else(|| {
            AppError::bad_request("invalid_cursor", "The cursor is not one this API gave out.")
        }),
    }
}

/// The cursor of the next page: the last row's id when the page is full (a shorter page is the
/// last one).
pub fn next_cursor<T>(rows: &[T], limit: i64, id: impl Fn(&T) -> String) -> Option<String> {
    if rows.len() as i64 == limit {
        rows.last().map(id)
    } else {
        None
    }
}
