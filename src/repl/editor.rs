//! The two ways a session reads its input.
//!
//! At a terminal, rustyline edits the line: its helper completes ([`super::complete`]),
//! highlights ([`super::highlight`]) and, as the `Validator`, keeps reading lines while the
//! parser says the input is unfinished ([`super::input::is_incomplete`]). History is kept in a
//! file. Without a terminal, lines are read from any reader with the same rule for unfinished
//! input, and replies are written plain, without prompts, so the REPL can be scripted.

use std::borrow::Cow;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

use rustyline::completion::Completer;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

use super::complete::complete;
use super::highlight::highlight;
use super::input::is_incomplete;
use super::session::{Reply, Session};
use super::vocab::Vocabulary;

pub const PROMPT: &str = "seg> ";
/// The longest input (one condition or definition, over all its lines) a script may give.
pub const MAX_INPUT_BYTES: u64 = 1024 * 1024;
/// The most lines one unfinished input may span in a script.
pub const MAX_INPUT_LINES: usize = 1_000;
/// How many inputs the history keeps.
pub const HISTORY_SIZE: usize = 1000;

/// The rustyline helper: the session's names, for completion and colours.
pub struct SegHelper {
    pub vocab: Vocabulary,
    pub color: bool,
}

impl Completer for SegHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let completion = complete(line, pos, &self.vocab);
        Ok((completion.start, completion.candidates))
    }
}

impl Highlighter for SegHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color {
            Cow::Owned(highlight(line, &self.vocab))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        // Any key may change a token's kind (a name becoming a keyword); lines are short.
        self.color
    }
}

impl Validator for SegHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if is_incomplete(ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

impl Hinter for SegHelper {
    type Hint = String;
}

impl Helper for SegHelper {}

/// The history file: `$SEG_HISTORY` if set (empty: no history), else
/// `$XDG_DATA_HOME/seg/history`, else `~/.local/share/seg/history`.
#[must_use]
pub fn history_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(path) = std::env::var_os("SEG_HISTORY") {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let data = var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| Path::new(&home).join(".local/share")))?;
    Some(data.join("seg").join("history"))
}

/// Reads, runs and prints at a terminal until `:quit` or Ctrl-D.
pub fn run_terminal(session: &mut Session, color: bool) -> rustyline::Result<()> {
    let config = Config::builder()
        .max_history_size(HISTORY_SIZE)?
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .history_ignore_dups(true)?
        .build();
    let mut editor: Editor<SegHelper, FileHistory> = Editor::with_config(config)?;
    editor.set_helper(Some(SegHelper {
        vocab: session.vocabulary(),
        color,
    }));
    let history = history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A first session has no history yet.
        let _ = editor.load_history(path);
    }
    loop {
        let text = match editor.readline(PROMPT) {
            Ok(text) => text,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e),
        };
        if !text.trim().is_empty() {
            let _ = editor.add_history_entry(text.as_str());
            if let Some(path) = &history {
                if let Err(e) = editor.append_history(path) {
                    eprintln!(
                        "seg: warning: cannot write the history to {}: {e}",
                        path.display()
                    );
                }
            }
        }
        let reply = session.run(&text);
        print(&reply, &mut io::stdout(), &mut io::stderr());
        if reply.quit {
            break;
        }
        if let Some(helper) = editor.helper_mut() {
            helper.vocab = session.vocabulary();
        }
    }
    Ok(())
}

/// Reads inputs from `input` (a line at a time, more while unfinished), runs them and writes
/// replies plainly. True if every input succeeded.
pub fn run_script(
    session: &mut Session,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let mut ok = true;
    let mut buffer = String::new();
    let mut lines = 0;
    loop {
        // Bounded, so that an endless line (`seg repl < /dev/zero`) stops; an input that stays
        // unfinished is parsed again at each line, so its lines are bounded too.
        let room = MAX_INPUT_BYTES + 1 - buffer.len() as u64;
        let read = Read::take(&mut *input, room).read_line(&mut buffer)?;
        lines += 1;
        if buffer.len() as u64 > MAX_INPUT_BYTES || lines > MAX_INPUT_LINES {
            let _ = writeln!(
                err,
                "error: an input is longer than {MAX_INPUT_LINES} lines or {} MiB; stopped",
                MAX_INPUT_BYTES >> 20
            );
            return Ok(false);
        }
        let at_end = read == 0;
        if !at_end && is_incomplete(&buffer) {
            continue;
        }
        let reply = session.run(&buffer);
        buffer.clear();
        lines = 0;
        print(&reply, out, err);
        ok &= !reply.failed;
        if reply.quit || at_end {
            return Ok(ok);
        }
    }
}

fn print(reply: &Reply, out: &mut dyn Write, err: &mut dyn Write) {
    let _ = out.write_all(reply.output.as_bytes());
    let _ = out.flush();
    let _ = err.write_all(reply.errors.as_bytes());
    let _ = err.flush();
}
