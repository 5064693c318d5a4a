//! Applying parsed rows in the caller's transaction: recognising existing contacts, creating new
//! ones in bulk, updating or merging the ones that match. The same code runs the dry-run preview
//! (in a transaction that is rolled back) and the import itself, so the preview says exactly what
//! the import will do.
//!
//! New contacts are written together at the end of the chunk (one statement per table per few
//! hundred rows, events included): that is what keeps a 100,000-row import well under a minute.
//! A row that matches a contact goes the ordinary way through `service::apply_in`.

use std::collections::HashMap;

use playgram_core::ids::{ActivityId, ContactId, WorkspaceId};
use playgram_core::sql::{Arg, insert_many};
use playgram_core::time::now_ms;
use playgram_core::{Conn, Tx, bind_args, on_conn};
use serde::Serialize;
use serde_json::json;

use super::plan::{MatchBy, OnMatch, Plan};
use super::rows::{CellError, Record};
use crate::contacts::channel::Channel;
use crate::contacts::consent::{self, Record as ConsentRecord};
use crate::contacts::events::{ContactCreated, ContactTagAdded, TagInfo};
use crate::contacts::fields::FieldSet;
use crate::contacts::input::Profile;
use crate::contacts::model::{Contact, ContactOut, ContactRow, IdentityRow, Parts, TagRef};
use crate::contacts::tags::{self, TagRow};
use crate::contacts::timeline::By;
use crate::contacts::{fold, service, store};
use crate::events::catalog;
use crate::http::{AppError, Result};

/// What an import applies rows with.
pub struct Batch<'a> {
    pub ws: &'a WorkspaceId,
    pub plan: &'a Plan,
    pub fields: &'a FieldSet,
    pub by: &'a By,
    pub filename: &'a str,
}

#[derive(Clone, Debug, Serialize)]
pub struct CellProblem {
    pub column: String,
    pub message: String,
}

/// What happened (or, in a preview, would happen) to one row.
#[derive(Clone, Debug, Serialize)]
pub struct RowResult {
    /// 1-based data row (the header is row 0).
    pub row: usize,
    /// create, update, merge, skip or error.
    pub action: &'static str,
    pub contact_id: Option<ContactId>,
    pub errors: Vec<CellProblem>,
}

type Key = (Channel, String);

/// Who holds each email, phone and identity the chunk names (in the database, or created earlier
/// in this chunk and not yet written).
#[derive(Default)]
struct Owners {
    emails: HashMap<String, ContactId>,
    phones: HashMap<String, ContactId>,
    identities: HashMap<Key, ContactId>,
}

impl Owners {
    /// Notes that `id` now holds the row's emails, phones and identities.
    fn claim(&mut self, rec: &Record, id: &ContactId) {
        for email in &rec.emails {
            self.emails.insert(email.clone(), id.clone());
        }
        for phone in &rec.phones {
            self.phones.insert(phone.clone(), id.clone());
        }
        for (channel, external_id, _) in &rec.identities {
            self.identities
                .insert((*channel, external_id.clone()), id.clone());
        }
    }
}

