//! `/app/audit-log`: the workspace's log of sensitive actions, filterable by action, newest first
//! with "older" pages; and [`ActivityView`], the same rows as shown on the account page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;

use super::api::{AuditOut, ListQuery, filter_from};
use super::store::{self, Row};
use crate::auth::Capability;
use crate::pages::{Chrome, PageResult, Stamp, query_escape};
use crate::state::AppState;

/// Actions the filter offers, with the words a person reads.
pub const ACTIONS: &[(&str, &str)] = &[
    ("login.succeeded", "Logged in"),
    ("login.failed", "Failed login"),
    ("logout", "Logged out"),
    ("user.signed_up", "Signed up"),
    ("password.changed", "Password changed"),
    ("password.reset_requested", "Password reset requested"),
    ("password.reset", "Password reset"),
    ("totp.enabled", "Two-factor turned on"),
    ("totp.disabled", "Two-factor turned off"),
    ("recovery_codes.regenerated", "Recovery codes replaced"),
    ("workspace.created", "Workspace created"),
    ("workspace.renamed", "Workspace renamed"),
    ("member.invited", "Person invited"),
    ("invite.revoked", "Invite revoked"),
    ("member.joined", "Member joined"),
    ("member.role_changed", "Role changed"),
    ("member.removed", "Member removed"),
    ("api_key.created", "API key created"),
    ("api_key.rotated", "API key rotated"),
    ("api_key.revoked", "API key revoked"),
    ("job.retried", "Job retried"),
    ("job.cancelled", "Job cancelled"),
    ("jobs.replayed", "Dead jobs replayed"),
    ("webhook_endpoint.created", "Webhook endpoint added"),
    ("webhook_endpoint.updated", "Webhook endpoint changed"),
    ("webhook_endpoint.deleted", "Webhook endpoint deleted"),
    ("webhook_endpoint.secret_viewed", "Webhook secret shown"),
    ("webhook_endpoint.secret_rotated", "Webhook secret rotated"),
    ("webhook_endpoint.tested", "Webhook test event sent"),
    (
        "webhook_endpoint.recovered",
        "Failed webhook messages resent",
    ),
    ("webhook_message.resent", "Webhook message resent"),
    ("request_bin.created", "Request bin created"),
    ("request_bin.deleted", "Request bin deleted"),
];

pub fn describe(action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(name, _)| *name == action)
        .map(|(_, label)| *label)
        .unwrap_or(action)
}

/// One entry as a table row.
pub struct ActivityView {
    pub action: String,
    pub label: String,
    pub actor: String,
    pub target: String,
    pub ip: String,
    pub details: String,
    pub at: Stamp,
}

impl From<Row> for ActivityView {
    fn from(row: Row) -> Self {
        let at = Stamp::new(row.created_at);
        let out = AuditOut::from(row);
        let actor = match out.actor.kind {
            "api_key" => format!("key {}", out.actor.label.unwrap_or_default()),
            _ => out.actor.label.unwrap_or_else(|| "—".into()),
        };
        let details = match &out.details {
            serde_json::Value::Object(map) if !map.is_empty() => map
                .iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => format!("{k}: {s}"),
                    serde_json::Value::Array(items) => format!(
                        "{k}: {}",
                        items
                            .iter()
                            .map(|i| i.as_str().map(str::to_owned).unwrap_or(i.to_string()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    other => format!("{k}: {other}"),
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        };
        ActivityView {
            label: describe(&out.action).to_owned(),
            action: out.action,
            actor,
            target: out.target.unwrap_or_default(),
            ip: out.ip.unwrap_or_default(),
            details,
            at,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit_log.html")]
pub struct AuditLogPage {
    pub chrome: Chrome,
    pub rows: Vec<ActivityView>,
    pub action: String,
    pub actions: &'static [(&'static str, &'static str)],
    /// Link to the next (older) page, if there is one.
    pub older: Option<String>,
    pub paged: bool,
}

const PAGE_SIZE: i64 = 50;

pub async fn list_audit_log(
    State(state): State<AppState>,
    chrome: Chrome,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::ReadAuditLog)?;
    let filter = filter_from(&ListQuery {
        limit: Some(PAGE_SIZE.to_string()),
        ..query
    })?;
    let rows = store::list(&state.db, &principal.workspace_id, &filter).await?;
    let action = filter.action.clone().unwrap_or_default();
    let older = (rows.len() as i64 == PAGE_SIZE)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten()
        .map(|cursor| {
            format!(
                "/app/audit-log?action={}&cursor={}",
                query_escape(&action),
                query_escape(&cursor)
            )
        });
    Ok(AuditLogPage {
        chrome,
        rows: rows.into_iter().map(ActivityView::from).collect(),
        paged: filter.before.is_some(),
        action,
        actions: ACTIONS,
        older,
    }
    .into_response())
}
