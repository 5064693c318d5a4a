//! The contacts part of the document: the operations of contacts, tags, custom fields, segments,
//! consent, GDPR and the contact settings, in the order of router.rs. Their tags' descriptions are
//! in `contact_guide.rs`, their schemas in `contact_schemas.rs` and `contact_filter_schemas.rs`.

use serde_json::{Value, json};

use super::contact_guide::{sorts, who};
use super::paths::{Auth, FORBIDDEN, INVALID, Op, list_of, one, op};
use crate::auth::Capability::{
    DeleteContacts, ExportContacts, ManageContactSchema, ManageContactSettings, ReadContacts,
    WriteContacts,
};

/// 404 on a contact named in the path.
const CONTACT_404: &str = "`not_found`: no such contact in this workspace; or `contact_merged`: it was merged into another, named by `details.merged_into`.";
const ERASED: &str = "`contact_erased`: the contact was erased (anonymised); it cannot change.";
const EXISTS: &str = "`contact_exists`: another contact of the workspace holds one of these emails, phones or identities; `details` names it (`{attribute, value, contact_id}`): merge the two instead.";
const SELECT_400: &str = "`invalid_filter` (`filter` is not JSON or names an unknown part) or `invalid_segment` (no such segment).";
const SELECT_422: &str = "`validation_failed`: the filter does not fit the workspace (an unknown tag or field, an operator the field's kind does not take, a refused value or date); `details.fields` names the part (`filter.tags.any`, `filter.fields[0]`…).";
const LIST_400: &str = "`invalid_filter`, `invalid_segment`, `invalid_sort`, `invalid_cursor` (not a cursor of this list, or made for another sort) or `invalid_limit`.";
const PAGE_400: &str = "`invalid_cursor` or `invalid_limit`.";

fn described(first: &str, who: &str) -> String {
    format!("{first} {who}")
}

fn text() -> Value {
    json!({ "type": "string" })
}

/// `q`, `filter`, `segment`, `tag` and `channel`: which contacts.
fn selected(op: Op, with_segment: bool) -> Op {
    let op = op
        .query("q", "Search words: each must match the start of a word of a name, email, phone, identity id or username, case and diacritics aside (`jose` finds José). A phone number in any writing (`+33 6 12 34 56 78`) is one word.", json!({ "type": "string", "example": "ana" }))
        .query("filter", "A contact filter as URL-encoded JSON (see the `contacts` tag and `ContactFilter`), e.g. `{\"tags\":{\"any\":[\"VIP\"]},\"fields\":[{\"field\":\"plan\",\"op\":\"eq\",\"value\":\"Gold\"}]}`.", json!({ "type": "string", "contentMediaType": "application/json", "contentSchema": { "$ref": "#/components/schemas/ContactFilter" } }));
    let op = if with_segment {
        op.query(
            "segment",
            "A segment's id: its saved filter holds too.",
            json!({ "type": "string", "example": "seg_01M82B2HPC5A7CBGX06DESGZ8Y" }),
        )
    } else {
        op
    };
    op.query(
        "tag",
        "Only contacts with this tag (a name or a `tag_…` id): a shortcut for `filter.tags.all`.",
        text(),
    )
    .query(
        "channel",
        "Only contacts reachable on this channel: a shortcut for `filter.channels`.",
        super::contact_schemas::channel(false, "A channel."),
    )
}

/// `sort`, `cursor` and `limit` of a contact list.
fn sorted(op: Op) -> Op {
    let values: Vec<&str> = crate::contacts::query::Sort::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    op.query(
        "sort",
        &format!(
            "The order (default `-created_at`; `-` is descending):\n{}",
            sorts()
        ),
        json!({ "type": "string", "enum": values, "default": "-created_at" }),
    )
    .query(
        "cursor",
        "`meta.next_cursor` of the previous page, with the same `sort` and selection.",
        text(),
    )
    .query(
        "limit",
        "Page size, 1–200 (default 50).",
        json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }),
    )
}

/// The description of one success answer, where an operation has two.
fn answered(mut op: Op, status: u16, description: &str) -> Op {
    op.value["responses"][status.to_string()]["description"] = json!(description);
    op
}

fn contact_op(summary: &str, description: &str) -> Op {
    op("contacts", summary, description, Auth::Any).path_id("id", "ct")
}

