//! The REPL's `:` commands, declared once (name, arguments, summary) for dispatch, `:help`
//! and completion, and what each does to the session.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::input::{classify, Input, EXPR_NAME};
use super::session::{engine_name, item_name, Reply, Session};
use super::why;
use crate::check::load::{self, DiskFs, FileSystem};
use crate::diag::Diagnostic;
use crate::engine::Engine;
use crate::names::builtins::{self, BUILTINS};
use crate::plan::Target;
use crate::syntax::ast::{Item, ItemKind};
use crate::syntax::lexer::{self, Token};
use crate::syntax::parse_file;
use crate::time;

/// A command's declaration.
#[derive(Debug)]
pub struct CommandInfo {
    pub name: &'static str,
    pub args: &'static str,
    pub summary: &'static str,
}

pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "load",
        args: "FILE",
        summary: "load a .seg file's segments and lets (and its imports) into the session",
    },
    CommandInfo {
        name: "schema",
        args: "",
        summary: "the events with their properties, the verbs, the profile and account attributes",
    },
    CommandInfo {
        name: "segments",
        args: "",
        summary: "every segment of the session with its member count",
    },
    CommandInfo {
        name: "explain",
        args: "ID EXPR",
        summary:
            "why a user (or account) is or is not matched: the verdict and the value of each part",
    },
    CommandInfo {
        name: "as-of",
        args: "[TS]",
        summary: "show or set the evaluation instant (RFC 3339, `YYYY-MM-DD HH:MM:SS` or a date)",
    },
    CommandInfo {
        name: "engine",
        args: "[interp|jit]",
        summary: "show or set the engine",
    },
    CommandInfo {
        name: "help",
        args: "[NAME]",
        summary: "this list, or a builtin's signature, summary and example",
    },
    CommandInfo {
        name: "quit",
        args: "",
        summary: "leave (also Ctrl-D)",
    },
];

impl Session {
    pub(super) fn command(&mut self, name: &str, rest: &str) -> Reply {
        match name {
            "load" | "l" => self.load_command(rest),
            "schema" => Reply::output(self.schema_text()),
            "segments" => self.segments_command(),
            "explain" => self.explain_command(rest),
            "as-of" | "asof" => self.as_of_command(rest),
            "engine" => self.engine_command(rest),
            "help" | "h" | "?" => help(rest),
            "quit" | "q" | "exit" => Reply {
                quit: true,
                ..Reply::default()
            },
            other => {
                let names = COMMANDS.iter().map(|c| c.name);
                let hint = match crate::names::suggest::closest(other, names) {
                    Some(close) => format!("; did you mean `:{close}`?"),
                    None => "; `:help` lists the commands".into(),
                };
                Reply::error(format!("error: there is no command `:{other}`{hint}"))
            }
        }
    }

    fn load_command(&mut self, rest: &str) -> Reply {
        if rest.is_empty() {
            return Reply::error("usage: :load FILE");
        }
        let path = PathBuf::from(rest.trim_matches('"'));
        let items = match self.read_file(&path) {
            Ok(items) => items,
            Err(reply) => return reply,
        };
        let mut reply = Reply::default();
        let files: Vec<_> = items.iter().map(|i| i.span.file).collect();
        if !self.commit(&items, &files, &mut reply) {
            return reply;
        }
        reply.output.push_str(&loaded(&path, &items));
        reply
    }

