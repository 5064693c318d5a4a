//! The event types as the settings form offers them: checkboxes grouped by family (the part of
//! the name before the first dot), each family also choosable whole (`member.*`, new types too).

use crate::events::catalog::catalog;

/// One event type as a checkbox.
pub struct TypeOption {
    pub name: &'static str,
    pub description: &'static str,
}

/// The event types of one family (`member`), which can be chosen whole (`member.*`).
pub struct Family {
    pub name: String,
    pub types: Vec<TypeOption>,
}

impl Family {
    /// The value that subscribes to the whole family, new types included.
    pub fn wildcard(&self) -> String {
        format!("{}.*", self.name)
    }
}

/// The catalog's event types, grouped by the part of their name before the first dot.
pub fn families() -> Vec<Family> {
    let mut out: Vec<Family> = Vec::new();
    for t in catalog() {
        let family = t.name.split_once('.').map_or(t.name, |(f, _)| f);
        let option = TypeOption {
            name: t.name,
            description: t.description,
        };
        match out.iter_mut().find(|f| f.name == family) {
            Some(f) => f.types.push(option),
            None => out.push(Family {
                name: family.to_owned(),
                types: vec![option],
            }),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn families_group_the_catalog() {
        let all = families();
        let member = all.iter().find(|f| f.name == "member").unwrap();
        assert_eq!(member.wildcard(), "member.*");
        assert!(member.types.iter().all(|t| t.name.starts_with("member.")));
    }
}
