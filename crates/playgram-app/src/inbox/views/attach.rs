//! The composer's "Attach": an agent sends a file (with an optional caption). It is kept in
//! Playgram's storage, then sent like any media reply: through WhatsApp's media API, or shown
//! to the website visitor. Instagram and Messenger take media by URL (the API's `media.url`).

use axum::extract::{Multipart, Path, State};

use super::{NOTICE_KIND, Notice};
use crate::http::AppError;
use crate::inbox::send::{self, MediaIn, OutboundIn};
use crate::pages::{Chrome, PageResult};
use crate::state::AppState;

/// What an agent may attach: the kind of message each type makes.
fn kind_of(content_type: &str) -> Option<&'static str> {
    let t = content_type.split(';').next().unwrap_or_default().trim();
    match t {
        "image/jpeg" | "image/png" | "image/webp" => Some("image"),
        "video/mp4" | "video/3gpp" => Some("video"),
        "audio/ogg" | "audio/mpeg" | "audio/mp4" | "audio/aac" | "audio/amr" => Some("audio"),
        "application/pdf" | "text/plain" => Some("document"),
        t if t.starts_with("application/vnd.openxmlformats") || t == "application/msword" => {
            Some("document")
        }
        _ => None,
    }
}

pub async fn attach(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    mut form: Multipart,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(crate::auth::Capability::ReplyInbox)?;
    let mut back = format!("/app/inbox?c={id}");
    let mut caption = String::new();
    let mut file: Option<(String, String, Vec<u8>)> = None;
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or_default() {
            "back" => {
                let to = field.text().await.unwrap_or_default();
                back = super::forms::back_to(Some(&to), back);
            }
            "caption" => caption = field.text().await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or("file").to_owned();
                let content_type = field.content_type().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|_| {
                    AppError::field("file", "The file did not arrive whole; try again.")
                })?;
                file = Some((name, content_type, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let refuse = |text: &str| Notice {
        ok: false,
        text: text.to_owned(),
    };
    let Some((name, content_type, bytes)) = file.filter(|f| !f.2.is_empty()) else {
        return chrome
            .show_once(
                &state,
                NOTICE_KIND,
                &refuse("Choose a file to send."),
                &back,
            )
            .await;
    };
    let Some(kind) = kind_of(&content_type) else {
        let text =
            "Send an image (JPEG, PNG, WebP), a video (MP4), audio, a PDF or an Office document.";
        return chrome
            .show_once(&state, NOTICE_KIND, &refuse(text), &back)
            .await;
    };
    if bytes.len() > crate::inbox::website::UPLOAD_LIMIT {
        let text = "Send a file of at most 10 MB.";
        return chrome
            .show_once(&state, NOTICE_KIND, &refuse(text), &back)
            .await;
    }
    let name: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(120)
        .collect();
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    let file = crate::files::insert(
        &mut tx,
        &principal.workspace_id,
        &name,
        &content_type,
        &bytes,
        None,
    )
    .await
    .map_err(AppError::from)?;
    tx.commit().await.map_err(AppError::from)?;
    let input = OutboundIn {
        media: Some(MediaIn {
            kind: kind.to_owned(),
            url: String::new(),
            file_id: Some(file.to_string()),
            caption: Some(caption.trim().to_owned()).filter(|c| !c.is_empty()),
            filename: (kind == "document").then(|| name.clone()),
        }),
        ..OutboundIn::default()
    };
    match send::send(&state, principal, &id, &input).await {
        Ok(_) => Ok(crate::pages::see_other(&back)),
        Err(AppError::Client(c)) if c.status != axum::http::StatusCode::NOT_FOUND => {
            let text = super::forms::refusal(&c);
            chrome
                .show_once(&state, NOTICE_KIND, &refuse(&text), &back)
                .await
        }
        Err(error) => Err(error.into()),
    }
}
