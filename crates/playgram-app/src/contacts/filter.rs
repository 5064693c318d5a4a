//! Which contacts: the filter behind lists, searches, segments, bulk actions and exports.
//!
//! A filter is JSON (a segment stores it; `GET /contacts?filter=` takes it URL-encoded):
//!
//! ```json
//! { "q": "ana",
//!   "tags": { "any": ["VIP"], "all": [], "none": ["Blocked"] },
//!   "fields": [{ "field": "plan", "op": "eq", "value": "Gold" }],
//!   "created": { "after": "2026-01-01T00:00:00Z", "before": null },
//!   "last_seen": { "after": null, "before": null, "never": false },
//!   "channels": ["whatsapp"],
//!   "consent": { "channel": "whatsapp", "purpose": "marketing", "status": "opted_in" } }
//! ```
//!
//! Every part must hold (AND). Tags are named by name or id and stored by id, so a segment
//! survives a rename; a deleted tag matches nobody in `any`/`all` and nobody is excluded by it in
//! `none`. Field operators depend on the kind (see [`Op`]); the negative ones (`neq`, `not_in`,
//! `not_contains`, `has_none`) include contacts without a value, as "is not Gold" does in speech.
//! `channels` are the channels the contact can be reached on: an identity on the channel, or an
//! email (`email`) or phone (`sms`). The filter is evaluated in SQL by `query.rs`.

use chrono::DateTime;
use playgram_core::ids::{FieldId, TagId};
use playgram_core::time::Millis;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::channel::Channel;
use super::fields::{FieldKind, FieldSet, StoredValue};
use super::input::Problems;
use super::tags::TagRow;

/// The most tags in each of `any`, `all` and `none`: each is a condition in the SQL, and SQLite
/// refuses expressions deeper than 1,000.
pub const MAX_TAGS: usize = 50;
const MAX_CHANNELS: usize = 20;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// Search words, each matched as a prefix of a name, email, phone, id or username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagFilter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldCondition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<Range>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentCondition>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagFilter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub none: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldCondition {
    /// The field's key.
    pub field: String,
    pub op: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub value: Value,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// RFC 3339; inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// RFC 3339; exclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Only for `last_seen`: true for contacts never seen on a channel.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub never: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentCondition {
    pub channel: String,
    pub purpose: String,
    /// opted_in, opted_out, or unknown (nothing recorded).
    pub status: String,
}

/// A field operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Neq,
    In,
    NotIn,
    Contains,
    NotContains,
    StartsWith,
    Lt,
    Lte,
    Gt,
    Gte,
    Between,
    HasAny,
    HasAll,
    HasNone,
    IsSet,
    IsNotSet,
}

impl Op {
    pub fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "eq" => Op::Eq,
            "neq" => Op::Neq,
            "in" => Op::In,
            "not_in" => Op::NotIn,
            "contains" => Op::Contains,
            "not_contains" => Op::NotContains,
            "starts_with" => Op::StartsWith,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "between" => Op::Between,
            "has_any" => Op::HasAny,
            "has_all" => Op::HasAll,
            "has_none" => Op::HasNone,
            "is_set" => Op::IsSet,
            "is_not_set" => Op::IsNotSet,
            _ => return None,
        })
    }

    /// The operators a kind allows.
    pub fn allowed(kind: FieldKind) -> &'static [&'static str] {
        match kind {
            FieldKind::Text | FieldKind::Url | FieldKind::Email | FieldKind::Phone => &[
                "eq",
                "neq",
                "in",
                "not_in",
                "contains",
                "not_contains",
                "starts_with",
                "is_set",
                "is_not_set",
            ],
            FieldKind::Number | FieldKind::Date | FieldKind::Datetime => &[
                "eq",
                "neq",
                "lt",
                "lte",
                "gt",
                "gte",
                "between",
                "is_set",
                "is_not_set",
            ],
            FieldKind::Boolean => &["eq", "is_set", "is_not_set"],
            FieldKind::Select => &["eq", "neq", "in", "not_in", "is_set", "is_not_set"],
            FieldKind::MultiSelect => &["has_any", "has_all", "has_none", "is_set", "is_not_set"],
        }
    }
}

/// A filter checked against the workspace: tags as ids, fields with their kinds and values parsed.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub words: Option<Vec<String>>,
    /// Groups of tags: the contact has at least one tag of each group.
    pub any_tags: Vec<Vec<TagId>>,
    pub all_tags: Vec<TagId>,
    pub none_tags: Vec<TagId>,
    pub fields: Vec<Condition>,
    pub created_after: Option<Millis>,
    pub created_before: Option<Millis>,
    pub seen_after: Option<Millis>,
    pub seen_before: Option<Millis>,
    pub never_seen: bool,
    pub channels: Vec<Channel>,
    pub consent: Vec<(Channel, String, String)>,
}

