//! One row of a file turned into what it says about a person, or the reasons it cannot be
//! imported (one per column at fault). A row with any error is not imported at all: fix it in the
//! error report and import that file again.

use std::collections::BTreeMap;

use super::plan::{Plan, Target};
use crate::contacts::channel::Channel;
use crate::contacts::fields::{FieldSet, StoredValue};
use crate::contacts::input;

/// What a row says.
#[derive(Clone, Debug, Default)]
pub struct Record {
    pub name: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub identities: Vec<(Channel, String, Option<String>)>,
    pub tags: Vec<String>,
    pub locale: Option<String>,
    pub timezone: Option<String>,
    pub avatar_url: Option<String>,
    pub fields: BTreeMap<String, Vec<StoredValue>>,
    pub consents: Vec<(Channel, String, &'static str)>,
}

/// (column header, message)
pub type CellError = (String, String);

fn split(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
}

pub fn parse(
    plan: &Plan,
    fields: &FieldSet,
    country: Option<&str>,
    headers: &[String],
    cells: &[String],
) -> Result<Record, Vec<CellError>> {
    let mut r = Record::default();
    let mut errors: Vec<CellError> = Vec::new();
    let mut first = None;
    let mut last = None;
    let mut username = None;
    let header = |i: usize| headers.get(i).cloned().unwrap_or_default();
    for (i, target) in &plan.columns {
        let cell = cells.get(*i).map(|c| c.trim()).unwrap_or_default();
        if cell.is_empty() {
            continue;
        }
        let mut fail = |m: String| errors.push((header(*i), m));
        match target {
            Target::Name => match input::parse_name(cell) {
                Ok(n) => r.name = Some(n),
                Err(m) => fail(m),
            },
            Target::FirstName => first = Some(cell.to_owned()),
            Target::LastName => last = Some(cell.to_owned()),
            Target::Email => match input::parse_emails(&split(cell).collect::<Vec<_>>()) {
                Ok(e) => {
                    for email in e {
                        if !r.emails.contains(&email) {
                            r.emails.push(email);
                        }
                    }
                }
                Err(m) => fail(m),
            },
            Target::Phone => match input::parse_phones(&split(cell).collect::<Vec<_>>(), country) {
                Ok(p) => {
                    for phone in p {
                        if !r.phones.contains(&phone) {
                            r.phones.push(phone);
                        }
                    }
                }
                Err(m) => fail(m),
            },
            Target::Tags => {
                for tag in split(cell) {
                    match crate::contacts::tags::parse_name(&tag) {
                        Ok(t) => r.tags.push(t),
                        Err(m) => fail(m),
                    }
                }
            }
            Target::Locale => match input::parse_locale(cell) {
                Ok(l) => r.locale = l,
                Err(m) => fail(m),
            },
            Target::Timezone => match input::parse_timezone(cell) {
                Ok(t) => r.timezone = t,
                Err(m) => fail(m),
            },
            Target::AvatarUrl => match input::parse_avatar(cell) {
                Ok(a) => r.avatar_url = a,
                Err(m) => fail(m),
            },
            Target::Identity(channel) => {
                // A WhatsApp id written as a phone number (+33 6 12…) is its digits.
                let text = if *channel == Channel::Whatsapp {
                    cell.chars().filter(char::is_ascii_digit).collect()
                } else {
                    cell.to_owned()
                };
                match channel.parse_external_id(&text) {
                    // Two columns naming the same identity name it once.
                    Ok(id) if r.identities.iter().any(|i| i.0 == *channel && i.1 == id) => {}
                    Ok(id) => r.identities.push((*channel, id, None)),
                    Err(m) => fail(m),
                }
            }
            Target::Username(_) => username = Some(cell.trim_start_matches('@').to_owned()),
            Target::Field(key) => {
                let Some(field) = fields.by_key(key) else {
                    continue;
                };
                match field.kind().parse_text(&field.options(), cell, country) {
                    Ok(rows) => {
                        r.fields.insert(key.clone(), rows);
                    }
                    Err(m) => fail(m),
                }
            }
            Target::Consent(channel, purpose) => match cell.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "1" | "opted_in" | "subscribed" | "oui" | "si" | "sí" => {
                    r.consents.push((*channel, purpose.clone(), "opted_in"))
                }
                "no" | "n" | "false" | "0" | "opted_out" | "unsubscribed" | "non" => {
                    r.consents.push((*channel, purpose.clone(), "opted_out"))
                }
                _ => fail("Expected yes or no.".into()),
            },
        }
    }
    if r.name.is_none() && (first.is_some() || last.is_some()) {
        let joined = [first.unwrap_or_default(), last.unwrap_or_default()].join(" ");
        match input::parse_name(&joined) {
            Ok(n) => r.name = Some(n),
            Err(m) => errors.push(("first_name".into(), m)),
        }
    }
    if let Some(username) = username
        && let Some(identity) = r
            .identities
            .iter_mut()
            .find(|(c, _, _)| *c == Channel::Instagram)
    {
        identity.2 = Some(username);
    }
    if r.emails.len() > input::MAX_EMAILS || r.phones.len() > input::MAX_PHONES {
        errors.push((
            String::new(),
            "A contact has at most 10 emails and 10 phones.".into(),
        ));
    }
    if errors.is_empty()
        && r.name.is_none()
        && r.emails.is_empty()
        && r.phones.is_empty()
        && r.identities.is_empty()
    {
        errors.push((
            String::new(),
            "The row has no name, email, phone or identity to import.".into(),
        ));
    }
    if errors.is_empty() {
        Ok(r)
    } else {
        Err(errors)
    }
}
