//! `/app/webhooks/bins/{id}`: one bin — its capture URL with a copy button and a curl example, and
//! its captured requests, newest first, each expandable (headers table, body pretty-printed when it
//! is JSON). `app.js` follows the bin's stream and adds new captures at the top as they arrive;
//! without it the page is as fresh as its last load.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::IntoResponse;

use super::api::CaptureOut;
use super::service;
use super::store::{self, CaptureRow};
use super::views::{BinView, FLASH_KIND, Notice};
use crate::auth::Capability;
use crate::pages::{Chrome, PageResult, Stamp};
use crate::state::AppState;

/// Captures shown on the page; the API pages through all of them.
const SHOWN: i64 = 50;

/// One captured request as the page shows it.
pub struct CaptureView {
    pub id: String,
    pub method: String,
    /// The path after the bin's URL (`/` when none) with `?query`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// `json` (pretty-printed), `text`, `base64` or `empty`.
    pub body_kind: &'static str,
    pub body: String,
    pub size: String,
    pub truncated: bool,
    pub remote_addr: String,
    pub received: Stamp,
}

impl From<CaptureRow> for CaptureView {
    fn from(row: CaptureRow) -> Self {
        let out = CaptureOut::from(row);
        let path = if out.path.is_empty() { "/" } else { &out.path };
        let target = if out.query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", out.query)
        };
        let (body_kind, body) = if out.body_encoding == "base64" {
            ("base64", out.body)
        } else if out.body.is_empty() {
            ("empty", out.body)
        } else {
            match pretty_json(&out.body) {
                Some(pretty) => ("json", pretty),
                None => ("text", out.body),
            }
        };
        CaptureView {
            id: out.id.to_string(),
            method: out.method,
            target,
            headers: out.headers,
            body_kind,
            body,
            size: human_bytes(out.body_size),
            truncated: out.truncated,
            remote_addr: out.remote_addr.unwrap_or_default(),
            received: Stamp::new(out.received_at),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "request_bin.html")]
pub struct BinPage {
    pub chrome: Chrome,
    pub bin: BinView,
    pub captures: Vec<CaptureView>,
    /// The bin holds more captures than the page shows.
    pub more: bool,
    /// The newest capture shown: the live stream resumes after it ("" when there is none).
    pub live_after: String,
    pub can_manage: bool,
    pub notice: Option<Notice>,
    pub curl: String,
    pub retention_hours: i64,
    pub max_body: String,
    pub rate_per_minute: u32,
}

impl BinPage {
    /// How many captures a bin keeps, written for people (`1,000`).
    pub fn keep_per_bin(&self) -> String {
        let digits = super::capture::KEEP_PER_BIN.to_string();
        let mut out = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(digit);
        }
        out
    }
}

pub async fn show_bin(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> PageResult {
    let bin = service::load(&state, chrome.principal()?, &id).await?;
    let rows = store::list_captures(&state.db, &bin.id, None, SHOWN).await?;
    let notice: Option<Notice> = chrome.take_once(&state, FLASH_KIND).await?;
    let bin = BinView::of(&state, bin);
    let config = &state.config;
    Ok(BinPage {
        live_after: rows.first().map(|r| r.id.to_string()).unwrap_or_default(),
        more: bin.captures > rows.len() as i64,
        captures: rows.into_iter().map(CaptureView::from).collect(),
        curl: format!(
            "curl -X POST '{}/hello?source=curl' -H 'Content-Type: application/json' -d '{{\"hello\":\"world\"}}'",
            bin.url
        ),
        bin,
        can_manage: chrome.can(Capability::ManageWebhooks),
        notice,
        retention_hours: config.request_bin_retention_hours,
        max_body: human_bytes(config.request_bin_max_body_bytes as i64),
        rate_per_minute: config.request_bin_rate_per_minute,
        chrome,
    }
    .into_response())
}

/// `1234` → `1.2 KB` (powers of 1024, as `request_bin_max_body_bytes` is usually given).
pub fn human_bytes(n: i64) -> String {
    match n {
        n if n < 1024 => format!("{n} B"),
        n if n < 1024 * 1024 => trim_unit(n as f64 / 1024.0, "KB"),
        n => trim_unit(n as f64 / (1024.0 * 1024.0), "MB"),
    }
}

fn trim_unit(value: f64, unit: &str) -> String {
    let text = format!("{value:.1}");
    format!("{} {unit}", text.trim_end_matches(".0"))
}

/// A JSON object or array re-indented by two spaces, its text otherwise untouched (key order,
/// number spelling and escapes stay exactly as sent); `None` when the body is not JSON.
pub fn pretty_json(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('['))
        || serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_err()
    {
        return None;
    }
    let chars: Vec<char> = trimmed.chars().collect();
    let mut out = String::with_capacity(trimmed.len() * 2);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let next = chars[i..].iter().position(|c| !c.is_whitespace());
                let closes = next.is_some_and(|at| matches!(chars[i + at], '}' | ']'));
                if closes {
                    i += next.unwrap_or(0);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                if !matches!(out.chars().next_back(), Some('{' | '[')) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_reindented_without_reordering() {
        let pretty = pretty_json(r#"{"z":1,"a":[1, 2,{}],"s":"a, b: {c}\"","e":[],"n":1.50}"#);
        assert_eq!(
            pretty.as_deref(),
            Some(
                "{\n  \"z\": 1,\n  \"a\": [\n    1,\n    2,\n    {}\n  ],\n  \"s\": \"a, b: {c}\\\"\",\n  \"e\": [],\n  \"n\": 1.50\n}"
            )
        );
        assert_eq!(pretty_json("not json"), None);
        assert_eq!(pretty_json("{\"open\": "), None);
        assert_eq!(pretty_json("42"), None, "only objects and arrays");
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(262_144), "256 KB");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3 MB");
    }
}
