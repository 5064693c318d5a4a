//! Replies: `POST /conversations/{id}/messages` stores the message as `queued` and enqueues an
//! `inbox.send` job ([`job`]), which sends it through the channel's provider and records the
//! provider id (`sent`); delivery and read statuses then arrive by webhook.
//!
//! The customer service window is checked first (see [`window`]): on WhatsApp only a template may
//! be sent more than 24 hours after the customer's last message; on Instagram and Messenger a
//! message tagged `human_agent` may be sent up to 7 days after, nothing later. A refusal is 409
//! `window_closed`, and nothing is stored.

pub mod body;
pub mod job;
pub mod reconnect;
pub mod window;

use playgram_core::Conn;
use playgram_core::ids::{InboxMessageId, UserId};
use playgram_core::jobs::{NewJob, enqueue};
use playgram_core::time::now_ms;
use serde::Deserialize;
use serde_json::json;

use super::channels::{Kind, store as channels};
use super::conversations::manage::found_in;
use super::conversations::store::{self, NewMessage};
use super::conversations::{MessageRow, preview_of};
use crate::auth::{Actor, Capability, Principal};
use crate::http::{AppError, FieldErrors, Result};
use crate::state::AppState;
use job::SendJob;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundIn {
    /// The text (with `buttons`, the question they answer; with `media`, ignored: use `caption`).
    pub text: Option<String>,
    pub media: Option<MediaIn>,
    pub template: Option<TemplateIn>,
    /// Up to 3 reply buttons (WhatsApp) or 13 quick replies (Instagram, Messenger).
    pub buttons: Option<Vec<ButtonIn>>,
    /// A message id (`msg_…`) of this conversation to answer.
    pub reply_to: Option<String>,
    /// Instagram and Messenger: send with the HUMAN_AGENT tag (allowed up to 7 days after the
    /// customer's last message).
    #[serde(default)]
    pub human_agent: bool,
}

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct MediaIn {
    /// image, video, audio or document.
    #[serde(rename = "type")]
    pub kind: String,
    /// A public https URL the provider fetches; or give `file_id` instead.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// A file in Playgram's storage (`file_…`, e.g. from the inbox's attach form): WhatsApp
    /// receives it through its media API; the website chat shows it to the visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    pub caption: Option<String>,
    pub filename: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    pub name: String,
    /// e.g. `en_US`.
    pub language: String,
    /// The body's `{{1}}`, `{{2}}`, … in order.
    #[serde(default)]
    pub variables: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonIn {
    pub id: String,
    pub title: String,
}

/// A checked reply: what to store and send.
pub struct Checked {
    pub kind: &'static str,
    pub text: String,
    pub content: serde_json::Value,
}

impl OutboundIn {
    fn check(&self, channel: Kind) -> Result<Checked> {
        let mut errors = FieldErrors::new();
        let text = self
            .text
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        let given = [
            !text.is_empty() && self.buttons.is_none(),
            self.media.is_some(),
            self.template.is_some(),
            self.buttons.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(AppError::field(
                "text",
                "Send one of: text, media, template, or text with buttons.",
            ));
        }
        if text.chars().count() > 4096 {
            errors.insert("text", "Keep a message to 4,096 characters.".into());
        }
        // What the website chat and the API channel can carry: they have no buttons, and take
        // files only from Playgram's storage (the website chat) or not at all (the API channel).
        let by_url = self.media.as_ref().is_some_and(|m| m.file_id.is_none());
        match channel {
            Kind::Website if self.buttons.is_some() || by_url || self.template.is_some() => {
                errors.insert(
                    "text",
                    "The website chat takes text, or a file by media.file_id.".into(),
                );
            }
            Kind::Api
                if self.buttons.is_some() || self.media.is_some() || self.template.is_some() =>
            {
                errors.insert("text", "The API channel takes text only.".into());
            }
            _ => {}
        }
        if self.human_agent && !matches!(channel, Kind::Instagram | Kind::Messenger) {
            errors.insert(
                "human_agent",
                "The HUMAN_AGENT tag is for Instagram and Messenger.".into(),
            );
        }
        let checked = if let Some(media) = &self.media {
            if !["image", "video", "audio", "document"].contains(&media.kind.as_str()) {
                errors.insert(
                    "media",
                    "media.type is image, video, audio or document.".into(),
                );
            }
            let url_ok = url::Url::parse(&media.url)
                .is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some());
            match (&media.file_id, url_ok) {
                (Some(_), _) if !matches!(channel, Kind::Whatsapp | Kind::Website) => {
                    errors.insert(
                        "media",
                        "A stored file can be sent on WhatsApp and the website chat; give media.url for this channel.".into(),
                    );
                }
                (Some(_), _) if !media.url.is_empty() => {
                    errors.insert("media", "Give media.url or media.file_id, not both.".into());
                }
                (None, false) => {
                    errors.insert(
                        "media",
                        "media.url must be a public https address the provider can fetch.".into(),
                    );
                }
                _ => {}
            }
            let caption = media.caption.clone().unwrap_or_default();
            Checked {
                kind: match media.kind.as_str() {
                    "video" => "video",
                    "audio" => "audio",
                    "document" => "document",
                    _ => "image",
                },
                text: caption,
                content: json!({ "media": media }),
            }
        } else if let Some(template) = &self.template {
            if channel != Kind::Whatsapp {
                errors.insert(
                    "template",
                    "Templates are WhatsApp's; send text on this channel.".into(),
                );
            }
            if template.name.trim().is_empty() || template.language.trim().is_empty() {
                errors.insert(
                    "template",
                    "Name the template and its language, e.g. en_US.".into(),
                );
            }
            Checked {
                kind: "template",
                text: String::new(),
                content: json!({ "template": template }),
            }
        } else if let Some(buttons) = &self.buttons {
            let max = if channel == Kind::Whatsapp { 3 } else { 13 };
            if text.is_empty() {
                errors.insert("text", "Write the question the buttons answer.".into());
            }
            if buttons.is_empty() || buttons.len() > max {
                errors.insert(
                    "buttons",
                    format!("Give 1 to {max} buttons on this channel."),
                );
            }
            if buttons.iter().any(|b| {
                b.id.trim().is_empty() || b.title.trim().is_empty() || b.title.chars().count() > 20
            }) {
                errors.insert(
                    "buttons",
                    "Each button has an id and a title of up to 20 characters.".into(),
                );
            }
            Checked {
                kind: "interactive",
                text,
                content: json!({ "buttons": buttons }),
            }
        } else {
            Checked {
                kind: "text",
                text,
                content: json!({}),
            }
        };
        if errors.is_empty() {
            Ok(checked)
        } else {
            Err(AppError::validation(errors))
        }
    }
}

