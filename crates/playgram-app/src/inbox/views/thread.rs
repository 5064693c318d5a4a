//! The selected conversation as the inbox page shows it: the thread, what the composer may send
//! now (the reply window, templates, canned replies), and the contact panel.

use playgram_core::Conn;
use playgram_core::time::{Millis, now_ms};
use playgram_core::{ids::UserId, on_db};

use super::InboxQuery;
use crate::auth::{Actor, Principal};
use crate::http::Result;
use crate::inbox::assign::Agent;
use crate::inbox::canned;
use crate::inbox::channels::{ChannelRow, Kind};
use crate::inbox::conversations::{MessageRow, store};
use crate::inbox::send::window::{HUMAN_AGENT_MS, STANDARD_MS};
use crate::pages::Stamp;
use crate::state::AppState;

/// Messages shown at once (the newest); older ones are a link to the API away.
const SHOWN: i64 = 200;

pub struct MessageView {
    pub id: String,
    /// `in`, `out`, `note` or `activity`.
    pub side: &'static str,
    pub label: String,
    pub text: String,
    pub author: String,
    pub status: String,
    pub error: Option<String>,
    pub when: Stamp,
    pub reaction: Option<String>,
    /// A file kept in Playgram's storage (a visitor's upload): its link and whether it is an image.
    pub file: Option<(String, bool)>,
}

pub struct TemplateChoice {
    pub value: String,
    pub label: String,
    pub body: String,
}

pub struct CannedChoice {
    pub shortcut: String,
    pub text: String,
    pub missing: String,
}

pub struct Thread {
    pub id: String,
    pub name: String,
    pub contact_href: String,
    pub channel: String,
    pub kind: &'static str,
    pub status: String,
    pub priority: String,
    pub assignee_id: String,
    pub snoozed_until: Option<Stamp>,
    /// When free-form replies stop (ms), for the countdown.
    pub closes_at: Option<Millis>,
    pub window_open: bool,
    /// Instagram or Messenger within 7 days: a reply may carry the HUMAN_AGENT tag.
    pub human_agent_ok: bool,
    /// Nothing may be sent now (Instagram/Messenger after 7 days, or no customer message).
    pub blocked: bool,
    pub messages: Vec<MessageView>,
    pub older: bool,
    pub tags: Vec<(String, String, String)>,
    pub templates: Vec<TemplateChoice>,
    pub canned: Vec<CannedChoice>,
    pub agents: Vec<(String, String)>,
    pub panel: Panel,
    pub back: String,
    pub here: String,
}

/// The contact panel.
pub struct Panel {
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub identities: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub consent: Vec<(String, String, String)>,
    pub timeline: Vec<(String, Stamp)>,
    pub first_seen: Option<Stamp>,
}

impl Thread {
    pub fn is_whatsapp(&self) -> bool {
        self.kind == "whatsapp"
    }
    pub fn assigned_to(&self, id: &str) -> bool {
        self.assignee_id == id
    }
}

fn side(m: &MessageRow) -> &'static str {
    match (m.direction.as_str(), m.kind.as_str()) {
        ("in", _) => "in",
        ("out", _) => "out",
        (_, "activity") => "activity",
        _ => "note",
    }
}

/// The link to a stored file a message carries, and whether it is an image.
fn stored_file(content: &str) -> Option<(String, bool)> {
    let content: serde_json::Value = serde_json::from_str(content).ok()?;
    let id = content["file_id"].as_str()?;
    let image = content["content_type"]
        .as_str()
        .is_some_and(|t| t.starts_with("image/"));
    Some((format!("/app/inbox/files/{id}"), image))
}

fn label(kind: &str) -> String {
    match kind {
        "text" | "note" | "activity" => String::new(),
        other => crate::inbox::conversations::preview_of(other, "")
            .trim_end_matches(':')
            .to_owned()
            .replace(' ', "\u{a0}"),
    }
}

