//! `/app/contacts/{ct_…}`: one contact — profile, identities, tags, custom fields, consent (with
//! what the send check answers for marketing on each channel), the timeline and the field
//! history, merge, the GDPR download and erasure.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use playgram_core::Conn;
use playgram_core::ids::ActivityId;
use serde::Deserialize;

use super::{ContactLine, NOTICE_KIND, Notice, TagChip};
use crate::auth::Capability;
use crate::contacts::channel::Channel;
use crate::contacts::consent::{self, ConsentOut, Decision};
use crate::contacts::fields::{FieldKind, FieldRow, FieldSet};
use crate::contacts::model::Contact;
use crate::contacts::service::{self, Context};
use crate::contacts::timeline::{self, ActivityOut, HistoryOut};
use crate::contacts::{query, store, tags};
use crate::pages::{Chrome, FormState, PageError, PageResult, Stamp};
use crate::state::AppState;

/// One custom field as its form input shows it.
pub struct FieldInput {
    pub key: String,
    pub label: String,
    pub kind: &'static str,
    pub input: &'static str,
    /// The value as the input holds it (text; for multi-select, the chosen options).
    pub value: String,
    pub chosen: Vec<String>,
    pub options: Vec<String>,
    pub error: Option<String>,
}

impl FieldInput {
    pub fn of(
        field: &FieldRow,
        contact: Option<&Contact>,
        posted: Option<&[(String, String)]>,
    ) -> FieldInput {
        let kind = field.kind();
        let rows: Vec<&(playgram_core::ids::FieldId, String, Option<f64>)> = contact
            .map(|c| {
                c.parts
                    .values
                    .iter()
                    .filter(|(id, _, _)| id == &field.id)
                    .collect()
            })
            .unwrap_or_default();
        let name = format!("fields.{}", field.key);
        let (value, chosen) = match posted {
            Some(pairs) => (
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                pairs
                    .iter()
                    .filter(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .collect(),
            ),
            None => {
                let text = kind.to_text(&field.options(), &rows);
                let value = match kind {
                    // <input type="datetime-local"> wants 2026-12-03T14:30 (shown in UTC).
                    FieldKind::Datetime => text.get(..16).unwrap_or_default().to_owned(),
                    _ => text,
                };
                (value, rows.iter().map(|(_, t, _)| t.clone()).collect())
            }
        };
        FieldInput {
            key: field.key.clone(),
            label: field.label.clone(),
            kind: kind.as_str(),
            input: match kind {
                FieldKind::Number => "number",
                FieldKind::Date => "date",
                FieldKind::Datetime => "datetime-local",
                FieldKind::Url => "url",
                FieldKind::Email => "email",
                FieldKind::Phone => "tel",
                _ => "text",
            },
            value,
            chosen,
            options: field.options(),
            error: None,
        }
    }

    pub fn is_chosen(&self, option: &str) -> bool {
        self.chosen.iter().any(|c| c == option)
    }
}

pub fn field_inputs(
    fields: &FieldSet,
    contact: Option<&Contact>,
    posted: Option<&[(String, String)]>,
) -> Vec<FieldInput> {
    fields
        .fields
        .iter()
        .map(|f| FieldInput::of(f, contact, posted))
        .collect()
}

pub struct ConsentLine {
    pub channel: String,
    pub purpose: String,
    pub status: String,
    pub source: String,
    pub evidence: String,
    pub by: String,
    pub at: Stamp,
}

pub struct ActivityLine {
    pub kind: String,
    pub summary: String,
    pub by: String,
    pub at: Stamp,
}

pub struct HistoryGroup {
    pub attribute: String,
    /// Each change: the value set, the value before, who, when.
    pub entries: Vec<(String, String, String, Stamp)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "contact.html")]
pub struct ContactPage {
    /// Suggestions for the language and time-zone inputs (a `<datalist>`; any valid value goes).
    pub time_zones: &'static [String],
    pub locales: &'static [&'static str],
    pub chrome: Chrome,
    pub id: String,
    pub line: ContactLine,
    pub name: String,
    pub emails: String,
    pub phones: String,
    pub locale: String,
    pub timezone: String,
    pub avatar_url: String,
    pub source: String,
    pub erased: bool,
    pub created: Stamp,
    pub first_seen: Option<Stamp>,
    pub identities: Vec<(String, &'static str, String, Option<String>)>,
    pub tags: Vec<TagChip>,
    pub all_tags: Vec<String>,
    pub fields: Vec<FieldInput>,
    pub consents: Vec<ConsentLine>,
    pub decisions: Vec<Decision>,
    pub timeline: Vec<ActivityLine>,
    pub older: Option<String>,
    pub history: Vec<HistoryGroup>,
    pub merge_q: String,
    pub candidates: Vec<ContactLine>,
    pub erase_mode: String,
    pub channels: Vec<(&'static str, &'static str)>,
    pub identity_channels: Vec<(&'static str, &'static str)>,
    pub notice: Option<Notice>,
    pub profile_form: FormState,
    pub fields_form: FormState,
    pub consent_form: FormState,
    pub can_write: bool,
    pub can_delete: bool,
    pub can_export: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    /// Timeline page: entries older than this one.
    pub before: Option<String>,
    /// Merge: look for the other record.
    pub merge_q: Option<String>,
}

