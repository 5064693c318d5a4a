//! A filter in words, for the pages: "Tagged VIP or Lead · Plan is Gold · on WhatsApp", so a
//! segment says what it selects. Tags are named by their current names (a deleted one says so);
//! fields by their labels.

use super::channel::Channel;
use super::fields::FieldSet;
use super::filter::{Filter, Range};
use super::tags::TagRow;

/// The filter's parts in words; empty for a filter that selects everyone.
pub fn describe(filter: &Filter, tags: &[TagRow], fields: &FieldSet) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        parts.push(format!("matching “{}”", q.trim()));
    }
    if let Some(t) = &filter.tags {
        let names = |list: &[String], joiner: &str| {
            list.iter()
                .map(|name| tag_name(tags, name))
                .collect::<Vec<_>>()
                .join(joiner)
        };
        if !t.any.is_empty() {
            parts.push(format!("tagged {}", names(&t.any, " or ")));
        }
        if !t.all.is_empty() {
            parts.push(format!("tagged {}", names(&t.all, " and ")));
        }
        if !t.none.is_empty() {
            parts.push(format!("not tagged {}", names(&t.none, " or ")));
        }
    }
    for c in &filter.fields {
        let label = fields
            .by_key(&c.field)
            .map_or_else(|| c.field.clone(), |f| f.label.clone());
        let value = match &c.value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let op = match c.op.trim() {
            "eq" => "is",
            "neq" => "is not",
            "lt" => "is less than",
            "lte" => "is at most",
            "gt" => "is more than",
            "gte" => "is at least",
            "between" => "is between",
            "contains" => "contains",
            "not_contains" => "does not contain",
            "starts_with" => "starts with",
            "in" | "has_any" => "is one of",
            "not_in" | "has_none" => "is none of",
            "has_all" => "has all of",
            "is_set" => "is set",
            "is_not_set" => "is not set",
            other => other,
        };
        parts.push(format!("{label} {op} {value}").trim_end().to_owned());
    }
    if let Some(r) = &filter.created {
        parts.extend(range("created", r));
    }
    if let Some(r) = &filter.last_seen {
        if r.never {
            parts.push("never seen".to_owned());
        }
        parts.extend(range("last seen", r));
    }
    if !filter.channels.is_empty() {
        let names: Vec<String> = filter.channels.iter().map(|c| channel_name(c)).collect();
        parts.push(format!("on {}", names.join(" or ")));
    }
    if let Some(c) = &filter.consent {
        let channel = channel_name(&c.channel);
        let status = match c.status.as_str() {
            "opted_in" => "opted in to",
            "opted_out" => "opted out of",
            _ => "no consent recorded for",
        };
        parts.push(format!("{status} {} on {channel}", c.purpose));
    }
    parts
}

fn channel_name(name: &str) -> String {
    Channel::parse(name).map_or_else(|| name.to_owned(), |c| c.label().to_owned())
}

fn tag_name(tags: &[TagRow], name: &str) -> String {
    tags.iter()
        .find(|t| t.id.as_str() == name.trim())
        .map_or_else(
            || {
                if name.starts_with("tag_") {
                    "a deleted tag".to_owned()
                } else {
                    name.trim().to_owned()
                }
            },
            |t| t.name.clone(),
        )
}

fn range(what: &str, r: &Range) -> Vec<String> {
    let day = |t: &str| t.get(..10).unwrap_or(t).to_owned();
    let mut out = Vec::new();
    if let Some(after) = r.after.as_deref().filter(|t| !t.is_empty()) {
        out.push(format!("{what} from {}", day(after)));
    }
    if let Some(before) = r.before.as_deref().filter(|t| !t.is_empty()) {
        out.push(format!("{what} before {}", day(before)));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_as_words() {
        let filter: Filter = serde_json::from_value(serde_json::json!({
            "q": "silva",
            "tags": { "any": ["VIP", "Lead"], "none": ["tag_01M90000000000000000000000"] },
            "fields": [{ "field": "plan", "op": "eq", "value": "Gold" }, { "field": "topics", "op": "has_any", "value": ["Yoga", "Surf"] }],
            "created": { "after": "2026-01-01T00:00:00Z" },
            "last_seen": { "never": true },
            "channels": ["whatsapp"],
            "consent": { "channel": "whatsapp", "purpose": "marketing", "status": "opted_in" },
        }))
        .unwrap();
        let parts = describe(&filter, &[], &FieldSet::default());
        assert_eq!(
            parts,
            [
                "matching “silva”",
                "tagged VIP or Lead",
                "not tagged a deleted tag",
                "plan is Gold",
                "topics is one of Yoga, Surf",
                "created from 2026-01-01",
                "never seen",
                "on WhatsApp",
                "opted in to marketing on WhatsApp",
            ]
        );
        assert!(describe(&Filter::default(), &[], &FieldSet::default()).is_empty());
    }
}