pub async fn load(
    state: &AppState,
    principal: &Principal,
    id: &str,
    query: &InboxQuery,
    channels: &[ChannelRow],
    agents: &[Agent],
) -> Result<Option<Thread>> {
    let ws = &principal.workspace_id;
    let c = &mut Conn::Db(&state.db);
    let Some(row) = store::get(c, ws, id).await? else {
        return Ok(None);
    };
    let Some(channel) = channels.iter().find(|ch| ch.id == row.channel_id) else {
        return Ok(None);
    };
    let kind = channel.kind();
    let now = now_ms();
    let since = row.last_inbound_at.map(|t| now.saturating_sub(t));
    let window_open = match kind {
        Kind::Whatsapp | Kind::Instagram | Kind::Messenger => {
            since.is_some_and(|s| s < STANDARD_MS)
        }
        _ => true,
    };
    let human_agent_ok = matches!(kind, Kind::Instagram | Kind::Messenger)
        && !window_open
        && since.is_some_and(|s| s < HUMAN_AGENT_MS);
    let blocked =
        matches!(kind, Kind::Instagram | Kind::Messenger) && !window_open && !human_agent_ok;

    let mut rows = store::messages(&state.db, &row.id, None, SHOWN + 1).await?;
    let older = rows.len() as i64 > SHOWN;
    rows.truncate(SHOWN as usize);
    rows.reverse();
    let messages = rows
        .iter()
        .map(|m| MessageView {
            id: m.id.to_string(),
            side: side(m),
            label: label(&m.kind),
            text: m.text.clone(),
            author: m
                .author_id
                .as_ref()
                .and_then(|a| agents.iter().find(|x| &x.user_id == a))
                .map(|a| a.name.clone())
                .unwrap_or_default(),
            status: m.status.clone(),
            error: m.error.clone(),
            when: Stamp::new(m.sent_at),
            reaction: m.reaction.clone(),
            file: stored_file(&m.content),
        })
        .collect();

    let contact = crate::contacts::service::found(c, ws, row.contact_id.as_str()).await?;
    let name = Some(contact.display_name())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| super::unnamed(&row.customer_ref));
    let consent = crate::contacts::consent::current(c, &row.contact_id)
        .await?
        .into_iter()
        .map(|r| (r.channel, r.purpose, r.status))
        .collect();
    let timeline = crate::contacts::timeline::list(c, ws, &row.contact_id, None, None, 5)
        .await?
        .into_iter()
        .map(|a| (a.summary, Stamp::new(a.occurred_at)))
        .collect();
    let panel = Panel {
        emails: contact.parts.emails.clone(),
        phones: contact.parts.phones.clone(),
        identities: contact
            .parts
            .identities
            .iter()
            .map(|i| {
                (
                    i.channel.clone(),
                    i.username
                        .as_ref()
                        .map(|u| format!("@{u}"))
                        .unwrap_or_else(|| i.external_id.clone()),
                )
            })
            .collect(),
        tags: contact
            .parts
            .tags
            .iter()
            .map(|t| (t.name.clone(), t.color.clone()))
            .collect(),
        consent,
        timeline,
        first_seen: Stamp::maybe(contact.row.first_seen_at),
    };

    let tags = store::tags_of(&state.db, &[row.id.as_str()])
        .await?
        .into_iter()
        .map(|t| (t.1.to_string(), t.2, t.3))
        .collect();
    let templates = if kind == Kind::Whatsapp {
        approved_templates(state, channel).await?
    } else {
        Vec::new()
    };
    let agent: Option<&UserId> = match &principal.actor {
        Actor::User(id) => Some(id),
        Actor::ApiKey(_) => None,
    };
    let values = canned::store::values(c, &row, agent).await?;
    let canned = canned::store::list(c, ws)
        .await?
        .into_iter()
        .map(|r| {
            let (text, missing) = canned::render(&r.body, &values);
            CannedChoice {
                shortcut: r.shortcut,
                text,
                missing: missing.join(", "),
            }
        })
        .collect();
    Ok(Some(Thread {
        id: row.id.to_string(),
        contact_href: format!("/app/contacts/{}", row.contact_id),
        name,
        channel: channel.name.clone(),
        kind: kind.as_str(),
        status: row.status.clone(),
        priority: row.priority.clone(),
        assignee_id: row
            .assignee_id
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        snoozed_until: Stamp::maybe(row.snoozed_until),
        closes_at: match kind {
            Kind::Whatsapp | Kind::Instagram | Kind::Messenger => {
                crate::inbox::send::window::closes_at(row.last_inbound_at)
            }
            _ => None,
        },
        window_open,
        human_agent_ok,
        blocked,
        messages,
        older,
        tags,
        templates,
        canned,
        agents: agents
            .iter()
            .map(|a| (a.user_id.to_string(), a.name.clone()))
            .collect(),
        panel,
        back: query.list_href(),
        here: query.href(row.id.as_str()),
    }))
}

/// The channel's approved templates, with their body text for the preview.
async fn approved_templates(
    state: &AppState,
    channel: &ChannelRow,
) -> sqlx::Result<Vec<TemplateChoice>> {
    let rows: Vec<(String, String, String)> = on_db!(&state.db, pool => sqlx::query_as(
        "SELECT name, language, components FROM whatsapp_templates \
         WHERE channel_id = $1 AND status = 'APPROVED' ORDER BY name, language")
        .bind(&channel.id).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|(name, language, components)| {
            let parsed: serde_json::Value = serde_json::from_str(&components).unwrap_or_default();
            let body = parsed
                .as_array()
                .and_then(|list| list.iter().find(|c| c["type"] == "BODY"))
                .and_then(|c| c["text"].as_str())
                .unwrap_or_default()
                .to_owned();
            TemplateChoice {
                value: format!("{name}|{language}"),
                label: format!("{name} ({language})"),
                body,
            }
        })
        .collect())
}
