//! A contact as a client sends it, parsed into values known good. Every problem is reported at
//! once, one message per attribute (`emails`, `phones`, `fields.plan`, `identities`…), and nothing
//! is stored when any is wrong.
//!
//! Decisions: names are trimmed, at most 200 characters; at most 10 emails and 10 phones, kept in
//! the order given, duplicates dropped (the first is the primary one); phones are stored in E.164
//! (numbers without a country code use the workspace's default country); locales are BCP 47 tags
//! (`fr`, `pt-BR`); time zones are IANA names (`Europe/Paris`), checked against the bundled time
//! zone database; avatars are http(s) URLs; `source` is a short slug (`api` unless given).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::channel::Channel;
use super::fields::{FieldSet, StoredValue};
use super::phone::Phone;
use crate::accounts::fields::Email;
use crate::http::AppError;

pub const MAX_EMAILS: usize = 10;
pub const MAX_PHONES: usize = 10;
pub const MAX_NAME: usize = 200;

/// One channel identity as sent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityIn {
    /// whatsapp, instagram, messenger, manychat or website.
    pub channel: String,
    /// The id the channel knows the person by (wa_id, IGSID, PSID, subscriber id, visitor id).
    pub external_id: String,
    /// The channel's handle (an Instagram username), without `@`.
    #[serde(default)]
    pub username: Option<String>,
}

/// `POST /api/v1/contacts`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub emails: Option<Vec<String>>,
    #[serde(default)]
    pub phones: Option<Vec<String>>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub identities: Option<Vec<IdentityIn>>,
    /// Tag names (created when new) or tag ids.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Custom field values by key.
    #[serde(default)]
    pub fields: Option<BTreeMap<String, Value>>,
}

/// `PATCH /api/v1/contacts/{id}`: what is named changes; `null` clears.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub name: Option<Option<String>>,
    /// Replaces every email (null or [] removes them all).
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub emails: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub phones: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub avatar_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub locale: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::json::present")]
    pub timezone: Option<Option<String>>,
    /// The keys named change (null clears one); the others stay.
    #[serde(default)]
    pub fields: Option<BTreeMap<String, Value>>,
}

/// Checked profile changes: `None` leaves an attribute as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    pub name: Option<String>,
    pub emails: Option<Vec<String>>,
    pub phones: Option<Vec<String>>,
    pub avatar_url: Option<Option<String>>,
    pub locale: Option<Option<String>>,
    pub timezone: Option<Option<String>>,
    /// Field key → the rows to store (empty: clear).
    pub fields: BTreeMap<String, Vec<StoredValue>>,
    /// Identities to link (those it has already keep theirs; a new username replaces the old).
    pub add_identities: Vec<(Channel, String, Option<String>)>,
}

/// A checked new contact.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub profile: Profile,
    pub source: String,
    pub identities: Vec<(Channel, String, Option<String>)>,
    pub tags: Vec<String>,
}

/// Collects messages per attribute while parsing.
#[derive(Default)]
pub struct Problems(pub BTreeMap<String, String>);

impl Problems {
    pub fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.entry(key.into()).or_insert_with(|| message.into());
    }

    pub fn into_result<T>(self, value: T) -> Result<T, AppError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(AppError::validation_named(self.0))
        }
    }
}

pub fn parse_name(text: &str) -> Result<String, String> {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(format!(
            "Use at most {MAX_NAME} characters, without control characters."
        ));
    }
    Ok(name)
}

pub fn parse_emails(items: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().filter(|i| !i.trim().is_empty()) {
        let email = Email::parse(item)
            .map_err(|_| format!("`{}` is not an email address.", item.trim()))?;
        if !out.iter().any(|e| e == email.as_str()) {
            out.push(email.as_str().to_owned());
        }
    }
    if out.len() > MAX_EMAILS {
        return Err(format!("A contact has at most {MAX_EMAILS} emails."));
    }
    Ok(out)
}

pub fn parse_phones(items: &[String], country: Option<&str>) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().filter(|i| !i.trim().is_empty()) {
        let phone = Phone::parse(item, country)?.into_string();
        if !out.contains(&phone) {
            out.push(phone);
        }
    }
    if out.len() > MAX_PHONES {
        return Err(format!("A contact has at most {MAX_PHONES} phones."));
    }
    Ok(out)
}

