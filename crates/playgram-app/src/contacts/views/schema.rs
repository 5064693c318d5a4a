//! `/app/contacts/tags` and `/app/contacts/fields`: the workspace's vocabulary — tags with their
//! colours and counts, custom fields with their kinds, options and usage — with create, change
//! and delete.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use playgram_core::Conn;

use super::{NOTICE_KIND, Notice, Pairs, posted_raw, tell};
use crate::auth::Capability;
use crate::contacts::fields::FieldKind;
use crate::contacts::fields::service::FieldIn;
use crate::contacts::tags::service::TagIn;
use crate::contacts::{fields, tags};
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageResult};
use crate::state::AppState;

pub struct TagLine {
    pub id: String,
    pub name: String,
    pub color: String,
    pub description: String,
    pub count: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "contact_tags.html")]
pub struct TagsPage {
    pub chrome: Chrome,
    pub tags: Vec<TagLine>,
    pub form: FormState,
    pub name: String,
    pub color: String,
    pub palette: &'static [&'static str],
    pub notice: Option<Notice>,
    pub can_create: bool,
    pub can_manage: bool,
}

async fn tags_page(
    state: &AppState,
    chrome: Chrome,
    form: FormState,
    pairs: Option<&Pairs>,
) -> Result<TagsPage, PageError> {
    let principal = chrome.principal()?;
    principal.require(Capability::ReadContacts)?;
    let rows =
        tags::store::all_with_counts(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    Ok(TagsPage {
        tags: rows
            .into_iter()
            .map(|(t, n)| TagLine {
                id: t.id.to_string(),
                name: t.name,
                color: t.color,
                description: t.description,
                count: n,
            })
            .collect(),
        form,
        name: pairs
            .and_then(|p| posted_raw(p, "name"))
            .unwrap_or_default(),
        color: pairs
            .and_then(|p| posted_raw(p, "color"))
            .unwrap_or_else(|| tags::PALETTE[0].to_owned()),
        palette: &tags::PALETTE,
        notice: None,
        can_create: chrome.can(Capability::WriteContacts),
        can_manage: chrome.can(Capability::ManageContactSchema),
        chrome,
    })
}

pub async fn list_tags(State(state): State<AppState>, chrome: Chrome) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let mut page = tags_page(&state, chrome, FormState::new("tag-new"), None).await?;
    page.notice = notice;
    Ok(page.into_response())
}

pub async fn create_tag(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    chrome.principal()?.require(Capability::WriteContacts)?;
    let input = TagIn {
        name: posted_raw(&pairs, "name"),
        color: posted_raw(&pairs, "color"),
        description: posted_raw(&pairs, "description"),
    };
    match tags::service::create(&state, chrome.principal()?, input).await {
        Ok(tag) => {
            tell(
                &chrome,
                &state,
                true,
                format!("Tag “{}” created.", tag.name),
                "/app/contacts/tags",
            )
            .await
        }
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected("tag-new", error, &["name", "color"])?;
            Ok((status, tags_page(&state, chrome, form, Some(&pairs)).await?).into_response())
        }
    }
}

pub async fn update_tag(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    chrome
        .principal()?
        .require(Capability::ManageContactSchema)?;
    let input = TagIn {
        name: posted_raw(&pairs, "name"),
        color: posted_raw(&pairs, "color"),
        description: posted_raw(&pairs, "description"),
    };
    let result = tags::service::update(&state, chrome.principal()?, &id, input)
        .await
        .map(|tag| format!("Tag “{}” saved.", tag.name));
    let page = "/app/contacts/tags";
    super::told(&chrome, &state, result, page, page).await
}

pub async fn delete_tag(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    chrome
        .principal()?
        .require(Capability::ManageContactSchema)?;
    let n = tags::service::delete(&state, chrome.principal()?, &id).await?;
    tell(
        &chrome,
        &state,
        true,
        match n {
            0 => "Tag deleted; no contact carried it.".to_owned(),
            1 => "Tag deleted; 1 contact no longer carries it.".to_owned(),
            n => format!("Tag deleted; {n} contacts no longer carry it."),
        },
        "/app/contacts/tags",
    )
    .await
}