struct Pending {
    contact: Contact,
    tags: Vec<TagRow>,
    consents: Vec<(Channel, String, &'static str)>,
}

pub async fn apply(
    tx: &mut Tx,
    b: &Batch<'_>,
    rows: Vec<(usize, std::result::Result<Record, Vec<CellError>>)>,
) -> Result<Vec<RowResult>> {
    let records: Vec<&Record> = rows.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    let mut owners = lookup(tx, b.ws, &records).await?;
    let tags = tag_rows(tx, b, &records).await?;
    let mut pending: Vec<Pending> = Vec::new();
    let mut results = Vec::with_capacity(rows.len());
    for (row, parsed) in &rows {
        let rec = match parsed {
            Err(errors) => {
                results.push(failed(*row, errors));
                continue;
            }
            Ok(rec) => rec,
        };
        let (matched, others) = recognise(b.plan, &owners, rec);
        let row_tags: Vec<TagRow> = tags_for(&tags, &b.plan.tags, &rec.tags);
        let Some(primary) = matched else {
            if let Some((value, owner)) = others.first() {
                results.push(failed(*row, &[(String::new(), format!(
                    "{value} belongs to contact {owner}; match on it (match_by) to update that contact instead."))]));
                continue;
            }
            let contact = new_contact(b, rec, &row_tags);
            let id = contact.row.id.clone();
            owners.claim(rec, &id);
            pending.push(Pending {
                contact,
                tags: row_tags,
                consents: rec.consents.clone(),
            });
            results.push(RowResult {
                row: *row,
                action: "create",
                contact_id: Some(id),
                errors: Vec::new(),
            });
            continue;
        };
        if b.plan.on_match == OnMatch::Skip {
            results.push(RowResult {
                row: *row,
                action: "skip",
                contact_id: Some(primary),
                errors: Vec::new(),
            });
            continue;
        }
        let distinct: Vec<ContactId> = dedup(
            others
                .iter()
                .map(|(_, o)| o.clone())
                .filter(|o| o != &primary),
        );
        if !distinct.is_empty() && b.plan.on_match == OnMatch::Update {
            let (value, owner) = others
                .iter()
                .find(|(_, o)| o != &primary)
                .cloned()
                .unwrap_or_default();
            results.push(failed(*row, &[(String::new(), format!(
                "{value} belongs to another contact ({owner}); use on_match = merge to merge them."))]));
            continue;
        }
        // The contacts it touches may have been created earlier in this chunk: write those first.
        let touches_pending = pending
            .iter()
            .any(|p| p.contact.row.id == primary || distinct.contains(&p.contact.row.id));
        if touches_pending {
            flush(tx, b, std::mem::take(&mut pending)).await?;
        }
        // A refused row leaves nothing behind and the chunk goes on (a savepoint).
        let outcome = tx
            .attempt(async |tx| update(tx, b, &primary, &distinct, rec, &row_tags).await)
            .await?;
        match outcome {
            Ok(action) => {
                for merged in &distinct {
                    owners
                        .emails
                        .values_mut()
                        .chain(owners.phones.values_mut())
                        .chain(owners.identities.values_mut())
                        .filter(|o| *o == merged)
                        .for_each(|o| *o = primary.clone());
                }
                owners.claim(rec, &primary);
                results.push(RowResult {
                    row: *row,
                    action,
                    contact_id: Some(primary),
                    errors: Vec::new(),
                });
            }
            Err(AppError::Client(e)) => results.push(failed(*row, &[(String::new(), e.message)])),
            Err(e) => return Err(e),
        }
    }
    flush(tx, b, pending).await?;
    Ok(results)
}

fn failed(row: usize, errors: &[CellError]) -> RowResult {
    RowResult {
        row,
        action: "error",
        contact_id: None,
        errors: errors
            .iter()
            .map(|(column, message)| CellProblem {
                column: column.clone(),
                message: message.clone(),
            })
            .collect(),
    }
}

fn dedup(ids: impl Iterator<Item = ContactId>) -> Vec<ContactId> {
    let mut out: Vec<ContactId> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The contact the row matches (by `match_by`, in order), and every (value, owner) of the row's
/// emails, phones and identities that belong to someone.
fn recognise(
    plan: &Plan,
    owners: &Owners,
    rec: &Record,
) -> (Option<ContactId>, Vec<(String, ContactId)>) {
    let identities: Vec<(String, ContactId)> = rec
        .identities
        .iter()
        .filter_map(|(c, id, _)| {
            owners
                .identities
                .get(&(*c, id.clone()))
                .map(|o| (format!("{c} {id}"), o.clone()))
        })
        .collect();
    let emails: Vec<(String, ContactId)> = rec
        .emails
        .iter()
        .filter_map(|e| owners.emails.get(e).map(|o| (e.clone(), o.clone())))
        .collect();
    let phones: Vec<(String, ContactId)> = rec
        .phones
        .iter()
        .filter_map(|p| owners.phones.get(p).map(|o| (p.clone(), o.clone())))
        .collect();
    let mut matched = None;
    for by in &plan.match_by {
        let found = match by {
            MatchBy::Identity => identities.first(),
            MatchBy::Email => emails.first(),
            MatchBy::Phone => phones.first(),
        };
        if let Some((_, owner)) = found {
            matched = Some(owner.clone());
            break;
        }
    }
    let all = identities.into_iter().chain(emails).chain(phones).collect();
    (matched, all)
}

async fn lookup(tx: &mut Tx, ws: &WorkspaceId, records: &[&Record]) -> sqlx::Result<Owners> {
    let mut c = Conn::Tx(tx);
    let emails: Vec<String> = records
        .iter()
        .flat_map(|r| r.emails.iter().cloned())
        .collect();
    let phones: Vec<String> = records
        .iter()
        .flat_map(|r| r.phones.iter().cloned())
        .collect();
    let mut owners = Owners {
        emails: store::owners_of_emails(&mut c, ws, &emails)
            .await?
            .into_iter()
            .collect(),
        phones: store::owners_of_phones(&mut c, ws, &phones)
            .await?
            .into_iter()
            .collect(),
        identities: HashMap::new(),
    };
    for channel in Channel::IDENTITY {
        let ids: Vec<&str> = records
            .iter()
            .flat_map(|r| r.identities.iter())
            .filter(|(c, _, _)| *c == channel)
            .map(|(_, id, _)| id.as_str())
            .collect();
        for chunk in ids.chunks(500) {
            let mut sql = playgram_core::sql::Sql::new("");
            let w = sql.arg(ws.as_str());
            let ch = sql.arg(channel.as_str());
            let list = sql.list(chunk.iter().copied());
            let text = format!(
                "SELECT external_id, contact_id FROM contact_identities WHERE workspace_id = {w} AND channel = {ch} AND external_id IN ({list})"
            );
            let found: Vec<(String, ContactId)> = on_conn!(&mut c, conn => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(text.clone())), &sql.args).fetch_all(conn).await)?;
            owners
                .identities
                .extend(found.into_iter().map(|(id, owner)| ((channel, id), owner)));
        }
    }
    Ok(owners)
}

