//! The one identifier syntax shared by people, teams, domains, rules, roles
//! and rotations: `[a-z0-9][a-z0-9_-]*`. Keeping ids this plain means they
//! can appear in URLs, CEL expressions and file names without escaping.

pub fn is_valid(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The message for an id that does not have the required shape.
pub fn shape_error(what: &str, id: &str) -> String {
    format!(
        "{what} `{id}` is not a valid id: expected lowercase letters, digits, `_` and `-`, starting with a letter or digit"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_are_ids_and_other_text_is_not() {
        for good in ["kim", "on-call", "a_b", "9lives"] {
            assert!(super::is_valid(good), "{good}");
        }
        for bad in ["", "Kim", "-x", "_x", "a b", "é", "a.b"] {
            assert!(!super::is_valid(bad), "{bad}");
        }
    }
}
