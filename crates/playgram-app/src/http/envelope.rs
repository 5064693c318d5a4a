//! The response envelope every `/api/v1` answer uses:
//! `{ "success", "data", "error": {"code","message","details"}, "meta": {"request_id","timestamp","next_cursor"} }`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::ClientError;

#[derive(Serialize)]
struct Envelope<T: Serialize> {
    success: bool,
    data: Option<T>,
    error: Option<ErrorBody>,
    meta: Meta,
}

#[derive(Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Meta {
    request_id: String,
    timestamp: String,
    next_cursor: Option<String>,
}

fn meta(next_cursor: Option<String>) -> Meta {
    Meta {
        request_id: super::request_id::current(),
        timestamp: playgram_core::time::rfc3339(playgram_core::time::now_ms()),
        next_cursor,
    }
}

/// A successful answer: `data` with a status (200 by default) and an optional next page cursor.
pub struct Api<T> {
    status: StatusCode,
    data: T,
    next_cursor: Option<String>,
}

impl<T: Serialize> Api<T> {
    pub fn ok(data: T) -> Self {
        Self {
            status: StatusCode::OK,
            data,
            next_cursor: None,
        }
    }

    pub fn created(data: T) -> Self {
        Self {
            status: StatusCode::CREATED,
            data,
            next_cursor: None,
        }
    }

    pub fn accepted(data: T) -> Self {
        Self {
            status: StatusCode::ACCEPTED,
            data,
            next_cursor: None,
        }
    }

    pub fn page(data: T, next_cursor: Option<String>) -> Self {
        Self {
            status: StatusCode::OK,
            data,
            next_cursor,
        }
    }
}

impl<T: Serialize> IntoResponse for Api<T> {
    fn into_response(self) -> Response {
        let body = Envelope {
            success: true,
            data: Some(self.data),
            error: None,
            meta: meta(self.next_cursor),
        };
        (self.status, Json(body)).into_response()
    }
}

pub(super) fn error_response(status: StatusCode, error: ClientError) -> Response {
    let body: Envelope<()> = Envelope {
        success: false,
        data: None,
        error: Some(ErrorBody {
            code: error.code,
            message: error.message,
            details: error.details,
        }),
        meta: meta(None),
    };
    (status, Json(body)).into_response()
}
