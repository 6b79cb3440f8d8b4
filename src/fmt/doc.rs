//! Documents and their printer: the pretty-printing algebra of Wadler ("A prettier printer")
//! in the imperative form Prettier uses.
//!
//! A [`Doc`] is text with possible line breaks ([`Doc::Line`], [`Doc::SoftLine`]) grouped into
//! [`Doc::Group`]s. The printer walks the document with a stack of (indent, mode, doc)
//! commands. At each group it measures the group printed flat, plus what follows it up to the
//! next possible line break: if that fits in the line, every break of the group is printed
//! flat, else every direct break of the group becomes a newline and its inner groups decide
//! again for themselves. A [`Doc::Fill`] breaks a separator only when the next item does not
//! fit (lists of values). Comments are [`Doc::Comment`]s: a group that contains one always
//! breaks, and the printer puts a newline after every comment (a trailing comment goes at the
//! end of the line of the code before it, even when a break came between them).

/// A document: what to print, and where it may break.
#[derive(Debug, Clone)]
pub enum Doc {
    /// Text without a newline.
    Text(String),
    /// A space, or a newline at the current indentation.
    Line,
    /// Nothing, or a newline at the current indentation.
    SoftLine,
    Concat(Vec<Doc>),
    /// Indents the newlines inside by one step (4 spaces).
    Nest(Box<Doc>),
    /// Breaks all its direct lines or none. `broken`: it holds a comment, so it cannot be flat.
    Group {
        doc: Box<Doc>,
        broken: bool,
    },
    /// Items and separators, alternating: a separator breaks only before an item that does
    /// not fit on the line.
    Fill(Vec<Doc>),
    /// A `#` comment; `trailing` when it followed code on the same line.
    Comment {
        text: String,
        trailing: bool,
    },
}

/// Columns a nesting step indents.
pub const INDENT: usize = 4;

impl Doc {
    pub fn text(text: impl Into<String>) -> Doc {
        Doc::Text(text.into())
    }

    pub fn nest(doc: Doc) -> Doc {
        Doc::Nest(Box::new(doc))
    }

    pub fn group(doc: Doc) -> Doc {
        let broken = doc.holds_comment();
        Doc::Group {
            doc: Box::new(doc),
            broken,
        }
    }

    /// Whether a comment lies inside (groups answer from their flag, so building a tree
    /// bottom-up costs linear time).
    fn holds_comment(&self) -> bool {
        match self {
            Doc::Text(_) | Doc::Line | Doc::SoftLine => false,
            Doc::Comment { .. } => true,
            Doc::Group { broken, .. } => *broken,
            Doc::Nest(doc) => doc.holds_comment(),
            Doc::Concat(docs) | Doc::Fill(docs) => docs.iter().any(Doc::holds_comment),
        }
    }
}

