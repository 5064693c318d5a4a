//! Files in the website chat: a visitor's upload (checked by its bytes, at most 10 MB, kept in
//! Playgram's storage) and serving a file to the visitor whose thread it is in, or to members.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use playgram_core::ids::FileId;
use playgram_core::{Conn, on_db};
use serde_json::json;

use super::UPLOAD_LIMIT;
use super::api::{
    Chat, Said, TokenQuery, answer, client_id, conversation_for, store, visitor_or_new,
};
use crate::http::layers::ClientIp;
use crate::http::{AppError, Result};
use crate::state::AppState;

/// The types a visitor may upload, by what the bytes say (the browser's type is not trusted).
fn sniff(bytes: &[u8], name: &str) -> Option<(&'static str, &'static str)> {
    let lower = name.to_ascii_lowercase();
    let by_magic = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "image"))
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some(("image/jpeg", "image"))
    } else if bytes.starts_with(b"GIF8") {
        Some(("image/gif", "image"))
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "image"))
    } else if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "document"))
    } else if bytes.starts_with(b"PK\x03\x04")
        && (lower.ends_with(".docx") || lower.ends_with(".xlsx"))
    {
        Some(("application/octet-stream", "document"))
    } else {
        None
    };
    by_magic.or_else(|| {
        let text = std::str::from_utf8(bytes).is_ok();
        (text && (lower.ends_with(".txt") || lower.ends_with(".csv")))
            .then_some(("text/plain; charset=utf-8", "document"))
    })
}

pub async fn upload_chat_file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
    body: Bytes,
) -> Result<Response> {
    let chat = Chat::open(&state, &id, &headers).await?;
    let client = client_id(q.client_id.as_deref().unwrap_or_default())?;
    let name: String = q
        .name
        .as_deref()
        .unwrap_or("file")
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(120)
        .collect();
    if body.is_empty() || body.len() > UPLOAD_LIMIT {
        return Err(AppError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            "Send a file of at most 10 MB.",
        ));
    }
    let Some((content_type, kind)) = sniff(&body, &name) else {
        return Err(AppError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file_type_refused",
            "Send an image (PNG, JPEG, GIF, WebP), a PDF, a Word or Excel file, or a text file.",
        ));
    };
    let visitor = visitor_or_new(&chat, &headers, q.token.as_deref(), ip, &state.chat)?;
    state.chat.upload(&visitor)?;
    let provider_id = format!("web:{visitor}:{client}");
    let known = on_db!(&state.db, pool => sqlx::query_scalar::<_, String>(
        "SELECT id FROM messages WHERE channel_id = $1 AND provider_id = $2")
        .bind(&chat.channel.id).bind(&provider_id).fetch_optional(pool).await)?;
    if let Some(id) = known {
        return Ok(answer(&state, &chat, &visitor, id));
    }
    let mut tx = state.db.begin().await?;
    let file = crate::files::insert(
        &mut tx,
        &chat.channel.workspace_id,
        &name,
        content_type,
        &body,
        None,
    )
    .await?;
    tx.commit().await?;
    let content =
        json!({ "file_id": file, "name": name, "size": body.len(), "content_type": content_type });
    let id = store(
        &state,
        &chat,
        &visitor,
        Said {
            name: None,
            client,
            kind,
            text: name.clone(),
            content,
        },
    )
    .await?;
    Ok(answer(&state, &chat, &visitor, id))
}

/// A file of the visitor's conversation.
pub async fn get_chat_file(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Result<Response> {
    let chat = Chat::open(&state, &id, &headers).await?;
    let visitor = chat
        .visitor(&headers, q.token.as_deref())?
        .ok_or_else(AppError::not_found)?;
    let conversation = conversation_for(&state, &chat, &visitor)
        .await?
        .ok_or_else(AppError::not_found)?;
    let file = FileId::parse(&file).ok_or_else(AppError::not_found)?;
    let pattern = format!("%\"file_id\":\"{file}\"%");
    let theirs: Option<i64> = on_db!(&state.db, pool => sqlx::query_scalar(
        "SELECT num FROM messages WHERE conversation_id = $1 AND content LIKE $2 LIMIT 1")
        .bind(&conversation).bind(&pattern).fetch_optional(pool).await)?;
    if theirs.is_none() {
        return Err(AppError::not_found());
    }
    serve_file(&state, &chat.channel.workspace_id, &file).await
}

/// A stored file's bytes, shown inline for images and PDFs and downloaded otherwise; never
/// sniffed as HTML.
pub async fn serve_file(
    state: &AppState,
    ws: &playgram_core::ids::WorkspaceId,
    file: &FileId,
) -> Result<Response> {
    let c = &mut Conn::Db(&state.db);
    let meta = crate::files::meta(c, ws, file)
        .await?
        .ok_or_else(AppError::not_found)?;
    let data = crate::files::data(c, ws, file)
        .await?
        .ok_or_else(AppError::not_found)?;
    let inline = meta.content_type.starts_with("image/") || meta.content_type == "application/pdf";
    let disposition = format!(
        "{}; filename=\"{}\"",
        if inline { "inline" } else { "attachment" },
        meta.name.replace(['"', '\\'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, meta.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'".to_owned(),
            ),
        ],
        data,
    )
        .into_response())
}
