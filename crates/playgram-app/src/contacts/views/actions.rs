//! The contact page's smaller forms: tags, identities, consent, merge, the GDPR download,
//! erasure and deletion. Each goes through the service the API uses and comes back to the
//! contact (or the list) with a one-time message.

use axum::extract::{Path, State};
use playgram_core::Conn;

use super::edit::refused;
use super::{Pairs, posted, tell};
use crate::auth::Capability;
use crate::contacts::consent::{self, ConsentIn};
use crate::contacts::input::IdentityIn;
use crate::contacts::timeline::By;
use crate::contacts::{gdpr, merge, service};
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, PageResult};
use crate::state::AppState;

/// The answer to a form on the contact's page: back to it, with what happened or the refusal.
async fn answer(
    state: &AppState,
    chrome: &Chrome,
    id: &str,
    result: crate::http::Result<String>,
) -> PageResult {
    let page = format!("/app/contacts/{id}");
    super::told(chrome, state, result, &page, &page).await
}

pub async fn add_tag(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    chrome.principal()?.require(Capability::WriteContacts)?;
    let names: Vec<String> = posted(&pairs, "tag")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let result = if names.is_empty() {
        Err(AppError::field("tags", "Type a tag to add."))
    } else {
        service::retag(&state, chrome.principal()?, &id, &names, true)
            .await
            .map(|_| format!("Tagged {}.", names.join(", ")))
    };
    answer(&state, &chrome, &id, result).await
}

pub async fn remove_tag(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((id, tag)): Path<(String, String)>,
) -> PageResult {
    chrome.principal()?.require(Capability::WriteContacts)?;
    let result = service::retag(&state, chrome.principal()?, &id, &[tag], false)
        .await
        .map(|_| "Tag removed.".to_owned());
    answer(&state, &chrome, &id, result).await
}

pub async fn add_identity(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    chrome.principal()?.require(Capability::WriteContacts)?;
    let input = IdentityIn {
        channel: posted(&pairs, "channel").unwrap_or_default(),
        external_id: posted(&pairs, "external_id").unwrap_or_default(),
        username: posted(&pairs, "username"),
    };
    let result = service::add_identity(&state, chrome.principal()?, &id, &input)
        .await
        .map(|_| "Identity linked.".to_owned());
    answer(&state, &chrome, &id, result).await
}

pub async fn remove_identity(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((id, channel, external_id)): Path<(String, String, String)>,
) -> PageResult {
    chrome.principal()?.require(Capability::WriteContacts)?;
    let result = service::remove_identity(&state, chrome.principal()?, &id, &channel, &external_id)
        .await
        .map(|_| "Identity unlinked.".to_owned());
    answer(&state, &chrome, &id, result).await
}

/// Records an opt-in or opt-out; a refused record comes back with its field messages.
pub async fn record_consent(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::WriteContacts)?;
    let input = ConsentIn {
        channel: posted(&pairs, "channel").unwrap_or_default(),
        purpose: posted(&pairs, "purpose").unwrap_or_default(),
        status: posted(&pairs, "status").unwrap_or_default(),
        source: posted(&pairs, "source"),
        evidence: posted(&pairs, "evidence"),
        recorded_at: None,
    };
    let result = async {
        let record = input.parse("dashboard")?;
        let ws = &principal.workspace_id;
        let mut tx = state.db.begin().await?;
        let contact = service::found_live(&mut Conn::Tx(&mut tx), ws, &id).await?;
        consent::record(&mut tx, ws, &contact.row.id, &record, &By::of(principal)).await?;
        tx.commit().await?;
        Ok::<_, AppError>(format!(
            "Recorded: {} {} on {}.",
            record.status.replace('_', " "),
            record.purpose,
            record.channel.label()
        ))
    }
    .await;
    match result {
        Ok(text) => tell(&chrome, &state, true, text, &format!("/app/contacts/{id}")).await,
        Err(error @ AppError::Client(_)) => {
            refused(
                &state,
                chrome,
                &id,
                error,
                "ct-consent",
                &["channel", "purpose", "status", "source", "evidence"],
                &pairs,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Merges the chosen record into this one.
pub async fn merge_contact(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    chrome.principal()?.require(Capability::WriteContacts)?;
    let other = posted(&pairs, "other_id").unwrap_or_default();
    let result = merge::merge(&state, chrome.principal()?, &id, &other)
        .await
        .map(|c| format!("Merged into {}.", c.display_name()));
    answer(&state, &chrome, &id, result).await
}

/// Erases the contact as the workspace's erase mode says, then goes back to the list.
pub async fn erase_contact(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    chrome.principal()?.require(Capability::DeleteContacts)?;
    let result = gdpr::erase(&state, chrome.principal()?, &id)
        .await
        .map(|mode| {
            if mode == "anonymise" {
                "Personal data erased; the anonymised record remains.".to_owned()
            } else {
                "Contact erased; a tombstone without personal data remains.".to_owned()
            }
        });
    let page = format!("/app/contacts/{id}");
    super::told(&chrome, &state, result, "/app/contacts", &page).await
}

pub async fn delete_contact(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    chrome.principal()?.require(Capability::DeleteContacts)?;
    service::delete(&state, chrome.principal()?, &id).await?;
    tell(&chrome, &state, true, "Contact deleted.", "/app/contacts").await
}

/// Everything about the contact as a ZIP (audited).
pub async fn download_gdpr(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    chrome.principal()?.require(Capability::ExportContacts)?;
    let (name, bytes) = gdpr::export(&state, chrome.principal()?, &id).await?;
    Ok(crate::pages::attachment(&name, "application/zip", bytes))
}
