//! Creating a contact (`/app/contacts/new`) and changing one's profile and custom fields, from
//! form posts: emails and phones one per line (or separated by commas), custom fields by kind
//! (a multi-select sends one value per ticked option; a date and time is read as UTC).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use playgram_core::Conn;
use serde_json::Value;

use super::detail::{DetailQuery, FieldInput, field_inputs, load};
use super::{Pairs, posted_raw, tell};
use crate::auth::Capability;
use crate::contacts::fields::{FieldKind, FieldSet};
use crate::contacts::input::{ContactIn, ContactPatch};
use crate::contacts::service::{self, Context};
use crate::http::AppError;
use crate::http::forms::PageForm;
use crate::pages::{Chrome, FormState, PageError, PageResult};
use crate::state::AppState;

fn lines(text: Option<String>) -> Vec<String> {
    text.unwrap_or_default()
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The custom-field values a form posted (only the fields it holds).
fn posted_fields(fields: &FieldSet, pairs: &Pairs) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for field in &fields.fields {
        let name = format!("fields.{}", field.key);
        if !pairs
            .iter()
            .any(|(k, _)| *k == name || *k == format!("{name}.present"))
        {
            continue;
        }
        let value = match field.kind() {
            FieldKind::MultiSelect => Value::from(
                pairs
                    .iter()
                    .filter(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
                    .collect::<Vec<_>>(),
            ),
            FieldKind::Datetime => {
                let text = posted_raw(pairs, &name).unwrap_or_default();
                let text = text.trim();
                // datetime-local sends 2026-12-03T14:30: read it as UTC.
                if text.is_empty() || text.ends_with('Z') || text.contains('+') {
                    Value::from(text)
                } else if text.len() == 16 {
                    Value::from(format!("{text}:00Z"))
                } else {
                    Value::from(format!("{text}Z"))
                }
            }
            _ => Value::from(posted_raw(pairs, &name).unwrap_or_default()),
        };
        out.insert(field.key.clone(), value);
    }
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "contact_new.html")]
pub struct NewPage {
    pub chrome: Chrome,
    pub form: FormState,
    pub name: String,
    pub emails: String,
    pub phones: String,
    pub tags: String,
    pub fields: Vec<FieldInput>,
    pub existing: Option<String>,
}

