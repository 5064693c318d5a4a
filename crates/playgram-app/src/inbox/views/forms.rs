//! The inbox page's posts: reply (text, template with variables, HUMAN_AGENT) or note, change the
//! status / priority / assignee / snooze, add or remove a tag. Each goes through the same service
//! as the API and returns to the page it came from; a refusal (the window closed, a field out of
//! range) is said at the top of the page and nothing changes.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::{NOTICE_KIND, Notice};
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::inbox::conversations::manage::{self, ConversationPatch, NoteIn, TagsIn};
use crate::inbox::send::{self, OutboundIn, TemplateIn};
use crate::pages::{Chrome, PageResult};
use crate::state::AppState;

type Pairs = Vec<(String, String)>;

fn field<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Where to return: the inbox page the form was on (never another page), else `otherwise`.
pub(super) fn back_to(given: Option<&str>, otherwise: String) -> String {
    match given {
        Some(to) if to.starts_with("/app/inbox") && !to.starts_with("/app/inbox/") => to.to_owned(),
        _ => otherwise,
    }
}

fn back(pairs: &Pairs, id: &str) -> String {
    back_to(field(pairs, "back"), format!("/app/inbox?c={id}"))
}

/// A refusal as one sentence for the page: the message, then each field's.
pub(super) fn refusal(c: &crate::http::error::ClientError) -> String {
    let mut text = c.message.clone();
    if let Some(fields) = c.details.as_ref().and_then(|d| d["fields"].as_object()) {
        for message in fields.values().filter_map(|v| v.as_str()) {
            text.push(' ');
            text.push_str(message);
        }
    }
    text
}

async fn tell(chrome: &Chrome, state: &AppState, ok: bool, text: String, to: &str) -> PageResult {
    chrome
        .show_once(state, NOTICE_KIND, &Notice { ok, text }, to)
        .await
}

/// A refusal said on the page; "not found", "not allowed" and failures get their error page.
async fn outcome(
    chrome: &Chrome,
    state: &AppState,
    done: Result<String, AppError>,
    to: &str,
) -> PageResult {
    match done {
        Ok(text) => tell(chrome, state, true, text, to).await,
        Err(AppError::Client(c))
            if !matches!(c.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) =>
        {
            tell(chrome, state, false, refusal(&c), to).await
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn reply(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let principal = chrome.principal()?;
    let to = back(&pairs, &id);
    let text = field(&pairs, "text").unwrap_or_default().trim().to_owned();
    let done = if field(&pairs, "mode") == Some("note") {
        manage::add_note(&state, principal, &id, &NoteIn { text })
            .await
            .map(|_| "Note added.".to_owned())
    } else {
        let template = field(&pairs, "template")
            .filter(|t| !t.is_empty())
            .and_then(|t| t.split_once('|'))
            .map(|(name, language)| TemplateIn {
                name: name.to_owned(),
                language: language.to_owned(),
                variables: pairs
                    .iter()
                    .filter(|(k, _)| k == "variable")
                    .map(|(_, v)| v.trim().to_owned())
                    .collect(),
            });
        let input = OutboundIn {
            text: (template.is_none()).then_some(text),
            template,
            human_agent: field(&pairs, "human_agent") == Some("1"),
            ..OutboundIn::default()
        };
        send::send(&state, principal, &id, &input)
            .await
            .map(|_| "Sending…".to_owned())
    };
    match done {
        // The thread shows the message itself: no banner for the usual case.
        Ok(_) => Ok(crate::pages::see_other(&to)),
        Err(error) => outcome(&chrome, &state, Err(error), &to).await,
    }
}

pub async fn update(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let principal = chrome.principal()?;
    let to = back(&pairs, &id);
    let snoozed_until = field(&pairs, "snooze_hours")
        .and_then(|h| h.parse::<i64>().ok())
        .map(|h| playgram_core::time::rfc3339(playgram_core::time::now_ms() + h * 3600 * 1000));
    let patch = ConversationPatch {
        status: field(&pairs, "status")
            .filter(|_| snoozed_until.is_none())
            .map(str::to_owned),
        priority: field(&pairs, "priority").map(str::to_owned),
        snoozed_until,
        assignee_id: field(&pairs, "assignee")
            .map(|a| Some(a.to_owned()).filter(|a| !a.is_empty())),
    };
    let done = manage::update(&state, principal, &id, &patch)
        .await
        .map(|row| format!("Saved: the conversation is {}.", row.status));
    outcome(&chrome, &state, done, &to).await
}

pub async fn add_tag(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let principal = chrome.principal()?;
    let to = back(&pairs, &id);
    let name = field(&pairs, "tag").unwrap_or_default().trim().to_owned();
    let done = manage::add_tags(
        &state,
        principal,
        &id,
        &TagsIn {
            tags: vec![name.clone()],
        },
    )
    .await
    .map(|_| format!("Tagged {name}."));
    outcome(&chrome, &state, done, &to).await
}

pub async fn remove_tag(
    State(state): State<AppState>,
    chrome: Chrome,
    Path((id, tag)): Path<(String, String)>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let principal = chrome.principal()?;
    let to = back(&pairs, &id);
    let done = manage::remove_tag(&state, principal, &id, &tag)
        .await
        .map(|_| "Tag removed.".to_owned());
    outcome(&chrome, &state, done, &to).await
}

/// A file of a conversation (a visitor's upload), for members who may read the inbox.
pub async fn file(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(file): Path<String>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(crate::auth::Capability::ReadInbox)?;
    let id = playgram_core::ids::FileId::parse(&file).ok_or_else(AppError::not_found)?;
    Ok(crate::inbox::website::api::serve_file(&state, &principal.workspace_id, &id).await?)
}

/// "Available" / "Away": whether the signed-in member takes conversations (automatic assignment)
/// and counts as someone the website chat can offer.
pub async fn availability(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(crate::auth::Capability::ReplyInbox)?;
    let to = back_to(field(&pairs, "back"), "/app/inbox".to_owned());
    let available = field(&pairs, "available") == Some("1");
    let crate::auth::Actor::User(me) = &principal.actor else {
        return Err(AppError::not_found().into());
    };
    let ws = &principal.workspace_id;
    let mut tx = state.db.begin().await.map_err(AppError::from)?;
    crate::inbox::assign::set_agent(&mut tx, ws, me, Some(available), None)
        .await
        .map_err(AppError::from)?;
    crate::inbox::assign::assign_waiting(&mut tx, ws, playgram_core::time::now_ms())
        .await
        .map_err(AppError::from)?;
    tx.commit().await.map_err(AppError::from)?;
    let text = if available {
        "You are available: new conversations can come to you."
    } else {
        "You are away: nothing new is assigned to you, and the chat shows its offline form when everyone is away."
    };
    tell(&chrome, &state, true, text.to_owned(), &to).await
}