/// Every tag the chunk names (the plan's and the rows'), created when new.
async fn tag_rows(tx: &mut Tx, b: &Batch<'_>, records: &[&Record]) -> Result<Vec<TagRow>> {
    let mut names: Vec<String> = b.plan.tags.clone();
    for rec in records {
        for tag in &rec.tags {
            if !names.iter().any(|n| fold::fold(n) == fold::fold(tag)) {
                names.push(tag.clone());
            }
        }
    }
    tags::service::resolve(tx, b.ws, &names, true).await
}

fn tags_for(all: &[TagRow], plan: &[String], row: &[String]) -> Vec<TagRow> {
    let mut out: Vec<TagRow> = Vec::new();
    for name in plan.iter().chain(row) {
        let key = fold::fold(name);
        if let Some(tag) = all.iter().find(|t| t.name_key == key)
            && !out.iter().any(|t| t.id == tag.id)
        {
            out.push(tag.clone());
        }
    }
    out
}

fn new_contact(b: &Batch<'_>, rec: &Record, tags: &[TagRow]) -> Contact {
    let now = now_ms();
    let id = ContactId::new();
    let mut values = Vec::new();
    for (key, rows) in &rec.fields {
        if let Some(field) = b.fields.by_key(key) {
            values.extend(
                rows.iter()
                    .map(|r| (field.id.clone(), r.text.clone(), r.number)),
            );
        }
    }
    Contact {
        row: ContactRow {
            id: id.clone(),
            workspace_id: b.ws.clone(),
            name: rec.name.clone().unwrap_or_default(),
            avatar_url: rec.avatar_url.clone(),
            locale: rec.locale.clone(),
            timezone: rec.timezone.clone(),
            source: "import".into(),
            first_seen_at: None,
            last_seen_at: 0,
            erased_at: None,
            created_at: now,
            updated_at: now,
        },
        parts: Parts {
            emails: rec.emails.clone(),
            phones: rec.phones.clone(),
            identities: rec
                .identities
                .iter()
                .map(|(c, external_id, username)| IdentityRow {
                    contact_id: id.clone(),
                    channel: c.as_str().to_owned(),
                    external_id: external_id.clone(),
                    username: username.clone(),
                    created_at: now,
                })
                .collect(),
            tags: tags
                .iter()
                .map(|t| TagRef {
                    contact_id: id.clone(),
                    id: t.id.clone(),
                    name: t.name.clone(),
                    color: t.color.clone(),
                })
                .collect(),
            values,
        },
    }
}