    /// Reads a `.seg` file (again, if it was read before) and the files it imports (once):
    /// their segments and lets, imports first.
    pub(super) fn read_file(&mut self, path: &Path) -> Result<Vec<Item>, Reply> {
        let path = load::normalize(path);
        let bytes = DiskFs
            .read(&path)
            .map_err(|e| Reply::error(format!("error: cannot read {}: {e}", path.display())))?;
        let sources = &mut self.program.sources;
        let (file, utf8_error) = load::add_source(
            sources,
            path.display().to_string(),
            Some(DiskFs.canonical(&path)),
            &bytes,
        );
        let parsed = parse_file(file, &sources.get(file).text);
        let mut diagnostics: Vec<Diagnostic> = utf8_error.into_iter().collect();
        diagnostics.extend(parsed.diagnostics);
        let mut items = Vec::new();
        for item in &parsed.module.items {
            if let ItemKind::Import(target) = &item.kind {
                let dir = path.parent().unwrap_or(Path::new(""));
                let imported = load::load(&DiskFs, sources, &[dir.join(&target.value)])
                    .map_err(|e| Reply::error(format!("error: {e}")))?;
                diagnostics.extend(imported.diagnostics);
                items.extend(imported.modules.into_iter().flat_map(|m| m.items));
            }
        }
        items.extend(parsed.module.items);
        items.retain(|i| item_name(i).is_some());
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(Reply::error(self.render(&diagnostics, &[file])));
        }
        Ok(items)
    }

    fn schema_text(&self) -> String {
        let schema = &self.program.schema;
        let fields = |fields: &[crate::schema::Field]| {
            fields
                .iter()
                .map(|f| format!("{}: {}", f.name, f.ty.name()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::new();
        let _ = writeln!(out, "events:");
        let width = schema
            .events
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(0);
        for event in &schema.events {
            let name = format!("{:width$}", event.name);
            let line = format!("  {}  {}", self.bold(&name), fields(&event.properties));
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if !schema.verbs.is_empty() {
            let _ = writeln!(out, "verbs:");
            let width = schema.verbs.iter().map(|v| v.name.len()).max().unwrap_or(0) + 5;
            for verb in &schema.verbs {
                let event = &schema.events[verb.event.0 as usize];
                let key = &event.properties[verb.key];
                let call = format!("{:width$}", format!("{}(KEY)", verb.name));
                let _ = writeln!(
                    out,
                    "  {}  did({} where {} == KEY), KEY a {}",
                    self.bold(&call),
                    event.name,
                    key.name,
                    key.ty.name()
                );
            }
        }
        let _ = writeln!(out, "profile:\n  {}", fields(&schema.profile));
        if !schema.account.is_empty() {
            let _ = writeln!(out, "account:\n  {}", fields(&schema.account));
        }
        out
    }

    fn segments_command(&mut self) -> Reply {
        let mut names: Vec<String> = self
            .program
            .items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Segment(def) => Some(def.name.name.clone()),
                _ => None,
            })
            .collect();
        if names.is_empty() {
            return Reply::output("no segments yet: type `segment NAME = ...` or `:load FILE`\n");
        }
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let plan = match self.plan_for(&names[0], &[]) {
            Ok((plan, _)) => plan,
            Err(errors) => return Reply::error(errors),
        };
        let ids: Vec<_> = names.iter().filter_map(|n| plan.find(n)).collect();
        let columns = match self.members(&plan, &ids) {
            Ok(columns) => columns,
            Err(errors) => return Reply::error(errors),
        };
        let width = names.iter().map(String::len).max().unwrap_or(0);
        let mut out = String::new();
        for ((name, id), column) in names.iter().zip(&ids).zip(&columns) {
            let target = plan.segment(*id).target;
            let members = column.iter().filter(|m| **m).count();
            let total = self.ids(target).len().max(1);
            #[allow(clippy::cast_precision_loss)]
            let share = members as f64 * 100.0 / total as f64;
            let noun = match target {
                Target::User => "users",
                Target::Account => "accounts",
            };
            let _ = writeln!(out, "{name:width$}  {members:>7} {noun:8} {share:5.1}%");
        }
        Reply::output(out)
    }

    fn explain_command(&mut self, rest: &str) -> Reply {
        let usage =
            "usage: :explain ID EXPR (an id of the data, then a condition or a segment name)";
        let Some((id, expr)) = rest.split_once(char::is_whitespace) else {
            return Reply::error(usage);
        };
        let id = id.trim_matches('"');
        let expr = expr.trim();
        if matches!(
            classify(expr),
            Input::Empty | Input::Command { .. } | Input::Items(_)
        ) {
            return Reply::error(usage);
        }
        // A segment's name explains that segment (users or accounts); anything else is a
        // condition on users.
        let planned = match self.segment_named(expr) {
            Some(name) => self.plan_for(&name, &[]),
            None => match self.parse_expression(expr) {
                Ok(item) => self.plan_for(EXPR_NAME, &[item]),
                Err(reply) => return reply,
            },
        };
        let (plan, segment) = match planned {
            Ok(planned) => planned,
            Err(errors) => return Reply::error(errors),
        };
        match why::explain(
            &plan,
            &self.store,
            &self.program.sources,
            self.now,
            segment,
            id,
        ) {
            Ok(text) => Reply::output(text),
            Err(e) => Reply::error(format!("error: {e}")),
        }
    }

    /// The segment `text` names, if it is just a defined segment's name.
    fn segment_named(&self, text: &str) -> Option<String> {
        let tokens = lexer::tokens(text);
        let [(Some(Token::Ident), range)] = tokens.as_slice() else {
            return None;
        };
        let name = &text[range.clone()];
        self.program
            .items
            .iter()
            .any(|i| matches!(&i.kind, ItemKind::Segment(def) if def.name.name == name))
            .then(|| name.to_string())
    }

    fn as_of_command(&mut self, rest: &str) -> Reply {
        if !rest.is_empty() {
            match time::parse_timestamp(rest.trim_matches('"')) {
                Ok(now) => self.now = now,
                Err(e) => return Reply::error(format!("error: `{rest}`: {e}")),
            }
        }
        Reply::output(format!("as of {}\n", time::format_timestamp(self.now)))
    }

    fn engine_command(&mut self, rest: &str) -> Reply {
        match rest {
            "" => {}
            "interp" => self.engine = Engine::Interp,
            "jit" => self.engine = Engine::Jit,
            other => {
                return Reply::error(format!(
                    "error: there is no engine `{other}`: choose `interp` or `jit`"
                ))
            }
        }
        Reply::output(format!("engine: {}\n", engine_name(self.engine)))
    }
}

/// `loaded FILE: 3 segments, 1 let`.
pub(super) fn loaded(path: &Path, items: &[Item]) -> String {
    let segments = items
        .iter()
        .filter(|i| matches!(i.kind, ItemKind::Segment(_)))
        .count();
    let lets = items.len() - segments;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "loaded {}: {}, {}\n",
        path.display(),
        plural(segments, "segment"),
        plural(lets, "let")
    )
}

