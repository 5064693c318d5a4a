//! `/app/inbox`: the live inbox. One page, three panes: the conversation list (with the filters
//! mine / unassigned / all, status, channel, tag, unread and search), the selected thread with its
//! composer, and the contact panel (profile, tags, consent, recent timeline).
//!
//! Everything works without JavaScript (links and forms; the page marks the thread read when it
//! is opened). `app.js` adds: live updates from the workspace's event stream (the list, the
//! thread and the panel are re-read and swapped; the composer is left alone), the reply-window
//! countdown, `/` canned replies in the composer, template previews, and the keys j/k (next and
//! previous conversation), r (reply), e (resolve), a (assign), n (note). On a phone the page is
//! list → thread: with a thread open the list hides behind a "Conversations" link.

pub mod attach;
pub mod forms;
mod thread;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use playgram_core::Conn;
use serde::Deserialize;

use super::conversations::api::{ConversationOut, shown};
use super::conversations::store::{self, Assignee, Filter};
use super::conversations::{STATUSES, manage};
use crate::auth::{Actor, Capability};
use crate::pages::{Chrome, PageResult, Stamp, query_escape};
use crate::state::AppState;
pub use thread::Thread;

pub const NOTICE_KIND: &str = "inbox_notice";

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct InboxQuery {
    /// `mine`, `unassigned` or `all` (the default).
    pub view: Option<String>,
    /// A status, or `any`; open by default.
    pub status: Option<String>,
    pub channel: Option<String>,
    pub tag: Option<String>,
    pub unread: Option<String>,
    pub q: Option<String>,
    /// The selected conversation.
    pub c: Option<String>,
}

impl InboxQuery {
    fn value(v: &Option<String>) -> &str {
        v.as_deref().map(str::trim).unwrap_or_default()
    }
    pub fn view(&self) -> &str {
        match Self::value(&self.view) {
            "mine" => "mine",
            "unassigned" => "unassigned",
            _ => "all",
        }
    }
    pub fn status(&self) -> &str {
        match Self::value(&self.status) {
            "" => "open",
            "any" => "any",
            s if STATUSES.contains(&s) => s,
            _ => "open",
        }
    }
    pub fn channel(&self) -> &str {
        Self::value(&self.channel)
    }
    pub fn tag(&self) -> &str {
        Self::value(&self.tag)
    }
    pub fn q(&self) -> &str {
        Self::value(&self.q)
    }
    pub fn unread(&self) -> bool {
        Self::value(&self.unread) == "1"
    }
    pub fn filtered(&self) -> bool {
        self.view() != "all"
            || self.status() != "open"
            || !self.channel().is_empty()
            || !self.tag().is_empty()
            || !self.q().is_empty()
            || self.unread()
    }

    /// The query string of the filters (without the selection).
    pub fn filters(&self) -> String {
        let mut parts = Vec::new();
        if self.view() != "all" {
            parts.push(format!("view={}", self.view()));
        }
        if self.status() != "open" {
            parts.push(format!("status={}", self.status()));
        }
        for (k, v) in [
            ("channel", self.channel()),
            ("tag", self.tag()),
            ("q", self.q()),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", query_escape(v)));
            }
        }
        if self.unread() {
            parts.push("unread=1".into());
        }
        parts.join("&")
    }

    /// The page with these filters and conversation `id` selected.
    pub fn href(&self, id: &str) -> String {
        let filters = self.filters();
        if filters.is_empty() {
            format!("/app/inbox?c={id}")
        } else {
            format!("/app/inbox?{filters}&c={id}")
        }
    }

    /// The list with these filters and nothing selected.
    pub fn list_href(&self) -> String {
        let filters = self.filters();
        if filters.is_empty() {
            "/app/inbox".into()
        } else {
            format!("/app/inbox?{filters}")
        }
    }
}

/// One row of the conversation list.
pub struct ListItem {
    pub id: String,
    pub href: String,
    pub name: String,
    pub channel: String,
    pub channel_kind: String,
    pub preview: String,
    pub when: Stamp,
    pub unread: i64,
    pub status: String,
    pub priority: String,
    pub assignee: Option<String>,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    pub chrome: Chrome,
    pub query: InboxQuery,
    pub items: Vec<ListItem>,
    pub thread: Option<Thread>,
    pub channels: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub notice: Option<Notice>,
    pub can_reply: bool,
    /// No channel yet: the page says how to add one.
    pub no_channels: bool,
    /// Whether the signed-in member is marked available (None: not someone who replies).
    pub available: Option<bool>,
}