impl Resolved {
    /// Both filters at once (a segment narrowed by the list's own filter).
    pub fn and(mut self, other: Resolved) -> Resolved {
        // Both searches must hold: every word of each (the segment's words, then the list's,
        // whose last word stays the prefix being typed).
        self.words = match (self.words, other.words) {
            (Some(mut mine), Some(theirs)) => {
                mine.retain(|w| !theirs.contains(w));
                mine.extend(theirs);
                Some(mine)
            }
            (mine, theirs) => theirs.or(mine),
        };
        self.any_tags.extend(other.any_tags);
        self.all_tags.extend(other.all_tags);
        self.none_tags.extend(other.none_tags);
        self.fields.extend(other.fields);
        let later = |a: Option<Millis>, b: Option<Millis>| a.max(b);
        let earlier = |a: Option<Millis>, b: Option<Millis>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.created_after = later(self.created_after, other.created_after);
        self.created_before = earlier(self.created_before, other.created_before);
        self.seen_after = later(self.seen_after, other.seen_after);
        self.seen_before = earlier(self.seen_before, other.seen_before);
        self.never_seen |= other.never_seen;
        if !other.channels.is_empty() {
            // Both channel lists must hold: keep the channels in both (or the other's alone).
            self.channels = if self.channels.is_empty() {
                other.channels
            } else {
                self.channels
                    .into_iter()
                    .filter(|c| other.channels.contains(c))
                    .collect()
            };
            if self.channels.is_empty() {
                self.any_tags.push(Vec::new()); // nothing matches
            }
        }
        self.consent.extend(other.consent);
        self
    }
}

#[derive(Clone, Debug)]
pub struct Condition {
    pub field: FieldId,
    pub kind: FieldKind,
    pub op: Op,
    /// The values compared with (one for most operators, two for `between`, the list for `in`).
    pub values: Vec<StoredValue>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self == &Filter::default()
    }

    /// Checks the filter and resolves names to ids; tags named by an unknown name are an error
    /// (an unknown id is kept: it matches as a deleted tag does).
    pub fn resolve(
        &self,
        fields: &FieldSet,
        tags: &[TagRow],
    ) -> Result<Resolved, crate::http::AppError> {
        let mut problems = Problems::default();
        let mut out = Resolved {
            words: self.q.as_deref().and_then(super::fold::query_words),
            ..Resolved::default()
        };
        if let Some(t) = &self.tags {
            let mut ids = |names: &[String], part: &str| -> Vec<TagId> {
                names
                    .iter()
                    .filter_map(|name| match find_tag(tags, name) {
                        Some(id) => Some(id),
                        None => {
                            problems.add(
                                format!("filter.tags.{part}"),
                                format!("There is no tag `{}`.", name.trim()),
                            );
                            None
                        }
                    })
                    .collect()
            };
            let any = ids(&t.any, "any");
            out.all_tags = ids(&t.all, "all");
            out.none_tags = ids(&t.none, "none");
            if !t.any.is_empty() {
                out.any_tags.push(any);
            }
        }
        if let Some(t) = &self.tags {
            for (part, names) in [("any", &t.any), ("all", &t.all), ("none", &t.none)] {
                if names.len() > MAX_TAGS {
                    problems.add(
                        format!("filter.tags.{part}"),
                        format!("Name at most {MAX_TAGS} tags here."),
                    );
                }
            }
        }
        if self.channels.len() > MAX_CHANNELS {
            problems.add(
                "filter.channels",
                format!("Name at most {MAX_CHANNELS} channels."),
            );
        }
        for (i, condition) in self.fields.iter().enumerate() {
            match resolve_condition(fields, condition) {
                Ok(c) => out.fields.push(c),
                Err(m) => problems.add(format!("filter.fields[{i}]"), m),
            }
        }
        if self.fields.len() > 20 {
            problems.add("filter.fields", "Use at most 20 field conditions.");
        }
        if let Some(range) = &self.created {
            out.created_after = time(
                &mut problems,
                "filter.created.after",
                range.after.as_deref(),
            );
            out.created_before = time(
                &mut problems,
                "filter.created.before",
                range.before.as_deref(),
            );
            if range.never {
                problems.add("filter.created.never", "Only last_seen has `never`.");
            }
        }
        if let Some(range) = &self.last_seen {
            out.seen_after = time(
                &mut problems,
                "filter.last_seen.after",
                range.after.as_deref(),
            );
            out.seen_before = time(
                &mut problems,
                "filter.last_seen.before",
                range.before.as_deref(),
            );
            out.never_seen = range.never;
        }
        for name in &self.channels {
            match Channel::parse(name) {
                Some(c) => out.channels.push(c),
                None => problems.add("filter.channels", format!("`{name}` is not a channel.")),
            }
        }
        if let Some(consent) = &self.consent {
            let channel = Channel::parse(&consent.channel);
            let purpose = super::consent::parse_purpose(&consent.purpose);
            let status = consent.status.trim();
            match (channel, purpose) {
                (Some(channel), Ok(purpose))
                    if ["opted_in", "opted_out", "unknown"].contains(&status) =>
                {
                    out.consent.push((channel, purpose, status.to_owned()));
                }
                (None, _) => problems.add(
                    "filter.consent.channel",
                    format!("`{}` is not a channel.", consent.channel),
                ),
                (_, Err(m)) => problems.add("filter.consent.purpose", m),
                _ => problems.add(
                    "filter.consent.status",
                    "Use opted_in, opted_out or unknown.",
                ),
            }
        }
        problems.into_result(out)
    }

    /// The same filter with tags named by id (what a segment stores).
    pub fn canonical(&self, tags: &[TagRow]) -> Filter {
        let mut out = self.clone();
        out.q = out.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
        if let Some(t) = &mut out.tags {
            for list in [&mut t.any, &mut t.all, &mut t.none] {
                for name in list.iter_mut() {
                    if let Some(id) = find_tag(tags, name) {
                        *name = id.to_string();
                    }
                }
            }
            if t.any.is_empty() && t.all.is_empty() && t.none.is_empty() {
                out.tags = None;
            }
        }
        out
    }
}

