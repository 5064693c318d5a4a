//! An endpoint's settings as a client sends them, parsed into settings that are known good.
//!
//! Decisions: event types are names from the catalog or a family such as `member.*` (new types in
//! that family are included without a change); no list means every event. Custom headers cannot
//! replace the ones the delivery itself defines (`webhook-*`, `content-type`, `content-length`,
//! `host`, `user-agent`, hop-by-hop headers). `max_in_flight` bounds one endpoint's share of the
//! sender; `rate_limit` is deliveries per second.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::filter::{self, Condition};
use super::ssrf;
use crate::events::catalog;
use crate::http::{AppError, FieldErrors};

pub const DEFAULT_MAX_IN_FLIGHT: u32 = 20;
pub const MAX_IN_FLIGHT_CAP: u32 = 256;
pub const MAX_RATE_LIMIT: u32 = 10_000;
const MAX_HEADERS: usize = 20;
const RESERVED_HEADERS: [&str; 9] = [
    "content-type",
    "content-length",
    "host",
    "user-agent",
    "connection",
    "transfer-encoding",
    "keep-alive",
    "upgrade",
    "te",
];

/// The settings of an endpoint, every one checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub url: String,
    pub description: String,
    /// `None`: every event.
    pub event_types: Option<Vec<String>>,
    pub filter: Vec<Condition>,
    pub enabled: bool,
    pub rate_limit: Option<u32>,
    pub max_in_flight: u32,
    pub headers: BTreeMap<String, String>,
}

/// `POST /api/v1/webhook-endpoints`; the same fields in a PATCH replace what is stored, and
/// `null` clears a nullable one (`event_types: null` = every event, `rate_limit: null` = none).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    /// Where to POST events: an `http` or `https` URL.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Event types (`member.joined`) or families (`member.*`); omitted or null for every event.
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub event_types: Option<Option<Vec<String>>>,
    /// Conditions on the event's `data`, all of which must hold.
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub filter: Option<Option<Vec<Condition>>>,
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Deliveries per second at most; null for no limit.
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub rate_limit: Option<Option<u32>>,
    /// Requests in flight at once (per instance), 1 to 256; default 20.
    #[serde(default)]
    pub max_in_flight: Option<u32>,
    /// Extra request headers sent with every delivery.
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub headers: Option<Option<BTreeMap<String, String>>>,
}

impl EndpointIn {
    /// The settings of a new endpoint.
    pub fn create(self) -> Result<Settings, AppError> {
        let base = Settings {
            url: String::new(),
            description: String::new(),
            event_types: None,
            filter: Vec::new(),
            enabled: true,
            rate_limit: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            headers: BTreeMap::new(),
        };
        if self.url.is_none() {
            return Err(AppError::field(
                "url",
                "Give the URL to send events to, such as https://example.com/webhooks.",
            ));
        }
        self.apply(base)
    }

    /// `current` with the fields this input names replaced, all checked; every bad field is
    /// reported at once.
    pub fn apply(self, current: Settings) -> Result<Settings, AppError> {
        let mut errors = FieldErrors::new();
        let mut next = current;
        if let Some(url) = self.url {
            match ssrf::check_url(url.trim()) {
                Ok(url) => next.url = url.to_string(),
                Err(error) => {
                    errors.insert("url", error.to_string());
                }
            }
        }
        if let Some(description) = self.description {
            if description.chars().count() > 500 {
                errors.insert("description", "Use at most 500 characters.".into());
            }
            next.description = description.trim().to_owned();
        }
        if let Some(types) = self.event_types {
            match types.map(parse_event_types).transpose() {
                Ok(types) => next.event_types = types,
                Err(message) => {
                    errors.insert("event_types", message);
                }
            }
        }
        if let Some(conditions) = self.filter {
            let conditions = conditions.unwrap_or_default();
            match filter::validate(&conditions) {
                Ok(()) => next.filter = conditions,
                Err(message) => {
                    errors.insert("filter", message);
                }
            }
        }
        if let Some(enabled) = self.enabled {
            next.enabled = enabled;
        }
        if let Some(rate) = self.rate_limit {
            match rate {
                Some(n) if n == 0 || n > MAX_RATE_LIMIT => {
                    errors.insert(
                        "rate_limit",
                        format!(
                            "Use 1 to {MAX_RATE_LIMIT} deliveries per second, or null for no limit."
                        ),
                    );
                }
                rate => next.rate_limit = rate,
            }
        }
        if let Some(max) = self.max_in_flight {
            if max == 0 || max > MAX_IN_FLIGHT_CAP {
                errors.insert(
                    "max_in_flight",
                    format!("Use 1 to {MAX_IN_FLIGHT_CAP} requests in flight."),
                );
            }
            next.max_in_flight = max.clamp(1, MAX_IN_FLIGHT_CAP);
        }
        if let Some(headers) = self.headers {
            match parse_headers(headers.unwrap_or_default()) {
                Ok(headers) => next.headers = headers,
                Err(message) => {
                    errors.insert("headers", message);
                }
            }
        }
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(AppError::validation(errors))
        }
    }
}

