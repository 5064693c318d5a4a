//! The import plan: which column goes where, how existing contacts are recognised and what a match
//! does; and the mapping suggested from the headers and the first rows.
//!
//! ```json
//! { "mapping": { "E-mail": "email", "Full name": "name", "Plan": "field:plan",
//!                "WhatsApp": "identity:whatsapp", "Newsletter": "consent:email:newsletter" },
//!   "create_fields": [{ "key": "plan", "label": "Plan", "kind": "select", "options": ["Gold", "Silver"] }],
//!   "match_by": ["identity", "email", "phone"],
//!   "on_match": "update",
//!   "tags": ["Imported December"] }
//! ```
//!
//! Targets: `name`, `first_name` and `last_name` (joined into the name), `email` and `phone` (several
//! columns may feed each; a cell may hold several, separated by `,` or `;`), `tags` (separated by `,`
//! or `;`), `locale`, `timezone`, `avatar_url`, `identity:<channel>` (the id the channel knows the
//! person by), `username:instagram` (with an `identity:instagram` column), `field:<key>`,
//! `consent:<channel>:<purpose>` (yes/no cells record an opt-in or opt-out, source `import`), or
//! `""` to skip the column. Columns not named are skipped.
//!
//! `match_by` lists what recognises an existing contact, tried in order; `on_match` says what then
//! happens: `skip` leaves it alone; `update` writes the row's non-empty cells over its values (and
//! adds emails, phones, identities and tags); `merge` only fills what it lacks (and adds), and when
//! the row names several existing contacts (its email is one person's, its phone another's), merges
//! them into the first. Empty cells never clear anything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contacts::channel::Channel;
use crate::contacts::fields::service::{FieldIn, key_from_label};
use crate::contacts::fields::{FieldKind, FieldSet};
use crate::contacts::fold::{fold, words};
use crate::contacts::input::Problems;
use crate::http::AppError;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanIn {
    /// Header → target.
    #[serde(default)]
    pub mapping: BTreeMap<String, String>,
    /// Custom fields to create before importing (for `field:<key>` targets that do not exist yet).
    #[serde(default)]
    pub create_fields: Vec<FieldDef>,
    /// identity, email, phone — in the order they are tried. Default: all three.
    #[serde(default)]
    pub match_by: Option<Vec<String>>,
    /// skip, update or merge. Default: update.
    #[serde(default)]
    pub on_match: Option<String>,
    /// Tags added to every imported or updated contact.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A field to create, as in `POST /contact-fields`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub key: String,
    pub label: String,
    pub kind: String,
    #[serde(default)]
    pub options: Vec<String>,
}