fn help(topic: &str) -> Reply {
    if !topic.is_empty() {
        let topic = topic.trim_start_matches(':').trim_end_matches('(');
        if let Some(b) = builtins::find(topic) {
            return Reply::output(format!(
                "{}\n  returns {}: {}\n  e.g. {}\n",
                b.signature, b.returns, b.summary, b.example
            ));
        }
        if let Some(c) = COMMANDS.iter().find(|c| c.name == topic) {
            return Reply::output(format!(":{} {}\n  {}\n", c.name, c.args, c.summary));
        }
        return Reply::error(format!("error: no command or builtin is named `{topic}`"));
    }
    let mut out = String::from(
        "Type a condition to count its members, e.g. `did(purchase within 30d)`;\n\
         `segment NAME = ...` and `let NAME = ...` define names for the session.\n\
         Tab completes, Up/Down and Ctrl-R search the history, Ctrl-C clears the line,\n\
         Ctrl-D leaves. Input with open brackets continues on the next line.\n\ncommands:\n",
    );
    let usage = |c: &CommandInfo| format!(":{} {}", c.name, c.args);
    let width = COMMANDS.iter().map(|c| usage(c).len()).max().unwrap_or(0);
    for c in COMMANDS {
        let _ = writeln!(out, "  {:width$}  {}", usage(c), c.summary);
    }
    let _ = writeln!(out, "\nbuiltins (`:help NAME` for more):");
    let width = BUILTINS.iter().map(|b| b.name.len()).max().unwrap_or(0);
    for b in BUILTINS {
        let _ = writeln!(out, "  {:width$}  {}", b.name, b.summary);
    }
    Reply::output(out)
}
