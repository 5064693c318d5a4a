//! Importing contacts from CSV and XLSX files.
//!
//! 1. **Upload** (`POST /contact-imports`, multipart `file`): the file is read at once (so a file
//!    that cannot be read is refused before anything else), kept in `stored_files` for seven days,
//!    and answered with its headers, row count, first rows and a suggested mapping (with a new
//!    field proposed, kind guessed from the cells, for each column nothing fits).
//! 2. **Preview** (`POST /contact-imports/{id}/preview`, a plan): a dry run of the first rows —
//!    the real import code in a transaction that is rolled back — saying for each row create,
//!    update, merge, skip or the errors, per column.
//! 3. **Start** (`POST /contact-imports/{id}/start`, the plan): fields to create are created, the
//!    plan is stored and a `contacts.import` job runs the rows in chunks of 500, each chunk one
//!    transaction with its progress counters, so progress is live (`GET /contact-imports/{id}`),
//!    a crash resumes after the last committed chunk, and nothing is imported twice.
//! 4. **Errors** (`GET /contact-imports/{id}/errors`): a CSV of every refused row — row number,
//!    column, message, then the row's own cells — to fix and import again.
//!
//! See `plan.rs` for the mapping and the dedupe rules, `rows.rs` for what a row may hold.

pub mod api;
pub mod apply;
pub mod job;
pub mod plan;
pub mod read;
pub mod rows;
pub mod service;
pub mod store;
pub mod views;
pub mod wizard;

/// Rows per transaction while importing.
pub const CHUNK: usize = 500;
/// Rows a preview runs.
pub const PREVIEW_ROWS: usize = 20;
/// How long an uploaded file waits to be imported.
pub const UPLOAD_TTL_MS: i64 = 7 * 86_400_000;

/// True for the requests that upload an import (they may be larger than `max_body_bytes`).
pub fn is_upload(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && matches!(path, "/api/v1/contact-imports" | "/app/contacts/imports")
}