impl FieldDef {
    pub fn to_input(&self) -> FieldIn {
        FieldIn {
            key: Some(self.key.clone()),
            label: Some(self.label.clone()),
            kind: Some(self.kind.clone()),
            options: (!self.options.is_empty()).then(|| self.options.clone()),
            description: Some("Created by an import.".into()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    Tags,
    Locale,
    Timezone,
    AvatarUrl,
    Identity(Channel),
    Username(Channel),
    Field(String),
    Consent(Channel, String),
}

impl Target {
    pub fn parse(text: &str) -> Result<Option<Target>, String> {
        let text = text.trim();
        let simple = match text {
            "" => return Ok(None),
            "name" => Some(Target::Name),
            "first_name" => Some(Target::FirstName),
            "last_name" => Some(Target::LastName),
            "email" => Some(Target::Email),
            "phone" => Some(Target::Phone),
            "tags" => Some(Target::Tags),
            "locale" => Some(Target::Locale),
            "timezone" => Some(Target::Timezone),
            "avatar_url" => Some(Target::AvatarUrl),
            _ => None,
        };
        if let Some(target) = simple {
            return Ok(Some(target));
        }
        let parts: Vec<&str> = text.split(':').collect();
        match parts.as_slice() {
            ["identity", channel] => match Channel::parse(channel).filter(|c| c.has_identity()) {
                Some(c) => Ok(Some(Target::Identity(c))),
                None => Err(format!("`{channel}` is not a channel with identities.")),
            },
            ["username", "instagram"] => Ok(Some(Target::Username(Channel::Instagram))),
            ["field", key] if !key.is_empty() => Ok(Some(Target::Field((*key).to_owned()))),
            ["consent", channel, purpose] => {
                let channel = Channel::parse(channel)
                    .ok_or_else(|| format!("`{channel}` is not a channel."))?;
                let purpose = crate::contacts::consent::parse_purpose(purpose)?;
                Ok(Some(Target::Consent(channel, purpose)))
            }
            _ => Err(format!(
                "`{text}` is not a target: use name, first_name, last_name, email, phone, tags, locale, timezone, \
                 avatar_url, identity:<channel>, username:instagram, field:<key>, consent:<channel>:<purpose> or \"\"."
            )),
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Target::Name => "name".into(),
            Target::FirstName => "first_name".into(),
            Target::LastName => "last_name".into(),
            Target::Email => "email".into(),
            Target::Phone => "phone".into(),
            Target::Tags => "tags".into(),
            Target::Locale => "locale".into(),
            Target::Timezone => "timezone".into(),
            Target::AvatarUrl => "avatar_url".into(),
            Target::Identity(c) => format!("identity:{c}"),
            Target::Username(c) => format!("username:{c}"),
            Target::Field(key) => format!("field:{key}"),
            Target::Consent(c, p) => format!("consent:{c}:{p}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchBy {
    Identity,
    Email,
    Phone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnMatch {
    Skip,
    Update,
    Merge,
}

/// A checked plan: column index → target.
#[derive(Clone, Debug)]
pub struct Plan {
    pub columns: Vec<(usize, Target)>,
    pub create_fields: Vec<FieldDef>,
    pub match_by: Vec<MatchBy>,
    pub on_match: OnMatch,
    pub tags: Vec<String>,
}

impl PlanIn {
    /// Checks the plan against the file's headers and the workspace's fields (plus the ones it
    /// will create). Every problem is reported at once.
    pub fn check(&self, headers: &[String], fields: &FieldSet) -> Result<Plan, AppError> {
        let mut problems = Problems::default();
        let mut columns = Vec::new();
        for (header, target) in &self.mapping {
            let Some(index) = headers.iter().position(|h| h == header) else {
                problems.add(format!("mapping.{header}"), "The file has no such column.");
                continue;
            };
            match Target::parse(target) {
                Ok(Some(Target::Field(key))) => {
                    let known = fields.by_key(&key).is_some()
                        || self.create_fields.iter().any(|f| f.key == key);
                    if known {
                        columns.push((index, Target::Field(key)));
                    } else {
                        problems.add(format!("mapping.{header}"), format!("There is no field `{key}`: create it (create_fields) or pick another."));
                    }
                }
                Ok(Some(t)) => columns.push((index, t)),
                Ok(None) => {}
                Err(m) => problems.add(format!("mapping.{header}"), m),
            }
        }
        columns.sort_by_key(|(i, _)| *i);
        let has = |t: &Target| columns.iter().any(|(_, c)| c == t);
        if has(&Target::Username(Channel::Instagram)) && !has(&Target::Identity(Channel::Instagram))
        {
            problems.add("mapping", "Instagram usernames need the Instagram id column too (identity:instagram); map handles alone to a text field.");
        }
        let identifying = columns.iter().any(|(_, t)| {
            matches!(
                t,
                Target::Name
                    | Target::FirstName
                    | Target::LastName
                    | Target::Email
                    | Target::Phone
                    | Target::Identity(_)
            )
        });
        if !identifying {
            problems.add(
                "mapping",
                "Map at least one column to a name, an email, a phone or an identity.",
            );
        }
        for (i, def) in self.create_fields.iter().enumerate() {
            if fields.by_key(&def.key).is_some() {
                problems.add(
                    format!("create_fields[{i}]"),
                    format!(
                        "The field `{}` exists already; map to it instead of creating it.",
                        def.key
                    ),
                );
            }
            if FieldKind::parse(&def.kind).is_none() {
                problems.add(
                    format!("create_fields[{i}]"),
                    format!("`{}` is not a field kind.", def.kind),
                );
            }
        }
        let match_by = match &self.match_by {
            None => vec![MatchBy::Identity, MatchBy::Email, MatchBy::Phone],
            Some(list) => list
                .iter()
                .filter_map(|m| match m.trim() {
                    "identity" => Some(MatchBy::Identity),
                    "email" => Some(MatchBy::Email),
                    "phone" => Some(MatchBy::Phone),
                    other => {
                        problems.add(
                            "match_by",
                            format!(
                                "`{other}` is not a way to match: use identity, email or phone."
                            ),
                        );
                        None
                    }
                })
                .collect(),
        };
        let on_match = match self.on_match.as_deref().map(str::trim) {
            None | Some("update") => OnMatch::Update,
            Some("skip") => OnMatch::Skip,
            Some("merge") => OnMatch::Merge,
            Some(_) => {
                problems.add("on_match", "Use skip, update or merge.");
                OnMatch::Update
            }
        };
        let mut tags = Vec::new();
        for tag in &self.tags {
            match crate::contacts::tags::parse_name(tag) {
                Ok(t) => tags.push(t),
                Err(m) => problems.add("tags", m),
            }
        }
        problems.into_result(Plan {
            columns,
            create_fields: self.create_fields.clone(),
            match_by,
            on_match,
            tags,
        })
    }
}

/// A suggestion for a column with no target: a new field of the kind its cells look like.
#[derive(Clone, Debug, Serialize)]
pub struct Suggestion {
    pub header: String,
    /// The suggested target ("" to skip).
    pub target: String,
    /// For columns no existing target fits: the field that could be created for them.
    pub new_field: Option<FieldDef>,
}

/// Targets suggested from headers (and sample cells), in the file's column order.
pub fn suggest(headers: &[String], sample: &[Vec<String>], fields: &FieldSet) -> Vec<Suggestion> {
    let mut taken: Vec<String> = Vec::new();
    headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let cells: Vec<&str> = sample
                .iter()
                .filter_map(|r| r.get(i))
                .map(String::as_str)
                .filter(|c| !c.trim().is_empty())
                .collect();
            let target = guess(header, &cells, fields);
            let target = match target {
                // Name, first and last name, locale…: one column each.
                Some(t)
                    if !matches!(t, Target::Email | Target::Phone | Target::Tags)
                        && taken.contains(&t.as_string()) =>
                {
                    None
                }
                t => t,
            };
            if let Some(t) = &target {
                taken.push(t.as_string());
            }
            let new_field = target.is_none().then(|| FieldDef {
                key: key_from_label(header),
                label: header.clone(),
                kind: kind_of(&cells).as_str().to_owned(),
                options: Vec::new(),
            });
            Suggestion {
                header: header.clone(),
                target: target.map(|t| t.as_string()).unwrap_or_default(),
                new_field,
            }
        })
        .collect()
}

fn guess(header: &str, cells: &[&str], fields: &FieldSet) -> Option<Target> {
    let folded = fold(header);
    let w = words(header).join(" ");
    let has = |word: &str| w.split(' ').any(|x| x == word);
    if let Some(field) = fields
        .fields
        .iter()
        .find(|f| fold(&f.label) == folded || f.key == w.replace(' ', "_"))
    {
        return Some(Target::Field(field.key.clone()));
    }
    let exact = |names: &[&str]| names.iter().any(|n| w == *n);
    if exact(&[
        "first name",
        "firstname",
        "given name",
        "prenom",
        "forename",
    ]) {
        return Some(Target::FirstName);
    }
    if exact(&[
        "last name",
        "lastname",
        "surname",
        "family name",
        "nom de famille",
    ]) {
        return Some(Target::LastName);
    }
    if exact(&[
        "name",
        "full name",
        "fullname",
        "contact",
        "contact name",
        "display name",
        "nom",
        "nombre",
        "customer",
        "client",
    ]) {
        return Some(Target::Name);
    }
    if has("email")
        || has("emails")
        || has("mail")
        || w.contains("e mail")
        || cells
            .iter()
            .take(5)
            .all(|c| c.contains('@') && c.contains('.'))
            && !cells.is_empty()
            && !has("instagram")
    {
        return Some(Target::Email);
    }
    if exact(&["wa id", "wa_id", "whatsapp id"])
        || (has("whatsapp") && !has("number") && !has("phone"))
    {
        return Some(Target::Identity(Channel::Whatsapp));
    }
    if exact(&["website visitor", "visitor id", "visitor"]) {
        return Some(Target::Identity(Channel::Website));
    }
    if has("phone")
        || has("phones")
        || has("mobile")
        || has("cell")
        || has("tel")
        || has("telephone")
        || has("portable")
        || has("whatsapp")
        || has("movil")
    {
        return Some(Target::Phone);
    }
    if has("instagram") && (has("username") || has("handle") || has("user")) {
        return Some(Target::Username(Channel::Instagram));
    }
    if has("igsid") || (has("instagram") && has("id")) {
        return Some(Target::Identity(Channel::Instagram));
    }
    if has("psid") || has("messenger") {
        return Some(Target::Identity(Channel::Messenger));
    }
    if has("manychat") || exact(&["subscriber id"]) {
        return Some(Target::Identity(Channel::Manychat));
    }
    if exact(&["tags", "tag", "labels", "label", "etiquettes", "segments"]) {
        return Some(Target::Tags);
    }
    if exact(&["locale", "language", "lang", "langue", "idioma"]) {
        return Some(Target::Locale);
    }
    if exact(&["timezone", "time zone", "tz", "fuseau horaire"]) {
        return Some(Target::Timezone);
    }
    if exact(&[
        "avatar",
        "avatar url",
        "photo",
        "picture",
        "profile picture",
        "image",
    ]) {
        return Some(Target::AvatarUrl);
    }
    None
}

/// The kind a column's cells look like.
fn kind_of(cells: &[&str]) -> FieldKind {
    if cells.is_empty() {
        return FieldKind::Text;
    }
    let all = |kind: FieldKind| {
        cells
            .iter()
            .all(|c| kind.parse_text(&[], c.trim(), None).is_ok())
    };
    for kind in [
        FieldKind::Boolean,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Datetime,
        FieldKind::Email,
        FieldKind::Url,
    ] {
        if all(kind) {
            return kind;
        }
    }
    FieldKind::Text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn headers_suggest_targets() {
        let headers: Vec<String> = [
            "Full name",
            "E-mail",
            "Mobile",
            "Tags",
            "WhatsApp ID",
            "Score",
            "Joined",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let sample = vec![vec![
            "Ana".into(),
            "ana@x.com".into(),
            "+33612345678".into(),
            "a, b".into(),
            "33612345678".into(),
            "12".into(),
            "2026-01-02".into(),
        ]];
        let s = suggest(&headers, &sample, &FieldSet::default());
        let targets: Vec<&str> = s.iter().map(|s| s.target.as_str()).collect();
        assert_eq!(
            targets,
            [
                "name",
                "email",
                "phone",
                "tags",
                "identity:whatsapp",
                "",
                ""
            ]
        );
        assert_eq!(s[5].new_field.as_ref().unwrap().kind, "number");
        assert_eq!(s[6].new_field.as_ref().unwrap().kind, "date");
        assert_eq!(s[6].new_field.as_ref().unwrap().key, "joined");
    }

    #[test]
    fn plans_are_checked() {
        let headers: Vec<String> = vec!["A".into(), "B".into()];
        let plan = PlanIn {
            mapping: BTreeMap::from([
                ("A".into(), "email".into()),
                ("B".into(), "field:plan".into()),
            ]),
            ..PlanIn::default()
        };
        let e = plan.check(&headers, &FieldSet::default()).unwrap_err();
        assert!(e.named_field_errors().contains_key("mapping.B"));
        let plan = PlanIn {
            mapping: BTreeMap::from([("A".into(), "tags".into())]),
            ..PlanIn::default()
        };
        assert!(
            plan.check(&headers, &FieldSet::default())
                .unwrap_err()
                .named_field_errors()
                .contains_key("mapping")
        );
        let plan = PlanIn {
            mapping: BTreeMap::from([("A".into(), "email".into()), ("Z".into(), "name".into())]),
            on_match: Some("mix".into()),
            ..PlanIn::default()
        };
        let errors = plan
            .check(&headers, &FieldSet::default())
            .unwrap_err()
            .named_field_errors();
        assert!(errors.contains_key("mapping.Z") && errors.contains_key("on_match"));
    }
}
