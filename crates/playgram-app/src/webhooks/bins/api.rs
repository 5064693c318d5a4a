//! `/api/v1/request-bins…`: create, list, inspect and delete the workspace's request bins, and read
//! or clear what they captured. The live stream is in `live.rs`.

use axum::extract::{Path, Query, State};
use playgram_core::ids::{BinId, CaptureId};
use playgram_core::time::Millis;
use serde::{Deserialize, Serialize};

use super::service;
use super::store::{self, BinRow, CaptureRow};
use crate::auth::Principal;
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

/// A request bin.
#[derive(Serialize)]
pub struct BinOut {
    pub id: BinId,
    pub name: String,
    /// The capture URL: every request sent to it (or below it) is recorded.
    pub url: String,
    /// How many captured requests the bin holds now.
    pub capture_count: i64,
    /// When the newest of them arrived.
    #[serde(with = "playgram_core::time::as_rfc3339::option")]
    pub last_capture_at: Option<Millis>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub created_at: Millis,
}

impl BinOut {
    pub fn of(state: &AppState, bin: BinRow) -> BinOut {
        BinOut {
            url: state.link(&format!("/bin/{}", bin.token)),
            id: bin.id,
            name: bin.name,
            capture_count: bin.capture_count,
            last_capture_at: bin.last_capture_at,
            created_at: bin.created_at,
        }
    }
}

/// One captured request.
#[derive(Serialize)]
pub struct CaptureOut {
    pub id: CaptureId,
    pub bin_id: BinId,
    pub method: String,
    /// The path after the bin's URL: empty, or starting with `/`.
    pub path: String,
    /// The raw query string, without the `?`.
    pub query: String,
    /// Every header as `[name, value]`, in the order received (names in lower case).
    pub headers: Vec<(String, String)>,
    /// `utf8`: `body` is the text as received; `base64`: the body was not UTF-8 text.
    pub body_encoding: String,
    pub body: String,
    /// The size of the body as received, in bytes.
    pub body_size: i64,
    /// The body was larger than the bin keeps (`request_bin_max_body_bytes`); `body` is its start.
    pub truncated: bool,
    pub remote_addr: Option<String>,
    #[serde(with = "playgram_core::time::as_rfc3339")]
    pub received_at: Millis,
}

impl From<CaptureRow> for CaptureOut {
    fn from(row: CaptureRow) -> Self {
        CaptureOut {
            headers: serde_json::from_str(&row.headers).unwrap_or_default(),
            id: row.id,
            bin_id: row.bin_id,
            method: row.method,
            path: row.path,
            query: row.query,
            body_encoding: row.body_encoding,
            body: row.body,
            body_size: i64::from(row.body_size),
            truncated: row.truncated,
            remote_addr: row.remote_addr,
            received_at: row.received_at,
        }
    }
}

use crate::http::PageQuery;

/// Lists the workspace's request bins, newest first.
pub async fn list_request_bins(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<PageQuery>,
) -> Result<Api<Vec<BinOut>>> {
    principal.require(crate::auth::Capability::ReadWebhooks)?;
    let before = crate::http::id_cursor(query.cursor.as_deref(), BinId::parse)?;
    let limit = crate::http::page_limit(query.limit.as_deref(), 50)?;
    let rows = store::list_bins(&state.db, &principal.workspace_id, before.as_ref(), limit).await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.id.to_string());
    let bins = rows.into_iter().map(|b| BinOut::of(&state, b)).collect();
    Ok(Api::page(bins, next))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BinIn {
    /// What the bin is for, 1–100 characters.
    pub name: String,
}

/// Creates a request bin with a new capture URL.
pub async fn create_request_bin(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<BinIn>,
) -> Result<Api<BinOut>> {
    let bin = service::create(&state, &principal, &input.name).await?;
    Ok(Api::created(BinOut::of(&state, bin)))
}

pub async fn get_request_bin(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<BinOut>> {
    let bin = service::load(&state, &principal, &id).await?;
    Ok(Api::ok(BinOut::of(&state, bin)))
}

/// Deletes a request bin and everything it captured; its URL answers 404 from then on.
pub async fn delete_request_bin(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<()>> {
    service::delete(&state, &principal, &id).await?;
    Ok(Api::ok(()))
}

/// The bin's captured requests, newest first.
pub async fn list_captures(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Api<Vec<CaptureOut>>> {
    let bin = service::load(&state, &principal, &id).await?;
    let before = crate::http::id_cursor(query.cursor.as_deref(), CaptureId::parse)?;
    let limit = crate::http::page_limit(query.limit.as_deref(), 50)?;
    let rows = store::list_captures(&state.db, &bin.id, before.as_ref(), limit).await?;
    let next = crate::http::next_cursor(&rows, limit, |r| r.id.to_string());
    Ok(Api::page(
        rows.into_iter().map(CaptureOut::from).collect(),
        next,
    ))
}

pub async fn get_capture(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, capture_id)): Path<(String, String)>,
) -> Result<Api<CaptureOut>> {
    let bin = service::load(&state, &principal, &id).await?;
    let capture_id = CaptureId::parse(&capture_id).ok_or_else(AppError::not_found)?;
    let capture = store::get_capture(&state.db, &bin.id, &capture_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok(Api::ok(capture.into()))
}

#[derive(Serialize)]
pub struct ClearedOut {
    /// How many captured requests were deleted.
    pub deleted: u64,
}

/// Deletes every captured request of the bin; the bin and its URL stay.
pub async fn delete_captures(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<ClearedOut>> {
    let (_, deleted) = service::clear(&state, &principal, &id).await?;
    Ok(Api::ok(ClearedOut { deleted }))
}