/// Writes the chunk's new contacts, their parts, timeline entries and events.
async fn flush(tx: &mut Tx, b: &Batch<'_>, pending: Vec<Pending>) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let ws = b.ws.as_str();
    let (by_type, by_id): (&str, Arg) = (b.by.kind, b.by.id.clone().into());
    let (
        mut contacts,
        mut emails,
        mut phones,
        mut identities,
        mut values,
        mut tags,
        mut activities,
    ) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let (mut created, mut tagged) = (Vec::new(), Vec::new());
    let summary = format!("Imported from {}", b.filename);
    for p in &pending {
        let r = &p.contact.row;
        let (search, name_sort) = store::search_of(b.ws, &r.name, &p.contact.parts);
        contacts.push(vec![
            r.id.as_str().into(),
            ws.into(),
            r.name.clone().into(),
            r.avatar_url.clone().into(),
            r.locale.clone().into(),
            r.timezone.clone().into(),
            r.source.clone().into(),
            name_sort.into(),
            search.into(),
            Arg::NullInt,
            r.last_seen_at.into(),
            r.created_at.into(),
            r.updated_at.into(),
        ]);
        for (i, e) in p.contact.parts.emails.iter().enumerate() {
            emails.push(vec![
                ws.into(),
                e.into(),
                r.id.as_str().into(),
                (i as i64).into(),
            ]);
        }
        for (i, ph) in p.contact.parts.phones.iter().enumerate() {
            phones.push(vec![
                ws.into(),
                ph.into(),
                r.id.as_str().into(),
                (i as i64).into(),
            ]);
        }
        for i in &p.contact.parts.identities {
            identities.push(vec![
                ws.into(),
                i.channel.clone().into(),
                i.external_id.clone().into(),
                r.id.as_str().into(),
                i.username.clone().into(),
                i.created_at.into(),
            ]);
        }
        for (field, text, number) in &p.contact.parts.values {
            values.push(vec![
                r.id.as_str().into(),
                field.as_str().into(),
                ws.into(),
                text.into(),
                text.to_lowercase().into(),
                number.map_or(Arg::NullFloat, Arg::Float),
            ]);
        }
        let mut activity = |kind: &str, summary: String, data: serde_json::Value| {
            activities.push(vec![
                ActivityId::new().to_string().into(),
                ws.into(),
                r.id.as_str().into(),
                kind.into(),
                summary.into(),
                data.to_string().into(),
                by_type.into(),
                by_id.clone(),
                r.created_at.into(),
            ]);
        };
        activity(
            "created",
            summary.clone(),
            json!({ "source": "import", "file": b.filename }),
        );
        for t in &p.tags {
            tags.push(vec![
                r.id.as_str().into(),
                t.id.as_str().into(),
                ws.into(),
                r.created_at.into(),
            ]);
            activity(
                "tag_added",
                format!("Tagged {}", t.name),
                json!({ "tag_id": t.id, "name": t.name }),
            );
            tagged.push(ContactTagAdded {
                contact_id: r.id.clone(),
                tag: TagInfo {
                    id: t.id.clone(),
                    name: t.name.clone(),
                },
                actor: b.by.clone(),
            });
        }
        created.push(ContactCreated {
            contact: ContactOut::of(&p.contact, b.fields),
            actor: b.by.clone(),
        });
    }
    insert_many(
        tx,
        "contacts",
        &[
            "id",
            "workspace_id",
            "name",
            "avatar_url",
            "locale",
            "timezone",
            "source",
            "name_sort",
            "search",
            "first_seen_at",
            "last_seen_at",
            "created_at",
            "updated_at",
        ],
        &contacts,
        "",
    )
    .await?;
    insert_many(
        tx,
        "contact_emails",
        &["workspace_id", "email", "contact_id", "position"],
        &emails,
        "",
    )
    .await?;
    insert_many(
        tx,
        "contact_phones",
        &["workspace_id", "phone", "contact_id", "position"],
        &phones,
        "",
    )
    .await?;
    insert_many(
        tx,
        "contact_identities",
        &[
            "workspace_id",
            "channel",
            "external_id",
            "contact_id",
            "username",
            "created_at",
        ],
        &identities,
        "",
    )
    .await?;
    insert_many(
        tx,
        "contact_values",
        &[
            "contact_id",
            "field_id",
            "workspace_id",
            "text_value",
            "text_lower",
            "number_value",
        ],
        &values,
        "",
    )
    .await?;
    insert_many(
        tx,
        "contact_tags",
        &["contact_id", "tag_id", "workspace_id", "created_at"],
        &tags,
        "",
    )
    .await?;
    insert_many(
        tx,
        "contact_activities",
        &[
            "id",
            "workspace_id",
            "contact_id",
            "kind",
            "summary",
            "data",
            "actor_type",
            "actor_id",
            "occurred_at",
        ],
        &activities,
        "",
    )
    .await?;
    catalog::emit_many(tx, b.ws, &created).await?;
    catalog::emit_many(tx, b.ws, &tagged).await?;
    for p in &pending {
        for (channel, purpose, status) in &p.consents {
            let record = ConsentRecord {
                channel: *channel,
                purpose: purpose.clone(),
                status,
                source: "import".into(),
                evidence: format!("Imported from {}", b.filename),
                at: now_ms(),
            };
            consent::record(tx, b.ws, &p.contact.row.id, &record, b.by).await?;
        }
    }
    Ok(())
}

