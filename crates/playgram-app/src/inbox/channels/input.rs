//! A channel's settings as the API takes them: one flat object whose fields depend on the kind.
//! A field of another kind is refused by name, so a typo or a wrong kind never passes silently.

use base64::Engine;
use serde::Deserialize;

use super::{Kind, Secrets, Settings};
use crate::http::{AppError, FieldErrors, Result};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelIn {
    pub kind: Option<String>,
    pub name: Option<String>,
    /// WhatsApp: the phone number id (not the number).
    pub phone_number_id: Option<String>,
    /// WhatsApp: the WhatsApp Business Account id (templates live there).
    pub waba_id: Option<String>,
    /// Instagram: the professional account's id.
    pub account_id: Option<String>,
    /// Messenger: the Facebook page id.
    pub page_id: Option<String>,
    pub access_token: Option<String>,
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    pub color: Option<String>,
    pub greeting: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub outbound_url: Option<String>,
}

/// A channel's stored parts, after validation.
pub struct Parts {
    pub name: String,
    pub external_id: Option<String>,
    pub settings: Settings,
    pub secrets: Secrets,
    /// Secrets Playgram generated, shown once in the answer.
    pub generated: Vec<(&'static str, String)>,
}

impl ChannelIn {
    /// Validates a new channel.
    pub fn create(&self) -> Result<(Kind, Parts)> {
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => {
                return Err(AppError::field(
                    "kind",
                    "Choose a kind: whatsapp, instagram, messenger, website or api.",
                ));
            }
            Some(text) => Kind::parse(text).ok_or_else(|| {
                AppError::field(
                    "kind",
                    "Choose a kind: whatsapp, instagram, messenger, website or api.",
                )
            })?,
        };
        let mut parts = Parts {
            name: kind.label().to_owned(),
            external_id: None,
            settings: Settings::default(),
            secrets: Secrets::default(),
            generated: Vec::new(),
        };
        self.apply(kind, &mut parts, true)?;
        Ok((kind, parts))
    }

    /// Applies the fields given to a channel's current parts.
    pub fn update(&self, kind: Kind, parts: &mut Parts) -> Result<()> {
        if self.kind.as_deref().is_some_and(|k| k != kind.as_str()) {
            return Err(AppError::field(
                "kind",
                "A channel's kind cannot change; add a new channel instead.",
            ));
        }
        self.apply(kind, parts, false)
    }

    fn apply(&self, kind: Kind, parts: &mut Parts, creating: bool) -> Result<()> {
        let mut errors = FieldErrors::new();
        let allowed = allowed_fields(kind);
        for (name, given) in self.given() {
            if given && !allowed.contains(&name) {
                errors.insert(
                    name,
                    format!("{name} is not a setting of a {} channel.", kind.label()),
                );
            }
        }
        if let Some(name) = &self.name {
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            match name.chars().count() {
                0 => errors.insert("name", "Give the channel a name.".into()),
                81.. => errors.insert("name", "Keep the name to 80 characters.".into()),
                _ => {
                    parts.name = name;
                    None
                }
            };
        }
        let external = match kind {
            Kind::Whatsapp => Some(("phone_number_id", &self.phone_number_id)),
            Kind::Instagram => Some(("account_id", &self.account_id)),
            Kind::Messenger => Some(("page_id", &self.page_id)),
            Kind::Website | Kind::Api => None,
        };
        if let Some((name, value)) = external {
            set_id(&mut errors, name, value, &mut parts.external_id, creating);
        }
        if kind == Kind::Whatsapp {
            set_id(
                &mut errors,
                "waba_id",
                &self.waba_id,
                &mut parts.settings.waba_id,
                creating,
            );
        }
        if kind.is_meta() {
            set_secret(
                &mut errors,
                "access_token",
                &self.access_token,
                &mut parts.secrets.access_token,
                creating,
            );
            set_secret(
                &mut errors,
                "app_secret",
                &self.app_secret,
                &mut parts.secrets.app_secret,
                creating,
            );
            match self.verify_token.as_deref().map(str::trim) {
                Some("") => {
                    errors.insert(
                        "verify_token",
                        "Leave verify_token out to have one generated.".into(),
                    );
                }
                Some(token) => parts.secrets.verify_token = Some(token.to_owned()),
                None if creating => {
                    let token = playgram_core::crypto::random_token();
                    parts.generated.push(("verify_token", token.clone()));
                    parts.secrets.verify_token = Some(token);
                }
                None => {}
            }
        }
        if kind == Kind::Website {
            self.website(&mut errors, parts, creating);
        }
        if kind == Kind::Api {
            if let Some(url) = &self.outbound_url {
                match outbound_url(url) {
                    Ok(url) => parts.settings.outbound_url = url,
                    Err(message) => {
                        errors.insert("outbound_url", message.into());
                    }
                }
            }
            if creating {
                let secret = format!(
                    "whsec_{}",
                    base64::engine::general_purpose::STANDARD
                        .encode(playgram_core::crypto::random_bytes::<32>())
                );
                parts.generated.push(("signing_secret", secret.clone()));
                parts.secrets.signing_secret = Some(secret);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(errors))
        }
    }

