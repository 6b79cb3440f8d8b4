//! A REPL session: the schema, the segments and `let`s defined so far (from the project's
//! files, `:load` and typed items), the data (loaded once), the evaluation instant and the
//! engine.
//!
//! Every input is checked together with the session's definitions, as one program: a typed
//! expression becomes the body of a hidden segment ([`EXPR_PREFIX`]); typed items replace the
//! definitions of the same names. Input that does not check leaves the session as it was.
//! Only the segments an evaluation needs are kept in the plan it runs (the expression and
//! what it refers to, transitively), so one expression costs one segment's work however many
//! are defined. Diagnostics on an expression are moved from the text that was parsed (the
//! prefix and the expression) to the text that was typed, so that ariadne shows the user's
//! line.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::input::{classify, wrap_expression, Input, EXPR_NAME, EXPR_PREFIX};
use super::vocab::Vocabulary;
use crate::check::load::{self, FileSystem, LoadError};
use crate::check::{Checked, Checker};
use crate::diag::{render, Code, Diagnostic};
use crate::engine::Engine;
use crate::plan::{Plan, SegmentId, Target};
use crate::schema::Schema;
use crate::source::{FileId, SourceMap, Span};
use crate::store::Store;
use crate::syntax::ast::{Item, ItemKind, Module};
use crate::syntax::parse_file;

/// How many member ids an evaluation shows.
pub const SAMPLE: usize = 5;

/// The segment files of a project, checked, with the schema, before any data is read.
pub struct Program {
    pub(super) schema: Schema,
    pub(super) sources: SourceMap,
    /// The live definitions (segments and `let`s; imports are resolved when read).
    pub(super) items: Vec<Item>,
}

/// The project's files could not be read, or do not check.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    #[error(transparent)]
    Io(#[from] LoadError),
    #[error("the schema or the segment files have errors")]
    Invalid {
        sources: SourceMap,
        diagnostics: Vec<Diagnostic>,
    },
}

impl Program {
    /// Reads the schema and the segment files under `roots` (and their imports), and checks
    /// them. On success, also returns the warnings.
    pub fn load(
        fs: &dyn FileSystem,
        schema_path: &Path,
        roots: &[PathBuf],
    ) -> Result<(Program, Vec<Diagnostic>), ProgramError> {
        let mut sources = SourceMap::new();
        let bytes = fs.read(schema_path).map_err(|source| LoadError {
            path: schema_path.display().to_string(),
            source,
        })?;
        let (schema_file, utf8_error) = load::add_source(
            &mut sources,
            schema_path.display().to_string(),
            Some(load::normalize(schema_path)),
            &bytes,
        );
        let schema = match (
            utf8_error,
            Schema::from_toml(schema_file, &sources.get(schema_file).text),
        ) {
            (None, Ok(schema)) => schema,
            (error, result) => {
                let diagnostics = error
                    .into_iter()
                    .chain(result.err().unwrap_or_default())
                    .collect();
                return Err(ProgramError::Invalid {
                    sources,
                    diagnostics,
                });
            }
        };
        let loaded = load::load(fs, &mut sources, roots)?;
        let items = loaded
            .modules
            .into_iter()
            .flat_map(|m| m.items)
            .filter(|item| !matches!(item.kind, ItemKind::Import(_)))
            .collect();
        let program = Program {
            schema,
            sources,
            items,
        };
        let mut diagnostics = loaded.diagnostics;
        diagnostics.extend(program.check(&program.items).diagnostics);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(ProgramError::Invalid {
                sources: program.sources,
                diagnostics,
            });
        }
        Ok((program, diagnostics))
    }

    #[must_use]
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    #[must_use]
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Checks definitions as one program.
    pub(super) fn check(&self, items: &[Item]) -> Checked {
        let module = Module {
            file: FileId::default(),
            items: items.to_vec(),
        };
        let mut checker = Checker::new(&self.schema);
        checker.read_lists(crate::check::lists::ListFiles::new(
            &crate::check::DiskFs,
            &self.sources,
        ));
        checker.declare(&module);
        checker.finish()
    }
}

/// The name an item defines.
pub(super) fn item_name(item: &Item) -> Option<&str> {
    match &item.kind {
        ItemKind::Import(_) | ItemKind::Campaign(_) => None,
        ItemKind::Let { name, .. } => Some(&name.name),
        ItemKind::Segment(def) => Some(&def.name.name),
    }
}

