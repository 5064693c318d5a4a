//! Form posts from the dashboard's pages, and the names of fields errors can point at.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::error::AppError;

/// Field names that validation messages may refer to (`&'static` so errors stay cheap to build).
const FIELDS: &[&str] = &[
    "email",
    "password",
    "name",
    "workspace_name",
    "totp_code",
    "role",
    "scopes",
    "expires_at",
    "expires_in_days",
    "current_password",
    "new_password",
    "code",
    "token",
    "workspace_id",
    "recovery_code",
    // Webhook endpoints
    "url",
    "description",
    "event_types",
    "filter",
    "rate_limit",
    "max_in_flight",
    "headers",
    "overlap_hours",
    "event_type",
    "since",
    // Contacts
    "emails",
    "phones",
    "avatar_url",
    "locale",
    "timezone",
    "source",
    "identities",
    "tags",
    "fields",
    "channel",
    "external_id",
    "username",
    "color",
    "key",
    "label",
    "kind",
    "options",
    "q",
    "sort",
    "segment_id",
    "status",
    "purpose",
    "evidence",
    "erase_mode",
    "retention_days",
    "default_country",
    "format",
    "mapping",
    "dedupe",
    "file",
    "contact_id",
    "other_id",
    "ids",
    "action",
];

pub fn known_field(name: &str) -> Option<&'static str> {
    FIELDS.iter().copied().find(|f| *f == name)
}

/// `application/x-www-form-urlencoded` body, with rejections in the same error type as the API.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(PageForm(value)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(super::json::payload_too_large())
            }
            Err(rejection) => Err(AppError::bad_request("invalid_form", rejection.body_text())),
        }
    }
}
