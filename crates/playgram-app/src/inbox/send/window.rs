//! The customer service window: how long after the customer's last message a business may write
//! freely. WhatsApp: 24 hours, then only approved templates. Instagram and Messenger: 24 hours,
//! then up to 7 days with the HUMAN_AGENT tag (a person answering), then nothing. Website chat and
//! the API channel have no window.

use axum::http::StatusCode;
use playgram_core::time::Millis;

use crate::http::{AppError, Result};
use crate::inbox::channels::Kind;

pub const STANDARD_MS: Millis = 24 * 3600 * 1000;
pub const HUMAN_AGENT_MS: Millis = 7 * 24 * 3600 * 1000;

/// When free-form replies stop being allowed (None: no customer message yet).
pub fn closes_at(last_inbound_at: Option<Millis>) -> Option<Millis> {
    last_inbound_at.map(|t| t.saturating_add(STANDARD_MS))
}

pub fn check(
    kind: Kind,
    last_inbound_at: Option<Millis>,
    now: Millis,
    template: bool,
    human_agent: bool,
) -> Result<()> {
    let since = last_inbound_at.map(|t| now.saturating_sub(t));
    let open = since.is_some_and(|s| s < STANDARD_MS);
    let refusal = match kind {
        Kind::Whatsapp if !open && !template => Some(
            "The customer last wrote more than 24 hours ago (or never): WhatsApp allows only an approved template now.",
        ),
        Kind::Instagram | Kind::Messenger if !open => {
            let tagged_ok = human_agent && since.is_some_and(|s| s < HUMAN_AGENT_MS);
            if tagged_ok {
                None
            } else if since.is_some_and(|s| s < HUMAN_AGENT_MS) {
                Some(
                    "The customer last wrote more than 24 hours ago: send it with human_agent (allowed up to 7 days) or wait for them to write.",
                )
            } else {
                Some(
                    "The customer last wrote more than 7 days ago (or never): this channel allows no message until they write again.",
                )
            }
        }
        _ => None,
    };
    match refusal {
        Some(message) => Err(AppError::client(
            StatusCode::CONFLICT,
            "window_closed",
            message,
        )),
        None => Ok(()),
    }
}
