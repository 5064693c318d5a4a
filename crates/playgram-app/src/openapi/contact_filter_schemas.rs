//! Component schemas of what selects and describes contacts: the filter (`contacts/filter.rs`),
//! segments (`segments.rs`), tags (`tags/`) and custom fields (`fields/`).

use serde_json::{Value, json};

use super::contact_schemas::{channel, integer};
use super::schemas::{closed, id, nullable, object, reference, time};
use crate::contacts::fields::FieldKind;
use crate::contacts::fields::service::MAX_OPTIONS;

/// The example of `contacts/filter.rs`.
fn filter_example() -> Value {
    json!({
        "q": "ana",
        "tags": { "any": ["VIP"], "all": [], "none": ["Blocked"] },
        "fields": [{ "field": "plan", "op": "eq", "value": "Gold" }],
        "created": { "after": "2026-01-01T00:00:00Z", "before": null },
        "last_seen": { "after": null, "before": null, "never": false },
        "channels": ["whatsapp"],
        "consent": { "channel": "whatsapp", "purpose": "marketing", "status": "opted_in" },
    })
}

/// Every field operator, in the order of `filter::Op`.
pub(super) const OPERATORS: [&str; 17] = [
    "eq",
    "neq",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "starts_with",
    "lt",
    "lte",
    "gt",
    "gte",
    "between",
    "has_any",
    "has_all",
    "has_none",
    "is_set",
    "is_not_set",
];

fn kinds() -> Vec<&'static str> {
    FieldKind::ALL.iter().map(|k| k.as_str()).collect()
}

fn tag_names(what: &str) -> Value {
    json!({ "type": "array", "items": { "type": "string" }, "maxItems": crate::contacts::filter::MAX_TAGS, "description": format!("{what} Tag names (case and diacritics aside; an unknown name is 422) or `tag_…` ids (answered as ids).") })
}

fn range(last_seen: bool) -> Value {
    let mut properties = json!({
        "after": nullable(json!({ "type": "string", "example": "2026-01-01T00:00:00Z", "description": "From this time, included: RFC 3339, or a date (its midnight UTC)." })),
        "before": nullable(json!({ "type": "string", "example": "2026-12-03", "description": "Until this time, excluded: RFC 3339, or a date (its midnight UTC)." })),
    });
    if last_seen {
        properties["never"] = json!({ "type": "boolean", "default": false, "description": "True: only contacts never seen on a channel." });
    }
    closed(&[], properties)
}

fn tag_in(patch: bool) -> Value {
    let left = if patch { "Left out: unchanged. " } else { "" };
    let color = if patch {
        "Left out: unchanged."
    } else {
        "Default: a colour chosen from the name."
    };
    let mut schema = closed(
        if patch { &[] } else { &["name"] },
        json!({
            "name": { "type": "string", "minLength": 1, "maxLength": 50, "example": "VIP", "description": format!("{left}1 to 50 characters (spaces collapsed), without commas or semicolons; unique in the workspace, case and diacritics aside (409 `tag_exists`).") },
            "color": { "type": "string", "pattern": "^#[0-9A-Fa-f]{6}$", "example": "#5443c9", "description": format!("`#rrggbb` (stored lower case). {color}") },
            "description": { "type": "string", "maxLength": 500, "description": format!("{left}What the tag means (default: empty).") },
        }),
    );
    if patch {
        schema["description"] = json!(
            "Only the fields sent change. Renaming keeps the tag on every contact and in every segment."
        );
    }
    schema
}

fn field_in(patch: bool) -> Value {
    let left = if patch { "Left out: unchanged. " } else { "" };
    let key = if patch {
        "The key never changes: sending another one is 422 (sending the same one is allowed)."
    } else {
        "How the API, imports and filters name the field: 1 to 40 of `a-z 0-9 _`, starting with a letter, not a profile attribute (`name`, `emails`, `tags`…) and unique in the workspace. Default: derived from the label (`VIP level` → `vip_level`)."
    };
    let kind = if patch {
        "Left out: unchanged. Changes only while no contact holds a value (422 otherwise, with how many do)."
    } else {
        "The kind of the values."
    };
    let options = if patch {
        "The full list of choices, replacing the stored one. Removing an option that contacts use is 422 (with how many use it)."
    } else {
        "Required for `select` and `multi_select`, refused for other kinds."
    };
    closed(
        if patch { &[] } else { &["label", "kind"] },
        json!({
            "key": { "type": "string", "maxLength": 40, "pattern": "^[a-z][a-z0-9_]*$", "example": "plan", "description": key },
            "label": { "type": "string", "minLength": 1, "maxLength": 80, "example": "Plan", "description": format!("{left}What people see (spaces collapsed).") },
            "kind": { "type": "string", "enum": kinds(), "description": kind },
            "options": { "type": "array", "minItems": 1, "maxItems": MAX_OPTIONS, "items": { "type": "string", "maxLength": 100 }, "example": ["Gold", "Silver"], "description": format!("The choices of a `select` or `multi_select` field: at most {MAX_OPTIONS}, each at most 100 characters without commas or semicolons; blank ones and duplicates (case aside) dropped. {options}") },
            "description": { "type": "string", "maxLength": 500, "description": format!("{left}What the field is for (default: empty).") },
        }),
    )
}

