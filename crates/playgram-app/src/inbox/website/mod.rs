//! The website chat channel: `/widget.js` and the `/chat/{channel_id}/…` URLs it talks to.
//!
//! - **Embedding:** `<script src="https://YOUR-PLAYGRAM/widget.js" data-channel="ch_…" async>`.
//!   The script is hand-written, has no dependencies and draws itself in a shadow root, so the
//!   site's styles and its own never mix.
//! - **Visitors:** the first message (or upload) gives the visitor an id, `v_…`, signed with the
//!   channel's secret: `v_….<HMAC>`. It is set as a cookie for the chat URLs (`HttpOnly`,
//!   `SameSite=None; Secure` behind https) and also answered to the script, which keeps it in the
//!   site's `localStorage` and sends it as `X-Playgram-Visitor` — browsers that block third-party
//!   cookies still work. The cookie counts only for pages of the channel's `allowed_origins` (or
//!   requests without an `Origin`): any other site calling the chat would carry it too. A token
//!   with a wrong signature is refused (401 `invalid_visitor`); the widget then starts afresh.
//!   The visitor becomes a contact with a `website` identity; a contact is only made when the
//!   visitor writes, never for merely opening a page.
//! - **Origins:** a channel with `allowed_origins` answers only pages of those sites (a browser's
//!   `Origin` outside them is 403 `origin_not_allowed`); CORS headers name the one origin. A
//!   channel without any answers every site.
//! - **Live both ways:** the visitor's messages are stored at once (a retried send with the same
//!   client id is stored once) and reach agents through the workspace's events; agents' replies
//!   reach the visitor over `GET /chat/{id}/stream` (SSE, resumable by re-reading the messages).
//! - **Offline:** when no member is available (Inbox → agents), the widget shows a form (name,
//!   email, message) instead; it lands in the inbox like any message, with the email saved on
//!   the contact when no other contact has it.
//! - **Limits:** per visitor 20 messages and 5 uploads a minute, per address 30 new visitors and 5
//!   offline forms a minute (429 with `Retry-After`); uploads up to 10 MB (images, PDF, text,
//!   office documents), kept in Playgram's storage.

pub mod api;
mod files;
mod offline;
mod stream;

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use playgram_core::ids::ChannelId;

use crate::http::{AppError, Result};
use crate::webhooks::bins::rate::Limiter;

pub const VISITOR_HEADER: &str = "x-playgram-visitor";
const COOKIE: &str = "pg_chat";
pub const UPLOAD_LIMIT: usize = 10 * 1024 * 1024;

/// The chat's rate limits, in this instance's memory.
#[derive(Clone)]
pub struct ChatLimits {
    messages: Arc<Limiter<String>>,
    uploads: Arc<Limiter<String>>,
    visitors: Arc<Limiter<IpAddr>>,
    offline: Arc<Limiter<IpAddr>>,
}

impl Default for ChatLimits {
    fn default() -> Self {
        ChatLimits {
            messages: Arc::new(Limiter::new(20)),
            uploads: Arc::new(Limiter::new(5)),
            visitors: Arc::new(Limiter::new(30)),
            offline: Arc::new(Limiter::new(5)),
        }
    }
}

fn limited(taken: std::result::Result<(), u64>, what: &str) -> Result<()> {
    taken.map_err(|wait| {
        AppError::too_many(
            "rate_limited",
            format!("Too many {what}; try again in {wait} s."),
            wait,
        )
    })
}

impl ChatLimits {
    pub fn message(&self, visitor: &str) -> Result<()> {
        limited(self.messages.take(&visitor.to_owned()), "messages")
    }
    pub fn upload(&self, visitor: &str) -> Result<()> {
        limited(self.uploads.take(&visitor.to_owned()), "uploads")
    }
    pub fn new_visitor(&self, ip: IpAddr) -> Result<()> {
        limited(self.visitors.take(&ip), "new chats from this address")
    }
    pub fn offline_form(&self, ip: IpAddr) -> Result<()> {
        limited(self.offline.take(&ip), "offline messages from this address")
    }
}

