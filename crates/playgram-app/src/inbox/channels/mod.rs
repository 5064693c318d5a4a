//! Channels: where conversations come from. Three Meta channels (WhatsApp Cloud API, Instagram
//! messaging, Messenger) receive signed webhooks at `/hooks/{kind}/{channel_id}`; the website chat
//! is the widget; the API channel takes messages by authenticated REST and sends replies to a URL
//! as signed webhooks.
//!
//! What is secret (access tokens, app secrets, verify tokens, the API channel's signing secret) is
//! sealed at rest and never answered by the API, except once: the verify token or signing secret
//! Playgram generated is in the creation answer, since it must be pasted into Meta or the receiver.

pub mod api;
pub mod input;
pub mod lookup;
pub mod store;

use playgram_core::ids::{ChannelId, WorkspaceId};
use playgram_core::seal::Sealer;
use playgram_core::time::Millis;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Whatsapp,
    Instagram,
    Messenger,
    Website,
    Api,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Whatsapp,
        Kind::Instagram,
        Kind::Messenger,
        Kind::Website,
        Kind::Api,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Whatsapp => "whatsapp",
            Kind::Instagram => "instagram",
            Kind::Messenger => "messenger",
            Kind::Website => "website",
            Kind::Api => "api",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Whatsapp => "WhatsApp",
            Kind::Instagram => "Instagram",
            Kind::Messenger => "Messenger",
            Kind::Website => "Website chat",
            Kind::Api => "API",
        }
    }

    /// Meta's channels: signed webhooks in, Graph API out.
    pub fn is_meta(self) -> bool {
        matches!(self, Kind::Whatsapp | Kind::Instagram | Kind::Messenger)
    }

    /// The webhook format Meta uses for this channel.
    pub fn format(self) -> Option<playgram_providers::meta::Format> {
        use playgram_providers::meta::Format;
        match self {
            Kind::Whatsapp => Some(Format::Whatsapp),
            Kind::Instagram | Kind::Messenger => Some(Format::Messaging),
            Kind::Website | Kind::Api => None,
        }
    }

    /// The contact identity a customer of this channel has.
    pub fn identity(self) -> crate::contacts::channel::Channel {
        use crate::contacts::channel::Channel;
        match self {
            Kind::Whatsapp => Channel::Whatsapp,
            Kind::Instagram => Channel::Instagram,
            Kind::Messenger => Channel::Messenger,
            Kind::Website | Kind::Api => Channel::Website,
        }
    }
}

/// The settings that are not secret, stored as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waba_id: Option<String>,
    /// Website chat: the widget's accent colour (`#rrggbb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Website chat: the first thing a visitor reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    /// Website chat: the sites allowed to embed the widget (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_origins: Vec<String>,
    /// API channel: where replies are delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_url: Option<String>,
}

/// The sealed part.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Secrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_token: Option<String>,
    /// API channel (`whsec_…`) and website chat (visitor cookies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
}

impl Secrets {
    pub fn seal(&self, sealer: &Sealer, id: &ChannelId) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        sealer.seal(&json, &context(id))
    }

    pub fn open(sealed: &str, sealer: &Sealer, id: &ChannelId) -> Secrets {
        sealer
            .open(sealed, &context(id))
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .unwrap_or_default()
    }

    /// Which secrets are set, by name (what the API shows instead of the values).
    pub fn names(&self) -> Vec<&'static str> {
        [
            ("access_token", &self.access_token),
            ("app_secret", &self.app_secret),
            ("verify_token", &self.verify_token),
            ("signing_secret", &self.signing_secret),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some())
        .map(|(name, _)| name)
        .collect()
    }
}

fn context(id: &ChannelId) -> String {
    format!("channels.secrets:{id}")
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub workspace_id: WorkspaceId,
    pub kind: String,
    pub name: String,
    pub external_id: Option<String>,
    pub settings: String,
    pub secrets: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl ChannelRow {
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Api)
    }

    pub fn settings(&self) -> Settings {
        serde_json::from_str(&self.settings).unwrap_or_default()
    }

    pub fn secrets(&self, sealer: &Sealer) -> Secrets {
        Secrets::open(&self.secrets, sealer, &self.id)
    }
}