/// Updates (or merges into) the contact a row matched; returns the action taken.
async fn update(
    tx: &mut Tx,
    b: &Batch<'_>,
    primary: &ContactId,
    others: &[ContactId],
    rec: &Record,
    tags: &[TagRow],
) -> Result<&'static str> {
    let mut contact = service::found_live(&mut Conn::Tx(tx), b.ws, primary.as_str()).await?;
    for other in others {
        let other = service::found_live(&mut Conn::Tx(tx), b.ws, other.as_str()).await?;
        crate::contacts::merge::merge_in(tx, b.ws, &contact, &other, b.fields, b.by).await?;
        contact = service::found_live(&mut Conn::Tx(tx), b.ws, primary.as_str()).await?;
    }
    let fill = b.plan.on_match == OnMatch::Merge;
    let union = |mine: &[String], theirs: &[String]| -> Option<Vec<String>> {
        let mut out = mine.to_vec();
        out.extend(theirs.iter().filter(|t| !mine.contains(t)).cloned());
        (out.len() != mine.len()).then_some(out)
    };
    let keep = |mine: &Option<String>, theirs: &Option<String>| -> Option<Option<String>> {
        match theirs {
            None => None,
            Some(_) if fill && mine.is_some() => None,
            Some(t) => Some(Some(t.clone())),
        }
    };
    let mut profile = Profile {
        name: rec
            .name
            .clone()
            .filter(|_| !fill || contact.row.name.trim().is_empty()),
        emails: union(&contact.parts.emails, &rec.emails),
        phones: union(&contact.parts.phones, &rec.phones),
        avatar_url: keep(&contact.row.avatar_url, &rec.avatar_url),
        locale: keep(&contact.row.locale, &rec.locale),
        timezone: keep(&contact.row.timezone, &rec.timezone),
        add_identities: rec.identities.clone(),
        ..Profile::default()
    };
    for (key, rows) in &rec.fields {
        let has = b
            .fields
            .by_key(key)
            .is_some_and(|f| contact.parts.values.iter().any(|(id, _, _)| id == &f.id));
        if !(fill && has) {
            profile.fields.insert(key.clone(), rows.clone());
        }
    }
    service::apply_in(tx, b.ws, &contact, &profile, b.fields, b.by).await?;
    tags::service::attach(tx, b.ws, primary, tags, b.by).await?;
    for (channel, purpose, status) in &rec.consents {
        let record = ConsentRecord {
            channel: *channel,
            purpose: purpose.clone(),
            status,
            source: "import".into(),
            evidence: format!("Imported from {}", b.filename),
            at: now_ms(),
        };
        consent::record(tx, b.ws, primary, &record, b.by).await?;
    }
    Ok(if others.is_empty() { "update" } else { "merge" })
}