fn contact_ops() -> Vec<(&'static str, &'static str, Op)> {
    let (read, write, delete) = (who(ReadContacts), who(WriteContacts), who(DeleteContacts));
    vec![
        ("get", "/contacts", sorted(selected(op("contacts", "List contacts", &described("The workspace's contacts matching the search, filter, segment, tag and channel given (all of them), in `sort` order, one page at a time. Erased contacts are not listed.", &read), Auth::Any), true))
            .ok(200, list_of("Contact")).fails(400, LIST_400).fails(403, FORBIDDEN).fails(422, SELECT_422)),
        ("post", "/contacts", op("contacts", "Create a contact", &described("Every attribute is optional. Emails are lower-cased, phones stored in E.164, tags named are created when new. Emits `contact.created` (then `contact.tag_added` per tag).", &write), Auth::Any)
            .body("ContactIn").ok(201, one("Contact")).fails(403, FORBIDDEN).fails(409, EXISTS)
            .fails(422, &format!("{INVALID} Every invalid attribute is reported at once in `details.fields` (`emails`, `phones`, `identities`, `fields.plan`…), and nothing is stored."))),
        ("get", "/contacts/count", selected(op("contacts", "Count contacts", &described("How many contacts the selection matches now: the same `q`, `filter`, `segment`, `tag` and `channel` as the list.", &read), Auth::Any), true)
            .ok(200, one("ContactCount")).fails(400, SELECT_400).fails(403, FORBIDDEN).fails(422, SELECT_422)),
        ("post", "/contacts/upsert", answered(answered(op("contacts", "Upsert a contact by identity", &described("Finds the contact holding the channel identity (`channel`, `external_id`) or creates it: 201 with `created: true` for a new contact (its source is the channel), 200 with `created: false` for one found. On a contact found, emails, phones and tags given are added, other attributes given overwrite, the identity's `username` is updated, and what is not given stays; `seen: true` sets when the person was last (and first) seen. Concurrent upserts of one new identity create one contact. Emits `contact.created` or `contact.updated` (when something changed).", &write), Auth::Any)
            .body("ContactUpsertIn").ok(200, one("ContactUpserted")).ok(201, one("ContactUpserted")).fails(403, FORBIDDEN).fails(409, &format!("{EXISTS} (An email or phone given that another contact holds.)"))
            .fails(422, &format!("{INVALID} A channel without identities is reported on `channel`, an id the channel refuses on `external_id`.")), 200, "Found: `created: false`."), 201, "Created: `created: true`.")),
        ("post", "/contacts/bulk", answered(answered(op("contacts", "Act on many contacts", &described("`add_tags`, `remove_tags`, `delete` or `erase` the contacts named by exactly one of `contact_ids` (1 to 1,000: done now, in one transaction: 200 with `changed`), `filter` or `segment_id` (done by a `contacts.bulk` job, 500 contacts at a time: 202 with `job_id` and `matched`; the job changes the contacts matching when it runs). `filter: {}` selects every contact. Each contact changed raises its own events; deletions and erasures are audited. Tagging and untagging:", &format!("{write} Deleting and erasing: {delete}")), Auth::Any)
            .body("ContactBulkIn").ok(200, one("ContactBulkOut")).ok(202, one("ContactBulkOut")).fails(403, FORBIDDEN)
            .fails(409, "`confirmation_required`: deleting or erasing by `filter` or `segment_id` without `confirm_count` equal to the number they match now (`details.matched`); nothing changed.")
            .fails(422, &format!("{INVALID} `action` unknown, `tags` missing or unknown (for `remove_tags`), not exactly one of `contact_ids`, `filter` and `segment_id`, an id not in the workspace (on `contact_ids`, nothing changed), an unknown `segment_id`, or a filter that does not fit (`filter.…`).")), 200, "Done now (`contact_ids`): `changed`."), 202, "Queued (`filter` or `segment_id`): `job_id` and `matched`.")),
        ("get", "/contacts/{id}", contact_op("Get a contact", &described("With its identities, tags and custom field values. A contact erased in `anonymise` mode is answered with `erased_at` set and its personal data gone.", &read))
            .ok(200, one("Contact")).fails(403, FORBIDDEN).fails(404, CONTACT_404)),
        ("patch", "/contacts/{id}", contact_op("Update a contact", &described("Changes only the attributes sent; `null` clears one (see `ContactPatch`). `emails` and `phones` replace the lists whole; `fields` changes only the keys it names. Every change is kept in the field history and the timeline and emits `contact.updated` with each attribute's old and new value; a PATCH that changes nothing writes nothing.", &write))
            .body("ContactPatch").ok(200, one("Contact")).fails(403, FORBIDDEN).fails(404, CONTACT_404).fails(409, &format!("{EXISTS} Or {ERASED}"))
            .fails(422, &format!("{INVALID} Every invalid attribute is reported at once, and nothing changes."))),
        ("delete", "/contacts/{id}", contact_op("Delete a contact", &described("Deletes the contact with everything about it, without a tombstone (to erase under the GDPR and keep a tombstone, use `POST /contacts/{id}/erase`). Audited; emits `contact.deleted` with `erased: false`. Answers 204 without a body.", &delete))
            .no_content().fails(403, FORBIDDEN).fails(404, CONTACT_404)),
        ("post", "/contacts/{id}/merge", contact_op("Merge another contact into this one", &described("Folds `other_id` into this contact and removes it: identities, emails, phones, tags, field values, consent, timeline and field history move here. This contact's name, avatar, locale and time zone win and the other's fill the blanks; its custom field values win and the other's fill the gaps; per channel and purpose the more recent consent wins. The other id then answers 404 `contact_merged` with `details.merged_into`. Audited, with a snapshot of the removed contact; emits `contact.merged`. No undo.", &write))
            .body("ContactMergeIn").ok(200, one("Contact")).fails(403, FORBIDDEN).fails(404, &format!("{CONTACT_404} (`contact_merged` also when `other_id` was merged already.)"))
            .fails(409, &format!("{ERASED} (either contact)")).fails(422, &format!("{INVALID} `other_id` is this contact, or not a contact of this workspace."))),
        ("post", "/contacts/{id}/tags", contact_op("Tag a contact", &described("Adds the tags named (names are created when new; ids must exist). Each tag the contact did not have gets a timeline entry and a `contact.tag_added` event. Answers 200 with the contact.", &write))
            .body("ContactTagsIn").ok(200, one("Contact")).fails(403, FORBIDDEN).fails(404, CONTACT_404).fails(409, ERASED).fails(422, &format!("{INVALID} `tags`: not 1 to 50 names, a name that is not a tag name, or an unknown id."))),
        ("delete", "/contacts/{id}/tags/{tag}", contact_op("Untag a contact", &described("Takes one tag off the contact (a timeline entry and a `contact.tag_removed` event when it had it). Answers 200 with the contact (also when it did not have the tag).", &write))
            .path_param("tag", "A tag name (URL-encoded, case and diacritics aside) or a `tag_…` id.")
            .ok(200, one("Contact")).fails(403, FORBIDDEN).fails(404, &format!("{CONTACT_404} Or `not_found`: no such tag.")).fails(409, ERASED)),
        ("post", "/contacts/{id}/identities", contact_op("Link an identity to a contact", &described("Adds a channel identity (when the contact has it already, its `username` is updated). Recorded in the timeline and the field history; emits `contact.updated` with the `identities` before and after. Answers 201 with the contact.", &write))
            .body("ContactIdentityIn").ok(201, one("Contact")).fails(403, FORBIDDEN).fails(404, CONTACT_404).fails(409, &format!("{EXISTS} Or {ERASED}"))
            .fails(422, &format!("{INVALID} `identities`: the channel has no identities or refuses the id."))),
        ("delete", "/contacts/{id}/identities/{channel}/{external_id}", contact_op("Unlink an identity from a contact", &described("Removes the identity; recorded in the timeline and the field history, and emits `contact.updated`. Answers 204 without a body.", &write))
            .path_param("channel", "The identity's channel: whatsapp, instagram, messenger, manychat or website.")
            .path_param("external_id", "The identity's id as stored (a WhatsApp `wa_id` without `+`), URL-encoded.")
            .no_content().fails(403, FORBIDDEN).fails(404, &format!("{CONTACT_404} Or `not_found`: the contact has no such identity.")).fails(409, ERASED)),
        ("get", "/contacts/{id}/timeline", contact_op("List a contact's timeline", &described("Every interaction with and change to the contact, newest first: created, updated (with each change), tags, consent (with the previous status), identities, merges, imports, and later messages, scans, bookings and orders.", &read))
            .query("kind", "Only entries of this kind, e.g. `consent_changed` (see `ContactActivity.kind`).", text())
            .query("cursor", "`meta.next_cursor` of the previous page (an `act_…` id).", text())
            .query("limit", "Page size, 1–200 (default 50).", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }))
            .ok(200, list_of("ContactActivity")).fails(400, PAGE_400).fails(403, FORBIDDEN).fails(404, CONTACT_404)),
        ("get", "/contacts/{id}/history", contact_op("Get a contact's field history", &described("Every value the contact's attributes held, oldest first (at most 2,000 changes): old value, new value, who changed it, when, and until when it held. Read in order, it gives any attribute's value at any time.", &read))
            .query("attribute", "Only this attribute: `name`, `emails`, `phones`, `avatar_url`, `locale`, `timezone`, `identities` or `fields.<key>`.", json!({ "type": "string", "example": "fields.plan" }))
            .ok(200, list_of("ContactHistoryEntry")).fails(403, FORBIDDEN).fails(404, CONTACT_404)),
        ("get", "/contacts/{id}/consents", op("consent", "List a contact's consent", &described("The current consent per channel and purpose (by channel, then purpose), with source, time, evidence and who recorded it. Earlier records are in the timeline (`kind=consent_changed`).", &read), Auth::Any).path_id("id", "ct")
            .ok(200, list_of("ContactConsent")).fails(403, FORBIDDEN).fails(404, CONTACT_404)),
        ("post", "/contacts/{id}/consents", op("consent", "Record a contact's consent", &described("Records an opt-in or opt-out for a channel and purpose, with its source, evidence and time (see the `consent` tag). A record older than the current one for that channel and purpose goes to the timeline only. Emits `contact.consent_changed`. Answers 201 with the contact's current consent, all of it.", &write), Auth::Any)
            .path_id("id", "ct").body("ContactConsentIn").ok(201, list_of("ContactConsent")).fails(403, FORBIDDEN).fails(404, CONTACT_404).fails(409, ERASED)
            .fails(422, &format!("{INVALID} Every invalid field at once: `channel`, `purpose`, `status`, `source`, `evidence` (over 2,000 characters), `recorded_at` (not RFC 3339, or in the future)."))),
        ("get", "/contacts/{id}/gdpr-export", gdpr_export()),
        ("post", "/contacts/{id}/erase", contact_op("Erase a contact", &described("Erases the contact under the GDPR, as the workspace's `erase_mode` says: `delete` removes every row about it (its id then answers 404), `anonymise` keeps the row with every personal attribute emptied and its parts, consent, timeline and history removed (`GET` answers it with `erased_at`). Either way a tombstone stays (`GET /contact-tombstones`), and the events, webhook messages and logged attempts that carried the contact's data keep only its id (`data: {contact_id, redacted}`; deliveries still to come send that); audited; emits `contact.deleted` with `erased: true`. No body is needed.", &delete))
            .ok(200, one("ContactErased")).fails(403, FORBIDDEN).fails(404, CONTACT_404).fails(409, "`contact_erased`: erased already.")),
    ]
}

