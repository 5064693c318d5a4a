//! Parse, don't validate: the account fields people type, turned into types that are known good.

use crate::http::AppError;

/// A lower-cased email address with one `@`, a local part and a dotted (or `localhost`) domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, AppError> {
        let email = text.trim().to_lowercase();
        let ok = email.len() <= 254
            && !email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && (domain == "localhost"
                            || (domain.contains('.')
                                && !domain.starts_with('.')
                                && !domain.ends_with('.')))
                }
                None => false,
            };
        if ok {
            Ok(Email(email))
        } else {
            Err(AppError::field(
                "email",
                "Enter an email address like name@example.com.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password: 8 to 256 characters, not only spaces.
pub struct Password(String);

impl Password {
    pub fn parse(text: &str, field: &'static str) -> Result<Password, AppError> {
        let count = text.chars().count();
        if count < 8 {
            return Err(AppError::field(field, "Use at least 8 characters."));
        }
        if count > 256 || text.trim().is_empty() {
            return Err(AppError::field(
                field,
                "Use between 8 and 256 characters, not only spaces.",
            ));
        }
        Ok(Password(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A trimmed name of 1 to 100 characters (a person's or a workspace's).
#[derive(Clone, Debug)]
pub struct Name(String);

impl Name {
    pub fn parse(text: &str, field: &'static str) -> Result<Name, AppError> {
        let name = text.trim();
        match name.chars().count() {
            0 => Err(AppError::field(field, "This cannot be empty.")),
            1..=100 if !name.chars().any(char::is_control) => Ok(Name(name.to_owned())),
            _ => Err(AppError::field(
                field,
                "Use at most 100 characters, without control characters.",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Merges the field errors of several parses (`result.as_ref().err()`) into one validation error,
/// so a form shows every problem at once.
pub fn all_fields<const N: usize>(errors: [Option<&AppError>; N]) -> Result<(), AppError> {
    let mut fields = crate::http::FieldErrors::new();
    for error in errors.into_iter().flatten() {
        fields.extend(error.field_errors());
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").map(|e| e.0).ok(),
            Some("ada@example.com".into())
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_and_names() {
        assert!(Password::parse("short", "password").is_err());
        assert!(Password::parse("long enough", "password").is_ok());
        assert!(Name::parse("  ", "name").is_err());
        assert_eq!(
            Name::parse(" Ada ", "name").map(|n| n.0).ok(),
            Some("Ada".into())
        );
    }
}