/// The definitions with `new` replacing those of the same names (new ones last).
pub(super) fn replaced(items: &[Item], new: &[Item]) -> Vec<Item> {
    let names: Vec<&str> = new.iter().filter_map(item_name).collect();
    items
        .iter()
        .filter(|item| item_name(item).is_none_or(|n| !names.contains(&n)))
        .chain(new)
        .cloned()
        .collect()
}

/// What one input produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    /// Results, for standard output.
    pub output: String,
    /// Diagnostics and errors, for standard error.
    pub errors: String,
    /// Something went wrong (the session is unchanged).
    pub failed: bool,
    /// The user asked to leave.
    pub quit: bool,
}

impl Reply {
    pub(super) fn output(text: impl Into<String>) -> Reply {
        Reply {
            output: text.into(),
            ..Reply::default()
        }
    }

    pub(super) fn error(text: impl Into<String>) -> Reply {
        let mut errors: String = text.into();
        if !errors.ends_with('\n') {
            errors.push('\n');
        }
        Reply {
            errors,
            failed: true,
            ..Reply::default()
        }
    }
}

/// A program and its data, with the settings an evaluation uses.
pub struct Session {
    pub(super) program: Program,
    pub(super) store: Store,
    pub(super) now: i64,
    pub(super) engine: Engine,
    /// ANSI colours in replies.
    pub(super) color: bool,
    inputs: usize,
    /// For each expression's parsed file, the file of the text as typed.
    shown: HashMap<FileId, FileId>,
}

/// Members of one segment, counted.
pub(super) struct Count {
    pub target: Target,
    pub members: usize,
    pub total: usize,
    pub sample: Vec<String>,
    pub elapsed: Duration,
}

impl Session {
    #[must_use]
    pub fn new(program: Program, store: Store, now: i64, engine: Engine, color: bool) -> Self {
        Session {
            program,
            store,
            now,
            engine,
            color,
            inputs: 0,
            shown: HashMap::new(),
        }
    }

    /// The evaluation instant (microseconds since the epoch).
    #[must_use]
    pub fn now(&self) -> i64 {
        self.now
    }

    #[must_use]
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The names the session knows now.
    #[must_use]
    pub fn vocabulary(&self) -> Vocabulary {
        let mut vocab = Vocabulary::from_schema(&self.program.schema);
        for item in &self.program.items {
            match &item.kind {
                ItemKind::Segment(def) => vocab.segments.push(def.name.name.clone()),
                ItemKind::Let { name, .. } => vocab.lets.push(name.name.clone()),
                ItemKind::Import(_) | ItemKind::Campaign(_) => {}
            }
        }
        vocab.segments.sort();
        vocab.lets.sort();
        vocab
    }

    /// Runs one input: a command, items or an expression.
    pub fn run(&mut self, text: &str) -> Reply {
        self.inputs += 1;
        match classify(text) {
            Input::Empty => Reply::default(),
            Input::Command { name, rest } => self.command(name, rest),
            Input::Items(items) => self.define(items),
            Input::Expression(expr) => self.evaluate(expr),
        }
    }

    /// Adds the current input's text to the sources.
    pub(super) fn add_input(&mut self, text: String) -> FileId {
        self.program
            .sources
            .add(format!("<input {}>", self.inputs), None, text)
    }

    /// Renders diagnostics the user should see: errors, and warnings about `files`
    /// (not the "unused let" of a session, where a `let` is used only later).
    pub(super) fn render(&self, diagnostics: &[Diagnostic], files: &[FileId]) -> String {
        let shown: Vec<Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.code != Code::UnusedLet)
            .filter(|d| d.is_error() || files.contains(&d.primary.span.file))
            .cloned()
            .collect();
        let mut out = Vec::new();
        let _ = render::write_all(&mut out, &self.program.sources, &shown, false, self.color);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Items typed at the prompt.
    fn define(&mut self, text: &str) -> Reply {
        let file = self.add_input(text.to_string());
        let parsed = parse_file(file, &self.program.sources.get(file).text);
        if parsed.diagnostics.iter().any(Diagnostic::is_error) {
            return Reply::error(self.render(&parsed.diagnostics, &[file]));
        }
        // Imported files are read as `:load` reads them, and come before the typed items.
        let mut items = Vec::new();
        let mut loaded = Vec::new();
        let mut typed = Vec::new();
        for item in parsed.module.items {
            if let ItemKind::Import(path) = &item.kind {
                let path = PathBuf::from(&path.value);
                match self.read_file(&path) {
                    Ok(imported) => {
                        loaded.push(super::commands::loaded(&path, &imported));
                        items.extend(imported);
                    }
                    Err(failed) => return failed,
                }
            } else {
                typed.push(item);
            }
        }
        items.extend(typed.iter().cloned());
        let mut reply = Reply::default();
        let mut files: Vec<FileId> = items.iter().map(|i| i.span.file).collect();
        files.push(file);
        if !self.commit(&items, &files, &mut reply) {
            return reply;
        }
        reply.output.push_str(&loaded.concat());
        self.describe(&typed, &mut reply);
        reply
    }