fn shown(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) if s.is_empty() => "—".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) if items.is_empty() => "—".into(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                serde_json::Value::String(s) => s.clone(),
                // An identity: "WhatsApp 33612345678", "Instagram @ana.ig".
                serde_json::Value::Object(o) if o.contains_key("channel") => {
                    let channel = o["channel"].as_str().unwrap_or_default();
                    let label = Channel::parse(channel).map_or(channel, |c| c.label());
                    match o.get("username").and_then(|u| u.as_str()) {
                        Some(username) => format!("{label} @{username}"),
                        None => {
                            format!("{label} {}", o["external_id"].as_str().unwrap_or_default())
                        }
                    }
                }
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Languages offered first in the profile form (BCP 47; any other tag is accepted too).
const LOCALES: &[&str] = &[
    "ar", "de", "de-DE", "en", "en-GB", "en-US", "es", "es-ES", "es-MX", "fr", "fr-FR", "hi", "id",
    "it", "ja", "ko", "nl", "pl", "pt", "pt-BR", "pt-PT", "ru", "sv", "tr", "uk", "zh",
];

/// Every IANA time zone the bundled database knows, sorted, computed once.
fn time_zones() -> &'static [String] {
    static ZONES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        let mut zones: Vec<String> = jiff::tz::db()
            .available()
            .map(|name| name.as_str().to_owned())
            .filter(|name| name.contains('/') && !name.starts_with("Etc/"))
            .collect();
        zones.sort();
        zones
    });
    &ZONES
}