/// Stores a reply as `queued` and enqueues its sending.
pub async fn send(
    state: &AppState,
    principal: &Principal,
    conversation_id: &str,
    input: &OutboundIn,
) -> Result<MessageRow> {
    principal.require(Capability::ReplyInbox)?;
    let ws = &principal.workspace_id;
    let now = now_ms();
    let mut tx = state.db.begin().await?;
    let conversation = found_in(&mut tx, ws, conversation_id).await?;
    let channel = channels::get(&mut Conn::Tx(&mut tx), ws, conversation.channel_id.as_str())
        .await?
        .ok_or_else(AppError::not_found)?;
    let kind = channel.kind();
    let mut checked = input.check(kind)?;
    if let Some(file) = input.media.as_ref().and_then(|m| m.file_id.as_deref()) {
        let id = playgram_core::ids::FileId::parse(file).ok_or_else(|| {
            AppError::field("media", "media.file_id names no file of this workspace.")
        })?;
        let meta = crate::files::meta(&mut Conn::Tx(&mut tx), ws, &id)
            .await?
            .ok_or_else(|| {
                AppError::field("media", "media.file_id names no file of this workspace.")
            })?;
        // Where the thread and the chat widget look for a stored file.
        checked.content["file_id"] = json!(id);
        checked.content["content_type"] = json!(meta.content_type);
        checked.content["name"] = json!(meta.name);
        checked.content["size"] = json!(meta.size);
        if checked.text.is_empty() {
            checked.text = meta.name.clone();
        }
    }
    window::check(
        kind,
        conversation.last_inbound_at,
        now,
        checked.kind == "template",
        input.human_agent,
    )?;
    if kind.is_meta() && channel.status == "reconnect" {
        return Err(AppError::conflict(
            "channel_reconnect",
            "This channel's access token was refused: set a new one in the channel's settings, then send again.",
        ));
    }
    if let Some(template) = &input.template {
        checked.text = body::template_preview(&mut tx, &channel.id, template).await?;
    }
    let reply_to = match &input.reply_to {
        None => None,
        Some(id) => {
            let target = store::message_in(&mut tx, id)
                .await?
                .filter(|m| m.conversation_id == conversation.id);
            let target = target.ok_or_else(|| {
                AppError::field("reply_to", "Answer a message of this conversation.")
            })?;
            target.provider_id
        }
    };
    if input.human_agent {
        checked.content["human_agent"] = json!(true);
    }
    let author = match &principal.actor {
        Actor::User(id) => Some(id.clone()),
        Actor::ApiKey(_) => None,
    };
    let id = InboxMessageId::new().to_string();
    // Meta and API channels deliver by job; the website chat's visitor reads replies over its
    // stream, so they are sent once stored.
    let delivered_by_job = kind.is_meta() || kind == Kind::Api;
    if kind == Kind::Api && channel.settings().outbound_url.is_none() {
        return Err(AppError::conflict(
            "no_outbound_url",
            "This API channel has no outbound_url: set where replies go, then send again.",
        ));
    }
    let status = if delivered_by_job { "queued" } else { "sent" };
    let message = NewMessage {
        id: id.clone(),
        workspace_id: ws.clone(),
        conversation_id: conversation.id.clone(),
        channel_id: channel.id.clone(),
        direction: "out",
        kind: checked.kind.into(),
        text: checked.text.clone(),
        content: checked.content.to_string(),
        provider_id: None,
        reply_to,
        status,
        author_id: author.as_ref().map(UserId::to_string),
        sent_at: now,
        now,
    };
    store::insert_messages(&mut tx, &[message]).await?;
    let preview = preview_of(checked.kind, &checked.text);
    store::touch_outbound(&mut tx, &conversation.id, &preview, now).await?;
    if kind == Kind::Api {
        let job = NewJob::of::<super::api_channel::deliver::ApiDeliverJob>(&id)
            .map_err(|e| AppError::Internal(e.into()))?
            .workspace(ws);
        enqueue(&mut tx, job).await?;
    } else if kind.is_meta() {
        let job = NewJob::of::<SendJob>(&id)
            .map_err(|e| AppError::Internal(e.into()))?
            .workspace(ws)
            .limit(job::channel_limit(&channel.id, kind));
        enqueue(&mut tx, job).await?;
    }
    let stored = store::message_in(&mut tx, &id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(stored)
}