pub fn parse_avatar(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    url::Url::parse(text)
        .ok()
        .filter(|u| {
            matches!(u.scheme(), "http" | "https") && u.host().is_some() && text.len() <= 2000
        })
        .map(|u| Some(u.to_string()))
        .ok_or_else(|| "Use an http(s) address of at most 2,000 characters.".into())
}

/// A BCP 47 language tag such as `fr`, `pt-BR` or `zh-Hant-TW`.
pub fn parse_locale(text: &str) -> Result<Option<String>, String> {
    let text = text.trim().replace('_', "-");
    if text.is_empty() {
        return Ok(None);
    }
    let mut parts = text.split('-');
    let language = parts.next().unwrap_or_default();
    let ok = (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && text.len() <= 35
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        return Err(format!(
            "`{text}` is not a language tag such as fr or pt-BR."
        ));
    }
    // Canonical case: language lower, region upper, script title.
    let mut parts = text.split('-');
    let mut out = vec![parts.next().unwrap_or_default().to_ascii_lowercase()];
    for part in parts {
        out.push(match part.len() {
            2 => part.to_ascii_uppercase(),
            4 => {
                let lower = part.to_ascii_lowercase();
                lower[..1].to_ascii_uppercase() + &lower[1..]
            }
            _ => part.to_ascii_lowercase(),
        });
    }
    Ok(Some(out.join("-")))
}

/// An IANA time zone name, as the bundled database spells it.
pub fn parse_timezone(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match jiff::tz::TimeZone::get(text) {
        Ok(tz) => Ok(Some(tz.iana_name().unwrap_or(text).to_owned())),
        Err(_) => Err(format!("`{text}` is not a time zone such as Europe/Paris.")),
    }
}

pub fn parse_source(text: &str) -> Result<String, String> {
    let source = text.trim().to_ascii_lowercase();
    if (1..=30).contains(&source.len())
        && source
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(source)
    } else {
        Err("Use 1 to 30 of a-z, 0-9 and _ (such as api, import, website).".into())
    }
}

/// Parses the `fields` object against the workspace's field definitions.
pub fn parse_fields(
    fields: &FieldSet,
    values: &BTreeMap<String, Value>,
    country: Option<&str>,
    problems: &mut Problems,
) -> BTreeMap<String, Vec<StoredValue>> {
    let mut out = BTreeMap::new();
    for (key, value) in values {
        let Some(field) = fields.by_key(key) else {
            problems.add(
                format!("fields.{key}"),
                "There is no such custom field; create it first (Contacts → Fields).",
            );
            continue;
        };
        match field.kind().parse_value(&field.options(), value, country) {
            Ok(rows) => {
                out.insert(key.clone(), rows);
            }
            Err(message) => problems.add(format!("fields.{key}"), message),
        }
    }
    out
}

pub fn parse_identity(input: &IdentityIn) -> Result<(Channel, String, Option<String>), String> {
    let channel = Channel::parse(&input.channel)
        .filter(|c| c.has_identity())
        .ok_or_else(|| {
            format!(
                "`{}` is not a channel with identities: use whatsapp, instagram, messenger, manychat or website.",
                input.channel.trim()
            )
        })?;
    let external_id = channel.parse_external_id(&input.external_id)?;
    let username = match input
        .username
        .as_deref()
        .map(|u| u.trim().trim_start_matches('@'))
    {
        None | Some("") => None,
        Some(u)
            if u.chars().count() <= 100
                && !u.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Some(u.to_owned())
        }
        Some(_) => return Err("A username has at most 100 characters and no spaces.".into()),
    };
    Ok((channel, external_id, username))
}