fn find_tag(tags: &[TagRow], name: &str) -> Option<TagId> {
    if let Some(id) = TagId::parse(name.trim()) {
        return Some(id);
    }
    let key = super::fold::fold(name.trim());
    tags.iter()
        .find(|t| t.name_key == key)
        .map(|t| t.id.clone())
}

fn time(problems: &mut Problems, key: &str, text: Option<&str>) -> Option<Millis> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => Some(at.timestamp_millis()),
        Err(_) => {
            // A bare date is that day's midnight UTC.
            match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) => Some(super::fields::kind::date_ms(d) as Millis),
                Err(_) => {
                    problems.add(
                        key,
                        "Use an RFC 3339 time (2026-12-03T10:00:00Z) or a date (2026-12-03).",
                    );
                    None
                }
            }
        }
    }
}

fn resolve_condition(fields: &FieldSet, c: &FieldCondition) -> Result<Condition, String> {
    let field = fields
        .by_key(c.field.trim())
        .ok_or_else(|| format!("There is no custom field `{}`.", c.field.trim()))?;
    let kind = field.kind();
    let allowed = Op::allowed(kind);
    let op = Op::parse(c.op.trim())
        .filter(|_| allowed.contains(&c.op.trim()))
        .ok_or_else(|| {
            format!(
                "A {} field takes one of: {}.",
                kind.as_str(),
                allowed.join(", ")
            )
        })?;
    let options = field.options();
    let one = |v: &Value| -> Result<StoredValue, String> {
        // Comparing with a value: text kinds compare as typed (contains `gmail` is not an email).
        let parsed = match (kind, op) {
            (
                FieldKind::Url | FieldKind::Email | FieldKind::Phone,
                Op::Contains | Op::NotContains | Op::StartsWith,
            ) => FieldKind::Text.parse_value(&[], v, None),
            (FieldKind::MultiSelect, _) => FieldKind::Select.parse_value(&options, v, None),
            _ => kind.parse_value(&options, v, None),
        }?;
        parsed
            .into_iter()
            .next()
            .ok_or_else(|| "Give a value to compare with.".to_owned())
    };
    let values = match op {
        Op::IsSet | Op::IsNotSet => Vec::new(),
        Op::In | Op::NotIn | Op::HasAny | Op::HasAll | Op::HasNone | Op::Between => {
            let items = c.value.as_array().ok_or("Give the values as a list.")?;
            if items.is_empty() || items.len() > 100 {
                return Err("Give 1 to 100 values.".into());
            }
            if op == Op::Between && items.len() != 2 {
                return Err("`between` takes two values: [from, to].".into());
            }
            items.iter().map(one).collect::<Result<Vec<_>, _>>()?
        }
        _ => vec![one(&c.value)?],
    };
    Ok(Condition {
        field: field.id.clone(),
        kind,
        op,
        values,
    })
}
