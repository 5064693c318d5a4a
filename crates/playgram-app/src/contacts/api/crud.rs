//! Contacts: list (filter, search, segment, sort, cursor), count, create, upsert by identity,
//! get, update, delete, merge, bulk actions.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use playgram_core::Conn;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ListQuery;
use crate::auth::{Capability, Principal};
use crate::contacts::bulk::{self, BulkIn, BulkOut};
use crate::contacts::input::{self, ContactIn, ContactPatch};
use crate::contacts::model::ContactOut;
use crate::contacts::query::{self, Sort};
use crate::contacts::service::{self, Context, Sighting};
use crate::contacts::{fields, merge, store};
use crate::http::{Api, ApiJson, AppError, Result};
use crate::state::AppState;

/// Lists contacts matching the query, 50 a page by default.
pub async fn list_contacts(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<ListQuery>,
) -> Result<Api<Vec<ContactOut>>> {
    principal.require(Capability::ReadContacts)?;
    page_of(&state, &principal, &query).await
}

/// One page of the contacts a list query selects.
pub(super) async fn page_of(
    state: &AppState,
    principal: &Principal,
    query: &ListQuery,
) -> Result<Api<Vec<ContactOut>>> {
    let ws = &principal.workspace_id;
    let limit = crate::http::page_limit(query.limit.as_deref(), 50)?;
    let sort = Sort::parse(query.sort.as_deref())?;
    let mut c = Conn::Db(&state.db);
    let resolved = query.resolved(&mut c, ws).await?;
    let (rows, next) =
        query::page(&mut c, ws, &resolved, sort, query.cursor.as_deref(), limit).await?;
    let contacts = store::with_parts(&mut c, rows).await?;
    let fields = fields::store::all(&mut c, ws).await?;
    Ok(Api::page(
        contacts
            .iter()
            .map(|x| ContactOut::of(x, &fields))
            .collect(),
        next,
    ))
}

#[derive(Serialize)]
pub struct CountOut {
    pub count: i64,
}

/// How many contacts match the query (the same parameters as the list).
pub async fn count_contacts(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<ListQuery>,
) -> Result<Api<CountOut>> {
    principal.require(Capability::ReadContacts)?;
    let ws = &principal.workspace_id;
    let mut c = Conn::Db(&state.db);
    let resolved = query.resolved(&mut c, ws).await?;
    Ok(Api::ok(CountOut {
        count: query::count(&mut c, ws, &resolved).await?,
    }))
}

pub(super) async fn out(
    state: &AppState,
    principal: &Principal,
    contact: &crate::contacts::model::Contact,
) -> Result<ContactOut> {
    let fields = fields::store::all(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    Ok(ContactOut::of(contact, &fields))
}

pub async fn create_contact(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<ContactIn>,
) -> Result<Api<ContactOut>> {
    principal.require(Capability::WriteContacts)?;
    let contact = service::create(&state, &principal, &input, "api").await?;
    Ok(Api::created(out(&state, &principal, &contact).await?))
}

/// `POST /api/v1/contacts/upsert`: find the contact by a channel identity or create it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpsertIn {
    pub channel: String,
    pub external_id: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// Added to the contact's emails (not replacing them).
    #[serde(default)]
    pub emails: Option<Vec<String>>,
    /// Added to the contact's phones.
    #[serde(default)]
    pub phones: Option<Vec<String>>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub fields: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// The person was active on the channel now: sets first and last seen.
    #[serde(default)]
    pub seen: Option<bool>,
}

#[derive(Serialize)]
pub struct UpsertOut {
    pub created: bool,
    pub contact: ContactOut,
}

pub async fn upsert_contact(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<UpsertIn>,
) -> Result<Api<UpsertOut>> {
    principal.require(Capability::WriteContacts)?;
    let ws = &principal.workspace_id;
    let context = Context::load(&mut Conn::Db(&state.db), ws).await?;
    let (channel, external_id, username) = input::parse_identity(&input::IdentityIn {
        channel: input.channel.clone(),
        external_id: input.external_id.clone(),
        username: input.username.clone(),
    })
    .map_err(|m| {
        // A channel without identities is the channel's fault, not the id's.
        let known = crate::contacts::channel::Channel::parse(&input.channel)
            .is_some_and(|c| c.has_identity());
        AppError::field(if known { "external_id" } else { "channel" }, m)
    })?;
    let as_new = ContactIn {
        name: input.name.clone(),
        emails: input.emails.clone(),
        phones: input.phones.clone(),
        avatar_url: input.avatar_url.clone(),
        locale: input.locale.clone(),
        timezone: input.timezone.clone(),
        fields: input.fields.clone(),
        tags: input.tags.clone(),
        ..ContactIn::default()
    };
    let draft = as_new.parse(&context.fields, context.country())?;
    let sighting = Sighting {
        channel: Some(channel),
        external_id,
        username,
        profile: draft.profile,
        source: channel.as_str().to_owned(),
        tags: draft.tags,
        seen_at: input
            .seen
            .unwrap_or(false)
            .then(playgram_core::time::now_ms),
    };
    let (contact, created) = service::upsert(&state, &principal, &sighting).await?;
    let body = UpsertOut {
        created,
        contact: out(&state, &principal, &contact).await?,
    };
    Ok(if created {
        Api::created(body)
    } else {
        Api::ok(body)
    })
}

pub async fn get_contact(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Api<ContactOut>> {
    principal.require(Capability::ReadContacts)?;
    let contact = service::found(&mut Conn::Db(&state.db), &principal.workspace_id, &id).await?;
    Ok(Api::ok(out(&state, &principal, &contact).await?))
}

pub async fn update_contact(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ContactPatch>,
) -> Result<Api<ContactOut>> {
    principal.require(Capability::WriteContacts)?;
    let contact = service::update(&state, &principal, &id, &patch).await?;
    Ok(Api::ok(out(&state, &principal, &contact).await?))
}

/// Deletes the contact with everything about it (to erase under GDPR with a tombstone, use
/// `POST /contacts/{id}/erase`).
pub async fn delete_contact(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    principal.require(Capability::DeleteContacts)?;
    service::delete(&state, &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The contact folded into this one (it is removed).
    pub other_id: String,
}

/// Merges another contact into this one.
pub async fn merge_contact(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MergeIn>,
) -> Result<Api<ContactOut>> {
    principal.require(Capability::WriteContacts)?;
    let contact = merge::merge(&state, &principal, &id, input.other_id.trim()).await?;
    Ok(Api::ok(out(&state, &principal, &contact).await?))
}

/// Tags, untags, deletes or erases many contacts: named ones at once, a filter's or segment's by
/// a job.
pub async fn bulk_contacts(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<BulkIn>,
) -> Result<Api<BulkOut>> {
    principal.require(Capability::ReadContacts)?;
    let out = bulk::run(&state, &principal, input).await?;
    Ok(if out.job_id.is_some() {
        Api::accepted(out)
    } else {
        Api::ok(out)
    })
}
