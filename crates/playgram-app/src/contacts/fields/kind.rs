//! Field kinds and their values: what each accepts, how it is stored and shown.

use chrono::{DateTime, NaiveDate};
use playgram_core::ids::FieldId;
use serde_json::Value;

use crate::accounts::fields::Email;
use crate::contacts::phone::Phone;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Boolean,
    Date,
    Datetime,
    Select,
    MultiSelect,
    Url,
    Email,
    Phone,
}

/// One stored row of a value (a multi-select has one per chosen option).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredValue {
    pub text: String,
    pub number: Option<f64>,
}

const MAX_TEXT: usize = 2_000;
const DAY_MS: f64 = 86_400_000.0;

impl FieldKind {
    pub const ALL: [FieldKind; 10] = [
        FieldKind::Text,
        FieldKind::Number,
        FieldKind::Boolean,
        FieldKind::Date,
        FieldKind::Datetime,
        FieldKind::Select,
        FieldKind::MultiSelect,
        FieldKind::Url,
        FieldKind::Email,
        FieldKind::Phone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Boolean => "boolean",
            FieldKind::Date => "date",
            FieldKind::Datetime => "datetime",
            FieldKind::Select => "select",
            FieldKind::MultiSelect => "multi_select",
            FieldKind::Url => "url",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Text => "Text",
            FieldKind::Number => "Number",
            FieldKind::Boolean => "Yes / no",
            FieldKind::Date => "Date",
            FieldKind::Datetime => "Date and time",
            FieldKind::Select => "One of a list",
            FieldKind::MultiSelect => "Several of a list",
            FieldKind::Url => "Web address",
            FieldKind::Email => "Email",
            FieldKind::Phone => "Phone",
        }
    }

    pub fn parse(text: &str) -> Option<FieldKind> {
        FieldKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim())
    }

    pub fn has_options(self) -> bool {
        matches!(self, FieldKind::Select | FieldKind::MultiSelect)
    }

    /// True when values compare as numbers (`number_value`) rather than text.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldKind::Number | FieldKind::Boolean | FieldKind::Date | FieldKind::Datetime
        )
    }

    /// Parses a value sent as JSON (the API) or as text (a form, a file cell). `Ok(vec![])`
    /// clears the field.
    pub fn parse_value(
        self,
        options: &[String],
        value: &Value,
        default_country: Option<&str>,
    ) -> Result<Vec<StoredValue>, String> {
        match value {
            Value::Null => Ok(Vec::new()),
            Value::String(text) if text.trim().is_empty() => Ok(Vec::new()),
            Value::Array(items) if self == FieldKind::MultiSelect => {
                let mut out: Vec<StoredValue> = Vec::new();
                for item in items {
                    let Value::String(text) = item else {
                        return Err("Give the chosen options as a list of texts.".into());
                    };
                    let option = choose(options, text)?;
                    if !out.iter().any(|v| v.text == option) {
                        out.push(StoredValue {
                            text: option,
                            number: None,
                        });
                    }
                }
                Ok(out)
            }
            Value::Bool(b) if self == FieldKind::Boolean => Ok(vec![boolean(*b)]),
            Value::Number(n) if self == FieldKind::Number => number(n.as_f64(), &n.to_string()),
            Value::String(text) => self.parse_text(options, text.trim(), default_country),
            _ => Err(format!("Expected {}.", self.expects())),
        }
    }

    /// Parses a value written as text.
    pub fn parse_text(
        self,
        options: &[String],
        text: &str,
        default_country: Option<&str>,
    ) -> Result<Vec<StoredValue>, String> {
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let single = |text: String, number: Option<f64>| Ok(vec![StoredValue { text, number }]);
        match self {
            FieldKind::Text => {
                if text.chars().count() > MAX_TEXT {
                    return Err(format!("Use at most {MAX_TEXT} characters."));
                }
                single(text.to_owned(), None)
            }
            FieldKind::Number => {
                let cleaned = text.replace([' ', '_'], "");
                number(cleaned.parse::<f64>().ok(), &cleaned)
            }
            FieldKind::Boolean => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" | "on" => Ok(vec![boolean(true)]),
                "false" | "no" | "n" | "0" | "off" => Ok(vec![boolean(false)]),
                _ => Err("Expected true or false (yes/no).".into()),
            },
            FieldKind::Date => {
                let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| "Expected a date as YYYY-MM-DD.".to_owned())?;
                let ms = date
                    .and_hms_opt(0, 0, 0)
                    .map(|d| d.and_utc().timestamp_millis())
                    .unwrap_or_default();
                single(date.format("%Y-%m-%d").to_string(), Some(ms as f64))
            }
            FieldKind::Datetime => {
                let at = DateTime::parse_from_rfc3339(text).map_err(|_| {
                    "Expected a date and time in RFC 3339, such as 2026-12-03T14:30:00Z.".to_owned()
                })?;
                let ms = at.timestamp_millis();
                single(playgram_core::time::rfc3339(ms), Some(ms as f64))
            }
            FieldKind::Select => single(choose(options, text)?, None),
            FieldKind::MultiSelect => {
                let mut out: Vec<StoredValue> = Vec::new();
                for part in text
                    .split([',', ';'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    let option = choose(options, part)?;
                    if !out.iter().any(|v| v.text == option) {
                        out.push(StoredValue {
                            text: option,
                            number: None,
                        });
                    }
                }
                Ok(out)
            }
            FieldKind::Url => {
                let url = url::Url::parse(text)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                    .ok_or_else(|| "Expected a web address starting with https://.".to_owned())?;
                if text.len() > MAX_TEXT {
                    return Err(format!("Use at most {MAX_TEXT} characters."));
                }
                single(url.to_string(), None)
            }
            FieldKind::Email => {
                let email = Email::parse(text)
                    .map_err(|_| "Expected an email address like name@example.com.".to_owned())?;
                single(email.as_str().to_owned(), None)
            }
            FieldKind::Phone => single(Phone::parse(text, default_country)?.into_string(), None),
        }
    }

    /// What a value of this kind looks like, for error messages.
    pub fn expects(self) -> &'static str {
        match self {
            FieldKind::Text => "a text",
            FieldKind::Number => "a number",
            FieldKind::Boolean => "true or false",
            FieldKind::Date => "a date as YYYY-MM-DD",
            FieldKind::Datetime => "an RFC 3339 date and time",
            FieldKind::Select => "one of the field's options",
            FieldKind::MultiSelect => "a list of the field's options",
            FieldKind::Url => "a web address",
            FieldKind::Email => "an email address",
            FieldKind::Phone => "a phone number",
        }
    }

    /// Stored rows back as the API's JSON value.
    pub fn to_json(self, options: &[String], rows: &[&(FieldId, String, Option<f64>)]) -> Value {
        match self {
            FieldKind::MultiSelect => {
                // In the order the options are defined, which people chose them from.
                let mut chosen: Vec<&str> = rows.iter().map(|(_, t, _)| t.as_str()).collect();
                chosen.sort_by_key(|t| options.iter().position(|o| o == t).unwrap_or(usize::MAX));
                Value::from(chosen)
            }
            FieldKind::Number => rows
                .first()
                .and_then(|(_, _, n)| *n)
                .and_then(serde_json::Number::from_f64)
                .map(|n| {
                    // Whole numbers without a fraction: 3, not 3.0.
                    match n.as_f64() {
                        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
                        _ => Value::Number(n),
                    }
                })
                .unwrap_or(Value::Null),
            FieldKind::Boolean => rows
                .first()
                .map(|(_, t, _)| Value::Bool(t == "true"))
                .unwrap_or(Value::Null),
            _ => rows
                .first()
                .map(|(_, t, _)| Value::String(t.clone()))
                .unwrap_or(Value::Null),
        }
    }

    /// A stored value as one line of text (exports, the dashboard).
    pub fn to_text(self, options: &[String], rows: &[&(FieldId, String, Option<f64>)]) -> String {
        match self.to_json(options, rows) {
            Value::Null => String::new(),
            Value::String(s) => s,
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        }
    }
}

