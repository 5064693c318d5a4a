//! [`FormState`]: what a re-rendered form needs — per-field messages (shown beside each field and
//! linked with `aria-describedby`), a message for the whole form, and which field gets focus.

use super::error::PageError;
use crate::http::{AppError, FieldErrors};

#[derive(Default)]
pub struct FormState {
    /// Prefix for element ids, so several forms on one page never share an id.
    pub id: &'static str,
    pub errors: FieldErrors,
    /// A problem with the form as a whole (wrong password, throttled, refused…).
    pub message: Option<String>,
    /// The first field with an error, in the form's own order: it gets `autofocus`.
    pub first: Option<&'static str>,
    /// Messages for fields whose names are data (`fields.plan`), by name.
    pub named: std::collections::BTreeMap<String, String>,
}

impl FormState {
    pub fn new(id: &'static str) -> FormState {
        FormState {
            id,
            ..FormState::default()
        }
    }

    /// Turns a service's refusal into form state; internal errors become the error page instead.
    /// `order` lists the form's fields top to bottom.
    pub fn rejected(
        id: &'static str,
        error: AppError,
        order: &[&'static str],
    ) -> Result<FormState, PageError> {
        if matches!(error, AppError::Internal(_)) {
            return Err(PageError::App(error));
        }
        let errors = error.field_errors();
        let first = order
            .iter()
            .copied()
            .find(|f| errors.contains_key(f))
            .or_else(|| errors.keys().next().copied())
            .or_else(|| order.first().copied());
        let message = if errors.is_empty() {
            Some(error.public_message())
        } else {
            None
        };
        Ok(FormState {
            id,
            errors,
            message,
            first,
            named: Default::default(),
        })
    }

    /// Like [`FormState::rejected`], keeping the messages of fields named by data too
    /// (`fields.plan`); a refusal that names no field at all becomes the form's message.
    pub fn rejected_named(
        id: &'static str,
        error: AppError,
        order: &[&'static str],
    ) -> Result<FormState, PageError> {
        let named = error.named_field_errors();
        let mut form = FormState::rejected(id, error, order)?;
        if !named.is_empty() {
            form.message = None;
        }
        form.named = named;
        Ok(form)
    }

    /// The message for a field named by data.
    pub fn error_named(&self, field: &str) -> Option<String> {
        self.named.get(field).cloned()
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn autofocus(&self, field: &str) -> bool {
        self.first == Some(field)
    }

    /// Moves a whole-form message onto one field (a wrong code belongs beside the code input).
    pub fn pin_to(mut self, field: &'static str) -> FormState {
        if let Some(message) = self.message.take() {
            self.errors.insert(field, message);
            self.first = Some(field);
        }
        self
    }

    /// True when the form needs attention (for the summary at its top).
    pub fn failed(&self) -> bool {
        self.message.is_some() || !self.errors.is_empty() || !self.named.is_empty()
    }
}