/// The requests that carry a file: a visitor's upload and an agent's attachment.
pub fn is_upload(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && ((path.starts_with("/chat/") && path.ends_with("/uploads"))
            || (path.starts_with("/app/inbox/") && path.ends_with("/attach")))
}

/// A new visitor id.
pub fn new_visitor() -> String {
    let bytes: [u8; 12] = playgram_core::crypto::random_bytes();
    format!("v_{}", hex::encode(bytes))
}

fn mac(secret: &str, channel: &ChannelId, visitor: &str) -> String {
    let signed = playgram_providers::meta::signature::sign(
        secret,
        format!("{channel}:{visitor}").as_bytes(),
    );
    signed
        .trim_start_matches("sha256=")
        .chars()
        .take(40)
        .collect()
}

/// The visitor's token: their id and its signature.
pub fn token(secret: &str, channel: &ChannelId, visitor: &str) -> String {
    format!("{visitor}.{}", mac(secret, channel, visitor))
}

/// The visitor id of a token signed for this channel.
pub fn verify(secret: &str, channel: &ChannelId, token: &str) -> Option<String> {
    let (visitor, given) = token.trim().split_once('.')?;
    if !visitor.starts_with("v_") || visitor.len() > 40 {
        return None;
    }
    let expected = mac(secret, channel, visitor);
    playgram_core::crypto::constant_time_eq(expected.as_bytes(), given.as_bytes())
        .then(|| visitor.to_owned())
}

/// The token a request carries: the header, the `token` query parameter (EventSource and links
/// cannot send headers), or — only for a page the channel names in `allowed_origins`, or a
/// request with no `Origin` at all — the cookie. (Browsers send the cookie to any site that calls
/// the chat; trusting it from any origin would let another site read a visitor's thread.)
pub fn token_of(headers: &HeaderMap, query: Option<&str>, cookie_ok: bool) -> Option<String> {
    if let Some(value) = headers.get(VISITOR_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(value.to_owned());
    }
    if let Some(token) = query.filter(|t| !t.is_empty()) {
        return Some(token.to_owned());
    }
    if !cookie_ok {
        return None;
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// `Set-Cookie` for the visitor, scoped to this channel's chat URLs.
pub fn cookie(https: bool, channel: &ChannelId, token: &str) -> HeaderValue {
    let site = if https {
        "SameSite=None; Secure"
    } else {
        "SameSite=Lax"
    };
    let text =
        format!("{COOKIE}={token}; Path=/chat/{channel}; HttpOnly; {site}; Max-Age=31536000");
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""))
}

/// Whether a page of `origin` may use the chat: any when the channel names no site.
pub fn origin_allowed(allowed: &[String], origin: Option<&str>) -> bool {
    match origin {
        None => true,
        Some(origin) => {
            allowed.is_empty()
                || allowed
                    .iter()
                    .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_channel_and_secret() {
        let channel = ChannelId::new();
        let visitor = new_visitor();
        let t = token("secret", &channel, &visitor);
        assert_eq!(verify("secret", &channel, &t), Some(visitor.clone()));
        assert_eq!(verify("other", &channel, &t), None);
        assert_eq!(verify("secret", &ChannelId::new(), &t), None);
        let forged = format!("v_someone{}", &t[visitor.len()..]);
        assert_eq!(verify("secret", &channel, &forged), None);
        assert_eq!(verify("secret", &channel, "garbage"), None);
    }

    #[test]
    fn origins_match_exactly_or_anything_when_unset() {
        let allowed = vec!["https://shop.example.com".to_owned()];
        assert!(origin_allowed(&allowed, Some("https://shop.example.com")));
        assert!(!origin_allowed(&allowed, Some("https://evil.example")));
        assert!(!origin_allowed(&allowed, Some("http://shop.example.com")));
        assert!(origin_allowed(&[], Some("https://anywhere.example")));
        assert!(origin_allowed(&allowed, None));
    }
}