pub async fn inbox_page(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<InboxQuery>,
) -> PageResult {
    let principal = chrome.principal()?.clone();
    principal.require(Capability::ReadInbox)?;
    let ws = &principal.workspace_id;
    let me = match &principal.actor {
        Actor::User(id) => Some(id.clone()),
        Actor::ApiKey(_) => None,
    };
    let channel_rows = super::channels::store::list(&state.db, ws).await?;
    let filter = Filter {
        status: (query.status() != "any").then(|| query.status().to_owned()),
        channel_id: Some(query.channel().to_owned()).filter(|c| !c.is_empty()),
        contact_id: None,
        assignee: match query.view() {
            "mine" => me.as_ref().map(|m| Assignee::User(m.to_string())),
            "unassigned" => Some(Assignee::Nobody),
            _ => None,
        },
        unread: query.unread().then(|| me.clone()),
        tag: Some(query.tag().to_owned()).filter(|t| !t.is_empty()),
        q: Some(query.q().to_owned()).filter(|q| !q.is_empty()),
        before: None,
        limit: 100,
    };
    let rows = store::list(&state.db, ws, &filter).await?;
    let selected = query.c.clone().filter(|c| !c.is_empty());
    // Opening a thread reads it.
    if let Some(id) = &selected
        && let Ok(_) = manage::mark_read(&state, &principal, id).await
    {}
    let rows = shown(&state, &principal, rows).await?;
    let c = &mut Conn::Db(&state.db);
    let agents = super::assign::agents(c, ws).await?;
    let ids: Vec<&str> = rows.iter().map(|r| r.row.contact_id.as_str()).collect();
    let names = contact_names(&state, ws, &ids).await?;
    let items = rows
        .iter()
        .map(|r| {
            list_item(
                r,
                &query,
                selected.as_deref(),
                &channel_rows,
                &agents,
                &names,
            )
        })
        .collect();
    let thread = match &selected {
        Some(id) => thread::load(&state, &principal, id, &query, &channel_rows, &agents).await?,
        None => None,
    };
    let tags = crate::contacts::tags::store::all(c, ws)
        .await?
        .into_iter()
        .map(|t| (t.id.to_string(), t.name))
        .collect();
    let notice = chrome.take_once(&state, NOTICE_KIND).await?;
    let available = me
        .as_ref()
        .and_then(|m| agents.iter().find(|a| &a.user_id == m))
        .map(|a| a.available);
    Ok(InboxPage {
        can_reply: chrome.can(Capability::ReplyInbox),
        no_channels: channel_rows.is_empty(),
        available,
        channels: channel_rows
            .iter()
            .map(|c| (c.id.to_string(), c.name.clone()))
            .collect(),
        tags,
        statuses: vec![
            ("open", "Open"),
            ("pending", "Pending"),
            ("snoozed", "Snoozed"),
            ("resolved", "Resolved"),
            ("any", "Any status"),
        ],
        chrome,
        query,
        items,
        thread,
        notice,
    }
    .into_response())
}

fn list_item(
    r: &ConversationOut,
    query: &InboxQuery,
    selected: Option<&str>,
    channels: &[super::channels::ChannelRow],
    agents: &[super::assign::Agent],
    names: &std::collections::HashMap<String, String>,
) -> ListItem {
    let channel = channels.iter().find(|c| c.id == r.row.channel_id);
    ListItem {
        id: r.row.id.to_string(),
        href: query.href(r.row.id.as_str()),
        name: names
            .get(r.row.contact_id.as_str())
            .cloned()
            .unwrap_or_else(|| unnamed(&r.row.customer_ref)),
        channel: channel.map(|c| c.name.clone()).unwrap_or_default(),
        channel_kind: channel
            .map(|c| c.kind().as_str().to_owned())
            .unwrap_or_default(),
        preview: r.row.preview.clone(),
        when: Stamp::new(r.row.last_message_at),
        unread: r.unread_mine.unwrap_or(r.row.unread),
        status: r.row.status.clone(),
        priority: r.row.priority.clone(),
        assignee: r
            .row
            .assignee_id
            .as_ref()
            .and_then(|id| agents.iter().find(|a| &a.user_id == id))
            .map(|a| a.name.clone()),
        current: selected == Some(r.row.id.as_str()),
    }
}

/// The contacts' names by id (empty names left out: the list shows the channel's id instead).
async fn contact_names(
    state: &AppState,
    ws: &playgram_core::ids::WorkspaceId,
    ids: &[&str],
) -> sqlx::Result<std::collections::HashMap<String, String>> {
    use playgram_core::sql::Sql;
    use playgram_core::{bind_args, on_db};
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut sql = Sql::new("");
    let w = sql.arg(ws.as_str());
    let list = sql.list(ids.iter().copied());
    let text = format!(
        "SELECT id, name FROM contacts WHERE workspace_id = {w} AND id IN ({list}) AND name <> ''"
    );
    let rows: Vec<(String, String)> = on_db!(&state.db, pool => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(text)), sql.args.iter()).fetch_all(pool).await)?;
    Ok(rows.into_iter().collect())
}

/// What to call a customer without a name: a website visitor by the end of their id, anyone
/// else by the channel's id for them (a phone number, an Instagram id).
pub fn unnamed(customer_ref: &str) -> String {
    match customer_ref.strip_prefix("v_") {
        Some(id) => format!("Visitor {}", &id[id.len().saturating_sub(4)..]),
        None => customer_ref.to_owned(),
    }
}
