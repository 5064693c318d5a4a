//! [`PageError`]: how a page fails. Not signed in → redirect to the login page (coming back after);
//! a client error → a calm page that says what happened and what to do; an internal error → logged
//! once here and shown as a friendly page that reveals nothing.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{query_escape, see_other};
use crate::http::AppError;

#[derive(Debug)]
pub enum PageError {
    App(AppError),
    /// Not signed in: go to the login page, then back to `next`.
    Login {
        next: String,
    },
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        PageError::App(error)
    }
}

impl From<sqlx::Error> for PageError {
    fn from(error: sqlx::Error) -> Self {
        PageError::App(error.into())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: String,
    /// Offer "create a workspace" (the person belongs to none).
    pub no_workspace: bool,
    pub request_id: String,
}

impl ErrorPage {
    pub fn asset_version(&self) -> &'static str {
        super::assets::version()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = match self {
            PageError::Login { next } => {
                return see_other(&format!("/login?next={}", query_escape(&next)));
            }
            PageError::App(error) if error.status() == StatusCode::UNAUTHORIZED => {
                return see_other("/login");
            }
            PageError::App(error) => error,
        };
        if let AppError::Internal(inner) = &error {
            tracing::error!(request_id = %crate::http::request_id::current(), error = ?inner, "internal error on a page");
        }
        let status = error.status();
        let title = match status {
            StatusCode::FORBIDDEN => "Not allowed here",
            StatusCode::NOT_FOUND => "Page not found",
            StatusCode::GONE => "This link no longer works",
            StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
            s if s.is_server_error() => "Something went wrong",
            _ => "That did not work",
        };
        let page = ErrorPage {
            title,
            message: error.public_message(),
            no_workspace: error.code() == "no_workspace",
            request_id: crate::http::request_id::current().to_string(),
        };
        (status, page).into_response()
    }
}

/// The fallback for unknown paths: an HTML 404, except under `/api/` where clients expect JSON.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return AppError::client(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is no such API endpoint. See /api/docs.",
        )
        .into_response();
    }
    PageError::App(AppError::client(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no page at this address. It may have moved, or the link may be mistyped.",
    ))
    .into_response()
}