async fn new_page(
    state: &AppState,
    chrome: Chrome,
    pairs: Option<&Pairs>,
    form: FormState,
) -> Result<NewPage, PageError> {
    let principal = chrome.principal()?;
    principal.require(Capability::WriteContacts)?;
    let context = Context::load(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    let mut fields = field_inputs(&context.fields, None, pairs.map(|p| p.as_slice()));
    for f in &mut fields {
        f.error = form.error_named(&format!("fields.{}", f.key));
    }
    let value = |n: &str| pairs.and_then(|p| posted_raw(p, n)).unwrap_or_default();
    Ok(NewPage {
        name: value("name"),
        emails: value("emails"),
        phones: value("phones"),
        tags: value("tags"),
        fields,
        existing: None,
        form,
        chrome,
    })
}

pub async fn show_new(State(state): State<AppState>, chrome: Chrome) -> PageResult {
    Ok(new_page(&state, chrome, None, FormState::new("ct-new"))
        .await?
        .into_response())
}

pub async fn create_contact(
    State(state): State<AppState>,
    chrome: Chrome,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::WriteContacts)?;
    let context = Context::load(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    let input = ContactIn {
        name: posted_raw(&pairs, "name"),
        emails: Some(lines(posted_raw(&pairs, "emails"))),
        phones: Some(lines(posted_raw(&pairs, "phones"))),
        tags: Some(lines(posted_raw(&pairs, "tags"))),
        fields: Some(posted_fields(&context.fields, &pairs)),
        ..ContactIn::default()
    };
    // The form says who the person is; an empty one is a slip, not an anonymous contact (the
    // API may still create one, for a channel to fill in later).
    let nobody = input.name.as_deref().is_none_or(|n| n.trim().is_empty())
        && input.emails.as_ref().is_none_or(Vec::is_empty)
        && input.phones.as_ref().is_none_or(Vec::is_empty);
    let created = if nobody {
        Err(AppError::field(
            "name",
            "Give a name, an email or a phone number.",
        ))
    } else {
        service::create(&state, principal, &input, "dashboard").await
    };
    match created {
        Ok(contact) => {
            tell(
                &chrome,
                &state,
                true,
                "Contact added.",
                &format!("/app/contacts/{}", contact.row.id),
            )
            .await
        }
        Err(error) => {
            let status = error.status();
            let existing = existing_of(&error);
            let form =
                FormState::rejected_named("ct-new", error, &["name", "emails", "phones", "tags"])?;
            let mut page = new_page(&state, chrome, Some(&pairs), form).await?;
            page.existing = existing;
            Ok((status, page).into_response())
        }
    }
}

/// The other contact a `contact_exists` refusal names.
fn existing_of(error: &AppError) -> Option<String> {
    match error {
        AppError::Client(c) if c.code == "contact_exists" => c
            .details
            .as_ref()?
            .get("contact_id")?
            .as_str()
            .map(str::to_owned),
        _ => None,
    }
}

/// Saves the profile form (name, emails, phones, language, time zone, avatar).
pub async fn update_profile(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::WriteContacts)?;
    let text = |n: &str| {
        Some(
            posted_raw(&pairs, n)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty()),
        )
    };
    let patch = ContactPatch {
        name: Some(posted_raw(&pairs, "name")),
        emails: Some(Some(lines(posted_raw(&pairs, "emails")))),
        phones: Some(Some(lines(posted_raw(&pairs, "phones")))),
        locale: text("locale"),
        timezone: text("timezone"),
        avatar_url: text("avatar_url"),
        fields: None,
    };
    match service::update(&state, principal, &id, &patch).await {
        Ok(_) => {
            tell(
                &chrome,
                &state,
                true,
                "Profile saved.",
                &format!("/app/contacts/{id}"),
            )
            .await
        }
        Err(error) => {
            refused(
                &state,
                chrome,
                &id,
                error,
                "ct-profile",
                &[
                    "name",
                    "emails",
                    "phones",
                    "locale",
                    "timezone",
                    "avatar_url",
                ],
                &pairs,
            )
            .await
        }
    }
}

/// Saves the custom fields form.
pub async fn update_fields(
    State(state): State<AppState>,
    chrome: Chrome,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let principal = chrome.principal()?;
    principal.require(Capability::WriteContacts)?;
    let context = Context::load(&mut Conn::Db(&state.db), &principal.workspace_id).await?;
    let patch = ContactPatch {
        fields: Some(posted_fields(&context.fields, &pairs)),
        ..ContactPatch::default()
    };
    match service::update(&state, principal, &id, &patch).await {
        Ok(_) => {
            tell(
                &chrome,
                &state,
                true,
                "Fields saved.",
                &format!("/app/contacts/{id}"),
            )
            .await
        }
        Err(error) => refused(&state, chrome, &id, error, "ct-fields", &[], &pairs).await,
    }
}

/// The contact page again with a refused form's messages in place.
pub async fn refused(
    state: &AppState,
    chrome: Chrome,
    id: &str,
    error: AppError,
    form_id: &'static str,
    order: &[&'static str],
    pairs: &Pairs,
) -> PageResult {
    let status = error.status();
    let form = FormState::rejected_named(form_id, error, order)?;
    let mut page = load(state, chrome, id, &DetailQuery::default()).await?;
    match form_id {
        "ct-fields" => {
            let fields = Context::load(
                &mut Conn::Db(&state.db),
                &page.chrome.principal()?.workspace_id,
            )
            .await?
            .fields;
            page.fields = field_inputs(&fields, None, Some(pairs));
            for f in &mut page.fields {
                f.error = form.error_named(&format!("fields.{}", f.key));
            }
            page.fields_form = form;
        }
        "ct-consent" => page.consent_form = form,
        _ => {
            let v = |n: &str| posted_raw(pairs, n).unwrap_or_default();
            page.name = v("name");
            page.emails = v("emails");
            page.phones = v("phones");
            page.locale = v("locale");
            page.timezone = v("timezone");
            page.avatar_url = v("avatar_url");
            page.profile_form = form;
        }
    }
    Ok((status, page).into_response())
}
