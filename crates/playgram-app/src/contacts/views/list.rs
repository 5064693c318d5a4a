//! `/app/contacts`: the list — search, tag, channel and segment filters, sorting, paging,
//! segments with their live counts, "save as segment", and bulk tag / untag / delete / export.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use playgram_core::Conn;
use serde::Deserialize;

use super::{ContactLine, NOTICE_KIND, Notice, tell};
use crate::auth::Capability;
use crate::contacts::api::ListQuery;
use crate::contacts::bulk::{self, BulkIn};
use crate::contacts::channel::Channel;
use crate::contacts::query::{self, Sort};
use crate::contacts::segments::{self, SegmentIn};
use crate::contacts::{store, tags};
use crate::http::forms::PageForm;
use crate::pages::{Chrome, PageError, PageResult, query_escape};
use crate::state::AppState;

pub const PAGE_SIZE: i64 = 50;

/// The list's parameters, as the filter form sends them.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct Params {
    pub q: Option<String>,
    pub tag: Option<String>,
    pub channel: Option<String>,
    pub segment: Option<String>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
}

impl Params {
    fn clean(v: &Option<String>) -> Option<String> {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    pub fn query(&self) -> ListQuery {
        ListQuery {
            q: Self::clean(&self.q),
            tag: Self::clean(&self.tag),
            channel: Self::clean(&self.channel),
            segment: Self::clean(&self.segment),
            sort: Self::clean(&self.sort),
            cursor: Self::clean(&self.cursor),
            ..ListQuery::default()
        }
    }

    /// The filter as a query string (without the cursor), for links that keep it.
    pub fn query_string(&self) -> String {
        [
            ("q", &self.q),
            ("tag", &self.tag),
            ("channel", &self.channel),
            ("segment", &self.segment),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| Self::clean(v).map(|v| format!("{k}={}", query_escape(&v))))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// The non-empty parameters (without the cursor), for hidden form fields; `with_segment`
    /// false leaves the segment and sort out (saving a new segment).
    pub fn carried(&self, with_segment: bool) -> Vec<(&'static str, String)> {
        let mut names = vec!["q", "tag", "channel"];
        if with_segment {
            names.extend(["segment", "sort"]);
        }
        names
            .into_iter()
            .map(|n| (n, self.value(n)))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    pub fn filtered(&self) -> bool {
        [&self.q, &self.tag, &self.channel, &self.segment]
            .iter()
            .any(|v| Self::clean(v).is_some())
    }

    pub fn value(&self, name: &str) -> String {
        let v = match name {
            "q" => &self.q,
            "tag" => &self.tag,
            "channel" => &self.channel,
            "segment" => &self.segment,
            "sort" => &self.sort,
            _ => &None,
        };
        Self::clean(v).unwrap_or_default()
    }
}

pub struct SegmentLink {
    pub id: String,
    pub name: String,
    pub count: Option<i64>,
    pub current: bool,
    /// What the segment selects, in words (for the current one).
    pub summary: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "contacts.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub params: Params,
    pub contacts: Vec<ContactLine>,
    pub total: i64,
    pub workspace_total: i64,
    pub next: Option<String>,
    pub segments: Vec<SegmentLink>,
    pub tags: Vec<(String, String)>,
    pub channels: Vec<(&'static str, &'static str)>,
    pub sorts: Vec<(&'static str, &'static str)>,
    pub notice: Option<Notice>,
    pub problem: Option<String>,
    pub can_write: bool,
    pub can_delete: bool,
    pub can_schema: bool,
    pub can_import: bool,
    pub can_export: bool,
}

async fn load(state: &AppState, chrome: Chrome, params: Params) -> Result<ListPage, PageError> {
    let principal = chrome.principal()?;
    principal.require(Capability::ReadContacts)?;
    let ws = &principal.workspace_id;
    let mut c = Conn::Db(&state.db);
    let query = params.query();
    let sort = Sort::parse(query.sort.as_deref())?;
    let (contacts, total, next, problem) = match query.resolved(&mut c, ws).await {
        Ok(resolved) => {
            let (rows, next) = query::page(
                &mut c,
                ws,
                &resolved,
                sort,
                query.cursor.as_deref(),
                PAGE_SIZE,
            )
            .await?;
            let total = query::count(&mut c, ws, &resolved).await?;
            let contacts = store::with_parts(&mut c, rows).await?;
            (contacts, total, next, None)
        }
        Err(crate::http::AppError::Client(e)) => (Vec::new(), 0, None, Some(e.message)),
        Err(e) => return Err(e.into()),
    };
    let workspace_total = if params.filtered() {
        query::count(&mut c, ws, &Default::default()).await?
    } else {
        total
    };
    let tag_rows = tags::store::all(&mut c, ws).await?;
    let field_set = crate::contacts::fields::store::all(&mut c, ws).await?;
    let mut segment_links = Vec::new();
    for row in segments::all(&mut c, ws).await? {
        let out = segments::out(&mut c, ws, &row).await?;
        let current = params.value("segment") == row.id.as_str();
        let summary = if current {
            crate::contacts::filter_text::describe(&row.filter(), &tag_rows, &field_set).join(" · ")
        } else {
            String::new()
        };
        segment_links.push(SegmentLink {
            current,
            id: row.id.to_string(),
            name: row.name,
            count: out.contact_count,
            summary,
        });
    }
    let tags = tag_rows
        .into_iter()
        .map(|t| (t.id.to_string(), t.name))
        .collect();
    Ok(ListPage {
        contacts: contacts.iter().map(ContactLine::of).collect(),
        total,
        workspace_total,
        next,
        segments: segment_links,
        tags,
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        sorts: Sort::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        notice: None,
        problem,
        can_write: chrome.can(Capability::WriteContacts),
        can_delete: chrome.can(Capability::DeleteContacts),
        can_schema: chrome.can(Capability::ManageContactSchema),
        can_import: chrome.can(Capability::ImportContacts),
        can_export: chrome.can(Capability::ExportContacts),
        params,
        chrome,
    })
}

pub async fn list_contacts(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(params): Query<Params>,
) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let mut page = load(&state, chrome, params).await?;
    page.notice = notice;
    Ok(page.into_response())
}

/// The bulk form: `ids` (the ticked contacts) or `scope=all` (every contact the list's filter
/// matches, with `confirm_count` for deleting), `action` and `tag_name`.
pub async fn bulk_contacts(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::WriteContacts)?;
    let get = |name: &str| super::posted(&pairs, name);
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.clone())
        .collect();
    let params = Params {
        q: get("q"),
        tag: get("tag"),
        channel: get("channel"),
        segment: get("segment"),
        sort: get("sort"),
        cursor: None,
    };
    let back = format!("/app/contacts?{}", params.query_string());
    let action = get("action").unwrap_or_default();
    if action == "export" {
        return Ok(crate::pages::see_other(&format!(
            "/app/contacts/exports?{}",
            params.query_string()
        )));
    }
    let all = get("scope").as_deref() == Some("all");
    let action_name = action.clone();
    let input = BulkIn {
        action,
        contact_ids: (!all).then_some(ids.clone()),
        filter: if all {
            Some(params.query().own_filter()?)
        } else {
            None
        },
        segment_id: None,
        tags: get("tag_name").map(|t| vec![t]),
        confirm_count: get("confirm_count").and_then(|n| n.parse().ok()),
    };
    if !all && ids.is_empty() {
        return tell(
            &chrome,
            &state,
            false,
            "Tick the contacts to change, or choose “all that match”.",
            &back,
        )
        .await;
    }
    // A segment with the list's own filter: the bulk API takes one of them, so the segment's.
    let input = match (&params.segment, all) {
        (Some(segment), true)
            if params.q.is_none() && params.tag.is_none() && params.channel.is_none() =>
        {
            BulkIn {
                filter: None,
                segment_id: Some(segment.clone()),
                ..input
            }
        }
        _ => input,
    };
    let result = bulk::run(&state, principal, input)
        .await
        .map(|out| match (out.changed, out.matched) {
            (Some(n), _) => format!(
                "{} {n} contact{}.",
                match action_name.as_str() {
                    "add_tags" => "Tagged",
                    "remove_tags" => "Untagged",
                    "delete" => "Deleted",
                    "erase" => "Erased",
                    _ => "Changed",
                },
                if n == 1 { "" } else { "s" }
            ),
            (None, Some(n)) => format!(
                "Working through {n} contacts in the background; reload in a moment to see the result."
            ),
            _ => "Done.".to_owned(),
        });
    super::told(&chrome, &state, result, &back, &back).await
}

/// Saves the list's current filter as a segment.
pub async fn create_segment(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageContactSchema)?;
    let get = |name: &str| super::posted(&pairs, name);
    let params = Params {
        q: get("q"),
        tag: get("tag"),
        channel: get("channel"),
        segment: None,
        sort: get("sort"),
        cursor: None,
    };
    let filter = params.query().own_filter()?;
    let input = SegmentIn {
        name: get("name"),
        description: None,
        filter: Some(filter),
    };
    match segments::create(&state, principal, input).await {
        Ok(row) => {
            tell(
                &chrome,
                &state,
                true,
                format!("Saved the segment “{}”.", row.name),
                &format!("/app/contacts?segment={}", row.id),
            )
            .await
        }
        Err(crate::http::AppError::Client(e)) => {
            tell(
                &chrome,
                &state,
                false,
                e.message,
                &format!("/app/contacts?{}", params.query_string()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes a segment (its contacts stay).
pub async fn delete_segment(
    State(state): State<AppState>,
    chrome: Chrome,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ManageContactSchema)?;
    segments::delete(&state, principal, &id).await?;
    tell(
        &chrome,
        &state,
        true,
        "Segment deleted; its contacts are untouched.",
        "/app/contacts",
    )
    .await
}
