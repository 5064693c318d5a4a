//! Tags: named, coloured labels on contacts. `VIP` and `vip` are one tag (names are compared
//! folded); a tag named when tagging a contact is created if it does not exist yet, with a colour
//! chosen from its name. Renaming keeps every contact's tag; deleting removes it from every
//! contact at once, which is audited but raises no per-contact event or timeline entry (it is a
//! change of the workspace's vocabulary, not of the people).

pub mod api;
pub mod service;
pub mod store;

pub use store::TagRow;

/// The colours a new tag gets when none is given (picked by its name, so the same name always
/// gets the same colour).
pub const PALETTE: [&str; 10] = [
    "#5443c9", "#0f7b6c", "#b45309", "#be185d", "#1d4ed8", "#4d7c0f", "#7c3aed", "#b91c1c",
    "#0e7490", "#6b7280",
];

pub fn default_color(name: &str) -> &'static str {
    let sum: usize = crate::contacts::fold::fold(name)
        .bytes()
        .map(usize::from)
        .sum();
    PALETTE[sum % PALETTE.len()]
}

/// `#rrggbb`, lower-cased.
pub fn parse_color(text: &str) -> Result<String, String> {
    let color = text.trim().to_ascii_lowercase();
    let ok = color.len() == 7
        && color.starts_with('#')
        && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(color)
    } else {
        Err("Use a colour like #5443c9.".into())
    }
}

/// A tag name: 1 to 50 characters, no control characters, no commas (files separate tags with
/// them).
pub fn parse_name(text: &str) -> Result<String, String> {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.chars().count() {
        0 => Err("Give the tag a name.".into()),
        1..=50 if !name.contains([',', ';']) && !name.chars().any(char::is_control) => Ok(name),
        1..=50 => Err("A tag name cannot contain commas or semicolons.".into()),
        _ => Err("Use at most 50 characters.".into()),
    }
}