impl ContactIn {
    pub fn parse(&self, fields: &FieldSet, country: Option<&str>) -> Result<Draft, AppError> {
        let mut problems = Problems::default();
        let mut draft = Draft {
            source: "api".into(),
            ..Draft::default()
        };
        let profile = &mut draft.profile;
        if let Some(name) = &self.name {
            match parse_name(name) {
                Ok(name) => profile.name = Some(name),
                Err(m) => problems.add("name", m),
            }
        }
        if let Some(emails) = &self.emails {
            match parse_emails(emails) {
                Ok(e) => profile.emails = Some(e),
                Err(m) => problems.add("emails", m),
            }
        }
        if let Some(phones) = &self.phones {
            match parse_phones(phones, country) {
                Ok(p) => profile.phones = Some(p),
                Err(m) => problems.add("phones", m),
            }
        }
        optional(
            &mut problems,
            "avatar_url",
            self.avatar_url.as_deref(),
            parse_avatar,
            &mut profile.avatar_url,
        );
        optional(
            &mut problems,
            "locale",
            self.locale.as_deref(),
            parse_locale,
            &mut profile.locale,
        );
        optional(
            &mut problems,
            "timezone",
            self.timezone.as_deref(),
            parse_timezone,
            &mut profile.timezone,
        );
        if let Some(source) = &self.source {
            match parse_source(source) {
                Ok(s) => draft.source = s,
                Err(m) => problems.add("source", m),
            }
        }
        for identity in self.identities.iter().flatten() {
            match parse_identity(identity) {
                Ok(parsed) => {
                    if !draft
                        .identities
                        .iter()
                        .any(|(c, id, _)| *c == parsed.0 && *id == parsed.1)
                    {
                        draft.identities.push(parsed);
                    }
                }
                Err(m) => problems.add("identities", m),
            }
        }
        if draft.identities.len() > 20 {
            problems.add("identities", "A contact has at most 20 identities.");
        }
        for tag in self.tags.iter().flatten() {
            match super::tags::parse_name(tag) {
                Ok(t) => draft.tags.push(t),
                Err(m) => problems.add("tags", m),
            }
        }
        if let Some(values) = &self.fields {
            draft.profile.fields = parse_fields(fields, values, country, &mut problems);
        }
        problems.into_result(draft)
    }
}

impl ContactPatch {
    pub fn parse(&self, fields: &FieldSet, country: Option<&str>) -> Result<Profile, AppError> {
        let mut problems = Problems::default();
        let mut profile = Profile::default();
        if let Some(name) = &self.name {
            match parse_name(name.as_deref().unwrap_or_default()) {
                Ok(name) => profile.name = Some(name),
                Err(m) => problems.add("name", m),
            }
        }
        if let Some(emails) = &self.emails {
            match parse_emails(emails.as_deref().unwrap_or_default()) {
                Ok(e) => profile.emails = Some(e),
                Err(m) => problems.add("emails", m),
            }
        }
        if let Some(phones) = &self.phones {
            match parse_phones(phones.as_deref().unwrap_or_default(), country) {
                Ok(p) => profile.phones = Some(p),
                Err(m) => problems.add("phones", m),
            }
        }
        nullable(
            &mut problems,
            "avatar_url",
            &self.avatar_url,
            parse_avatar,
            &mut profile.avatar_url,
        );
        nullable(
            &mut problems,
            "locale",
            &self.locale,
            parse_locale,
            &mut profile.locale,
        );
        nullable(
            &mut problems,
            "timezone",
            &self.timezone,
            parse_timezone,
            &mut profile.timezone,
        );
        if let Some(values) = &self.fields {
            profile.fields = parse_fields(fields, values, country, &mut problems);
        }
        problems.into_result(profile)
    }
}

fn optional(
    problems: &mut Problems,
    key: &str,
    text: Option<&str>,
    parse: fn(&str) -> Result<Option<String>, String>,
    into: &mut Option<Option<String>>,
) {
    if let Some(text) = text {
        match parse(text) {
            Ok(value) => *into = Some(value),
            Err(m) => problems.add(key, m),
        }
    }
}

fn nullable(
    problems: &mut Problems,
    key: &str,
    value: &Option<Option<String>>,
    parse: fn(&str) -> Result<Option<String>, String>,
    into: &mut Option<Option<String>>,
) {
    if let Some(value) = value {
        optional(
            problems,
            key,
            Some(value.as_deref().unwrap_or_default()),
            parse,
            into,
        );
    }
}