    /// Checks the definitions with `items` replacing their namesakes, and keeps them if they
    /// check; diagnostics go to the reply. True if the items were kept.
    pub(super) fn commit(&mut self, items: &[Item], files: &[FileId], reply: &mut Reply) -> bool {
        let tentative = replaced(&self.program.items, items);
        let checked = self.program.check(&tentative);
        reply
            .errors
            .push_str(&self.render(&checked.diagnostics, files));
        if checked.has_errors() {
            reply.failed = true;
            return false;
        }
        self.program.items = tentative;
        true
    }

    /// One line per new definition: a segment with its members, a `let` by name.
    pub(super) fn describe(&mut self, items: &[Item], reply: &mut Reply) {
        for item in items {
            match &item.kind {
                ItemKind::Segment(def) => match self.count_segment(&def.name.name, &[]) {
                    Ok(count) => {
                        let label = format!("segment {}", def.name.name);
                        reply
                            .output
                            .push_str(&self.format_count(Some(&label), &count));
                    }
                    Err(e) => {
                        reply.errors.push_str(&e);
                        reply.failed = true;
                    }
                },
                ItemKind::Let { name, .. } => {
                    let _ = writeln!(reply.output, "let {}", name.name);
                }
                ItemKind::Campaign(def) => {
                    let _ = writeln!(reply.output, "campaign {}", def.name.name);
                }
                ItemKind::Import(_) => {}
            }
        }
    }

    /// A typed expression: its members, counted.
    fn evaluate(&mut self, text: &str) -> Reply {
        let item = match self.parse_expression(text) {
            Ok(item) => item,
            Err(reply) => return reply,
        };
        match self.count_segment(EXPR_NAME, std::slice::from_ref(&item)) {
            Ok(count) => Reply::output(self.format_count(None, &count)),
            Err(errors) => Reply::error(errors),
        }
    }

    /// Parses an expression as the hidden segment's item. The text as typed gets a file of
    /// its own, where the expression's diagnostics are shown.
    pub(super) fn parse_expression(&mut self, text: &str) -> Result<Item, Reply> {
        let shown = self.add_input(text.to_string());
        let parsed_file = self.add_input(wrap_expression(text));
        self.shown.insert(parsed_file, shown);
        let parsed = parse_file(parsed_file, &self.program.sources.get(parsed_file).text);
        let mut diagnostics = parsed.diagnostics;
        let mut items = parsed.module.items.into_iter();
        let item = items.next();
        if let Some(extra) = items.next() {
            diagnostics.push(
                Diagnostic::new(
                    Code::Syntax,
                    extra.span,
                    "an expression cannot define segments or lets",
                    "this starts a new item",
                )
                .with_help("type `segment NAME = ...` or `let NAME = ...` on its own"),
            );
        }
        let diagnostics: Vec<Diagnostic> = diagnostics
            .into_iter()
            .map(|d| self.for_expression(d))
            .collect();
        match item {
            Some(item) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(item),
            _ => Err(Reply::error(self.render(&diagnostics, &[shown]))),
        }
    }

    /// Checks the definitions plus `extra`, then evaluates the segment `name` and what it
    /// needs. Errors come back rendered.
    pub(super) fn count_segment(&mut self, name: &str, extra: &[Item]) -> Result<Count, String> {
        let started = Instant::now();
        let (plan, id) = self.plan_for(name, extra)?;
        let target = plan.segment(id).target;
        let column = self.members(&plan, &[id])?.remove(0);
        let ids = self.ids(target);
        let mut members: Vec<&str> = column
            .iter()
            .zip(ids)
            .filter(|(m, _)| **m)
            .map(|(_, id)| id.as_ref())
            .collect();
        let count = members.len();
        members.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        members.truncate(SAMPLE);
        Ok(Count {
            target,
            members: count,
            total: ids.len(),
            sample: members.into_iter().map(str::to_string).collect(),
            elapsed: started.elapsed(),
        })
    }

