//! "Did you mean": the closest candidate, if close enough to be a likely slip.
//!
//! Names are compared without case, by edit distance (optimal string alignment: a swap of two
//! neighbours is one edit), and also as their `_`-separated words sorted, so that
//! `view_product` finds `product_view`. Scores count half edits: a case difference alone is 0,
//! the same words in another order 1, each edit 2 (and each edit after reordering 2 more).
//! A candidate is close when its score is at most two thirds of the name's length (a third of
//! its length in edits, at least one edit); the lowest score wins, ties going to the smallest
//! candidate, so the answer never depends on the order of the candidates.

#[must_use]
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = 2 * (name.chars().count() / 3).max(1);
    let lower = name.to_lowercase();
    let words = sorted_words(&lower);
    candidates
        .filter(|c| *c != name)
        .map(|c| (score(&lower, &words, c), c))
        .filter(|(s, _)| *s <= limit)
        // On a tie, a name that starts like the one written (typos seldom hit the first
        // letter: `visted` is `visited`, not `listed`), then the first in order.
        .min_by_key(|&(s, c)| (s, !starts_alike(&lower, c), c))
        .map(|(_, c)| c)
}

fn starts_alike(lower: &str, candidate: &str) -> bool {
    let first = |s: &str| s.chars().next().map(|c| c.to_lowercase().next());
    first(lower) == first(candidate)
}

/// The distance from the name (lower case, and its words sorted) to a candidate, in half edits.
fn score(lower: &str, words: &str, candidate: &str) -> usize {
    let candidate = candidate.to_lowercase();
    let direct = 2 * strsim::osa_distance(lower, &candidate);
    let reordered = sorted_words(&candidate);
    if reordered == candidate && words == lower {
        // One word (or already in order) each: reordering adds nothing.
        return direct;
    }
    direct.min(2 * strsim::osa_distance(words, &reordered) + 1)
}

/// `view_product` as `product_view`: the non-empty `_`-separated words, sorted.
fn sorted_words(name: &str) -> String {
    let mut words: Vec<&str> = name.split('_').filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    words.join("_")
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

    #[test]
    fn suggests_the_same_words_in_another_order() {
        let names = ["product_view", "purchase", "add_to_cart"];
        assert_eq!(
            closest("view_product", names.into_iter()),
            Some("product_view")
        );
        assert_eq!(
            closest("cart_add_to", names.into_iter()),
            Some("add_to_cart")
        );
        assert_eq!(
            closest("to_cart_add", names.into_iter()),
            Some("add_to_cart")
        );
        // Another order and another case.
        assert_eq!(
            closest("View_Product", names.into_iter()),
            Some("product_view")
        );
        // Another order with a typo in a word.
        assert_eq!(
            closest("veiw_product", names.into_iter()),
            Some("product_view")
        );
        // Another case with a typo.
        assert_eq!(closest("PURCHSE", names.into_iter()), Some("purchase"));
        // Words that are not the candidate's.
        assert_eq!(closest("view_cart", names.into_iter()), None);
    }

    #[test]
    fn a_reordering_beats_a_typo_and_ties_do_not_depend_on_order() {
        let names = ["product_view", "view_products"];
        assert_eq!(
            closest("view_product", names.into_iter()),
            Some("product_view")
        );
        assert_eq!(
            closest("view_product", names.into_iter().rev()),
            Some("product_view")
        );
        let tied = ["lagin", "logan"];
        assert_eq!(closest("login", tied.into_iter()), Some("lagin"));
        assert_eq!(closest("login", tied.into_iter().rev()), Some("lagin"));
    }
}