impl From<&str> for Doc {
    fn from(text: &str) -> Doc {
        Doc::Text(text.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// What is left to print: a document, or the rest of a fill from an item on.
#[derive(Clone, Copy)]
enum Part<'d> {
    Doc(&'d Doc),
    Fill(&'d [Doc]),
}

#[derive(Clone, Copy)]
struct Cmd<'d> {
    indent: usize,
    mode: Mode,
    part: Part<'d>,
}

impl<'d> Cmd<'d> {
    fn new(indent: usize, mode: Mode, doc: &'d Doc) -> Self {
        Cmd {
            indent,
            mode,
            part: Part::Doc(doc),
        }
    }
}

/// Prints `doc` in lines of at most `width` columns where it can.
#[must_use]
pub fn print(doc: &Doc, width: usize) -> String {
    let mut out = Output::default();
    let mut stack = vec![Cmd::new(0, Mode::Break, doc)];
    while let Some(cmd) = stack.pop() {
        let doc = match cmd.part {
            Part::Fill(parts) => {
                fill(&mut stack, &out, cmd, parts, width);
                continue;
            }
            Part::Doc(doc) => doc,
        };
        match doc {
            Doc::Text(text) => out.push(text),
            Doc::Line | Doc::SoftLine if cmd.mode == Mode::Break => out.newline(cmd.indent),
            Doc::Line => out.push(" "),
            Doc::SoftLine => {}
            Doc::Concat(docs) => {
                stack.extend(docs.iter().rev().map(|d| Cmd::new(cmd.indent, cmd.mode, d)));
            }
            Doc::Nest(inner) => stack.push(Cmd::new(cmd.indent + INDENT, cmd.mode, inner)),
            Doc::Group { doc, broken } => {
                let flat = Cmd::new(cmd.indent, Mode::Flat, doc);
                let mode = if *broken {
                    Mode::Break
                } else if cmd.mode == Mode::Flat
                    || fits(&[flat], &stack, out.room(width), width, false)
                {
                    Mode::Flat
                } else {
                    Mode::Break
                };
                stack.push(Cmd::new(cmd.indent, mode, doc));
            }
            Doc::Fill(parts) => fill(&mut stack, &out, cmd, parts, width),
            Doc::Comment { text, trailing } => out.comment(text, *trailing, cmd.indent),
        }
    }
    out.finish()
}

/// Schedules the first item of a fill and its separator, and the rest of the fill after them
/// (Prettier's algorithm: the separator stays flat when the next item fits after it).
fn fill<'d>(stack: &mut Vec<Cmd<'d>>, out: &Output, cmd: Cmd<'d>, parts: &'d [Doc], width: usize) {
    let Some((item, rest)) = parts.split_first() else {
        return;
    };
    let at = |mode, doc| Cmd::new(cmd.indent, mode, doc);
    let room = out.room(width);
    let item_fits = fits(&[at(Mode::Flat, item)], &[], room, width, true);
    let item_mode = if item_fits { Mode::Flat } else { Mode::Break };
    let Some((separator, rest)) = rest.split_first() else {
        stack.push(at(item_mode, item));
        return;
    };
    let Some(next) = rest.first() else {
        stack.push(at(item_mode, separator));
        stack.push(at(item_mode, item));
        return;
    };
    let both = [
        at(Mode::Flat, item),
        at(Mode::Flat, separator),
        at(Mode::Flat, next),
    ];
    let separator_mode = if fits(&both, &[], room, width, true) {
        Mode::Flat
    } else {
        Mode::Break
    };
    stack.push(Cmd {
        indent: cmd.indent,
        mode: cmd.mode,
        part: Part::Fill(rest),
    });
    stack.push(at(separator_mode, separator));
    stack.push(at(item_mode, item));
}

/// Whether `next` (then `rest`, from its top) fits in `room` columns up to the next line break.
/// A group of `rest` not yet printed counts flat: what follows a group without a break
/// between them (`>= 5` after a call) should stay on its line, so the group makes room for it.
/// With `must_be_flat` (a fill's items, measured alone), a group that has to break does not
/// fit, and after a comment the measure goes on from the start of the next line.
fn fits(next: &[Cmd<'_>], rest: &[Cmd<'_>], room: usize, width: usize, must_be_flat: bool) -> bool {
    let columns = |n: usize| isize::try_from(n).unwrap_or(isize::MAX);
    let mut room = columns(room);
    // Each command with whether it comes from `rest`.
    let mut stack: Vec<(Cmd<'_>, bool)> = next.iter().rev().map(|&c| (c, false)).collect();
    let mut rest_index = rest.len();
    loop {
        let (cmd, from_rest) = if let Some(top) = stack.pop() {
            top
        } else if rest_index > 0 && !must_be_flat {
            rest_index -= 1;
            (rest[rest_index], true)
        } else {
            return true;
        };
        let push = |stack: &mut Vec<_>, indent, mode, doc| {
            stack.push((Cmd::new(indent, mode, doc), from_rest));
        };
        let doc = match cmd.part {
            Part::Fill(parts) => {
                for doc in parts.iter().rev() {
                    push(&mut stack, cmd.indent, cmd.mode, doc);
                }
                continue;
            }
            Part::Doc(doc) => doc,
        };
        match doc {
            Doc::Text(text) => {
                room -= columns(self::width(text));
                if room < 0 {
                    return false;
                }
            }
            Doc::Line | Doc::SoftLine if cmd.mode == Mode::Break => return true,
            Doc::Line => {
                room -= 1;
                if room < 0 {
                    return false;
                }
            }
            Doc::SoftLine => {}
            // A comment ends the line; its own length does not count.
            Doc::Comment { .. } if must_be_flat => {
                room = columns(width.saturating_sub(cmd.indent));
            }
            Doc::Comment { .. } => return true,
            Doc::Concat(docs) | Doc::Fill(docs) => {
                for doc in docs.iter().rev() {
                    push(&mut stack, cmd.indent, cmd.mode, doc);
                }
            }
            Doc::Nest(inner) => push(&mut stack, cmd.indent + INDENT, cmd.mode, inner),
            Doc::Group { doc, broken } => {
                if must_be_flat && *broken {
                    return false;
                }
                let mode = match (*broken, from_rest) {
                    (true, _) => Mode::Break,
                    (false, true) => Mode::Flat,
                    (false, false) => cmd.mode,
                };
                push(&mut stack, cmd.indent, mode, doc);
            }
        }
    }
}

/// Columns a text takes (one per character).
pub fn width(text: &str) -> usize {
    text.chars().count()
}

/// The text printed so far.
#[derive(Default)]
struct Output {
    text: String,
    /// Where the current line starts.
    line_start: usize,
}

impl Output {
    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn column(&self) -> usize {
        width(&self.text[self.line_start..])
    }

    fn room(&self, width: usize) -> usize {
        width.saturating_sub(self.column())
    }

    /// Nothing but indentation on the current line yet.
    fn line_is_fresh(&self) -> bool {
        self.text[self.line_start..].bytes().all(|b| b == b' ')
    }

    fn trim_end(&mut self) {
        let end = self.text.trim_end_matches(' ').len().max(self.line_start);
        self.text.truncate(end);
    }

    /// Starts a line at `indent`; on a line that holds only indentation, re-indents it instead,
    /// so that the printer never leaves an empty line.
    fn newline(&mut self, indent: usize) {
        if self.line_is_fresh() && self.line_start > 0 {
            self.text.truncate(self.line_start);
        } else {
            self.trim_end();
            self.text.push('\n');
            self.line_start = self.text.len();
        }
        self.text.extend(std::iter::repeat_n(' ', indent));
    }

    fn comment(&mut self, text: &str, trailing: bool, indent: usize) {
        if trailing && self.line_is_fresh() && self.line_start > 0 {
            // A break came between the code and its trailing comment: put the comment back
            // at the end of the code's line.
            let line = self.text.split_off(self.line_start - 1);
            let end = self.text.trim_end_matches(' ').len();
            self.text.truncate(end);
            self.text.push(' ');
            self.text.push_str(text);
            self.line_start = self.text.len() + 1;
            self.text.push_str(&line);
            return;
        }
        if trailing {
            self.trim_end();
            self.text.push(' ');
        } else if !self.line_is_fresh() {
            self.newline(indent);
        }
        self.text.push_str(text);
        self.newline(indent);
    }

    fn finish(mut self) -> String {
        self.trim_end();
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize) -> Doc {
        let mut parts = vec![Doc::text("w0")];
        for i in 1..n {
            parts.push(Doc::Line);
            parts.push(Doc::text(format!("w{i}")));
        }
        Doc::group(Doc::Concat(parts))
    }

    #[test]
    fn a_group_breaks_all_its_lines_or_none() {
        assert_eq!(print(&words(3), 20), "w0 w1 w2");
        assert_eq!(print(&words(3), 5), "w0\nw1\nw2");
    }

    #[test]
    fn fill_breaks_only_where_needed() {
        let mut parts = vec![Doc::text("aa")];
        for _ in 0..4 {
            parts.push(Doc::Line);
            parts.push(Doc::text("aa"));
        }
        assert_eq!(print(&Doc::Fill(parts), 8), "aa aa aa\naa aa");
    }

    #[test]
    fn a_trailing_comment_stays_on_its_line() {
        let doc = Doc::group(Doc::Concat(vec![
            Doc::text("a"),
            Doc::Line,
            Doc::Comment {
                text: "# why".into(),
                trailing: true,
            },
            Doc::text("b"),
        ]));
        assert_eq!(print(&doc, 100), "a # why\nb");
    }
}
