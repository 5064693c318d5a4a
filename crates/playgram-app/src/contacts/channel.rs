//! The channels a contact is reached on. Five carry an identity (the id the channel knows the
//! person by); email and SMS are reached through the contact's addresses and numbers, and appear
//! only in consent records.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// `wa_id`: the WhatsApp number as digits.
    Whatsapp,
    /// The Instagram-scoped user id (IGSID); the username rides along.
    Instagram,
    /// The page-scoped id (PSID).
    Messenger,
    /// The Manychat subscriber id.
    Manychat,
    /// The website chat's visitor id.
    Website,
    Email,
    Sms,
}

impl Channel {
    pub const ALL: [Channel; 7] = [
        Channel::Whatsapp,
        Channel::Instagram,
        Channel::Messenger,
        Channel::Manychat,
        Channel::Website,
        Channel::Email,
        Channel::Sms,
    ];

    /// The channels a contact has identities on.
    pub const IDENTITY: [Channel; 5] = [
        Channel::Whatsapp,
        Channel::Instagram,
        Channel::Messenger,
        Channel::Manychat,
        Channel::Website,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Whatsapp => "whatsapp",
            Channel::Instagram => "instagram",
            Channel::Messenger => "messenger",
            Channel::Manychat => "manychat",
            Channel::Website => "website",
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Whatsapp => "WhatsApp",
            Channel::Instagram => "Instagram",
            Channel::Messenger => "Messenger",
            Channel::Manychat => "Manychat",
            Channel::Website => "Website chat",
            Channel::Email => "Email",
            Channel::Sms => "SMS",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        let text = text.trim().to_ascii_lowercase();
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn has_identity(self) -> bool {
        Channel::IDENTITY.contains(&self)
    }

    /// What the identity's id is called on this channel, for messages.
    pub fn id_name(self) -> &'static str {
        match self {
            Channel::Whatsapp => "wa_id",
            Channel::Instagram => "Instagram-scoped id",
            Channel::Messenger => "PSID",
            Channel::Manychat => "subscriber id",
            Channel::Website => "visitor id",
            Channel::Email | Channel::Sms => "address",
        }
    }

    /// Checks an identity's external id for this channel.
    pub fn parse_external_id(self, text: &str) -> Result<String, String> {
        let id = text.trim();
        let ok = match self {
            // A wa_id is the number's digits (Meta sends them without `+`).
            Channel::Whatsapp => {
                let digits = id.strip_prefix('+').unwrap_or(id);
                (6..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
            }
            Channel::Instagram | Channel::Messenger | Channel::Manychat => {
                (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
            }
            Channel::Website => {
                (1..=128).contains(&id.len())
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
            }
            Channel::Email | Channel::Sms => false,
        };
        if !ok {
            return Err(match self {
                Channel::Email | Channel::Sms => format!(
                    "{} has no identities: add the address or number to the contact instead.",
                    self.label()
                ),
                Channel::Whatsapp => {
                    "A WhatsApp wa_id is the number's digits, 6 to 20 of them.".into()
                }
                Channel::Website => {
                    "A visitor id has 1 to 128 letters, digits, `-`, `_`, `.` or `:`.".into()
                }
                _ => format!("A {} {} is 1 to 64 digits.", self.label(), self.id_name()),
            });
        }
        Ok(match self {
            Channel::Whatsapp => id.trim_start_matches('+').to_owned(),
            _ => id.to_owned(),
        })
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