/// The page for `contact`; `posted` refills a refused form.
pub async fn load(
    state: &AppState,
    chrome: Chrome,
    id: &str,
    q: &DetailQuery,
) -> Result<ContactPage, PageError> {
    let principal = chrome.principal()?;
    principal.require(Capability::ReadContacts)?;
    let ws = &principal.workspace_id;
    let mut c = Conn::Db(&state.db);
    let contact = service::found(&mut c, ws, id).await?;
    let context = Context::load(&mut c, ws).await?;
    let cid = &contact.row.id;
    let actors = super::Actors::load(&state.db, ws).await?;
    let by_text = |by: &timeline::By| actors.name(by);
    let label_of = |attribute: &str| match attribute.strip_prefix("fields.") {
        Some(key) => context
            .fields
            .by_key(key)
            .map_or(attribute.to_owned(), |f| f.label.clone()),
        None => match attribute {
            "name" => "Name".to_owned(),
            "emails" => "Emails".to_owned(),
            "phones" => "Phones".to_owned(),
            "locale" => "Language".to_owned(),
            "timezone" => "Time zone".to_owned(),
            "avatar_url" => "Avatar".to_owned(),
            "identities" => "Channels".to_owned(),
            other => other.replace('_', " "),
        },
    };
    let consents: Vec<ConsentOut> = consent::current(&mut c, cid)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let mut reachable: Vec<Channel> = contact
        .parts
        .identities
        .iter()
        .filter_map(|i| i.channel())
        .collect();
    if !contact.parts.emails.is_empty() {
        reachable.push(Channel::Email);
    }
    if !contact.parts.phones.is_empty() {
        reachable.push(Channel::Sms);
    }
    reachable.dedup();
    let mut decisions = Vec::new();
    for channel in reachable {
        let mut decision = consent::check(
            &mut c,
            cid,
            contact.row.erased_at.is_some(),
            channel,
            "marketing",
        )
        .await?;
        decision.channel = channel.label().to_owned();
        decisions.push(decision);
    }
    let before = q.before.as_deref().and_then(ActivityId::parse);
    let rows = timeline::list(&mut c, ws, cid, None, before.as_ref(), 30).await?;
    let older = (rows.len() == 30)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    let timeline: Vec<ActivityLine> = rows
        .into_iter()
        .map(ActivityOut::from)
        .map(|a| ActivityLine {
            kind: a.kind,
            summary: a.summary,
            by: by_text(&a.actor),
            at: Stamp::new(a.occurred_at),
        })
        .collect();
    let mut history: Vec<HistoryGroup> = Vec::new();
    for h in timeline::history(&mut c, ws, cid, None)
        .await?
        .into_iter()
        .rev()
    {
        let HistoryOut {
            attribute,
            old,
            value,
            changed_by,
            changed_at,
            ..
        } = h;
        let entry = (
            shown(&value),
            shown(&old),
            by_text(&changed_by),
            Stamp::new(changed_at),
        );
        match history
            .iter_mut()
            .find(|g| g.attribute == label_of(&attribute))
        {
            Some(g) => g.entries.push(entry),
            None => history.push(HistoryGroup {
                attribute: label_of(&attribute),
                entries: vec![entry],
            }),
        }
    }
    let merge_q = q.merge_q.clone().unwrap_or_default().trim().to_owned();
    let candidates = if merge_q.is_empty() {
        Vec::new()
    } else {
        let filter = crate::contacts::filter::Filter {
            q: Some(merge_q.clone()),
            ..Default::default()
        };
        let resolved = crate::contacts::api::resolve(&mut c, ws, &filter).await?;
        let (found, _) = query::page(&mut c, ws, &resolved, query::Sort::NameAsc, None, 10).await?;
        store::with_parts(&mut c, found)
            .await?
            .iter()
            .filter(|x| x.row.id != *cid)
            .map(ContactLine::of)
            .collect()
    };
    let all_tags = tags::store::all(&mut c, ws)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    let line = ContactLine::of(&contact);
    Ok(ContactPage {
        time_zones: time_zones(),
        locales: LOCALES,
        id: cid.to_string(),
        name: contact.row.name.clone(),
        emails: contact.parts.emails.join("\n"),
        phones: contact.parts.phones.join("\n"),
        locale: contact.row.locale.clone().unwrap_or_default(),
        timezone: contact.row.timezone.clone().unwrap_or_default(),
        avatar_url: contact.row.avatar_url.clone().unwrap_or_default(),
        source: contact.row.source.clone(),
        erased: contact.row.erased_at.is_some(),
        created: Stamp::new(contact.row.created_at),
        first_seen: Stamp::maybe(contact.row.first_seen_at),
        identities: contact
            .parts
            .identities
            .iter()
            .map(|i| {
                let label = i.channel().map_or("Unknown", Channel::label);
                (
                    i.channel.clone(),
                    label,
                    i.external_id.clone(),
                    i.username.clone(),
                )
            })
            .collect(),
        tags: line
            .tags
            .iter()
            .map(|t| TagChip {
                id: t.id.clone(),
                name: t.name.clone(),
                color: t.color.clone(),
            })
            .collect(),
        all_tags,
        fields: field_inputs(&context.fields, Some(&contact), None),
        consents: consents
            .into_iter()
            .map(|k| ConsentLine {
                channel: Channel::parse(&k.row.channel)
                    .map_or(k.row.channel.clone(), |c| c.label().to_owned()),
                purpose: k.row.purpose.clone(),
                status: k.row.status.clone(),
                source: k.row.source.clone(),
                evidence: k.row.evidence.clone(),
                by: by_text(&k.recorded_by),
                at: Stamp::new(k.row.recorded_at),
            })
            .collect(),
        decisions,
        timeline,
        older,
        history,
        merge_q,
        candidates,
        erase_mode: context.settings.erase_mode.clone(),
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        identity_channels: Channel::IDENTITY
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        notice: None,
        profile_form: FormState::new("ct-profile"),
        fields_form: FormState::new("ct-fields"),
        consent_form: FormState::new("ct-consent"),
        can_write: chrome.can(Capability::WriteContacts) && contact.row.erased_at.is_none(),
        can_delete: chrome.can(Capability::DeleteContacts),
        can_export: chrome.can(Capability::ExportContacts),
        line,
        chrome,
    })
}

pub async fn show_contact(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let ws = chrome.principal()?.workspace_id.clone();
    let mut page = match load(&state, chrome, &id, &q).await {
        Ok(page) => page,
        // A merged contact's old address (a bookmark, a link in a note) leads to the contact
        // it went into.
        Err(PageError::App(e)) if e.code() == "contact_merged" => {
            let into = crate::contacts::merge::merged_into(&mut Conn::Db(&state.db), &ws, &id)
                .await?
                .ok_or(PageError::App(e))?;
            return Ok(
                axum::response::Redirect::to(&format!("/app/contacts/{into}")).into_response(),
            );
        }
        Err(e) => return Err(e),
    };
    page.notice = notice;
    Ok(page.into_response())
}
