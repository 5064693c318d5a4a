//! Phone numbers: parsed and validated with the `phonenumber` crate (Google's libphonenumber
//! metadata) and stored in E.164 (`+33612345678`). A number written without a country code needs
//! the workspace's default country (contact settings); without one it is refused with a message
//! that says so.

use phonenumber::{Mode, PhoneNumber, country};

/// A valid phone number in E.164.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Parses what a person typed. `default_country` is an ISO 3166 alpha-2 code (`FR`).
    pub fn parse(text: &str, default_country: Option<&str>) -> Result<Phone, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("Enter a phone number.".into());
        }
        if text.chars().count() > 40 {
            return Err("A phone number has at most 40 characters.".into());
        }
        if text.chars().filter(char::is_ascii_digit).count() < 3 {
            return Err(format!("`{text}` is not a phone number."));
        }
        let international = text.starts_with('+') || text.starts_with("00");
        let region = match default_country {
            Some(code) if !international => Some(
                code.to_ascii_uppercase()
                    .parse::<country::Id>()
                    .map_err(|_| format!("`{code}` is not a country code."))?,
            ),
            _ => None,
        };
        let normalised = match text.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => text.to_owned(),
        };
        if !international && region.is_none() {
            return Err(format!(
                "`{text}` has no country code: write it as +<country code><number>, or set the workspace's default country."
            ));
        }
        let number = phonenumber::parse(region, &normalised)
            .map_err(|_| format!("`{text}` is not a phone number."))?;
        if !number.is_valid() {
            return Err(format!(
                "`{text}` is not a valid phone number for its country."
            ));
        }
        Ok(Phone(e164(&number)))
    }

    /// A number already in E.164, as stored.
    pub fn from_stored(e164: String) -> Phone {
        Phone(e164)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

fn e164(number: &PhoneNumber) -> String {
    number.format().mode(Mode::E164).to_string()
}

/// True when `code` is an ISO 3166 alpha-2 country the phone metadata knows.
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && code.to_ascii_uppercase().parse::<country::Id>().is_ok()
}

/// The words a stored E.164 number is found by: its digits, and its national digits with and
/// without the trunk prefix (`33612345678`, `612345678`, `0612345678`).
pub fn search_tokens(stored: &str) -> Vec<String> {
    let digits: String = stored.chars().filter(char::is_ascii_digit).collect();
    let mut out = vec![digits.clone()];
    if let Ok(number) = phonenumber::parse(None, stored) {
        let national = number.national().value().to_string();
        let formatted: String = number
            .format()
            .mode(Mode::National)
            .to_string()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        for token in [national, formatted] {
            if !token.is_empty() && !out.contains(&token) {
                out.push(token);
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised_to_e164() {
        let p = |t: &str, c: Option<&str>| Phone::parse(t, c).map(Phone::into_string);
        assert_eq!(p("+33 6 12 34 56 78", None).as_deref(), Ok("+33612345678"));
        assert_eq!(p("0033612345678", None).as_deref(), Ok("+33612345678"));
        assert_eq!(
            p("06 12 34 56 78", Some("fr")).as_deref(),
            Ok("+33612345678")
        );
        assert_eq!(
            p("(202) 555-0123", Some("US")).as_deref(),
            Ok("+12025550123")
        );
        assert!(
            p("06 12 34 56 78", None)
                .unwrap_err()
                .contains("country code")
        );
        assert!(p("+33 12", None).is_err());
        assert!(p("hello", Some("FR")).is_err());
        assert!(p("+1 555", Some("ZZ")).is_err() || p("555", Some("ZZ")).is_err());
        assert!(is_country("fr") && !is_country("zz"));
    }

    #[test]
    fn numbers_are_found_by_national_forms() {
        let tokens = search_tokens("+33612345678");
        assert_eq!(tokens, ["33612345678", "612345678", "0612345678"]);
    }
}
