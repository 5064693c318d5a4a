//! The Webhooks pages: `/app/webhooks` (endpoints with their last day's delivery health, the add
//! form), `/app/webhooks/{ep_…}` (the delivery log with a chart, test send, recovery, the signing
//! secret, settings) and `/app/webhooks/messages/{msg_…}` (one message with every attempt, resend).
//! Request bins have their own pages under `/app/webhooks/bins` (`bins::views`).
//!
//! Every action is a form post that goes through [`super::service`] (the same rules and audit
//! entries as the API), then redirects with a one-time message (post, redirect, get). A new,
//! revealed or rotated signing secret travels the same way, sealed (`auth::flash`), so it shows
//! once and a refresh never repeats the post. The settings form shows its field errors in place.

pub mod actions;
pub mod chart;
pub mod detail;
pub mod endpoints;
pub mod event_types;
pub mod form;
pub mod messages;

use std::collections::BTreeMap;

use playgram_core::time::{Millis, to_datetime};
use serde::{Deserialize, Serialize};

use super::messages::StatusCount;
use super::store::{self, EndpointRow};
use crate::auth::Principal;
use crate::http::AppError;
use crate::pages::{Chrome, PageError, PageResult, Stamp};
use crate::state::AppState;

const NOTICE_KIND: &str = "webhooks_notice";
const SECRET_KIND: &str = "webhook_secret";

/// A one-time message from a post to the page it redirects to.
#[derive(Serialize, Deserialize)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

async fn tell(chrome: &Chrome, state: &AppState, ok: bool, text: String, to: &str) -> PageResult {
    chrome
        .show_once(state, NOTICE_KIND, &Notice { ok, text }, to)
        .await
}

/// A signing secret just created, revealed or rotated, carried sealed to the page that shows it.
#[derive(Serialize, Deserialize)]
struct NewSecret {
    endpoint_id: String,
    url: String,
    secret: String,
    /// `created`, `revealed` or `rotated`.
    why: String,
    previous_until: Option<Millis>,
}

/// A signing secret shown once.
pub struct SecretView {
    pub endpoint_id: String,
    pub url: String,
    pub secret: String,
    pub why: String,
    pub previous_until: Option<Stamp>,
}

impl From<NewSecret> for SecretView {
    fn from(n: NewSecret) -> Self {
        SecretView {
            endpoint_id: n.endpoint_id,
            url: n.url,
            secret: n.secret,
            why: n.why,
            previous_until: Stamp::maybe(n.previous_until),
        }
    }
}

/// Messages created in the last 24 hours, by their status now.
#[derive(Clone, Copy, Default)]
pub struct Health {
    pub delivered: i64,
    pub pending: i64,
    pub failing: i64,
    pub failed: i64,
}

impl Health {
    pub fn is_empty(&self) -> bool {
        self.delivered + self.pending + self.failing + self.failed == 0
    }

    /// Per endpoint, from one grouped count of the workspace's messages.
    fn by_endpoint(counts: &[StatusCount]) -> BTreeMap<String, Health> {
        let mut out: BTreeMap<String, Health> = BTreeMap::new();
        for row in counts {
            out.entry(row.endpoint_id.to_string())
                .or_default()
                .add(&row.status, row.count);
        }
        out
    }

    fn add(&mut self, status: &str, count: i64) {
        match status {
            "delivered" => self.delivered += count,
            "failing" => self.failing += count,
            "failed" => self.failed += count,
            _ => self.pending += count,
        }
    }
}

/// One endpoint as the pages show it.
pub struct EndpointView {
    pub id: String,
    pub url: String,
    pub description: String,
    /// Names and families; empty for every event.
    pub event_types: Vec<String>,
    /// The payload filter, pretty-printed; empty for none.
    pub filter: String,
    pub enabled: bool,
    /// manual, gone or failing.
    pub disabled_reason: String,
    pub disabled_at: Option<Stamp>,
    pub failing_since: Option<Stamp>,
    pub rate_limit: Option<u32>,
    pub max_in_flight: u32,
    /// Custom header names (their values are in the settings form, for those who may edit it).
    pub header_names: Vec<String>,
    pub previous_secret_until: Option<Stamp>,
    pub created: Stamp,
    pub health: Health,
}

impl EndpointView {
    pub fn of(state: &AppState, row: &EndpointRow, health: Health) -> EndpointView {
        let out = super::api::EndpointOut::of(state, row);
        EndpointView {
            id: out.id.to_string(),
            url: out.url,
            description: out.description,
            event_types: out.event_types.unwrap_or_default(),
            filter: form::filter_text(&out.filter),
            enabled: out.enabled,
            disabled_reason: out.disabled_reason.unwrap_or_else(|| "manual".into()),
            disabled_at: Stamp::maybe(out.disabled_at),
            failing_since: Stamp::maybe(out.failing_since),
            rate_limit: out.rate_limit,
            max_in_flight: out.max_in_flight,
            header_names: out.headers.into_keys().collect(),
            previous_secret_until: Stamp::maybe(out.previous_secret_until),
            created: Stamp::new(out.created_at),
            health,
        }
    }

    /// The status badge's class modifier.
    pub fn tone(&self) -> &'static str {
        match (self.enabled, self.failing_since.is_some()) {
            (true, false) => "badge-ok",
            (true, true) => "badge-warn",
            (false, _) if self.disabled_reason == "manual" => "badge-muted",
            (false, _) => "badge-danger",
        }
    }

    pub fn status(&self) -> &'static str {
        match (self.enabled, self.failing_since.is_some()) {
            (true, false) => "enabled",
            (true, true) => "failing",
            (false, _) => match self.disabled_reason.as_str() {
                "gone" => "disabled: gone",
                "failing" => "disabled: failing",
                _ => "disabled",
            },
        }
    }
}

/// The endpoint `id` of the principal's workspace; another workspace's is "not found".
async fn endpoint_of(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<EndpointRow, PageError> {
    Ok(store::get(&state.db, &principal.workspace_id, id)
        .await?
        .ok_or_else(AppError::not_found)?)
}

/// How long an endpoint may fail before it is disabled, in words ("5 days").
fn disable_after(state: &AppState) -> String {
    let hours = state.config.webhooks_disable_after_hours;
    match (hours % 24, hours / 24) {
        (0, 1) => "1 day".to_owned(),
        (0, days) => format!("{days} days"),
        _ if hours == 1 => "1 hour".to_owned(),
        _ => format!("{hours} hours"),
    }
}

/// A time from a `datetime-local` input, read as UTC (`2026-11-22T10:00`, seconds optional), or
/// an RFC 3339 time.
pub fn parse_time_input(text: &str) -> Option<Millis> {
    let text = text.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
        .map(|t| t.and_utc().timestamp_millis())
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.timestamp_millis())
        })
}

/// The value of a `datetime-local` input showing `ms` (UTC, to the minute).
pub fn time_input_value(ms: Millis) -> String {
    to_datetime(ms).format("%Y-%m-%dT%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_inputs_are_utc() {
        let at = parse_time_input("2026-11-22T10:00").unwrap_or_default();
        assert_eq!(time_input_value(at), "2026-11-22T10:00");
        assert_eq!(parse_time_input("2026-11-22T10:00:30"), Some(at + 30_000));
        assert_eq!(parse_time_input("2026-11-22T11:00:00+01:00"), Some(at));
        assert_eq!(parse_time_input("yesterday"), None);
    }
}
