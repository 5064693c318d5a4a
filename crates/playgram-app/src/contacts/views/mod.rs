//! The Contacts pages: the list (search, filters, segments, bulk actions), a contact (profile,
//! identities, tags, fields, consent, timeline, history, merge, GDPR), a new contact, tags,
//! fields and settings. Imports and exports have theirs in `imports::views` and `exports::views`.
//!
//! Each action is a form post through the contact services (the same rules, events and audit as
//! the API), then a redirect with a one-time message (post, redirect, get); refused forms come
//! back with the messages beside their fields. Everything works without JavaScript.

pub mod actions;
pub mod detail;
pub mod edit;
pub mod list;
pub mod schema;
pub mod settings;

use serde::{Deserialize, Serialize};

use super::channel::Channel;
use super::model::Contact;
use crate::pages::{Chrome, PageResult, Stamp};
use crate::state::AppState;

pub const NOTICE_KIND: &str = "contacts_notice";

/// A one-time message from a post to the page it redirects to.
#[derive(Serialize, Deserialize)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

pub async fn tell(
    chrome: &Chrome,
    state: &AppState,
    ok: bool,
    text: impl Into<String>,
    to: &str,
) -> PageResult {
    chrome
        .show_once(
            state,
            NOTICE_KIND,
            &Notice {
                ok,
                text: text.into(),
            },
            to,
        )
        .await
}

/// The answer to a form: what it did, shown at `done`; or a refusal's message, shown at `refused`
/// (the form's own page). Other errors are error pages.
pub async fn told(
    chrome: &Chrome,
    state: &AppState,
    result: crate::http::Result<String>,
    done: &str,
    refused: &str,
) -> PageResult {
    match result {
        Ok(text) => tell(chrome, state, true, text, done).await,
        Err(crate::http::AppError::Client(e)) => {
            tell(chrome, state, false, e.message, refused).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A form post's fields, in order (several may share a name).
pub type Pairs = Vec<(String, String)>;

/// The posted value of `name`, trimmed; `None` when it is absent or empty.
pub fn posted(pairs: &[(String, String)], name: &str) -> Option<String> {
    posted_raw(pairs, name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The posted value of `name` as it came.
pub fn posted_raw(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// A tag chip: its name and colour (drawn as an SVG dot: the CSP allows no inline styles, and
/// SVG's `fill` attribute is not one).
pub struct TagChip {
    pub id: String,
    pub name: String,
    pub color: String,
}

/// A contact in a list.
pub struct ContactLine {
    pub id: String,
    pub name: String,
    pub initials: String,
    pub detail: String,
    pub channels: Vec<&'static str>,
    pub tags: Vec<TagChip>,
    pub last_seen: Option<Stamp>,
    pub created: Stamp,
}

impl ContactLine {
    pub fn of(contact: &Contact) -> ContactLine {
        let name = contact.display_name();
        let detail = contact
            .parts
            .emails
            .first()
            .or(contact.parts.phones.first())
            .cloned()
            .filter(|d| *d != name)
            .unwrap_or_default();
        let mut channels: Vec<&'static str> = contact
            .parts
            .identities
            .iter()
            .filter_map(|i| i.channel().map(Channel::label))
            .collect();
        channels.dedup();
        ContactLine {
            id: contact.row.id.to_string(),
            initials: initials(&name),
            detail,
            channels,
            tags: contact
                .parts
                .tags
                .iter()
                .map(|t| TagChip {
                    id: t.id.to_string(),
                    name: t.name.clone(),
                    color: t.color.clone(),
                })
                .collect(),
            last_seen: (contact.row.last_seen_at > 0).then(|| Stamp::new(contact.row.last_seen_at)),
            created: Stamp::new(contact.row.created_at),
            name: if name.is_empty() {
                "Unnamed contact".into()
            } else {
                name
            },
        }
    }
}

/// Names for the people and keys that act in a workspace, for "by …" lines.
#[derive(Default)]
pub struct Actors(std::collections::HashMap<String, String>);

impl Actors {
    pub async fn load(
        db: &playgram_core::Db,
        ws: &playgram_core::ids::WorkspaceId,
    ) -> sqlx::Result<Actors> {
        let mut names = std::collections::HashMap::new();
        for m in crate::workspaces::store::members(db, ws).await? {
            let name = if m.name.trim().is_empty() {
                m.email
            } else {
                m.name
            };
            names.insert(m.user_id.to_string(), name);
        }
        let keys: Vec<(String, String)> = playgram_core::on_db!(db, pool => sqlx::query_as(
            "SELECT id, name FROM api_keys WHERE workspace_id = $1").bind(ws).fetch_all(pool).await)?;
        for (id, name) in keys {
            names.insert(id, format!("API key “{name}”"));
        }
        Ok(Actors(names))
    }

    pub fn name(&self, by: &super::timeline::By) -> String {
        match (by.kind, &by.id) {
            ("system", _) => "Playgram".into(),
            (_, Some(id)) => self.0.get(id).cloned().unwrap_or_else(|| id.clone()),
            (kind, None) => kind.into(),
        }
    }
}

/// One or two letters for an avatar.
pub fn initials(name: &str) -> String {
    let letters: String = name
        .split(|c: char| c.is_whitespace() || c == '@' || c == '.')
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    if letters.is_empty() {
        "?".into()
    } else {
        letters
    }
}