    /// The checked plan of the definitions plus `extra`, and the id of segment `name` in it.
    pub(super) fn plan_for(
        &mut self,
        name: &str,
        extra: &[Item],
    ) -> Result<(Plan, SegmentId), String> {
        let items = replaced(&self.program.items, extra);
        let checked = self.program.check(&items);
        let files: Vec<FileId> = extra.iter().map(|i| self.shown_file(i.span.file)).collect();
        let diagnostics: Vec<Diagnostic> = checked
            .diagnostics
            .into_iter()
            .map(|d| self.for_expression(d))
            .collect();
        let rendered = self.render(&diagnostics, &files);
        let plan = match checked.plan {
            Some(plan) if !diagnostics.iter().any(Diagnostic::is_error) => plan,
            _ => return Err(rendered),
        };
        let id = plan
            .find(name)
            .ok_or_else(|| format!("no segment is named `{name}`\n"))?;
        Ok((plan, id))
    }

    /// A diagnostic with its labels in an expression's parsed text moved to the text as
    /// typed (the same text after [`EXPR_PREFIX`]), and worded for an expression.
    fn for_expression(&self, mut d: Diagnostic) -> Diagnostic {
        if d.code == Code::BodyNotBool && self.shown.contains_key(&d.primary.span.file) {
            d.message = "the expression is not a condition".into();
            d.help = Some(
                "the REPL counts the users for whom a condition holds: compare the value, e.g. `count(purchase) > 0`"
                    .into(),
            );
        }
        let moved = |s: Span| match self.shown.get(&s.file) {
            Some(&to) => {
                let shift = EXPR_PREFIX.len();
                Span::new(
                    to,
                    s.start.saturating_sub(shift),
                    s.end.saturating_sub(shift),
                )
            }
            None => s,
        };
        d.primary.span = moved(d.primary.span);
        for label in &mut d.secondary {
            label.span = moved(label.span);
        }
        d
    }

    /// The file that shows what was typed, for a file that was parsed.
    pub(super) fn shown_file(&self, file: FileId) -> FileId {
        self.shown.get(&file).copied().unwrap_or(file)
    }

    /// Evaluates the segments `wanted` of `plan` (and what they need) with the session's
    /// engine: their member columns, in the order asked.
    pub(super) fn members(
        &self,
        plan: &Plan,
        wanted: &[SegmentId],
    ) -> Result<Vec<Vec<bool>>, String> {
        let (pruned, ids) = plan.prune(wanted);
        let prepared = crate::engine::prepare(&pruned, &self.store, self.now, self.engine)
            .map_err(|e| format!("error: the JIT could not compile the plan: {e}\n"))?;
        let mut memberships = prepared.run();
        Ok(ids
            .iter()
            .map(|id| std::mem::take(&mut memberships.members[id.0 as usize]))
            .collect())
    }

    /// The ids of users or accounts.
    pub(super) fn ids(&self, target: Target) -> &[Box<str>] {
        match target {
            Target::User => &self.store.users.ids,
            Target::Account => &self.store.accounts.ids,
        }
    }

    pub(super) fn bold(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// `42 users (14.0% of 300)`, the sample and the time.
    pub(super) fn format_count(&self, label: Option<&str>, count: &Count) -> String {
        let noun = count.target.noun();
        let plural = |n: usize| {
            if n == 1 {
                noun.to_string()
            } else {
                format!("{noun}s")
            }
        };
        let mut out = String::new();
        if let Some(label) = label {
            let _ = write!(out, "{label}: ");
        }
        let _ = write!(
            out,
            "{} {}",
            self.bold(&count.members.to_string()),
            plural(count.members)
        );
        if count.total > 0 {
            #[allow(clippy::cast_precision_loss)]
            let share = count.members as f64 * 100.0 / count.total as f64;
            let _ = writeln!(
                out,
                " ({share:.1}% of {} {})",
                count.total,
                plural(count.total)
            );
        } else {
            let _ = writeln!(out, " (no {noun}s in the data)");
        }
        if !count.sample.is_empty() {
            let more = if count.members > count.sample.len() {
                " ..."
            } else {
                ""
            };
            let _ = writeln!(out, "sample: {}{more}", count.sample.join(" "));
        }
        let _ = writeln!(
            out,
            "time: {:.1} ms ({})",
            count.elapsed.as_secs_f64() * 1000.0,
            engine_name(self.engine)
        );
        out
    }
}

#[must_use]
pub fn engine_name(engine: Engine) -> &'static str {
    engine.name()
}
