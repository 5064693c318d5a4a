//! Component schemas of contacts and their parts (`contacts/model.rs`, `input.rs`,
//! `api/crud.rs`, `api/related.rs`, `bulk.rs`, `timeline.rs`, `consent.rs`, `gdpr.rs`,
//! `settings.rs`). The filter, tags, fields and segments are in `contact_filter_schemas.rs`.

use serde_json::{Value, json};

use super::schemas::{closed, id, nullable, object, reference, time};
use crate::contacts::bulk::MAX_IDS;
use crate::contacts::channel::Channel;
use crate::contacts::input::{MAX_EMAILS, MAX_NAME, MAX_PHONES};
use crate::contacts::settings::MAX_RETENTION_DAYS;

pub(super) fn integer(description: &str) -> Value {
    json!({ "type": "integer", "description": description })
}

/// A channel name: every channel, or only those with identities.
pub(super) fn channel(identity_only: bool, description: &str) -> Value {
    let list: &[Channel] = if identity_only {
        &Channel::IDENTITY
    } else {
        &Channel::ALL
    };
    let names: Vec<&str> = list.iter().map(|c| c.as_str()).collect();
    json!({ "type": "string", "enum": names, "description": description })
}

fn external_id() -> Value {
    json!({ "type": "string", "example": "33612345678", "description": "The id the channel knows the person by: a WhatsApp `wa_id` (the number's digits, 6 to 20; a leading `+` is dropped), an Instagram-scoped id, a Messenger PSID or a Manychat subscriber id (1 to 64 digits), or a website visitor id (1 to 128 letters, digits, `-`, `_`, `.` or `:`)." })
}

fn username() -> Value {
    json!({ "type": "string", "maxLength": 100, "example": "ana.k_99", "description": "The channel's handle (an Instagram username), without spaces; a leading `@` is dropped." })
}

fn emails(what: &str) -> Value {
    json!({ "type": "array", "maxItems": MAX_EMAILS, "items": { "type": "string", "format": "email" }, "example": ["ana@example.com"], "description": format!("{what} At most {MAX_EMAILS}; lower-cased, duplicates dropped, the first is the primary one. Each belongs to one contact of the workspace (409 `contact_exists`).") })
}

fn phones(what: &str) -> Value {
    json!({ "type": "array", "maxItems": MAX_PHONES, "items": { "type": "string" }, "example": ["+33 6 12 34 56 78"], "description": format!("{what} At most {MAX_PHONES}, in any usual writing; stored in E.164. A number without a country code uses the workspace's `default_country` (refused without one). Each belongs to one contact of the workspace (409 `contact_exists`).") })
}

fn fields_in(patch: bool) -> Value {
    let how = if patch {
        "Only the keys named change; `null` (or `\"\"`) clears one; the others stay."
    } else {
        "`null` or `\"\"` leaves a field empty."
    };
    json!({ "type": "object", "additionalProperties": {}, "example": { "plan": "Gold", "score": 90 }, "description": format!("Custom field values by key, each written as its kind takes it (see the `contact-fields` tag). {how} An unknown key or a refused value is 422 on `fields.<key>`.") })
}

/// The profile attributes a client may send: when creating (`patch` false) or in a PATCH, where
/// `null` clears.
fn profile(patch: bool) -> serde_json::Map<String, Value> {
    let may_null = |schema: Value| if patch { nullable(schema) } else { schema };
    let (name, emails_what, phones_what) = if patch {
        (
            "The new name (spaces collapsed); `null` or `\"\"` clears it.",
            "Replaces every email; `null` or `[]` removes them all.",
            "Replaces every phone; `null` or `[]` removes them all.",
        )
    } else {
        (
            "The name (spaces collapsed); default empty.",
            "Email addresses.",
            "Phone numbers.",
        )
    };
    let clears = if patch { " `null` clears it." } else { "" };
    let mut out = serde_json::Map::new();
    out.insert("name".into(), may_null(json!({ "type": "string", "maxLength": MAX_NAME, "example": "Ana Núñez", "description": name })));
    out.insert("emails".into(), may_null(emails(emails_what)));
    out.insert("phones".into(), may_null(phones(phones_what)));
    out.insert("avatar_url".into(), may_null(json!({ "type": "string", "format": "uri", "maxLength": 2000, "description": format!("An http or https address.{clears}") })));
    out.insert("locale".into(), may_null(json!({ "type": "string", "example": "pt-BR", "description": format!("A BCP 47 language tag (`fr`, `pt-BR`; `_` is read as `-`), stored in canonical case.{clears}") })));
    out.insert("timezone".into(), may_null(json!({ "type": "string", "example": "Europe/Paris", "description": format!("An IANA time zone name.{clears}") })));
    out.insert("fields".into(), fields_in(patch));
    out
}

