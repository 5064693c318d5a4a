//! The one error type of the HTTP layer.
//!
//! Error policy:
//! - A client error carries an HTTP status, a stable snake_case `code` that integrations may match
//!   on, a human message, and optionally `details` (per-field messages for validation failures).
//! - Anything else is [`AppError::Internal`]: logged once here with the request id, and answered as a
//!   500 `internal` whose message reveals nothing.
//! - Handlers return `Result<T>` and never build error responses by hand; the JSON extractor's
//!   rejections are converted into the same envelope (see `http::json`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::BTreeMap;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug)]
pub enum AppError {
    Client(ClientError),
    Internal(anyhow::Error),
}

#[derive(Debug, Clone)]
pub struct ClientError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
    pub retry_after: Option<u64>,
}

/// Per-field validation messages, shown beside each field in forms and returned as `details`.
pub type FieldErrors = BTreeMap<&'static str, String>;

impl AppError {
    pub fn client(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Client(ClientError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        })
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found() -> Self {
        Self::client(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such resource in this workspace.",
        )
    }

    pub fn unauthenticated() -> Self {
        Self::client(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign in or send a valid API key.",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::client(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::client(StatusCode::CONFLICT, code, message)
    }

    pub fn too_many(code: &'static str, message: impl Into<String>, retry_after: u64) -> Self {
        let mut error = Self::client(StatusCode::TOO_MANY_REQUESTS, code, message);
        if let AppError::Client(c) = &mut error {
            c.retry_after = Some(retry_after.max(1));
        }
        error
    }

    /// 422 `validation_failed` with one message per field.
    pub fn validation(fields: FieldErrors) -> Self {
        let details = serde_json::to_value(&fields).ok();
        let first = fields
            .values()
            .next()
            .cloned()
            .unwrap_or_else(|| "Some fields are invalid.".into());
        AppError::Client(ClientError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message: first,
            details: details.map(|fields| serde_json::json!({ "fields": fields })),
            retry_after: None,
        })
    }

    /// 422 `validation_failed` for fields whose names are data (custom contact fields such as
    /// `fields.plan`, import columns): the same envelope as [`AppError::validation`].
    pub fn validation_named(fields: BTreeMap<String, String>) -> Self {
        let first = fields
            .iter()
            .next()
            .map(|(name, message)| format!("{name}: {message}"))
            .unwrap_or_else(|| "Some fields are invalid.".into());
        AppError::Client(ClientError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message: first,
            details: Some(serde_json::json!({ "fields": fields })),
            retry_after: None,
        })
    }

    /// Every per-field message, whatever the field's name (see [`AppError::validation_named`]).
    pub fn named_field_errors(&self) -> BTreeMap<String, String> {
        match self {
            AppError::Client(ClientError {
                details: Some(details),
                ..
            }) => details
                .get("fields")
                .and_then(Value::as_object)
                .map(|fields| {
                    fields
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            _ => BTreeMap::new(),
        }
    }

    /// The same error with `details` attached (a conflict naming the other resource).
    pub fn with_details(mut self, value: Value) -> Self {
        if let AppError::Client(c) = &mut self {
            c.details = Some(value);
        }
        self
    }

    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::validation(FieldErrors::from([(field, message.into())]))
    }

    /// The per-field messages, if this is a validation failure (for re-rendering a form).
    pub fn field_errors(&self) -> FieldErrors {
        let mut out = FieldErrors::new();
        if let AppError::Client(ClientError {
            details: Some(details),
            ..
        }) = self
            && let Some(fields) = details.get("fields").and_then(Value::as_object)
        {
            for (name, message) in fields {
                if let Some(name) = crate::http::forms::known_field(name) {
                    out.insert(name, message.as_str().unwrap_or_default().to_owned());
                }
            }
        }
        out
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Client(c) => c.code,
            AppError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Client(c) => c.status,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a person may see.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Client(c) => c.message.clone(),
            AppError::Internal(_) => "Something went wrong on our side. It has been logged.".into(),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        AppError::Internal(error.into())
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        AppError::Internal(error)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (client, status) = match self {
            AppError::Client(client) => {
                let status = client.status;
                (client, status)
            }
            AppError::Internal(error) => {
                tracing::error!(request_id = %crate::http::request_id::current(), error = ?error, "internal error");
                let client = ClientError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "internal",
                    message: "Something went wrong on our side. It has been logged.".into(),
                    details: None,
                    retry_after: None,
                };
                (client, StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        let retry_after = client.retry_after;
        let mut response = crate::http::envelope::error_response(status, client);
        if let Some(seconds) = retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
