//! Meta: the WhatsApp Cloud API, Instagram messaging and Messenger. Webhooks arrive signed with the
//! app secret (`X-Hub-Signature-256`, [`signature`]) and are parsed into [`inbound::Event`]s by
//! [`whatsapp`] and [`messaging`] (Instagram and Messenger share one format).

pub mod inbound;
pub mod messaging;
pub mod signature;
pub mod whatsapp;

/// Which of Meta's webhook formats a payload is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Whatsapp,
    /// Instagram and Messenger (`object: "instagram"` or `"page"`).
    Messaging,
}

/// Removes NUL characters from every string: PostgreSQL's text refuses them, and one such message
/// would otherwise fail its whole batch again and again.
fn strip_nul(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if s.contains('\0') => s.retain(|c| c != '\0'),
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nul),
        serde_json::Value::Object(map) => map.values_mut().for_each(strip_nul),
        _ => {}
    }
}

/// Parses a verified webhook body. A body that is not JSON, or not the object this channel
/// expects, is one [`inbound::Event::Unknown`]: the caller keeps it and flags it.
pub fn parse(format: Format, body: &[u8]) -> Vec<inbound::Event> {
    let mut value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(error) => return vec![inbound::Event::unknown(format!("not JSON: {error}"))],
    };
    strip_nul(&mut value);
    match format {
        Format::Whatsapp => whatsapp::parse(&value),
        Format::Messaging => messaging::parse(&value),
    }
}
pub mod graph;
