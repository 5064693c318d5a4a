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
