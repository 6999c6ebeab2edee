//! Suggestions for names that are almost right: an unknown YAML key, a
//! field of `decision`, a CEL function. One rule for "close enough to be a
//! typo" everywhere.

/// The candidate closest to `unknown`, when it is close enough to be a typo
/// of it: at most a third of the longer name's letters differ (at least 1).
pub(crate) fn nearest<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|candidate| !candidate.is_empty() && *candidate != unknown)
        .map(|candidate| (strsim::damerau_levenshtein(unknown, candidate), candidate))
        .filter(|&(distance, candidate)| {
            distance <= (candidate.len().max(unknown.len()) / 3).max(1)
        })
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// `a, b and c`.
pub(crate) fn list_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_name_is_suggested_and_a_far_one_is_not() {
        assert_eq!(
            nearest("reversable", ["type", "reversible"]),
            Some("reversible")
        );
        assert_eq!(nearest("idd", ["id", "name"]), Some("id"));
        assert_eq!(nearest("colour", ["id", "name"]), None);
    }

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(list_and(&["a"]), "a");
        assert_eq!(list_and(&["a", "b", "c"]), "a, b and c");
    }
}
