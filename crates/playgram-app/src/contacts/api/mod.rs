//! `/api/v1/contacts…` and the CRM's other resources (`/tags`, `/contact-fields`, `/segments`,
//! `/consent/check`, `/contact-settings`, `/contact-tombstones`; imports and exports have their
//! own modules). Handlers parse, ask the principal for the capability, and call the services.

pub mod consent;
pub mod crud;
pub mod gdpr;
pub mod related;
pub mod segments;

use playgram_core::Conn;
use playgram_core::ids::WorkspaceId;
use serde::Deserialize;

use super::filter::{Filter, Resolved, TagFilter};
use super::{fields, tags};
use crate::http::{AppError, Result};

/// The query of a contact list: a filter given as JSON and/or as shortcuts, or a segment.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Search words.
    pub q: Option<String>,
    /// A filter, as JSON (URL-encoded).
    pub filter: Option<String>,
    /// A segment's id: its filter, with `q`, `tag` and `channel` added.
    pub segment: Option<String>,
    /// A tag name or id (shortcut for `filter.tags.all`).
    pub tag: Option<String>,
    /// A channel (shortcut for `filter.channels`).
    pub channel: Option<String>,
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

impl ListQuery {
    /// The filter given in the query itself (without the segment's).
    pub fn own_filter(&self) -> Result<Filter> {
        let mut filter = match self
            .filter
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(text) => serde_json::from_str(text).map_err(|e| {
                AppError::bad_request(
                    "invalid_filter",
                    format!("`filter` is not a contact filter: {e}"),
                )
            })?,
            None => Filter::default(),
        };
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            filter.q = Some(q.to_owned());
        }
        if let Some(tag) = self.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            filter
                .tags
                .get_or_insert_with(TagFilter::default)
                .all
                .push(tag.to_owned());
        }
        if let Some(channel) = self
            .channel
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            filter.channels.push(channel.to_owned());
        }
        Ok(filter)
    }

    /// The segment named, if any.
    pub async fn segment(
        &self,
        c: &mut Conn<'_>,
        ws: &WorkspaceId,
    ) -> Result<Option<super::segments::SegmentRow>> {
        match self
            .segment
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(id) => Ok(Some(super::segments::get(c, ws, id).await?.ok_or_else(
                || {
                    AppError::bad_request(
                        "invalid_segment",
                        "There is no such segment in this workspace.",
                    )
                },
            )?)),
            None => Ok(None),
        }
    }

    /// The contacts this query selects: the segment's filter and the query's own, both holding.
    pub async fn resolved(&self, c: &mut Conn<'_>, ws: &WorkspaceId) -> Result<Resolved> {
        let own = resolve(c, ws, &self.own_filter()?).await?;
        match self.segment(c, ws).await? {
            Some(segment) => Ok(super::segments::resolve(c, ws, &segment).await?.and(own)),
            None => Ok(own),
        }
    }
}

pub async fn resolve(c: &mut Conn<'_>, ws: &WorkspaceId, filter: &Filter) -> Result<Resolved> {
    let fields = fields::store::all(c, ws).await?;
    let tags = tags::store::all(c, ws).await?;
    filter.resolve(&fields, &tags)
}
