//! The endpoint settings form (add and edit share it): its values as typed, and reading a post
//! into the API's [`EndpointIn`]. What the form itself cannot read (JSON, header lines, numbers)
//! and what the endpoint rules refuse are reported together, each beside its field.

use std::collections::BTreeMap;

use super::super::endpoint::{DEFAULT_MAX_IN_FLIGHT, EndpointIn, Settings, subscribes};
use super::super::filter::Condition;
use crate::http::{AppError, FieldErrors};

/// The form's fields top to bottom (the first in error gets the focus).
pub const ORDER: &[&str] = &[
    "url",
    "description",
    "event_types",
    "filter",
    "rate_limit",
    "max_in_flight",
    "headers",
];

/// An example payload filter, shown beside the field.
pub const FILTER_EXAMPLE: &str = r#"[{"path": "actor.type", "op": "eq", "value": "user"}]"#;

/// The form's values, as typed (or as stored, to edit).
pub struct EndpointFields {
    pub url: String,
    pub description: String,
    /// "All events" rather than the checked types.
    pub all_events: bool,
    /// Checked names and families (`member.*`).
    pub event_types: Vec<String>,
    /// The payload filter as JSON text; empty for none.
    pub filter: String,
    pub rate_limit: String,
    pub max_in_flight: String,
    /// Custom headers, one `Name: value` a line.
    pub headers: String,
}

