//! `ApiJson<T>`: axum's JSON extractor with its rejections turned into the envelope's errors.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::AppError;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(map_rejection(rejection)),
        }
    }
}

fn map_rejection(rejection: JsonRejection) -> AppError {
    let text = rejection.body_text();
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        JsonRejection::JsonSyntaxError(_) => AppError::bad_request(
            "invalid_json",
            format!("The body is not valid JSON: {}", tail(&text)),
        ),
        JsonRejection::JsonDataError(_) => AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("The JSON does not have the expected shape: {}", tail(&text)),
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
        _ => AppError::bad_request("invalid_body", "The request body could not be read."),
    }
}

pub fn payload_too_large() -> AppError {
    AppError::client(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "The request body is larger than this server accepts.",
    )
}

/// serde's message after axum's generic prefix ("Failed to deserialize the JSON body into the target type: …").
fn tail(text: &str) -> &str {
    text.rsplit_once(": ").map(|(_, t)| t).unwrap_or(text)
}

/// A body that may be empty: an empty (or blank) body is `T::default()`, anything else must be
/// valid JSON for `T`. Handlers take the body as
/// `Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>` and pass it here, so
/// the body limit's rejection gets the envelope too.
pub fn optional_json<T: DeserializeOwned + Default>(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<T, AppError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            payload_too_large()
        } else {
            AppError::bad_request("invalid_body", "The request body could not be read.")
        }
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&body).map_err(|e| {
        AppError::bad_request("invalid_json", format!("The body is not valid JSON: {e}"))
    })
}

/// For a PATCH field, `#[serde(default, deserialize_with = "crate::http::json::present")]` on an
/// `Option<Option<T>>` tells "absent" (outer `None`, by `default`) from `null` (`Some(None)`).
pub fn present<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}
