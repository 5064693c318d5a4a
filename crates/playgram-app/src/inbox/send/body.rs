//! What the provider is sent for a stored reply, and a template's readable preview.

use playgram_core::ids::ChannelId;
use playgram_core::{Tx, on_tx};
use serde_json::{Value, json};

use super::TemplateIn;
use crate::http::{AppError, Result};
use crate::inbox::channels::Kind;
use crate::inbox::conversations::MessageRow;

/// The request body for `POST /{id}/messages` of this channel kind.
pub fn request(kind: Kind, to: &str, message: &MessageRow, reply_to: Option<&str>) -> Value {
    let content: Value = serde_json::from_str(&message.content).unwrap_or_default();
    if kind == Kind::Whatsapp {
        let mut body = match message.kind.as_str() {
            "template" => {
                let t = &content["template"];
                let parameters: Vec<Value> = t["variables"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| json!({ "type": "text", "text": v }))
                    .collect();
                let mut template =
                    json!({ "name": t["name"], "language": { "code": t["language"] } });
                if !parameters.is_empty() {
                    template["components"] = json!([{ "type": "body", "parameters": parameters }]);
                }
                json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template", "template": template })
            }
            "interactive" => {
                let buttons: Vec<Value> = content["buttons"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| json!({ "type": "reply", "reply": { "id": b["id"], "title": b["title"] } }))
                    .collect();
                json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "interactive",
                        "interactive": { "type": "button", "body": { "text": message.text }, "action": { "buttons": buttons } } })
            }
            "image" | "video" | "audio" | "document" => {
                let media = &content["media"];
                // A stored file was uploaded to Meta's media API first (see the send job).
                let mut part = match media["id"].as_str() {
                    Some(id) => json!({ "id": id }),
                    None => json!({ "link": media["url"] }),
                };
                if message.kind != "audio" && !message.text.is_empty() {
                    part["caption"] = json!(message.text);
                }
                if message.kind == "document" && media["filename"].is_string() {
                    part["filename"] = media["filename"].clone();
                }
                json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": message.kind, message.kind.as_str(): part })
            }
            _ => playgram_providers::meta::graph::whatsapp_text(to, &message.text, None),
        };
        if let Some(id) = reply_to {
            body["context"] = json!({ "message_id": id });
        }
        return body;
    }
    let human_agent = content["human_agent"] == true;
    let mut body = playgram_providers::meta::graph::messaging_text(to, &message.text, human_agent);
    match message.kind.as_str() {
        "image" | "video" | "audio" | "document" => {
            let kind = if message.kind == "document" {
                "file"
            } else {
                message.kind.as_str()
            };
            body["message"] = json!({ "attachment": { "type": kind, "payload": { "url": content["media"]["url"] } } });
        }
        "interactive" => {
            let replies: Vec<Value> = content["buttons"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| json!({ "content_type": "text", "title": b["title"], "payload": b["id"] }))
                .collect();
            body["message"]["quick_replies"] = json!(replies);
        }
        _ => {}
    }
    body
}

/// The template's body with the variables filled in, from the synced or webhook-reported
/// template; refused unless it is approved.
pub async fn template_preview(tx: &mut Tx, channel: &ChannelId, t: &TemplateIn) -> Result<String> {
    let found: Option<(String, String)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT status, components FROM whatsapp_templates WHERE channel_id = $1 AND name = $2 AND language = $3")
        .bind(channel).bind(&t.name).bind(&t.language).fetch_optional(conn).await)?;
    let Some((status, components)) = found else {
        return Err(AppError::field(
            "template",
            "This channel has no such template in that language: sync the templates or check the name.",
        ));
    };
    if status != "APPROVED" {
        return Err(AppError::field(
            "template",
            format!("This template is {status}: only approved templates can be sent."),
        ));
    }
    let components: Value = serde_json::from_str(&components).unwrap_or_default();
    let body = components
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| {
            c["type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("body"))
        })
        .and_then(|c| c["text"].as_str())
        .unwrap_or(&t.name)
        .to_owned();
    let needed = (1..=20)
        .take_while(|n| body.contains(&format!("{{{{{n}}}}}")))
        .count();
    if t.variables.len() != needed {
        return Err(AppError::field(
            "template",
            format!(
                "This template takes {needed} variables; {} were given.",
                t.variables.len()
            ),
        ));
    }
    Ok(fill(&body, &t.variables))
}

/// `{{1}}`, `{{2}}`, … replaced by the variables.
pub fn fill(text: &str, variables: &[String]) -> String {
    let mut out = text.to_owned();
    for (i, v) in variables.iter().enumerate() {
        out = out.replace(&format!("{{{{{}}}}}", i + 1), v);
    }
    out
}