impl Default for EndpointFields {
    fn default() -> Self {
        EndpointFields {
            url: String::new(),
            description: String::new(),
            all_events: true,
            event_types: Vec::new(),
            filter: String::new(),
            rate_limit: String::new(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT.to_string(),
            headers: String::new(),
        }
    }
}

impl EndpointFields {
    /// The stored settings, to edit.
    pub fn of(settings: &Settings) -> EndpointFields {
        EndpointFields {
            url: settings.url.clone(),
            description: settings.description.clone(),
            all_events: settings.event_types.is_none(),
            event_types: settings.event_types.clone().unwrap_or_default(),
            filter: filter_text(&settings.filter),
            rate_limit: settings
                .rate_limit
                .map_or_else(String::new, |n| n.to_string()),
            max_in_flight: settings.max_in_flight.to_string(),
            headers: settings
                .headers
                .iter()
                .map(|(name, value)| format!("{name}: {value}"))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// A post's fields (`event_types` repeats, one per checked box).
    pub fn from_pairs(pairs: &[(String, String)]) -> EndpointFields {
        let value = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        EndpointFields {
            url: value("url"),
            description: value("description"),
            all_events: value("events") != "some",
            event_types: pairs
                .iter()
                .filter(|(k, _)| k == "event_types")
                .map(|(_, v)| v.clone())
                .collect(),
            filter: value("filter"),
            rate_limit: value("rate_limit"),
            max_in_flight: value("max_in_flight"),
            headers: value("headers"),
        }
    }

    pub fn is_checked(&self, name: &str) -> bool {
        self.event_types.iter().any(|t| t == name)
    }

    /// True when an optional setting is in use (its part of the form starts open).
    pub fn has_options(&self) -> bool {
        [&self.filter, &self.rate_limit, &self.headers]
            .iter()
            .any(|v| !v.trim().is_empty())
            || self.max_in_flight.trim() != DEFAULT_MAX_IN_FLIGHT.to_string()
    }

    /// The form as the API's input, and what the form itself could not read.
    pub fn input(&self) -> (EndpointIn, FieldErrors) {
        let mut errors = FieldErrors::new();
        let event_types = if self.all_events {
            None
        } else {
            let chosen = self.chosen_types();
            if chosen.is_empty() {
                errors.insert(
                    "event_types",
                    "Choose at least one event type, or “All events”.".into(),
                );
            }
            Some(chosen)
        };
        let filter = match self.filter.trim() {
            "" => None,
            text => match serde_json::from_str::<Vec<Condition>>(text) {
                Ok(conditions) if conditions.is_empty() => None,
                Ok(conditions) => Some(conditions),
                Err(error) => {
                    errors.insert(
                        "filter",
                        format!("Write a JSON list of conditions like the example ({error})."),
                    );
                    None
                }
            },
        };
        let mut number = |field: &'static str, text: &str, problem: &str| match text.trim() {
            "" => None,
            text => text.parse::<u32>().ok().or_else(|| {
                errors.insert(field, problem.to_owned());
                None
            }),
        };
        let rate_limit = number(
            "rate_limit",
            &self.rate_limit,
            "Enter a whole number of deliveries per second, or leave it empty for no limit.",
        );
        let max_in_flight = number(
            "max_in_flight",
            &self.max_in_flight,
            "Enter a whole number, such as 20.",
        );
        let headers = match parse_header_lines(&self.headers) {
            Ok(headers) => headers,
            Err(message) => {
                errors.insert("headers", message);
                BTreeMap::new()
            }
        };
        let input = EndpointIn {
            url: Some(self.url.clone()),
            description: Some(self.description.clone()),
            event_types: Some(event_types),
            filter: Some(filter),
            enabled: None,
            rate_limit: Some(rate_limit),
            max_in_flight,
            headers: Some((!headers.is_empty()).then_some(headers)),
        };
        (input, errors)
    }

    /// Checks the form with the endpoint rules (`apply`: create, or apply to the stored settings);
    /// every problem is reported at once.
    pub fn check(
        &self,
        apply: impl FnOnce(EndpointIn) -> Result<Settings, AppError>,
    ) -> Result<Settings, AppError> {
        let (input, mut errors) = self.input();
        match apply(input) {
            Ok(settings) if errors.is_empty() => Ok(settings),
            Ok(_) => Err(AppError::validation(errors)),
            Err(error) => {
                let fields = error.field_errors();
                if fields.is_empty() && errors.is_empty() {
                    return Err(error);
                }
                for (field, message) in fields {
                    errors.entry(field).or_insert(message);
                }
                Err(AppError::validation(errors))
            }
        }
    }

    /// The checked types, without those a checked family already covers.
    fn chosen_types(&self) -> Vec<String> {
        let is_family = |t: &&String| t.ends_with(".*");
        let families: Vec<String> = self.event_types.iter().filter(is_family).cloned().collect();
        let needed = |t: &&String| is_family(t) || !subscribes(Some(&families), t);
        self.event_types.iter().filter(needed).cloned().collect()
    }
}

/// A payload filter as the form and the pages show it: pretty JSON, or empty for none.
pub fn filter_text(filter: &[Condition]) -> String {
    match filter {
        [] => String::new(),
        conditions => serde_json::to_string_pretty(conditions).unwrap_or_default(),
    }
}

/// `Name: value` lines (blank lines skipped) into headers; the endpoint rules check the names.
fn parse_header_lines(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut headers = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!(
                "Line {}: write each header as `Name: value`.",
                n + 1
            ));
        };
        headers.insert(name.trim().to_owned(), value.trim().to_owned());
    }
    Ok(headers)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_full_form_reads_into_settings() {
        let fields = EndpointFields::from_pairs(&pairs(&[
            ("url", "https://example.com/hook"),
            ("description", "CRM"),
            ("events", "some"),
            ("event_types", "member.*"),
            ("event_types", "member.joined"),
            ("event_types", "api_key.created"),
            ("filter", FILTER_EXAMPLE),
            ("rate_limit", "5"),
            ("max_in_flight", ""),
            ("headers", "X-Team: blue\n\nAuthorization: Bearer a:b"),
        ]));
        let settings = fields.check(EndpointIn::create).unwrap();
        assert_eq!(
            settings.event_types,
            Some(vec!["member.*".into(), "api_key.created".into()]),
            "a type its checked family covers is dropped"
        );
        assert_eq!(settings.filter.len(), 1);
        assert_eq!(settings.rate_limit, Some(5));
        assert_eq!(settings.max_in_flight, DEFAULT_MAX_IN_FLIGHT);
        assert_eq!(settings.headers["authorization"], "Bearer a:b");
        let again = EndpointFields::of(&settings);
        assert!(!again.all_events && again.is_checked("member.*"));
        assert_eq!(again.headers, "authorization: Bearer a:b\nx-team: blue");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let fields = EndpointFields::from_pairs(&pairs(&[
            ("url", "ftp://example.com"),
            ("events", "some"),
            ("filter", "{not json"),
            ("rate_limit", "lots"),
            ("headers", "no colon here"),
        ]));
        let errors = fields.check(EndpointIn::create).unwrap_err().field_errors();
        let names: Vec<&str> = errors.keys().copied().collect();
        assert_eq!(
            names,
            ["event_types", "filter", "headers", "rate_limit", "url"]
        );
    }
}
