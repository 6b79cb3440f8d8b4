//! `matches` patterns, written in Rust's regex syntax (the checker has compiled them), as each
//! dialect's regular expressions: copied where the dialect reads them alike, translated where
//! a form has an exact equivalent, and refused where it has none.
//!
//! - RE2 (DuckDB's `regexp_matches`, ClickHouse's `match`) reads Rust's syntax alike but for
//!   the Perl classes, which are ASCII in RE2 and Unicode in seg: `\d` becomes `\p{Nd}` (what
//!   it means in Rust), and `\w`, `\s`, `\b` and their negations are refused.
//! - Java (Spark's `RLIKE`) also differs in `.` (it stops at `\r` and other line ends too: it
//!   becomes `[^\n]`), `$` (it matches before a final line end too: it becomes `\z`), nested
//!   classes and flags (refused).
//! - PostgreSQL's POSIX expressions are only accepted as they are, where they read alike.

/// A regular expression engine's way of reading a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    Re2,
    Java,
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Flavor::Re2 => "RE2",
            Flavor::Java => "Java's regular expressions",
        }
    }
}

/// RE2's largest repetition count.
const RE2_MAX_REPEAT: u32 = 1000;

/// `pattern` as `flavor` reads it alike, or why it cannot be.
pub(super) fn translate(pattern: &str, flavor: Flavor) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(e) = at(i + 1) else {
                    return Err("a pattern ending in `\\`".into());
                };
                i += 2;
                match e {
                    'd' => out.push_str("\\p{Nd}"),
                    'D' => out.push_str("\\P{Nd}"),
                    'w' | 'W' | 's' | 'S' | 'b' | 'B' => {
                        return Err(format!(
                            "`\\{e}`, a Unicode class in seg and an ASCII one in {}",
                            flavor.name()
                        ))
                    }
                    'p' | 'P' => {
                        let name: String = if at(i) == Some('{') {
                            let end = chars[i..]
                                .iter()
                                .position(|&c| c == '}')
                                .ok_or("an unclosed `\\p{`")?;
                            let name = chars[i + 1..i + end].iter().collect();
                            i += end + 1;
                            name
                        } else {
                            let name = at(i).map(String::from).unwrap_or_default();
                            i += 1;
                            name
                        };
                        // General categories (`L`, `Nd`) are named alike; longer names
                        // (scripts, properties) are not.
                        if name.is_empty()
                            || name.chars().count() > 2
                            || !name.chars().all(|c| c.is_ascii_alphabetic())
                        {
                            return Err(format!("the class `\\{e}{{{name}}}`"));
                        }
                        let _ =
                            std::fmt::Write::write_fmt(&mut out, format_args!("\\{e}{{{name}}}"));
                    }
                    'x' => {
                        out.push_str("\\x");
                        if at(i) == Some('{') {
                            while let Some(c) = at(i) {
                                out.push(c);
                                i += 1;
                                if c == '}' {
                                    break;
                                }
                            }
                        }
                    }
                    'v' if flavor == Flavor::Java => {
                        return Err("`\\v`, a class of vertical space in Java".into())
                    }
                    'n' | 't' | 'r' | 'f' | 'v' | 'a' | 'A' | 'z' => {
                        out.push('\\');
                        out.push(e);
                    }
                    e if e.is_ascii_punctuation() => {
                        out.push('\\');
                        out.push(e);
                    }
                    e => return Err(format!("the escape `\\{e}`")),
                }
                continue;
            }
            '[' if in_class => {
                if flavor == Flavor::Re2 && at(i + 1) == Some(':') {
                    // An ASCII class, `[:alpha:]`, read alike.
                    let end = chars[i..]
                        .windows(2)
                        .position(|w| w == [':', ']'])
                        .ok_or("an unclosed `[:`")?;
                    out.extend(&chars[i..i + end + 2]);
                    i += end + 2;
                    continue;
                }
                return Err("a class within a class".into());
            }
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                if at(i) == Some('^') {
                    out.push('^');
                    i += 1;
                }
                if at(i) == Some(']') {
                    if flavor == Flavor::Java {
                        return Err("a `]` first in a class".into());
                    }
                    out.push(']');
                    i += 1;
                }
                continue;
            }
            ']' if in_class => in_class = false,
            '&' | '-' | '~' if in_class && at(i + 1) == Some(c) => {
                return Err(format!("the class operation `{c}{c}`"));
            }
            '.' if !in_class && flavor == Flavor::Java => {
                out.push_str("[^\\n]");
                i += 1;
                continue;
            }
            '$' if !in_class && flavor == Flavor::Java => {
                out.push_str("\\z");
                i += 1;
                continue;
            }
            '(' if !in_class && at(i + 1) == Some('?') => {
                let rest: String = chars[i + 2..].iter().take(2).collect();
                if rest.starts_with(':') {
                    out.push_str("(?:");
                    i += 3;
                    continue;
                }
                if flavor == Flavor::Re2 && rest == "P<" {
                    out.push_str("(?P<");
                    i += 4;
                    continue;
                }
                let flags: String = chars[i + 2..]
                    .iter()
                    .take_while(|c| !matches!(c, ':' | ')'))
                    .collect();
                if flavor == Flavor::Java || !flags.chars().all(|c| "imsU-".contains(c)) {
                    return Err(format!("the group or flags `(?{flags}`"));
                }
            }
            '{' if !in_class => {
                let body: String = chars[i + 1..].iter().take_while(|&&c| c != '}').collect();
                if body.starts_with(',') {
                    return Err(format!("the repetition `{{{body}}}`"));
                }
                let too_many = body
                    .split(',')
                    .any(|n| n.trim().parse::<u32>().is_ok_and(|n| n > RE2_MAX_REPEAT));
                if flavor == Flavor::Re2 && too_many {
                    return Err(format!(
                        "the repetition `{{{body}}}`: RE2 repeats at most {RE2_MAX_REPEAT} times"
                    ));
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

/// Whether PostgreSQL's POSIX regular expressions read a pattern exactly as Rust's regex
/// does: no escapes, no `(?` groups or flags, no negated classes (they match a line break
/// differently), no `.` outside brackets (it matches a line break in PostgreSQL, not in
/// Rust), no nested classes or set operations.
pub(super) fn posix_reads_alike(pattern: &str) -> bool {
    let refused = ["\\", "(?", "[^", "[[", "&&", "--", "~~"];
    if refused.iter().any(|r| pattern.contains(r)) {
        return false;
    }
    let mut in_class = false;
    let mut previous = None;
    for c in pattern.chars() {
        match c {
            '[' if !in_class => in_class = true,
            // A `]` first in a class is a literal.
            ']' if in_class && previous != Some('[') => in_class = false,
            '.' if !in_class => return false,
            _ => {}
        }
        previous = Some(c);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_digits_become_the_unicode_class_seg_means() {
        let re2 = translate(r"^/p/\d+$", Flavor::Re2).unwrap();
        assert_eq!(re2, r"^/p/\p{Nd}+$");
        let java = translate(r"^/p/\d+$", Flavor::Java).unwrap();
        assert_eq!(java, r"^/p/\p{Nd}+\z");
        assert_eq!(translate(r"[\D.]", Flavor::Java).unwrap(), r"[\P{Nd}.]");
        assert_eq!(translate("a.b", Flavor::Java).unwrap(), r"a[^\n]b");
        assert_eq!(translate("a.b", Flavor::Re2).unwrap(), "a.b");
    }

    #[test]
    fn what_reads_otherwise_is_refused_with_its_reason() {
        for flavor in [Flavor::Re2, Flavor::Java] {
            assert!(translate(r"\w+", flavor)
                .unwrap_err()
                .contains("Unicode class"));
            assert!(translate(r"a\sb", flavor).is_err());
            assert!(translate(r"[a-z&&b]", flavor).is_err());
            assert!(translate(r"[\p{Greek}]", flavor).is_err());
            assert!(translate(r"a{,3}", flavor).is_err());
        }
        assert!(translate("(?i)ab", Flavor::Java).is_err());
        assert_eq!(translate("(?i)ab", Flavor::Re2).unwrap(), "(?i)ab");
        assert!(translate("(?x)ab", Flavor::Re2).is_err());
        assert!(translate("[[:alpha:]]", Flavor::Java).is_err());
        assert_eq!(
            translate("[[:alpha:]]x", Flavor::Re2).unwrap(),
            "[[:alpha:]]x"
        );
        assert!(translate("a{1001}", Flavor::Re2).is_err());
        assert_eq!(translate("a{1001}", Flavor::Java).unwrap(), "a{1001}");
        assert_eq!(
            translate(r"(?:a|\.)\x{41}", Flavor::Java).unwrap(),
            r"(?:a|\.)\x{41}"
        );
    }
}
