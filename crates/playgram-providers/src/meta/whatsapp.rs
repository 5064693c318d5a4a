//! WhatsApp Cloud API webhooks: `entry[].changes[]` with `field` `messages` (customer messages,
//! with the senders' profiles in `contacts[]`, and `statuses[]` of ours) or
//! `message_template_status_update`. Every message type Meta documents becomes a [`Message`] whose
//! `text` is what a person reads in the list; a type we do not know is kept as `unsupported` and
//! flagged.

use serde_json::{Value, json};

use super::inbound::{Event, Message, Person, Status, TemplateStatus, error_of, field, text_of};

pub fn parse(payload: &Value) -> Vec<Event> {
    if payload["object"] != "whatsapp_business_account" {
        return vec![Event::unknown(format!(
            "object {} is not whatsapp_business_account",
            payload["object"]
        ))];
    }
    let mut events = Vec::new();
    for entry in payload["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            let value = &change["value"];
            match change["field"].as_str().unwrap_or_default() {
                "messages" => messages(value, &mut events),
                "message_template_status_update" => events.push(template_status(value)),
                other => events.push(Event::unknown(format!("field {other:?}"))),
            }
        }
    }
    if events.is_empty() {
        events.push(Event::unknown("no entry with a change"));
    }
    events
}

fn messages(value: &Value, events: &mut Vec<Event>) {
    let profiles = value["contacts"].as_array().cloned().unwrap_or_default();
    let person = |wa_id: &str| Person {
        id: wa_id.to_owned(),
        name: profiles
            .iter()
            .find(|c| c["wa_id"] == wa_id)
            .and_then(|c| c["profile"]["name"].as_str())
            .map(str::to_owned),
        username: None,
    };
    let mut known = false;
    for m in value["messages"].as_array().into_iter().flatten() {
        known = true;
        let customer = person(&field(m, "from"));
        let at = seconds(&m["timestamp"]);
        if m["type"] == "reaction" {
            let emoji = m["reaction"]["emoji"].as_str().filter(|e| !e.is_empty());
            events.push(Event::Reaction {
                customer,
                target: field(&m["reaction"], "message_id"),
                emoji: emoji.map(str::to_owned),
                at,
            });
            continue;
        }
        events.push(Event::Message(message(m, customer, at)));
    }
    for s in value["statuses"].as_array().into_iter().flatten() {
        known = true;
        events.push(Event::Status(Status {
            provider_id: field(s, "id"),
            status: field(s, "status"),
            recipient: field(s, "recipient_id"),
            at: seconds(&s["timestamp"]),
            error: s["errors"].get(0).and_then(error_of),
        }));
    }
    if let Some(errors) = value["errors"].as_array() {
        known = true;
        for error in errors {
            let (code, reason) = error_of(error).unwrap_or_default();
            events.push(Event::unknown(format!(
                "WhatsApp reported error {code}: {reason}"
            )));
        }
    }
    if !known {
        events.push(Event::unknown(
            "a messages change with no messages or statuses",
        ));
    }
}

fn message(m: &Value, customer: Person, at: i64) -> Message {
    let kind = m["type"].as_str().unwrap_or("unsupported").to_owned();
    let body = &m[kind.as_str()];
    let mut flag = None;
    let (text, content) = match kind.as_str() {
        "text" => (field(body, "body"), json!({})),
        "image" | "video" | "audio" | "document" | "sticker" => {
            let text = body["caption"]
                .as_str()
                .or(body["filename"].as_str())
                .unwrap_or_default()
                .to_owned();
            (text, json!({ "media": media(body) }))
        }
        "location" => {
            let label = [body["name"].as_str(), body["address"].as_str()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            (label, json!({ "location": body }))
        }
        "contacts" => {
            let names: Vec<String> = body
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["name"]["formatted_name"].as_str().map(str::to_owned))
                .collect();
            (names.join(", "), json!({ "contacts": body }))
        }
        "interactive" => {
            let reply_type = body["type"].as_str().unwrap_or_default();
            let reply = &body[reply_type];
            let text = reply["title"]
                .as_str()
                .or(reply["body"].as_str())
                .unwrap_or_default()
                .to_owned();
            (
                text,
                json!({ "reply": { "type": reply_type, "id": reply["id"], "title": reply["title"], "description": reply["description"] } }),
            )
        }
        "button" => (
            field(body, "text"),
            json!({ "reply": { "type": "button", "payload": body["payload"], "title": body["text"] } }),
        ),
        "order" => (field(body, "text"), json!({ "order": body })),
        "system" => (field(body, "body"), json!({ "system": body })),
        "unsupported" => {
            let error = m["errors"].get(0).and_then(error_of);
            let text = error
                .as_ref()
                .map(|(_, reason)| reason.clone())
                .unwrap_or_default();
            (text, json!({ "errors": m["errors"] }))
        }
        other => {
            flag = Some(format!("message type {other:?}"));
            (String::new(), json!({ "original": m }))
        }
    };
    let mut content = content;
    if m["context"]["forwarded"] == true || m["context"]["frequently_forwarded"] == true {
        content["forwarded"] = json!(true);
    }
    if m.get("referral").is_some() {
        content["referral"] = m["referral"].clone();
    }
    Message {
        customer,
        provider_id: field(m, "id"),
        kind: if flag.is_some() {
            "unsupported".into()
        } else {
            kind
        },
        text,
        content,
        reply_to: m["context"]["id"].as_str().map(str::to_owned),
        at,
        flag,
    }
}

/// The media fields we keep: the id to download with, its type and checksum, and the direct URL
/// newer webhooks carry.
fn media(body: &Value) -> Value {
    let mut media = json!({});
    for key in [
        "id",
        "mime_type",
        "sha256",
        "filename",
        "voice",
        "animated",
        "url",
    ] {
        if let Some(v) = body.get(key) {
            media[key] = v.clone();
        }
    }
    media
}

fn template_status(value: &Value) -> Event {
    let detail = value["rejection_info"]["reason"].as_str();
    let reason = match (value["reason"].as_str().filter(|r| *r != "NONE"), detail) {
        (Some(code), Some(detail)) => Some(format!("{code}: {detail}")),
        (Some(code), None) => Some(code.to_owned()),
        (None, detail) => detail.map(str::to_owned),
    };
    Event::TemplateStatus(TemplateStatus {
        external_id: field(value, "message_template_id"),
        name: field(value, "message_template_name"),
        language: field(value, "message_template_language"),
        category: value["message_template_category"]
            .as_str()
            .map(str::to_owned),
        status: field(value, "event"),
        reason,
    })
}

/// WhatsApp's timestamps: seconds since the epoch, as a string (or a number).
fn seconds(value: &Value) -> i64 {
    text_of(value)
        .and_then(|t| t.parse::<i64>().ok())
        .map_or(0, |s| s.saturating_mul(1000))
}