fn segment_in(patch: bool) -> Value {
    let left = if patch { "Left out: unchanged. " } else { "" };
    let filter = if patch {
        "Left out: unchanged; sent: replaces the saved filter whole."
    } else {
        "Which contacts belong (default `{}`: every contact)."
    };
    let mut filter_schema = reference("ContactFilter");
    filter_schema = json!({ "allOf": [filter_schema], "description": filter });
    closed(
        if patch { &[] } else { &["name"] },
        json!({
            "name": { "type": "string", "minLength": 1, "maxLength": 80, "example": "Engaged VIPs", "description": format!("{left}1 to 80 characters (spaces collapsed).") },
            "description": { "type": "string", "maxLength": 500, "description": format!("{left}What the segment is for (default: empty).") },
            "filter": filter_schema,
        }),
    )
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let mut filter = closed(
        &[],
        json!({
            "q": { "type": "string", "example": "ana", "description": "Search words, each matched as the start of a word of a name, email, phone, identity id or username (case and diacritics aside); a phone number in any writing is one word." },
            "tags": reference("ContactFilterTags"),
            "fields": { "type": "array", "maxItems": 20, "items": reference("ContactFieldCondition"), "description": "Conditions on custom fields, all of which must hold." },
            "created": range(false),
            "last_seen": range(true),
            "channels": { "type": "array", "items": channel(false, "A channel."), "maxItems": 20, "description": "Contacts reachable on any of these: an identity on the channel, an email for `email`, a phone for `sms`." },
            "consent": reference("ContactConsentCondition"),
        }),
    );
    filter["description"] = json!(
        "Which contacts: every part given must hold (AND); `{}` selects every contact. The operators each field kind takes, and how values are written, are in the `contacts` tag. Sent as the URL-encoded `filter` parameter of the contact lists, saved by segments, taken by bulk actions."
    );
    filter["example"] = filter_example();
    vec![
        ("ContactFilter", filter),
        (
            "ContactFilterTags",
            closed(
                &[],
                json!({
                    "any": tag_names("The contact has at least one of these."),
                    "all": tag_names("The contact has each of these."),
                    "none": tag_names("The contact has none of these."),
                }),
            ),
        ),
        (
            "ContactFieldCondition",
            closed(
                &["field", "op"],
                json!({
                    "field": { "type": "string", "example": "plan", "description": "The custom field's key." },
                    "op": { "type": "string", "enum": OPERATORS, "description": "Which operators a field takes depends on its kind (see the `contacts` tag); another is 422 naming the ones it takes." },
                    "value": { "example": "Gold", "description": "One value for most operators; a list of 1 to 100 for `in`, `not_in`, `has_any`, `has_all`, `has_none`; `[from, to]` (both included) for `between`; none for `is_set` and `is_not_set`. Written as the field's values are." },
                }),
            ),
        ),
        (
            "ContactConsentCondition",
            closed(
                &["channel", "purpose", "status"],
                json!({
                    "channel": channel(false, "The channel."),
                    "purpose": { "type": "string", "example": "marketing" },
                    "status": { "type": "string", "enum": ["opted_in", "opted_out", "unknown"], "description": "The current consent for this channel and purpose; `unknown`: nothing recorded." },
                }),
            ),
        ),
        (
            "Segment",
            object(
                &[
                    "id",
                    "name",
                    "description",
                    "filter",
                    "contact_count",
                    "problem",
                    "created_at",
                    "updated_at",
                ],
                json!({
                    "id": id("seg"),
                    "name": { "type": "string", "example": "Engaged VIPs" },
                    "description": { "type": "string" },
                    "filter": { "allOf": [reference("ContactFilter")], "description": "The saved filter, with tags named by id." },
                    "contact_count": nullable(integer("How many contacts match now; null when the filter no longer holds (see `problem`).")),
                    "problem": nullable(json!({ "type": "string", "description": "Why the filter cannot be evaluated (it names a field that was deleted)." })),
                    "created_at": time(),
                    "updated_at": time(),
                }),
            ),
        ),
        ("SegmentIn", segment_in(false)),
        ("SegmentPatch", segment_in(true)),
        (
            "Tag",
            object(
                &[
                    "id",
                    "name",
                    "color",
                    "description",
                    "contact_count",
                    "created_at",
                    "updated_at",
                ],
                json!({
                    "id": id("tag"),
                    "name": { "type": "string", "example": "VIP" },
                    "color": { "type": "string", "example": "#5443c9" },
                    "description": { "type": "string" },
                    "contact_count": integer("How many contacts carry the tag now."),
                    "created_at": time(),
                    "updated_at": time(),
                }),
            ),
        ),
        ("TagIn", tag_in(false)),
        ("TagPatch", tag_in(true)),
        (
            "ContactField",
            object(
                &[
                    "id",
                    "key",
                    "label",
                    "kind",
                    "options",
                    "description",
                    "contact_count",
                    "created_at",
                    "updated_at",
                ],
                json!({
                    "id": id("fld"),
                    "key": { "type": "string", "example": "plan" },
                    "label": { "type": "string", "example": "Plan" },
                    "kind": { "type": "string", "enum": kinds() },
                    "options": { "type": "array", "items": { "type": "string" }, "description": "The choices of a `select` or `multi_select` field, in order; empty for other kinds." },
                    "description": { "type": "string" },
                    "contact_count": integer("How many contacts hold a value."),
                    "created_at": time(),
                    "updated_at": time(),
                }),
            ),
        ),
        ("ContactFieldIn", field_in(false)),
        ("ContactFieldPatch", field_in(true)),
    ]
}