pub struct FieldLine {
    pub id: String,
    pub key: String,
    pub label: String,
    pub kind: &'static str,
    pub options: String,
    pub description: String,
    pub count: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "contact_fields.html")]
pub struct FieldsPage {
    pub chrome: Chrome,
    pub fields: Vec<FieldLine>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub form: FormState,
    pub label: String,
    pub key: String,
    pub kind: String,
    pub options: String,
    pub notice: Option<Notice>,
    pub can_manage: bool,
}

async fn fields_page(
    state: &AppState,
    chrome: Chrome,
    form: FormState,
    pairs: Option<&Pairs>,
) -> Result<FieldsPage, PageError> {
    let principal = chrome.principal()?;
    principal.require(Capability::ReadContacts)?;
    let mut c = Conn::Db(&state.db);
    let set = fields::store::all(&mut c, &principal.workspace_id).await?;
    let usage = fields::store::usage(&mut c, &principal.workspace_id).await?;
    let value = |n: &str| pairs.and_then(|p| posted_raw(p, n)).unwrap_or_default();
    Ok(FieldsPage {
        fields: set
            .fields
            .iter()
            .map(|f| FieldLine {
                id: f.id.to_string(),
                key: f.key.clone(),
                label: f.label.clone(),
                kind: f.kind().label(),
                options: f.options().join("\n"),
                description: f.description.clone(),
                count: usage
                    .iter()
                    .find(|(id, _)| id == &f.id)
                    .map_or(0, |(_, n)| *n),
            })
            .collect(),
        kinds: FieldKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        label: value("label"),
        key: value("key"),
        kind: Some(value("kind"))
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| "text".into()),
        options: value("options"),
        form,
        notice: None,
        can_manage: chrome.can(Capability::ManageContactSchema),
        chrome,
    })
}

pub async fn list_fields(State(state): State<AppState>, chrome: Chrome) -> PageResult {
    let notice: Option<Notice> = chrome.take_once(&state, NOTICE_KIND).await?;
    let mut page = fields_page(&state, chrome, FormState::new("fld-new"), None).await?;
    page.notice = notice;
    Ok(page.into_response())
}

fn options_of(pairs: &Pairs) -> Option<Vec<String>> {
    posted_raw(pairs, "options")
        .map(|o| {
            o.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|o| !o.is_empty())
}

pub async fn create_field(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    chrome
        .principal()?
        .require(Capability::ManageContactSchema)?;
    let input = FieldIn {
        key: posted_raw(&pairs, "key").filter(|k| !k.trim().is_empty()),
        label: posted_raw(&pairs, "label"),
        kind: posted_raw(&pairs, "kind"),
        options: options_of(&pairs),
        description: posted_raw(&pairs, "description"),
    };
    match fields::service::create(&state, chrome.principal()?, input).await {
        Ok(f) => {
            tell(
                &chrome,
                &state,
                true,
                format!("Field “{}” created (key {}).", f.label, f.key),
                "/app/contacts/fields",
            )
            .await
        }
        Err(error) => {
            let status = error.status();
            let form = FormState::rejected("fld-new", error, &["label", "key", "kind", "options"])?;
            Ok((
                status,
                fields_page(&state, chrome, form, Some(&pairs)).await?,
            )
                .into_response())
        }
    }
}

pub async fn update_field(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    chrome
        .principal()?
        .require(Capability::ManageContactSchema)?;
    let input = FieldIn {
        key: None,
        label: posted_raw(&pairs, "label"),
        kind: None,
        options: options_of(&pairs),
        description: posted_raw(&pairs, "description"),
    };
    let result = fields::service::update(&state, chrome.principal()?, &id, input)
        .await
        .map(|f| format!("Field “{}” saved.", f.label));
    let page = "/app/contacts/fields";
    super::told(&chrome, &state, result, page, page).await
}

pub async fn delete_field(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    chrome
        .principal()?
        .require(Capability::ManageContactSchema)?;
    fields::service::delete(&state, chrome.principal()?, &id).await?;
    tell(
        &chrome,
        &state,
        true,
        "Field deleted, with every contact's value for it.",
        "/app/contacts/fields",
    )
    .await
}