fn boolean(b: bool) -> StoredValue {
    StoredValue {
        text: b.to_string(),
        number: Some(if b { 1.0 } else { 0.0 }),
    }
}

fn number(n: Option<f64>, text: &str) -> Result<Vec<StoredValue>, String> {
    match n {
        Some(n) if n.is_finite() => Ok(vec![StoredValue {
            text: text.to_owned(),
            number: Some(n),
        }]),
        _ => Err("Expected a number, such as 42 or 3.5.".into()),
    }
}

/// The option `text` names (case and diacritics aside), in its defined spelling.
fn choose(options: &[String], text: &str) -> Result<String, String> {
    let wanted = crate::contacts::fold::fold(text.trim());
    options
        .iter()
        .find(|o| crate::contacts::fold::fold(o) == wanted)
        .cloned()
        .ok_or_else(|| {
            let shown: Vec<&str> = options.iter().take(10).map(String::as_str).collect();
            format!(
                "`{}` is not one of the options: {}.",
                text.trim(),
                shown.join(", ")
            )
        })
}

/// Midnight UTC of a date, in ms (what date values compare as).
pub fn date_ms(date: NaiveDate) -> f64 {
    date.and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc().timestamp_millis() as f64)
        .unwrap_or_default()
}

/// How many ms a day is, for date comparisons.
pub const DAY: f64 = DAY_MS;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(v: Result<Vec<StoredValue>, String>) -> Vec<String> {
        v.unwrap_or_default().into_iter().map(|v| v.text).collect()
    }

    #[test]
    fn each_kind_accepts_its_values_and_refuses_others() {
        let opts = vec!["Gold".to_owned(), "Silver".to_owned()];
        let k = |kind: FieldKind, v: Value| kind.parse_value(&opts, &v, Some("FR"));
        assert_eq!(
            k(FieldKind::Number, json!(42)).unwrap()[0].number,
            Some(42.0)
        );
        assert_eq!(
            k(FieldKind::Number, json!("1 000.5")).unwrap()[0].number,
            Some(1000.5)
        );
        assert!(k(FieldKind::Number, json!("abc")).is_err());
        assert!(k(FieldKind::Number, json!(true)).is_err());
        assert_eq!(texts(k(FieldKind::Boolean, json!("Yes"))), ["true"]);
        assert!(k(FieldKind::Boolean, json!("maybe")).is_err());
        assert_eq!(
            texts(k(FieldKind::Date, json!("2026-02-28"))),
            ["2026-02-28"]
        );
        assert!(k(FieldKind::Date, json!("2026-02-30")).is_err());
        assert_eq!(
            texts(k(FieldKind::Datetime, json!("2026-12-03T15:30:00+01:00"))),
            ["2026-12-03T14:30:00.000Z"]
        );
        assert_eq!(texts(k(FieldKind::Select, json!("gold"))), ["Gold"]);
        assert!(
            k(FieldKind::Select, json!("Bronze"))
                .unwrap_err()
                .contains("Gold, Silver")
        );
        assert_eq!(
            texts(k(FieldKind::MultiSelect, json!(["silver", "Gold", "gold"]))),
            ["Silver", "Gold"]
        );
        assert_eq!(
            texts(k(FieldKind::MultiSelect, json!("Gold; silver"))),
            ["Gold", "Silver"]
        );
        assert!(k(FieldKind::Url, json!("javascript:alert(1)")).is_err());
        assert_eq!(
            texts(k(FieldKind::Email, json!(" Ana@Example.com "))),
            ["ana@example.com"]
        );
        assert_eq!(
            texts(k(FieldKind::Phone, json!("06 12 34 56 78"))),
            ["+33612345678"]
        );
        assert!(k(FieldKind::Text, json!("")).unwrap().is_empty());
        assert!(k(FieldKind::Text, json!(null)).unwrap().is_empty());
    }
}