    fn website(&self, errors: &mut FieldErrors, parts: &mut Parts, creating: bool) {
        if let Some(color) = &self.color {
            let color = color.trim().to_ascii_lowercase();
            let valid = color.len() == 7
                && color.starts_with('#')
                && color[1..].chars().all(|c| c.is_ascii_hexdigit());
            if valid {
                parts.settings.color = Some(color);
            } else {
                errors.insert(
                    "color",
                    "Give the colour as #rrggbb, for example #5443c9.".into(),
                );
            }
        } else if creating {
            parts.settings.color = Some("#5443c9".into());
        }
        if let Some(greeting) = &self.greeting {
            let greeting = greeting.trim();
            if greeting.chars().count() > 300 {
                errors.insert("greeting", "Keep the greeting to 300 characters.".into());
            } else {
                parts.settings.greeting = (!greeting.is_empty()).then(|| greeting.to_owned());
            }
        } else if creating {
            parts.settings.greeting = Some("Hi! How can we help?".into());
        }
        if let Some(origins) = &self.allowed_origins {
            let mut out = Vec::new();
            for origin in origins {
                match origin_of(origin) {
                    Some(o) if !out.contains(&o) => out.push(o),
                    Some(_) => {}
                    None => {
                        errors.insert(
                            "allowed_origins",
                            format!(
                                "{origin:?} is not a site address such as https://shop.example.com."
                            ),
                        );
                    }
                }
            }
            parts.settings.allowed_origins = out;
        }
        if creating {
            parts.secrets.signing_secret = Some(playgram_core::crypto::random_token());
        }
    }

    /// Each settable field and whether it was given.
    fn given(&self) -> [(&'static str, bool); 11] {
        [
            ("phone_number_id", self.phone_number_id.is_some()),
            ("waba_id", self.waba_id.is_some()),
            ("account_id", self.account_id.is_some()),
            ("page_id", self.page_id.is_some()),
            ("access_token", self.access_token.is_some()),
            ("app_secret", self.app_secret.is_some()),
            ("verify_token", self.verify_token.is_some()),
            ("color", self.color.is_some()),
            ("greeting", self.greeting.is_some()),
            ("allowed_origins", self.allowed_origins.is_some()),
            ("outbound_url", self.outbound_url.is_some()),
        ]
    }
}

fn allowed_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Whatsapp => &[
            "phone_number_id",
            "waba_id",
            "access_token",
            "app_secret",
            "verify_token",
        ],
        Kind::Instagram => &["account_id", "access_token", "app_secret", "verify_token"],
        Kind::Messenger => &["page_id", "access_token", "app_secret", "verify_token"],
        Kind::Website => &["color", "greeting", "allowed_origins"],
        Kind::Api => &["outbound_url"],
    }
}

/// A provider id: digits (Meta's ids are numbers written as text).
fn set_id(
    errors: &mut FieldErrors,
    name: &'static str,
    given: &Option<String>,
    target: &mut Option<String>,
    creating: bool,
) {
    match given.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() && id.len() <= 40 && id.chars().all(|c| c.is_ascii_digit()) => {
            *target = Some(id.to_owned());
        }
        Some(_) => {
            errors.insert(
                name,
                format!("{name} is the number Meta shows for it (digits only)."),
            );
        }
        None if creating => {
            errors.insert(
                name,
                format!("{name} is required (Meta's developer dashboard shows it)."),
            );
        }
        None => {}
    }
}

fn set_secret(
    errors: &mut FieldErrors,
    name: &'static str,
    given: &Option<String>,
    target: &mut Option<String>,
    creating: bool,
) {
    match given.as_deref().map(str::trim) {
        Some(value) if !value.is_empty() && value.len() <= 1000 => *target = Some(value.to_owned()),
        Some(_) => {
            errors.insert(name, format!("{name} cannot be empty."));
        }
        None if creating => {
            errors.insert(
                name,
                format!("{name} is required (Meta's developer dashboard shows it)."),
            );
        }
        None => {}
    }
}

/// `scheme://host[:port]` of an address, lower-cased; None unless http or https.
fn origin_of(text: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// An http(s) URL, or empty to stop delivering replies.
fn outbound_url(text: &str) -> std::result::Result<Option<String>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
            Ok(Some(url.to_string()))
        }
        _ => Err("Give an http or https address, for example https://example.com/playgram."),
    }
}