fn contact() -> Value {
    object(
        &[
            "id",
            "name",
            "display_name",
            "emails",
            "phones",
            "avatar_url",
            "locale",
            "timezone",
            "source",
            "identities",
            "tags",
            "fields",
            "first_seen_at",
            "last_seen_at",
            "erased_at",
            "created_at",
            "updated_at",
        ],
        json!({
            "id": id("ct"),
            "name": { "type": "string", "description": "The name as given; may be empty." },
            "display_name": { "type": "string", "description": "The name, or else the first email, phone or `@username`: what lists show (and sort by)." },
            "emails": { "type": "array", "items": { "type": "string", "format": "email" }, "description": "Lower-cased; the first is the primary one." },
            "phones": { "type": "array", "items": { "type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$", "example": "+33612345678" }, "description": "E.164." },
            "avatar_url": nullable(json!({ "type": "string", "format": "uri" })),
            "locale": nullable(json!({ "type": "string", "example": "es-ES", "description": "BCP 47." })),
            "timezone": nullable(json!({ "type": "string", "example": "Europe/Madrid", "description": "IANA." })),
            "source": { "type": "string", "example": "api", "description": "How the contact arrived: `api` unless the creator said otherwise, the channel of an upsert (`whatsapp`…), `import`…" },
            "identities": { "type": "array", "items": reference("ContactIdentity"), "description": "By channel." },
            "tags": { "type": "array", "items": reference("ContactTagRef"), "description": "By name." },
            "fields": { "type": "object", "additionalProperties": {}, "example": { "plan": "Gold" }, "description": "Custom field values by key (only the fields that have one), each as its kind answers it (see the `contact-fields` tag)." },
            "first_seen_at": nullable(json!({ "type": "string", "format": "date-time", "description": "When the person was first active on a channel; null until then." })),
            "last_seen_at": nullable(json!({ "type": "string", "format": "date-time", "description": "When the person was last active on a channel; null if never." })),
            "erased_at": nullable(json!({ "type": "string", "format": "date-time", "description": "Set when the contact was erased in `anonymise` mode: its personal data is gone and it cannot change." })),
            "created_at": time(),
            "updated_at": time(),
        }),
    )
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let mut contact_in = profile(false);
    contact_in.insert("source".into(), json!({ "type": "string", "minLength": 1, "maxLength": 30, "pattern": "^[a-z0-9_]+$", "example": "website", "description": "How the contact arrived (lower-cased; default `api`)." }));
    contact_in.insert("identities".into(), json!({ "type": "array", "maxItems": 20, "items": reference("ContactIdentityIn"), "description": "Channel identities to link (duplicates dropped). Each belongs to one contact of the workspace (409 `contact_exists`)." }));
    contact_in.insert("tags".into(), json!({ "type": "array", "items": { "type": "string" }, "example": ["VIP", "Lead"], "description": "Tag names (created when new; `VIP` and `vip` are one tag) or tag ids." }));
    let mut upsert = profile(false);
    upsert.insert(
        "channel".into(),
        channel(true, "The channel the identity is on."),
    );
    upsert.insert("external_id".into(), external_id());
    upsert.insert("username".into(), username());
    upsert.insert(
        "emails".into(),
        emails("Added to the contact's own emails (never replacing them)."),
    );
    upsert.insert(
        "phones".into(),
        phones("Added to the contact's own phones (never replacing them)."),
    );
    upsert.insert("tags".into(), json!({ "type": "array", "items": { "type": "string" }, "description": "Tag names or ids, added to the contact's tags (names are created when new)." }));
    upsert.insert("seen".into(), json!({ "type": "boolean", "default": false, "description": "The person was active on the channel now: sets `last_seen_at` (and `first_seen_at` the first time)." }));
    let mut upsert = closed(&["channel", "external_id"], Value::Object(upsert));
    upsert["description"] = json!(
        "Finds the contact holding the identity, or creates it with everything given. On a contact found, emails, phones and tags given are added to its own, every other attribute given overwrites it (`name` included), and whatever is not given stays. There is no `source`: a contact created here has the channel as its source."
    );
    let mut contact_in = closed(&[], Value::Object(contact_in));
    contact_in["description"] = json!(
        "Every attribute is optional (`{}` makes an empty contact). Every problem is reported at once in `details.fields`, and nothing is stored when any is wrong; unknown attributes are refused."
    );
    let mut patch = closed(&[], Value::Object(profile(true)));
    patch["description"] = json!(
        "Only the attributes sent change; an attribute left out keeps its value, and `null` clears a nullable one (`name: null` empties the name, `emails: null` removes every email). `fields` changes only the keys it names. Identities, tags and `source` are not changed here: see `POST /contacts/{id}/identities` and `/tags`. A PATCH that changes nothing writes nothing and raises no event."
    );
    vec![
        ("Contact", contact()),
        ("ContactIn", contact_in),
        ("ContactPatch", patch),
        (
            "ContactIdentity",
            object(
                &["channel", "external_id", "username", "created_at"],
                json!({
                    "channel": channel(true, "The channel."),
                    "external_id": { "type": "string", "example": "33612345678", "description": "The id the channel knows the person by, as stored (a WhatsApp `wa_id` without `+`)." },
                    "username": nullable(json!({ "type": "string", "example": "ana.k_99" })),
                    "created_at": time(),
                }),
            ),
        ),
        (
            "ContactIdentityIn",
            closed(
                &["channel", "external_id"],
                json!({ "channel": channel(true, "The channel."), "external_id": external_id(), "username": username() }),
            ),
        ),
        (
            "ContactTagRef",
            object(
                &["id", "name", "color"],
                json!({ "id": id("tag"), "name": { "type": "string", "example": "VIP" }, "color": { "type": "string", "example": "#5443c9" } }),
            ),
        ),
        ("ContactUpsertIn", upsert),
        (
            "ContactUpserted",
            object(
                &["created", "contact"],
                json!({
                    "created": { "type": "boolean", "description": "True when no contact held the identity and one was created (answered 201); false when it was found (200)." },
                    "contact": reference("Contact"),
                }),
            ),
        ),
        (
            "ContactCount",
            object(
                &["count"],
                json!({ "count": integer("How many contacts the selection matches now.") }),
            ),
        ),
        (
            "ContactMergeIn",
            closed(
                &["other_id"],
                json!({ "other_id": { "type": "string", "example": "ct_01M82B2HPC5A7CBGX06DESGZ8Y", "description": "The contact folded into this one and removed. Not this contact itself, and a contact of this workspace (422 otherwise)." } }),
            ),
        ),
        (
            "ContactTagsIn",
            closed(
                &["tags"],
                json!({ "tags": { "type": "array", "minItems": 1, "maxItems": 50, "items": { "type": "string" }, "example": ["VIP", "tag_01M82B2HPC5A7CBGX06DESGZ8Y"], "description": "1 to 50 tag names (created when new) or tag ids (an unknown id is 422 on `tags`). Tags the contact has already are left as they are." } }),
            ),
        ),
        (
            "ContactBulkIn",
            closed(
                &["action"],
                json!({
                    "action": { "type": "string", "enum": ["add_tags", "remove_tags", "delete", "erase"], "description": "`add_tags` and `remove_tags` need `tags`; `erase` follows the workspace's `erase_mode`." },
                    "contact_ids": { "type": "array", "minItems": 1, "maxItems": MAX_IDS, "items": { "type": "string" }, "description": format!("1 to {MAX_IDS} contact ids, changed at once. Give exactly one of `contact_ids`, `filter` and `segment_id`.") },
                    "filter": reference("ContactFilter"),
                    "segment_id": { "type": "string", "example": "seg_01M82B2HPC5A7CBGX06DESGZ8Y", "description": "A segment: its contacts are changed by a job." },
                    "tags": { "type": "array", "items": { "type": "string" }, "description": "For `add_tags` (names are created when new) and `remove_tags` (unknown names are 422): tag names or ids." },
                    "confirm_count": { "type": "integer", "minimum": 0, "description": "For `delete` and `erase` by `filter` or `segment_id`: the number of contacts they match now (from `GET /contacts/count`). Any other number (or none) is 409 `confirmation_required` with `details.matched`, and nothing changes. The job then takes at most this many contacts, none created after the confirmation." },
                }),
            ),
        ),
        (
            "ContactBulkOut",
            object(
                &["action", "changed", "job_id", "matched"],
                json!({
                    "action": { "type": "string", "enum": ["add_tags", "remove_tags", "delete", "erase"] },
                    "changed": nullable(integer("With `contact_ids`: how many contacts were changed (erased ones are skipped).")),
                    "job_id": nullable(json!({ "allOf": [id("job")], "description": "With `filter` or `segment_id`: the `contacts.bulk` job doing the work; follow it with `GET /jobs/{id}`." })),
                    "matched": nullable(integer("With `filter` or `segment_id`: how many contacts matched when the job was queued.")),
                }),
            ),
        ),
        (
            "ContactActor",
            object(
                &["type", "id"],
                json!({
                    "type": { "type": "string", "enum": ["user", "api_key", "system"], "description": "A person, an API key, or Playgram itself (retention, channels)." },
                    "id": nullable(json!({ "type": "string", "example": "usr_01M82B2HPC5A7CBGX06DESGZ8Y", "description": "The `usr_…` or `key_…` id; null for `system`." })),
                }),
            ),
        ),
        (
            "ContactActivity",
            object(
                &["id", "kind", "summary", "data", "actor", "occurred_at"],
                json!({
                    "id": id("act"),
                    "kind": { "type": "string", "example": "tag_added", "description": format!("What happened: {}; later features add theirs.", crate::contacts::timeline::KINDS.map(|k| format!("`{k}`")).join(", ")) },
                    "summary": { "type": "string", "example": "Tagged VIP", "description": "In words." },
                    "data": { "type": "object", "description": "The details, by kind: `updated` has `changes` (`[{attribute, old, new}]`), `consent_changed` the record with `previous_status`, `tag_added` the `tag_id` and `name`, `merged` the `merged_contact_id`…" },
                    "actor": reference("ContactActor"),
                    "occurred_at": time(),
                }),
            ),
        ),
        (
            "ContactHistoryEntry",
            object(
                &[
                    "id",
                    "attribute",
                    "old",
                    "value",
                    "changed_by",
                    "changed_at",
                    "until",
                ],
                json!({
                    "id": id("chg"),
                    "attribute": { "type": "string", "example": "fields.plan", "description": "`name`, `emails`, `phones`, `avatar_url`, `locale`, `timezone`, `identities` or `fields.<key>`." },
                    "old": { "description": "The value before the change (JSON; null when there was none)." },
                    "value": { "description": "The value the change set." },
                    "changed_by": reference("ContactActor"),
                    "changed_at": time(),
                    "until": nullable(json!({ "type": "string", "format": "date-time", "description": "When a later change replaced this value; null while it still holds." })),
                }),
            ),
        ),
        (
            "ContactConsent",
            object(
                &[
                    "channel",
                    "purpose",
                    "status",
                    "source",
                    "evidence",
                    "recorded_at",
                    "recorded_by",
                ],
                json!({
                    "channel": channel(false, "The channel."),
                    "purpose": { "type": "string", "example": "marketing" },
                    "status": { "type": "string", "enum": ["opted_in", "opted_out"] },
                    "source": { "type": "string", "example": "keyword", "description": "How it was given." },
                    "evidence": { "type": "string", "example": "Replied YES to the opt-in message", "description": "The proof, as recorded (may be empty)." },
                    "recorded_at": { "type": "string", "format": "date-time", "description": "When it was given." },
                    "recorded_by": reference("ContactActor"),
                }),
            ),
        ),
        (
            "ContactConsentIn",
            closed(
                &["channel", "purpose", "status"],
                json!({
                    "channel": channel(false, "The channel the consent is for."),
                    "purpose": { "type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[a-z0-9_]+$", "example": "marketing", "description": "What messages it covers (lower-cased): `marketing`, `newsletter`, `transactional`…" },
                    "status": { "type": "string", "enum": ["opted_in", "opted_out"] },
                    "source": { "type": "string", "maxLength": 30, "pattern": "^[a-z0-9_]+$", "example": "keyword", "description": "How it was given: `form`, `keyword`, `checkbox`, `import`, `verbal`… (default `api` for an API key, `dashboard` for a person)." },
                    "evidence": { "type": "string", "maxLength": 2000, "example": "Replied YES to the opt-in message", "description": "The proof: the message text, the form's URL, a reference to a signed paper." },
                    "recorded_at": { "type": "string", "format": "date-time", "description": "When it was given, if not now; not in the future. A record older than the current one for this channel and purpose is kept in the timeline only." },
                }),
            ),
        ),
        (
            "ConsentDecision",
            object(
                &[
                    "allowed",
                    "contact_id",
                    "channel",
                    "purpose",
                    "status",
                    "rule",
                    "reason",
                    "recorded_at",
                    "source",
                ],
                json!({
                    "allowed": { "type": "boolean", "description": "Send only when true." },
                    "contact_id": id("ct"),
                    "channel": channel(false, "The channel asked about."),
                    "purpose": { "type": "string", "example": "marketing" },
                    "status": { "type": "string", "enum": ["opted_in", "opted_out", "unknown"], "description": "The current record's status; `unknown`: nothing recorded." },
                    "rule": { "type": "string", "enum": ["opt_in_required", "opt_out_respected"], "description": "`opt_out_respected` for the purposes allowed without an opt-in (`transactional`, `service`); `opt_in_required` for every other." },
                    "reason": { "type": "string", "example": "marketing on WhatsApp needs an opt-in, and none is recorded.", "description": "Why, in words." },
                    "recorded_at": nullable(json!({ "type": "string", "format": "date-time", "description": "When the current record was given." })),
                    "source": nullable(json!({ "type": "string", "description": "How the current record was given." })),
                }),
            ),
        ),
        (
            "ContactErased",
            object(
                &["contact_id", "mode"],
                json!({
                    "contact_id": { "type": "string", "example": "ct_01M82B2HPC5A7CBGX06DESGZ8Y" },
                    "mode": { "type": "string", "enum": ["delete", "anonymise"], "description": "How it was erased (the workspace's `erase_mode`)." },
                }),
            ),
        ),
        (
            "ContactTombstone",
            object(
                &["contact_id", "mode", "reason", "erased_at"],
                json!({
                    "contact_id": id("ct"),
                    "mode": { "type": "string", "enum": ["delete", "anonymise"] },
                    "reason": { "type": "string", "enum": ["request", "retention"], "description": "`request`: erased through the API, the dashboard or a bulk action. `retention`: by the retention policy." },
                    "erased_at": time(),
                }),
            ),
        ),
        (
            "ContactSettings",
            object(
                &[
                    "erase_mode",
                    "retention_days",
                    "default_country",
                    "updated_at",
                ],
                json!({
                    "erase_mode": { "type": "string", "enum": ["delete", "anonymise"], "description": "What erasing does: `delete` every row (the default), or `anonymise`: keep the row without personal data." },
                    "retention_days": nullable(json!({ "type": "integer", "minimum": 1, "maximum": MAX_RETENTION_DAYS, "description": "Contacts inactive this many days are erased by the daily retention job; null: never (the default)." })),
                    "default_country": nullable(json!({ "type": "string", "pattern": "^[A-Z]{2}$", "example": "FR", "description": "ISO 3166 alpha-2: the country of phone numbers written without a country code." })),
                    "updated_at": nullable(json!({ "type": "string", "format": "date-time", "description": "Null until the settings are first saved." })),
                }),
            ),
        ),
        (
            "ContactSettingsPatch",
            closed(
                &[],
                json!({
                    "erase_mode": { "type": "string", "enum": ["delete", "anonymise"], "description": "Left out: unchanged." },
                    "retention_days": nullable(json!({ "type": "integer", "minimum": 1, "maximum": MAX_RETENTION_DAYS, "description": "Left out: unchanged; `null` turns retention off." })),
                    "default_country": nullable(json!({ "type": "string", "example": "fr", "description": "A two-letter country code, any case (stored upper case). Left out: unchanged; `null` or `\"\"` clears it." })),
                }),
            ),
        ),
    ]
}
