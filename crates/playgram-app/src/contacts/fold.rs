//! Folding text for search and sorting: lower case, diacritics removed, split into words. The
//! same folding builds the stored search document and the words of a query, on both backends, so
//! `José` is found by `jose` and `Jose` by `josé` whether SQLite's FTS5 or PostgreSQL's full-text
//! search runs the query.
//!
//! A query's words must all be found; the last one may be the start of a word (`ana nu` finds
//! Ana Núñez), the others are whole words (so `p7@example.com` does not find p70@example.com).
//!
//! The document is plain words separated by spaces (FTS5's `unicode61` and PostgreSQL's `simple`
//! configuration then agree on what a word is): the workspace's token first (every SQLite query
//! requires it, so the index only answers within one workspace), then the name, each email split at its
//! punctuation, each phone as E.164 digits and as national digits with and without the trunk
//! prefix, and each identity's id and username.

use playgram_core::ids::WorkspaceId;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower case without diacritics: `Émilie Ødegård` → `emilie odegard`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ß' => out.push_str("ss"),
            'þ' | 'Þ' => out.push_str("th"),
            'ı' => out.push('i'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The folded words of `text`: runs of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The token every document of a workspace carries, and every query requires.
pub fn workspace_token(workspace_id: &WorkspaceId) -> String {
    let body = workspace_id
        .as_str()
        .split_once('_')
        .map_or("", |(_, body)| body);
    format!("w{}", body.to_lowercase())
}

/// What goes into a contact's search document.
#[derive(Default)]
pub struct Searchable<'a> {
    pub name: &'a str,
    pub emails: &'a [String],
    /// E.164 phones.
    pub phones: &'a [String],
    /// (external id, username) of each identity.
    pub identities: Vec<(&'a str, Option<&'a str>)>,
}

/// The stored search document.
pub fn document(workspace_id: &WorkspaceId, s: &Searchable<'_>) -> String {
    let mut out = vec![workspace_token(workspace_id)];
    out.extend(words(s.name));
    for email in s.emails {
        out.extend(words(email));
    }
    for phone in s.phones {
        out.extend(super::phone::search_tokens(phone));
    }
    for (external_id, username) in &s.identities {
        out.extend(words(external_id));
        if let Some(username) = username {
            out.extend(words(username));
            // `ana.k_99` is also found as `anak99`.
            let joined: String = words(username).concat();
            out.push(joined);
        }
    }
    out.dedup();
    out.join(" ")
}

/// The sort key of a contact: its folded display name.
pub fn sort_key(display: &str) -> String {
    fold(display.trim())
}

/// The words a query must all match (each as a prefix). A query that looks like a phone number
/// (`+33 6 12 34 56 78`, `(555) 123-4567`) is one run of digits, so it finds the number however
/// the digits were grouped. `None` when the query has nothing searchable.
pub fn query_words(query: &str) -> Option<Vec<String>> {
    let trimmed = query.trim();
    let phone_like = !trimmed.is_empty()
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && trimmed.chars().filter(char::is_ascii_digit).count() >= 3;
    let words = if phone_like {
        vec![trimmed.chars().filter(char::is_ascii_digit).collect()]
    } else {
        words(trimmed)
    };
    let mut words: Vec<String> = words.into_iter().take(8).collect();
    words.dedup();
    (!words.is_empty()).then_some(words)
}

/// The FTS5 `MATCH` expression: the workspace token, every word, the last one as a prefix (it
/// may be still being typed).
pub fn sqlite_match(workspace_id: &WorkspaceId, words: &[String]) -> String {
    let mut parts = vec![format!("\"{}\"", workspace_token(workspace_id))];
    let last = words.len().saturating_sub(1);
    parts.extend(words.iter().enumerate().map(|(i, w)| {
        if i == last {
            format!("\"{w}\"*")
        } else {
            format!("\"{w}\"")
        }
    }));
    parts.join(" AND ")
}

/// The PostgreSQL `to_tsquery('simple', …)` text, as [`sqlite_match`] but without the workspace
/// token: there the workspace is a column the query filters on, and the token (in every document
/// of the workspace) would only make the index intersect a long list.
pub fn postgres_tsquery(_workspace_id: &WorkspaceId, words: &[String]) -> String {
    let last = words.len().saturating_sub(1);
    let parts: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last {
                format!("{w}:*")
            } else {
                w.clone()
            }
        })
        .collect();
    parts.join(" & ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_and_diacritics() {
        assert_eq!(fold("Émilie Ødegård"), "emilie odegard");
        assert_eq!(fold("José Núñez"), "jose nunez");
        assert_eq!(fold("Straße Łódź"), "strasse lodz");
        assert_eq!(fold("ＡＢＣ"), "abc");
        assert_eq!(
            words("ana.k_99@Example.COM"),
            ["ana", "k", "99", "example", "com"]
        );
    }

    #[test]
    fn queries_become_prefix_words() {
        assert_eq!(query_words("  José  "), Some(vec!["jose".to_owned()]));
        assert_eq!(
            query_words("+33 6 12-34 (56) 78"),
            Some(vec!["33612345678".to_owned()])
        );
        assert_eq!(query_words("12"), Some(vec!["12".to_owned()]));
        assert_eq!(query_words(" .- "), None);
        let ws = WorkspaceId::new();
        let words = query_words("ana k").unwrap_or_default();
        let fts = sqlite_match(&ws, &words);
        assert!(fts.ends_with("AND \"ana\" AND \"k\"*"), "{fts}");
        assert_eq!(postgres_tsquery(&ws, &words), "ana & k:*");
    }

    #[test]
    fn documents_hold_every_way_to_find_someone() {
        let ws = WorkspaceId::new();
        let emails = vec!["ana@example.com".to_owned()];
        let phones = vec!["+33612345678".to_owned()];
        let doc = document(
            &ws,
            &Searchable {
                name: "Ana Núñez",
                emails: &emails,
                phones: &phones,
                identities: vec![("17841400000000", Some("ana.k_99"))],
            },
        );
        for word in [
            "ana",
            "nunez",
            "example",
            "33612345678",
            "612345678",
            "0612345678",
            "anak99",
        ] {
            assert!(doc.split(' ').any(|w| w == word), "{word} in {doc}");
        }
        assert!(doc.starts_with(&workspace_token(&ws)));
    }
}
