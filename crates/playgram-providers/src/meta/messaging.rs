//! Instagram and Messenger webhooks (`object` `instagram` or `page`): `entry[].messaging[]` carries
//! messages, echoes, deletions, reactions, postbacks, referrals, reads and (Messenger) deliveries;
//! `entry[].changes[]` (Facebook Login) or `entry[].field`/`value` (Instagram Login) carries
//! comments. Events without an id of their own (postbacks and referrals on Messenger) get one made
//! of sender and time, so a redelivery is still stored once.

use serde_json::{Value, json};

use super::inbound::{Event, Message, Person, Status, field};

pub fn parse(payload: &Value) -> Vec<Event> {
    let object = payload["object"].as_str().unwrap_or_default();
    if object != "instagram" && object != "page" {
        return vec![Event::unknown(format!(
            "object {} is not instagram or page",
            payload["object"]
        ))];
    }
    let mut events = Vec::new();
    for entry in payload["entry"].as_array().into_iter().flatten() {
        let time = millis(&entry["time"]);
        let mut known = false;
        for item in entry["messaging"].as_array().into_iter().flatten() {
            known = true;
            events.push(messaging(item));
        }
        for change in entry["changes"].as_array().into_iter().flatten() {
            known = true;
            events.push(change_event(&change["field"], &change["value"], time));
        }
        if entry.get("field").is_some() {
            known = true;
            events.push(change_event(&entry["field"], &entry["value"], time));
        }
        if !known {
            events.push(Event::unknown("an entry with no messaging or changes"));
        }
    }
    if events.is_empty() {
        events.push(Event::unknown("no entry"));
    }
    events
}

fn messaging(item: &Value) -> Event {
    let sender = field(&item["sender"], "id");
    let at = millis(&item["timestamp"]);
    let customer = Person {
        id: sender.clone(),
        ..Person::default()
    };
    if let Some(message) = item.get("message") {
        if message["is_deleted"] == true {
            return Event::Deleted {
                customer,
                target: field(message, "mid"),
                at,
            };
        }
        if message["is_echo"] == true {
            let recipient = Person {
                id: field(&item["recipient"], "id"),
                ..Person::default()
            };
            return Event::Echo(customer_message(message, recipient, at));
        }
        return Event::Message(customer_message(message, customer, at));
    }
    if let Some(reaction) = item.get("reaction") {
        let emoji = (reaction["action"] != "unreact")
            .then(|| reaction["emoji"].as_str().or(reaction["reaction"].as_str()))
            .flatten();
        return Event::Reaction {
            customer,
            target: field(reaction, "mid"),
            emoji: emoji.map(str::to_owned),
            at,
        };
    }
    if let Some(postback) = item.get("postback") {
        let id = postback["mid"]
            .as_str()
            .map_or_else(|| format!("postback:{sender}:{at}"), str::to_owned);
        return Event::Message(Message {
            customer,
            provider_id: id,
            kind: "postback".into(),
            text: field(postback, "title"),
            content: json!({ "reply": { "type": "postback", "payload": postback["payload"], "title": postback["title"] } }),
            reply_to: None,
            at,
            flag: None,
        });
    }
    if let Some(referral) = item.get("referral") {
        let source = referral["source"].as_str().unwrap_or("a link");
        let text = match referral["ref"].as_str() {
            Some(r) => format!("Opened the conversation from {source} (ref {r})"),
            None => format!("Opened the conversation from {source}"),
        };
        return Event::Message(Message {
            customer,
            provider_id: format!("referral:{sender}:{at}"),
            kind: "referral".into(),
            text,
            content: json!({ "referral": referral }),
            reply_to: None,
            at,
            flag: None,
        });
    }
    if let Some(read) = item.get("read") {
        return Event::Seen {
            customer,
            target: read["mid"].as_str().map(str::to_owned),
            at,
        };
    }
    if let Some(delivery) = item.get("delivery") {
        // Messenger only: one event for several of our messages; the first stands for all.
        if let Some(mid) = delivery["mids"].get(0).and_then(Value::as_str) {
            return Event::Status(Status {
                provider_id: mid.to_owned(),
                status: "delivered".into(),
                recipient: sender,
                at,
                error: None,
            });
        }
    }
    let keys: Vec<&str> = item
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    Event::unknown(format!("messaging item with {}", keys.join(", ")))
}

fn customer_message(message: &Value, customer: Person, at: i64) -> Message {
    let mut content = json!({});
    let mut kind = "text".to_owned();
    let mut text = field(message, "text");
    if let Some(quick) = message.get("quick_reply") {
        kind = "interactive".into();
        content["reply"] =
            json!({ "type": "quick_reply", "payload": quick["payload"], "title": message["text"] });
    }
    if let Some(attachments) = message["attachments"].as_array().filter(|a| !a.is_empty()) {
        let first = attachments[0]["type"].as_str().unwrap_or("file");
        kind = match first {
            "image" | "video" | "audio" => first.to_owned(),
            "file" => "document".to_owned(),
            // Shared posts, reels, story mentions and replies, templates, fallbacks: a link.
            _ => "share".to_owned(),
        };
        content["attachments"] = Value::Array(attachments.clone());
        if text.is_empty() && kind == "share" {
            text = first.replace('_', " ");
        }
    }
    if let Some(story) = message["reply_to"].get("story") {
        content["story"] = story.clone();
    }
    Message {
        customer,
        provider_id: field(message, "mid"),
        kind,
        text,
        content,
        reply_to: message["reply_to"]["mid"].as_str().map(str::to_owned),
        at,
        flag: None,
    }
}

/// A `changes[]` item (or an Instagram Login entry's own `field`/`value`).
fn change_event(name: &Value, value: &Value, time: i64) -> Event {
    if name != "comments" && name != "feed" {
        return Event::unknown(format!("field {name}"));
    }
    let from = &value["from"];
    let customer = Person {
        id: field(from, "id"),
        name: from["name"].as_str().map(str::to_owned),
        username: from["username"].as_str().map(str::to_owned),
    };
    let id = value["id"]
        .as_str()
        .or(value["comment_id"].as_str())
        .unwrap_or_default();
    Event::Message(Message {
        customer,
        provider_id: format!("comment:{id}"),
        kind: "comment".into(),
        text: value["text"]
            .as_str()
            .or(value["message"].as_str())
            .unwrap_or_default()
            .to_owned(),
        content: json!({ "comment": { "id": id, "media": value["media"], "parent_id": value["parent_id"] } }),
        reply_to: None,
        at: time,
        flag: None,
    })
}

/// Instagram and Messenger send milliseconds; a comment entry's `time` is in seconds.
fn millis(value: &Value) -> i64 {
    let n = value.as_i64().unwrap_or(0);
    if n > 0 && n < 100_000_000_000 {
        n * 1000
    } else {
        n
    }
}
