//! "Did you mean": the closest candidate by edit distance (optimal string alignment: a swap of two neighbours is one edit), if close enough to
//! be a likely typo: at most a third of the name's length, and at least one edit allowed.

#[must_use]
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != name)
        .map(|c| {
            let distance = if c.eq_ignore_ascii_case(name) {
                0
            } else {
                strsim::osa_distance(name, c)
            };
            (distance, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_close_names_only() {
        let names = ["purchase", "page_view", "login"];
        assert_eq!(closest("purchse", names.into_iter()), Some("purchase"));
        assert_eq!(closest("Login", names.into_iter()), Some("login"));
        assert_eq!(closest("signup", names.into_iter()), None);
    }
}
