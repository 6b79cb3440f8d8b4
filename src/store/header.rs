//! The column names of a CSV header or a Parquet schema, checked once before any row: no name
//! may appear twice (one of the values would be lost), and the columns a kind of file needs
//! (`user_id`, `event`, `ts` for events; `user_id` for profiles; `account_id` for accounts) must
//! be there. A missing column is a fault of the file, not of its rows, so it fails the load
//! whatever `--on-bad-row` says; the message guesses the likely cause (another separator, a
//! stray space, another case) from the names that are there.

use super::load::Kind;

/// The columns a file of `kind` must have.
#[must_use]
pub fn required(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Events => &["user_id", "event", "ts"],
        Kind::Profiles => &["user_id"],
        Kind::Accounts => &["account_id"],
    }
}

/// Checks the column names of a file (`kind` None: any kind, as `infer-schema` reads them).
/// The error says what is wrong, naming the column (1-based) where one is at fault.
pub fn check(kind: Option<Kind>, names: &[&str]) -> Result<(), String> {
    if let Some((first, second)) = duplicate(names) {
        return Err(format!(
            "the column `{}` appears twice (columns {} and {}); one of its values would be lost",
            names[second],
            first + 1,
            second + 1
        ));
    }
    let Some(kind) = kind else {
        return Ok(());
    };
    for &name in required(kind) {
        if !names.contains(&name) {
            return Err(missing(name, names));
        }
    }
    Ok(())
}

/// The positions of the first name that appears twice.
fn duplicate(names: &[&str]) -> Option<(usize, usize)> {
    let mut seen: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    for (i, name) in names.iter().enumerate() {
        if let Some(&first) = seen.get(name) {
            return Some((first, i));
        }
        seen.insert(name, i);
    }
    None
}

/// Why `name` is not among `names`, with a hint at the likely cause.
fn missing(name: &str, names: &[&str]) -> String {
    if let [only] = names {
        if let Some(separator) = [';', '\t', '|'].into_iter().find(|&c| only.contains(c)) {
            let shown = if separator == '\t' {
                "a tab".to_string()
            } else {
                format!("`{separator}`")
            };
            return format!(
                "the header has one column `{only}`: is the separator {shown}? (columns are \
                 separated by commas)"
            );
        }
    }
    if let Some(hint) = near(name, names.iter().copied()) {
        return format!("there is no `{name}` column: {hint}");
    }
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    let more = if names.len() > shown.len() {
        ", ..."
    } else {
        ""
    };
    format!(
        "there is no `{name}` column (the columns are {}{more})",
        shown.join(", ")
    )
}

/// A name among `names` that is `name` but for surrounding spaces or case, as a hint.
pub fn near<'n>(name: &str, mut names: impl Iterator<Item = &'n str> + Clone) -> Option<String> {
    if let Some(near) = names.clone().find(|n| n.trim() == name) {
        let what = if near.starts_with(char::is_whitespace) {
            "a leading space"
        } else {
            "a trailing space"
        };
        return Some(format!("`{near}` has {what}"));
    }
    names
        .find(|n| n.trim().eq_ignore_ascii_case(name))
        .map(|near| format!("is it `{near}`? (names are case-sensitive)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicated_column_is_named_with_both_positions() {
        let error = check(None, &["user_id", "event", "user_id"]).unwrap_err();
        assert!(
            error.starts_with("the column `user_id` appears twice (columns 1 and 3)"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_column_hints_at_the_cause() {
        let events = Some(Kind::Events);
        let semicolons = check(events, &["user_id;event;ts"]).unwrap_err();
        assert!(semicolons.contains("is the separator `;`?"), "{semicolons}");
        let space = check(events, &[" user_id", "event", "ts"]).unwrap_err();
        assert!(
            space.contains("no `user_id` column: ` user_id` has a leading space"),
            "{space}"
        );
        let case = check(Some(Kind::Accounts), &["Account_ID"]).unwrap_err();
        assert!(case.contains("is it `Account_ID`?"), "{case}");
        let other = check(Some(Kind::Profiles), &["id", "country"]).unwrap_err();
        assert_eq!(
            other,
            "there is no `user_id` column (the columns are `id`, `country`)"
        );
        assert!(check(events, &["ts", "event", "user_id", "x"]).is_ok());
    }
}