fn gdpr_export() -> Op {
    let mut export = contact_op("Export a contact's data (GDPR)", &described("Everything the workspace holds about the contact, as a ZIP (the right of access): `README.txt`, `contact.json`, `consents.json`, `timeline.json`, `history.json`, `merged.json` and `files/` (see the `contacts` tag). Answers `application/zip`, not the JSON envelope (errors are envelopes). Audited (`contact.gdpr_exported`).", &who(ExportContacts)))
        .fails(403, FORBIDDEN).fails(404, CONTACT_404);
    export.value["responses"]["200"] = json!({
        "description": "The ZIP archive.",
        "headers": {
            "Content-Disposition": { "description": "`attachment; filename=\"contact-{id}.zip\"`.", "schema": { "type": "string" } },
            "Cache-Control": { "description": "`no-store`.", "schema": { "type": "string" } },
        },
        "content": { "application/zip": { "schema": { "type": "string", "format": "binary" } } },
    });
    export
}

fn other_ops() -> Vec<(&'static str, &'static str, Op)> {
    let (read, write, manage) = (
        who(ReadContacts),
        who(WriteContacts),
        who(ManageContactSchema),
    );
    let not_found = |what: &str| format!("`not_found`: no such {what} in this workspace.");
    vec![
        ("get", "/consent/check", op("consent", "Check consent before sending", &described("May a message of this `purpose` go to the contact on this `channel`? Send only when `allowed` is true. `transactional` and `service` are allowed unless the contact opted out; every other purpose needs a recorded opt-in on that channel; an erased contact may receive nothing. Name the contact by `contact_id`, or by an identity (`identity_channel` and `external_id`).", &read), Auth::Any)
            .query("contact_id", "The contact's id (takes precedence over the identity).", json!({ "type": "string", "example": "ct_01M82B2HPC5A7CBGX06DESGZ8Y" }))
            .query("identity_channel", "With `external_id`: the channel of an identity naming the contact.", super::contact_schemas::channel(true, "A channel with identities."))
            .query("external_id", "With `identity_channel`: the identity's id.", json!({ "type": "string", "example": "33612345678" }))
            .required_query("channel", "The channel the message would go out on.", super::contact_schemas::channel(false, "A channel."))
            .required_query("purpose", "What the message is for: `marketing`, `newsletter`, `transactional`, `service`… (1 to 40 of `a-z 0-9 _`, any case).", json!({ "type": "string", "example": "marketing" }))
            .ok(200, one("ConsentDecision")).fails(403, FORBIDDEN).fails(404, &format!("{CONTACT_404} Or `not_found`: no contact holds the identity."))
            .fails(422, "`validation_failed`: `channel` or `purpose` missing or invalid; `contact_id` when neither it nor both identity parameters are given; `identity_channel` or `external_id` invalid.")),
        ("get", "/contact-tombstones", op("contacts", "List the tombstones of erased contacts", &described("What remains of each erased contact: its id, when, the mode and the reason (`request` or `retention`); nothing personal. By contact id, newest contact first.", &read), Auth::Any)
            .query("cursor", "`meta.next_cursor` of the previous page (a contact id).", text())
            .query("limit", "Page size, 1–200 (default 50).", json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }))
            .ok(200, list_of("ContactTombstone")).fails(400, "`invalid_limit`.").fails(403, FORBIDDEN)),
        ("get", "/contact-settings", op("contacts", "Get the contact settings", &described("What erasing does, the retention policy and the default country for phone numbers.", &read), Auth::Any)
            .ok(200, one("ContactSettings")).fails(403, FORBIDDEN)),
        ("patch", "/contact-settings", op("contacts", "Update the contact settings", &described("Changes only the settings sent: `erase_mode` (`delete` or `anonymise`), `retention_days` (1–3650, `null` turns retention off), `default_country` (`null` clears it). Audited (`contact_settings.updated`).", &who(ManageContactSettings)), Auth::Any)
            .body("ContactSettingsPatch").ok(200, one("ContactSettings")).fails(403, FORBIDDEN).fails(422, INVALID)),
        ("get", "/tags", op("tags", "List tags", &described("Every tag of the workspace, by name, with how many contacts carry it.", &read), Auth::Any)
            .ok(200, list_of("Tag")).fails(403, FORBIDDEN)),
        ("post", "/tags", op("tags", "Create a tag", &described("A new tag, carried by no contact yet (tagging a contact with a new name does the same).", &write), Auth::Any)
            .body("TagIn").ok(201, one("Tag")).fails(403, FORBIDDEN).fails(409, "`tag_exists`: a tag has this name (case and diacritics aside).").fails(422, INVALID)),
        ("get", "/tags/{id}", op("tags", "Get a tag", &read, Auth::Any)
            .path_id("id", "tag").ok(200, one("Tag")).fails(403, FORBIDDEN).fails(404, &not_found("tag"))),
        ("patch", "/tags/{id}", op("tags", "Update a tag", &described("Renames, recolours or redescribes the tag (only the fields sent change); every contact and segment keeps it. A rename is audited.", &manage), Auth::Any)
            .path_id("id", "tag").body("TagPatch").ok(200, one("Tag")).fails(403, FORBIDDEN).fails(404, &not_found("tag"))
            .fails(409, "`tag_exists`: another tag has this name.").fails(422, INVALID)),
        ("delete", "/tags/{id}", op("tags", "Delete a tag", &described("Deletes the tag and takes it off every contact (audited, with how many carried it; no per-contact event). Segments naming it then match as with a deleted tag. Answers 204 without a body.", &manage), Auth::Any)
            .path_id("id", "tag").no_content().fails(403, FORBIDDEN).fails(404, &not_found("tag"))),
        ("get", "/contact-fields", op("contact-fields", "List custom fields", &described("Every custom field of the workspace, with how many contacts hold a value.", &read), Auth::Any)
            .ok(200, list_of("ContactField")).fails(403, FORBIDDEN)),
        ("post", "/contact-fields", op("contact-fields", "Create a custom field", &described("Defines a typed field; contacts then hold values for it in `fields.<key>`. Audited.", &manage), Auth::Any)
            .body("ContactFieldIn").ok(201, one("ContactField")).fails(403, FORBIDDEN)
            .fails(409, "`too_many_fields`: the workspace has the most custom fields it may.")
            .fails(422, &format!("{INVALID} `key` (invalid, reserved or taken), `label`, `kind`, `options` or `description`; all at once."))),
        ("get", "/contact-fields/{id}", op("contact-fields", "Get a custom field", &read, Auth::Any)
            .path_id("id", "fld").ok(200, one("ContactField")).fails(403, FORBIDDEN).fails(404, &not_found("field"))),
        ("patch", "/contact-fields/{id}", op("contact-fields", "Update a custom field", &described("Changes the label, description or options (only what is sent); the kind only while no contact holds a value; the key never. Audited.", &manage), Auth::Any)
            .path_id("id", "fld").body("ContactFieldPatch").ok(200, one("ContactField")).fails(403, FORBIDDEN).fails(404, &not_found("field"))
            .fails(422, &format!("{INVALID} `key` changed, `kind` changed while contacts hold values, an option in use removed (with how many contacts use it)…"))),
        ("delete", "/contact-fields/{id}", op("contact-fields", "Delete a custom field", &described("Deletes the field and every contact's value for it (no per-contact event). Segments using it report a `problem`. Audited. Answers 204 without a body.", &manage), Auth::Any)
            .path_id("id", "fld").no_content().fails(403, FORBIDDEN).fails(404, &not_found("field"))),
        ("get", "/segments", op("segments", "List segments", &described("Every segment of the workspace, by name, each with its live `contact_count`.", &read), Auth::Any)
            .ok(200, list_of("Segment")).fails(403, FORBIDDEN)),
        ("post", "/segments", op("segments", "Create a segment", &described("Saves a filter under a name (tags are stored by id). Audited.", &manage), Auth::Any)
            .body("SegmentIn").ok(201, one("Segment")).fails(403, FORBIDDEN).fails(422, &format!("{INVALID} `name`, `description`, or the filter (`filter.…`, as in the contact list)."))),
        ("get", "/segments/{id}", op("segments", "Get a segment", &described("With its live `contact_count` (null, with a `problem`, when its filter no longer holds).", &read), Auth::Any)
            .path_id("id", "seg").ok(200, one("Segment")).fails(403, FORBIDDEN).fails(404, &not_found("segment"))),
        ("patch", "/segments/{id}", op("segments", "Update a segment", &described("Changes only what is sent; a `filter` sent replaces the saved one whole. Audited.", &manage), Auth::Any)
            .path_id("id", "seg").body("SegmentPatch").ok(200, one("Segment")).fails(403, FORBIDDEN).fails(404, &not_found("segment"))
            .fails(422, &format!("{INVALID} Nothing changes."))),
        ("delete", "/segments/{id}", op("segments", "Delete a segment", &described("Its contacts stay. Audited. Answers 204 without a body.", &manage), Auth::Any)
            .path_id("id", "seg").no_content().fails(403, FORBIDDEN).fails(404, &not_found("segment"))),
        ("get", "/segments/{id}/contacts", sorted(selected(op("segments", "List a segment's contacts", &described("The contacts matching the segment's filter now, narrowed by the list's own parameters (the same as `GET /contacts`), in `sort` order.", &read), Auth::Any).path_id("id", "seg"), false))
            .ok(200, list_of("Contact")).fails(400, "`invalid_filter`, `invalid_sort`, `invalid_cursor` or `invalid_limit`.").fails(403, FORBIDDEN)
            .fails(404, &not_found("segment")).fails(422, &format!("{SELECT_422} Also when the segment's own filter no longer holds (see its `problem`)."))),
    ]
}

pub(super) fn operations() -> Vec<(&'static str, &'static str, Op)> {
    let mut ops = contact_ops();
    ops.extend(other_ops());
    ops
}