fn parse_event_types(types: Vec<String>) -> Result<Vec<String>, String> {
    if types.is_empty() {
        return Err("List at least one event type, or send null for every event.".into());
    }
    let known = catalog::catalog();
    let mut out: Vec<String> = Vec::new();
    for name in types {
        let name = name.trim().to_owned();
        let valid = match name.strip_suffix(".*") {
            Some(family) => known
                .iter()
                .any(|t| t.name.starts_with(&format!("{family}."))),
            None => known.iter().any(|t| t.name == name),
        };
        if !valid {
            return Err(format!(
                "`{name}` is not an event type. See GET /api/v1/event-types; a family such as `member.*` is allowed."
            ));
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// True when `kind` is one of `types` (exact names or `family.*`).
pub fn subscribes(types: Option<&[String]>, kind: &str) -> bool {
    types.is_none_or(|types| {
        types.iter().any(|t| match t.strip_suffix(".*") {
            Some(family) => kind
                .strip_prefix(family)
                .is_some_and(|r| r.starts_with('.')),
            None => t == kind,
        })
    })
}

fn parse_headers(headers: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, String> {
    if headers.len() > MAX_HEADERS {
        return Err(format!("Use at most {MAX_HEADERS} custom headers."));
    }
    let mut out = BTreeMap::new();
    for (name, value) in headers {
        let lower = name.trim().to_ascii_lowercase();
        let token = !lower.is_empty()
            && lower.len() <= 100
            && lower
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(format!("`{name}` is not a valid header name."));
        }
        if lower.starts_with("webhook-") || RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(format!(
                "`{name}` is set by every delivery and cannot be replaced."
            ));
        }
        if value.len() > 1000 || value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(format!(
                "The value of `{name}` must be at most 1,000 characters on one line."
            ));
        }
        out.insert(lower, value);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn families_and_names_subscribe() {
        let types = vec!["member.*".to_owned(), "api_key.created".to_owned()];
        assert!(subscribes(Some(&types), "member.joined"));
        assert!(subscribes(Some(&types), "api_key.created"));
        assert!(!subscribes(Some(&types), "api_key.revoked"));
        assert!(!subscribes(Some(&types), "members.x"));
        assert!(subscribes(None, "anything.at_all"));
    }

    #[test]
    fn headers_are_checked() {
        let ok = BTreeMap::from([("X-Team".to_owned(), "blue".to_owned())]);
        assert_eq!(parse_headers(ok).unwrap()["x-team"], "blue");
        for bad in ["webhook-id", "Content-Type", "bad header", ""] {
            let headers = BTreeMap::from([(bad.to_owned(), "v".to_owned())]);
            assert!(parse_headers(headers).is_err(), "{bad}");
        }
        let multiline = BTreeMap::from([("x-a".to_owned(), "a\r\nb".to_owned())]);
        assert!(parse_headers(multiline).is_err());
    }
}
