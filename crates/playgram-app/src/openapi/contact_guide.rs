//! The contacts part of the document's prose: the descriptions of the `contacts`, `tags`,
//! `contact-fields`, `segments` and `consent` tags, written for a developer integrating from them.
//! What the code already knows (sorts, channels, field kinds and their operators, the contact
//! events, who may do what) is read from it, so the text cannot drift from the handlers.

use crate::auth::{Capability, Role, Scope};
use crate::contacts::channel::Channel;
use crate::contacts::fields::FieldKind;
use crate::contacts::fields::service::{MAX_FIELDS, MAX_OPTIONS, RESERVED_KEYS};
use crate::contacts::filter::Op;
use crate::contacts::input::{MAX_EMAILS, MAX_NAME, MAX_PHONES};
use crate::contacts::query::Sort;
use crate::contacts::settings::MAX_RETENTION_DAYS;

/// `a`, `a or b`, `a, b or c`.
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn code(items: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<String> {
    items
        .into_iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect()
}

/// Who may do what `capability` guards, from `auth::capability`: "Owner, admin or manager (scope
/// `contacts:manage`)."
pub(super) fn who(capability: Capability) -> String {
    let roles: Vec<String> = Role::ALL
        .iter()
        .filter(|r| r.can(capability))
        .map(|r| r.as_str().to_owned())
        .collect();
    let roles = if roles.len() == Role::ALL.len() {
        "Every role".to_owned()
    } else {
        let text = either(&roles);
        let mut chars = text.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    };
    let scopes: Vec<&str> = Scope::ALL
        .iter()
        .filter(|s| s.capabilities().contains(&capability))
        .map(|s| s.as_str())
        .collect();
    let scopes = match scopes.as_slice() {
        [] => "no API-key scope".to_owned(),
        [one] => format!("scope `{one}`"),
        [first, rest @ ..] => format!(
            "scope `{first}`, also granted by {}",
            either(&code(rest.iter()))
        ),
    };
    format!("{roles} ({scopes}).")
}

fn channels(list: &[Channel]) -> String {
    either(&code(list.iter().map(|c| c.as_str())))
}

/// The sort values, for the `contacts` tag and the `sort` parameter.
pub(super) fn sorts() -> String {
    let lines: Vec<String> = Sort::ALL
        .iter()
        .map(|s| format!("- `{}`: {}", s.as_str(), s.label()))
        .collect();
    lines.join("\n")
}

/// Which operators each field kind takes (`filter::Op::allowed`).
pub(super) fn operators() -> String {
    let lines: Vec<String> = FieldKind::ALL
        .iter()
        .map(|k| {
            format!(
                "- `{}`: {}",
                k.as_str(),
                code(Op::allowed(*k).iter()).join(", ")
            )
        })
        .collect();
    lines.join("\n")
}

/// The contact events of the catalog, with their descriptions.
fn contact_events() -> String {
    let lines: Vec<String> = crate::events::catalog::catalog()
        .iter()
        .filter(|t| t.name.starts_with("contact"))
        .map(|t| format!("- `{}`: {}", t.name, t.description))
        .collect();
    lines.join("\n")
}

fn access() -> String {
    let rows = [
        (
            "Read contacts, counts, timelines, history, consent, tags, fields, segments, tombstones and the contact settings; check consent",
            Capability::ReadContacts,
        ),
        (
            "Create, upsert, change, tag and untag, link and unlink identities, merge, record consent, create tags, bulk-tag",
            Capability::WriteContacts,
        ),
        (
            "Define custom fields and segments, rename and delete tags",
            Capability::ManageContactSchema,
        ),
        (
            "Delete and erase contacts (one by one or in bulk)",
            Capability::DeleteContacts,
        ),
        (
            "Export one contact's data (GDPR)",
            Capability::ExportContacts,
        ),
        (
            "Change the contact settings (erasure mode, retention, default country)",
            Capability::ManageContactSettings,
        ),
    ];
    let lines: Vec<String> = rows
        .iter()
        .map(|(what, cap)| format!("- {what}: {}", who(*cap)))
        .collect();
    format!(
        "{}\n\nA refused role gets 403 `forbidden`; an API key without the scope gets 403 `insufficient_scope`. Scopes add up: `contacts:manage` alone deletes but does not create or tag, so a key that does both needs `contacts:write` too.",
        lines.join("\n")
    )
}

const CONTACTS: &str = r#"Contacts, the CRM: one record per person across every channel. A person who writes on WhatsApp and on Instagram is one contact with two identities.

### A contact

- `name` (at most $MAX_NAME characters, spaces collapsed; may be empty) and `display_name` (the name, else the first email, phone or `@username`: what lists show).
- `emails`: at most $MAX_EMAILS, lower-cased, duplicates dropped, the first is the primary one.
- `phones`: at most $MAX_PHONES, stored in E.164 (`+33612345678`) however they were written. A number without a country code uses the workspace's `default_country` (`GET/PATCH /contact-settings`); without one it is refused.
- `identities`: the ids the channels know the person by, on $IDENTITY_CHANNELS: a WhatsApp `wa_id` (the number's digits, `+` dropped), an Instagram-scoped id (with its `username`, without `@`), a Messenger PSID, a Manychat subscriber id, a website visitor id.
- `locale` (BCP 47, canonical case: `es_es` becomes `es-ES`), `timezone` (IANA, `Europe/Paris`), `avatar_url` (http or https), `source` (how it arrived: `api` by default, the channel's name for an upsert), `tags`, and custom `fields` by key (see the `contact-fields` tag).
- `first_seen_at` / `last_seen_at`: when the person was first and last active on a channel (an upsert with `seen: true`); null until then. `erased_at`: set on a contact erased in `anonymise` mode.

**One person, one record.** Within a workspace each email, each phone and each identity (channel and external id) belongs to at most one contact; other workspaces may hold the same ones. Giving a contact one that another contact holds (creating, `PATCH`, linking an identity, upserting) is refused with **409 `contact_exists`** and `details: {attribute, value, contact_id}` naming the contact that holds it: merge the two instead. Two writers racing for the same value get the same code (without `details` when the database's unique index caught it).

**Upsert by identity.** `POST /contacts/upsert` with `channel` and `external_id` finds the contact that holds the identity, or creates it (`201`, `created: true`; source: the channel). On a contact found (`200`, `created: false`) the emails, phones and tags given are added to its own, every other attribute given overwrites, and what is not given stays. Concurrent upserts of one new identity create one contact. This is how the channels record inbound messages.

### Lists, search and filters

`GET /contacts` (and `GET /contacts/count`, `GET /segments/{id}/contacts`) selects with `q`, `filter`, `segment`, `tag` and `channel`, all of which must hold. Erased contacts are never listed.

**Search** (`q`): each word must match the start of a word of the name, of an email (split at its punctuation: `jnunez@correo.es` is found by `jnunez`, `correo` or `jnunez@correo`), of a phone, of an identity's external id or username (`ana.k_99` is also found by `anak99`). Case and diacritics are ignored: `jose` finds José, `zoe odegard` finds Zoë Ødegård. A query of digits with spaces, `+`, `-`, `(`, `)` or `.` (at least three digits) is one phone number: `+33 6 12 34 56 78`, `33612345678` and the national `0612345678` all find `+33612345678`. At most 8 words are used.

**Filters** (`filter`, URL-encoded JSON; the same object a segment saves and `POST /contacts/bulk` takes):

```json
{ "q": "ana",
  "tags": { "any": ["VIP"], "all": [], "none": ["Blocked"] },
  "fields": [{ "field": "plan", "op": "eq", "value": "Gold" }],
  "created": { "after": "2026-01-01T00:00:00Z", "before": null },
  "last_seen": { "after": null, "before": null, "never": false },
  "channels": ["whatsapp"],
  "consent": { "channel": "whatsapp", "purpose": "marketing", "status": "opted_in" } }
```

Every part must hold (AND); every part is optional.
- `tags`: `any` (at least one of), `all` (each of), `none` (none of). Tags are named by name (case and diacritics aside) or id, and stored by id, so a segment survives a rename; an unknown name is refused; a deleted tag (an unknown `tag_…` id) matches nobody in `any`/`all` and excludes nobody in `none`.
- `fields`: at most 20 conditions on custom fields, named by key. The operators depend on the field's kind:
$OPERATORS

  `in`, `not_in`, `has_any`, `has_all` and `has_none` take a list of 1 to 100 values, `between` takes `[from, to]` (both included), `is_set` and `is_not_set` take none, the others one value, written as the field's values are (see `contact-fields`). Text compares without regard to case; `contains` and `starts_with` on url, email and phone fields compare the text as typed. The negative operators (`neq`, `not_in`, `not_contains`, `has_none`) include contacts without a value, as "is not Gold" does in speech.
- `created`, `last_seen`: `after` (included) and `before` (excluded), RFC 3339 times or dates (`2026-12-03`: that day's midnight UTC). `last_seen.never: true`: contacts never seen on a channel.
- `channels`: contacts reachable on any of them: an identity on the channel, an email for `email`, a phone for `sms`. Channels: $ALL_CHANNELS.
- `consent`: the contact's current consent for that channel and purpose is `opted_in`, `opted_out`, or `unknown` (nothing recorded).

Shortcuts: `tag` adds one tag (name or id) to `tags.all`, `channel` one channel to `channels`, `q` replaces `filter.q`; `segment` (a `seg_…` id) adds the segment's saved filter. A `filter` that is not JSON, or names an unknown part, is refused with 400 `invalid_filter`; one that does not fit the workspace (an unknown tag or field, an operator the kind does not take, a value the field refuses, a bad date) with 422 `validation_failed`, whose `details.fields` names the part: `filter.tags.any`, `filter.fields[0]`, `filter.created.after`, `filter.consent.status`… An unknown segment is 400 `invalid_segment`.

**Sorting** (`sort`, default `-created_at`; `-` is descending):
$SORTS

Names sort by the folded display name (case and diacritics aside); contacts never seen sort as the least recently seen; ties break by id. Another value is 400 `invalid_sort`.

**Paging**: `limit` is 1–200 (default 50; another is 400 `invalid_limit`). While more contacts follow, `meta.next_cursor` is set: pass it back as `cursor` with the same `sort` and the same selection. Pages are read by keyset, so a contact added meanwhile is neither skipped nor shown twice, however deep the page. A cursor this list did not give out, or one made for another sort, is 400 `invalid_cursor`.

### Merging

`POST /contacts/{id}/merge` with `other_id` folds the other contact into this one (`id` stays) and removes it. The kept contact takes over its identities, emails, phones, tags, field values, consent, timeline and field history. Conflicts: the kept contact's name, avatar, locale and time zone win and the other's fill its blanks; a custom field it has keeps its value, one it lacks takes the other's; for each channel and purpose the more recent consent wins; first seen is the earlier, last seen the later. The merge is audited and raises `contact.merged`; a snapshot of the removed contact is kept (it appears in the GDPR export's `merged.json`); there is no undo.

Afterwards the removed id answers **404 `contact_merged`** on every endpoint that takes a contact id in its path (and in `consent/check`), with `details.merged_into` naming the contact it went into (following later merges); follow it. Upserting one of its identities finds the kept contact. (Once the kept contact is deleted or erased, the removed id is plain `not_found`.)

### GDPR

- **Right of access**: `GET /contacts/{id}/gdpr-export` answers a ZIP (`application/zip`, `contact-{id}.zip`): `README.txt`, `contact.json` (the profile, identities, tags, custom fields), `consents.json` (current consent per channel and purpose, with source, time and evidence), `timeline.json` (every interaction and change, newest first, consent history included), `history.json` (every attribute change: old and new value, who, when), `merged.json` (contacts merged into this one, as they were) and `files/`. Each export is audited (`contact.gdpr_exported`).
- **Right to be forgotten**: `POST /contacts/{id}/erase` follows the workspace's `erase_mode`. `delete` (the default) removes every row about the contact: its id then answers 404 `not_found`. `anonymise` keeps the row (so conversations and orders keep their shape) with every personal attribute emptied and its emails, phones, identities, tags, values, consent, timeline and history removed: `GET /contacts/{id}` still answers it, with `erased_at` set; it is left out of lists, search and counts, changing it is 409 `contact_erased`, and the consent check refuses every send. Either way the merge snapshots that mention it go, and a **tombstone** stays in `GET /contact-tombstones`: the id, when, the mode and the reason (`request` or `retention`), nothing personal. Erasing is audited (`contact.erased`) and raises `contact.deleted` with `erased: true`.
- **Retention**: with `retention_days` set (1 to $MAX_RETENTION days; null, the default, keeps contacts), a daily job erases the contacts whose last activity (last seen, else creation) is older, at most 5,000 per workspace a day, with reason `retention` and actor `system`.
- `DELETE /contacts/{id}` deletes a contact with everything about it, without a tombstone (`contact.deleted` with `erased: false`).

### Bulk actions

`POST /contacts/bulk` tags (`add_tags`, creating tags that do not exist), untags (`remove_tags`), deletes (`delete`) or erases (`erase`, in the workspace's mode) many contacts. Name them with exactly one of:
- `contact_ids` (1 to 1,000): done now, in one transaction, answered **200** with `changed` (contacts erased in `anonymise` mode are skipped; an id not in the workspace refuses the whole request with 422 on `contact_ids`);
- `filter` or `segment_id`: answered **202** with `job_id` (a `contacts.bulk` job: follow it with `GET /jobs/{id}`, which needs `jobs:read`) and `matched`, how many contacts matched when it was queued. The job works through the contacts matching when it runs, 500 at a time. An empty filter `{}` selects every contact of the workspace.

Each contact changed raises its own events (`contact.tag_added`, `contact.deleted`…); bulk deletes and erasures are audited.

### Events

Every change raises an event (see `GET /event-types` for their schemas; webhooks subscribe with `contact.*`, which takes every `contact.` type; `contact_import.*` is its own family):
$EVENTS

Each carries `actor`: `{type: user|api_key|system, id}` (`system` for retention). Changes to the tags and fields themselves raise no event (renaming or deleting a tag and every change to a field or segment are audited).

### Who may do what

$ACCESS"#;

/// The `contacts` tag's description.
pub(super) fn contacts_tag() -> String {
    CONTACTS
        .replace("$MAX_NAME", &MAX_NAME.to_string())
        .replace("$MAX_EMAILS", &MAX_EMAILS.to_string())
        .replace("$MAX_PHONES", &MAX_PHONES.to_string())
        .replace("$IDENTITY_CHANNELS", &channels(&Channel::IDENTITY))
        .replace("$ALL_CHANNELS", &channels(&Channel::ALL))
        .replace("$OPERATORS", &indent(&operators()))
        .replace("$SORTS", &sorts())
        .replace("$MAX_RETENTION", &MAX_RETENTION_DAYS.to_string())
        .replace("$EVENTS", &contact_events())
        .replace("$ACCESS", &access())
}

/// The list nested under a list item.
fn indent(lines: &str) -> String {
    lines
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `tags` tag's description.
pub(super) fn tags_tag() -> String {
    format!(
        "Tags: named, coloured labels on contacts, with how many contacts carry each (`contact_count`). Names have 1 to 50 characters, without commas or semicolons, and are compared without regard to case or diacritics: `VIP` and `vip` are one tag (a second is 409 `tag_exists`). A colour is `#rrggbb`; without one a tag gets a colour chosen from its name. Tagging a contact with a name that does not exist yet creates the tag. Contacts, filters and segments name tags by name or by id (`tag_…`); segments store ids, so renaming a tag keeps every contact's tag and every segment. Deleting a tag takes it off every contact at once: it is audited, and raises no per-contact event or timeline entry. Listing and reading: {} Creating: {} Renaming, recolouring and deleting: {}",
        who(Capability::ReadContacts),
        who(Capability::WriteContacts),
        who(Capability::ManageContactSchema)
    )
}

/// The `contact-fields` tag's description.
pub(super) fn fields_tag() -> String {
    let kinds = either(&code(FieldKind::ALL.iter().map(|k| k.as_str())));
    format!(
        "Custom contact fields: typed definitions ({kinds}) whose values contacts hold in `fields`, by key. A workspace has at most {MAX_FIELDS} fields.\n\n\
- `key` (`plan`, `vip_level`) is how the API, imports and filters name the field: 1 to 40 of `a-z 0-9 _`, starting with a letter, derived from the label when not given, and it never changes. The profile's own attributes are not available as keys: {reserved}.\n\
- `kind` cannot change once a contact holds a value (the values would stop meaning what they meant); the label, description and options can.\n\
- `select` and `multi_select` fields have 1 to {MAX_OPTIONS} `options` (at most 100 characters, without commas or semicolons; duplicates, case aside, dropped). Removing an option that contacts still use is refused, with how many use it.\n\n\
Values, as sent in a contact's `fields` and as answered: `text` a string (at most 2,000 characters); `number` a finite number (`42`, `3.5`, or a string such as `\"1 000.5\"`); `boolean` `true`/`false` (or the strings yes/no, 1/0, on/off); `date` `YYYY-MM-DD`; `datetime` RFC 3339 (answered in UTC, `2026-12-03T09:00:00.000Z`); `select` one option (matched without regard to case, answered in its defined spelling); `multi_select` a list of options (answered in the options' order); `url` an http(s) address; `email` and `phone` as in the profile (phones answered in E.164). `null` or `\"\"` clears a value; an unknown key or a value the kind refuses is 422 `validation_failed` on `fields.<key>`. Deleting a field deletes every contact's value for it (and a segment that used it reports a `problem`).\n\n\
Listing and reading: {read} Defining, changing and deleting: {manage}",
        reserved = code(RESERVED_KEYS.iter()).join(", "),
        read = who(Capability::ReadContacts),
        manage = who(Capability::ManageContactSchema),
    )
}

/// The `segments` tag's description.
pub(super) fn segments_tag() -> String {
    format!(
        "Segments: saved contact filters (the format is in the `contacts` tag) with a live `contact_count`, counted each time a segment is read, so it is always current. Tags in a segment's filter are stored by id, so renaming a tag keeps the segment. A segment whose filter no longer holds (it names a field that was deleted) answers `contact_count: null` and says why in `problem`; listing its contacts is then refused (422). Use a segment as `GET /segments/{{id}}/contacts`, as `segment` in `GET /contacts` and `GET /contacts/count` (narrowed by their own parameters), or as `segment_id` in `POST /contacts/bulk`. Names need not be unique. Listing and reading: {} Saving, changing and deleting: {}",
        who(Capability::ReadContacts),
        who(Capability::ManageContactSchema)
    )
}

/// The `consent` tag's description.
pub(super) fn consent_tag() -> String {
    let without = code(crate::contacts::consent::WITHOUT_OPT_IN.iter()).join(" and ");
    format!(
        "Consent: each contact's opt-in or opt-out per channel ({}) and purpose (1 to 40 of `a-z 0-9 _`: `marketing`, `newsletter`, `transactional`…), with its source, time and evidence.\n\n\
**The rule.** The purposes {without} (order updates, replies to the person's own questions) may be sent unless the person opted out; every other purpose (`marketing`, `newsletter`, `surveys`, …) needs a recorded opt-in on that channel. An erased contact may receive nothing. Opting in on one channel says nothing of another.\n\n\
**Before every send**, ask `GET /consent/check` with the contact (`contact_id`, or `identity_channel` and `external_id`), the `channel` the message would go out on and its `purpose`; send only when `allowed` is true. The answer also gives the current `status` (`opted_in`, `opted_out` or `unknown`: nothing recorded), the `rule` applied (`opt_in_required` or `opt_out_respected`), a `reason` in words, and when and how the current record was made.\n\n\
**Recording.** `POST /contacts/{{id}}/consents` records an opt-in or opt-out with its `source` (how it was given: `form`, `keyword`, `checkbox`, `import`, `verbal`…; default `api` for API keys, `dashboard` for people), `evidence` (the message text, the form's URL, a reference to a signed paper) and `recorded_at` (when it was given, if not now; never in the future). A record older than the current one is kept as history only: it does not change the current state, yet it raises `contact.consent_changed` like any record (with its older `recorded_at` and the current status as `previous_status`: compare `recorded_at` before mirroring the status). Every record goes into the contact's timeline (kind `consent_changed`, with the previous status), so the proof of an opt-in outlives later changes, and raises `contact.consent_changed`.\n\n\
Reading and checking: {} Recording: {}",
        channels(&Channel::ALL),
        who(Capability::ReadContacts),
        who(Capability::WriteContacts)
    )
}
