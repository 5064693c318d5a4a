//! Canned replies: saved answers an agent inserts by typing `/` and the shortcut in the composer.
//!
//! A body may hold variables, filled for the conversation at hand:
//! `{first_name}`, `{last_name}`, `{name}` (the contact), `{agent_name}`, `{agent_first_name}`
//! (the person replying), `{workspace_name}`, and any contact custom field by its key
//! (`{plan}`). `{first_name|there}` falls back to "there" when the value is empty. A variable
//! with no value and no fallback becomes empty and is reported as `missing`, so the composer can
//! say so before anything is sent. Unknown variable names are refused when the reply is saved.
//!
//! Anyone who may reply may add and edit the workspace's canned replies (small teams share the
//! work; each reply records who wrote it).

pub mod api;
pub mod store;

use std::collections::BTreeMap;

pub const BUILT_IN: [&str; 6] = [
    "first_name",
    "last_name",
    "name",
    "agent_name",
    "agent_first_name",
    "workspace_name",
];

/// One `{name|fallback}` in a body.
#[derive(Debug, PartialEq)]
struct Variable<'a> {
    name: &'a str,
    fallback: Option<&'a str>,
}

/// Splits a body into text and variables. A `{` without a closing `}` on the same line is text.
fn parts(body: &str) -> Vec<Result<&str, Variable<'_>>> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(['}', '\n', '{']) else {
            break;
        };
        if &after[close..close + 1] != "}" {
            out.push(Ok(&rest[..open + 1]));
            rest = after;
            continue;
        }
        let inner = &after[..close];
        let (name, fallback) = match inner.split_once('|') {
            Some((name, fallback)) => (name.trim(), Some(fallback)),
            None => (inner.trim(), None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push(Ok(&rest[..open + 1]));
            rest = after;
            continue;
        }
        out.push(Ok(&rest[..open]));
        out.push(Err(Variable { name, fallback }));
        rest = &after[close + 1..];
    }
    out.push(Ok(rest));
    out
}

/// The variable names a body uses that are neither built in nor among `fields`.
pub fn unknown_variables(body: &str, fields: &[String]) -> Vec<String> {
    let mut unknown = Vec::new();
    for part in parts(body) {
        if let Err(v) = part
            && !BUILT_IN.contains(&v.name)
            && !fields.iter().any(|f| f == v.name)
            && !unknown.iter().any(|u| u == v.name)
        {
            unknown.push(v.name.to_owned());
        }
    }
    unknown
}

/// A body filled with `values`; and the variables that had neither a value nor a fallback.
pub fn render(body: &str, values: &BTreeMap<String, String>) -> (String, Vec<String>) {
    let mut text = String::with_capacity(body.len());
    let mut missing = Vec::new();
    for part in parts(body) {
        match part {
            Ok(t) => text.push_str(t),
            Err(v) => match values
                .get(v.name)
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
            {
                Some(value) => text.push_str(value),
                None => match v.fallback {
                    Some(fallback) => text.push_str(fallback),
                    None => {
                        if !missing.iter().any(|m| m == v.name) {
                            missing.push(v.name.to_owned());
                        }
                    }
                },
            },
        }
    }
    (text, missing)
}

/// A shortcut as stored: trimmed, without a leading `/`, lower-case; `None` when it has other
/// characters than letters, digits, `-` and `_`, or is empty or longer than 40.
pub fn shortcut(text: &str) -> Option<String> {
    let s = text.trim().trim_start_matches('/').to_lowercase();
    let ok = !s.is_empty()
        && s.chars().count() <= 40
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    ok.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn variables_fill_and_fall_back() {
        let v = values(&[("first_name", "Ana"), ("agent_name", "Sam"), ("plan", "")]);
        assert_eq!(
            render("Hi {first_name}, {agent_name} here.", &v),
            ("Hi Ana, Sam here.".into(), vec![])
        );
        assert_eq!(
            render("Your {plan|current} plan, {last_name|friend}.", &v),
            ("Your current plan, friend.".into(), vec![])
        );
        assert_eq!(
            render("Hi {last_name}!", &v),
            ("Hi !".into(), vec!["last_name".to_owned()])
        );
        // Not variables: braces around other text, unclosed braces, JSON.
        assert_eq!(
            render("{ \"a\": 1 } {open {first_name}", &v),
            ("{ \"a\": 1 } {open Ana".into(), vec![])
        );
    }

    #[test]
    fn unknown_names_are_found_once() {
        let fields = vec!["plan".to_owned()];
        assert_eq!(
            unknown_variables("{first_name} {plan} {colour} {colour|x}", &fields),
            ["colour"]
        );
    }

    #[test]
    fn shortcuts_are_simple_words() {
        assert_eq!(shortcut(" /Hours "), Some("hours".into()));
        assert_eq!(shortcut("late-delivery_2"), Some("late-delivery_2".into()));
        assert_eq!(shortcut("two words"), None);
        assert_eq!(shortcut("/"), None);
    }
}
