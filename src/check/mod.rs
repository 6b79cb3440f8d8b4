//! The checker: from parsed modules and a schema to the typed [`Plan`].
//!
//! It collects every `let` and segment into one namespace (duplicates are errors), checks
//! each segment body (expr.rs: names, types, forms), expanding `let`s in the scope of each
//! use, then finds segment reference cycles (depth-first search, every cycle reported once)
//! and orders segments so each follows those it uses. It keeps going after errors: a broken
//! sub-expression gets the error type, which silences follow-on messages.

mod campaigns;
pub mod example;
mod expr;
mod fold;
mod forms;
pub mod lets;
pub mod lists;
pub mod load;
mod windows;

// The name helpers live below the schema and the checker (src/names/); expr.rs reads them
// through this path.
use crate::names::suggest;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::plan::{self, Plan, SegmentId};
use crate::schema::Schema;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, ItemKind};

pub use campaigns::by_priority;
pub use load::{DiskFs, FileSystem, LoadError, MemoryFs, WithFile};

/// What a name in the program's namespace stands for.
#[derive(Debug, Clone)]
enum Definition {
    Let {
        index: usize,
    },
    Segment {
        id: SegmentId,
    },
    /// An item that did not parse: its uses are not reported again.
    Broken,
}

struct LetDef<'a> {
    name: &'a ast::Ident,
    value: &'a ast::Expr,
}

struct SegmentDef<'a> {
    def: &'a ast::SegmentDef,
}

/// The key of a checked `let`: the scope it was expanded in.
type LetKey = (usize, expr::Scope);

/// The state of one check.
pub struct Checker<'a> {
    schema: &'a Schema,
    names: HashMap<&'a str, (Definition, Span)>,
    lets: Vec<LetDef<'a>>,
    segments: Vec<SegmentDef<'a>>,
    campaigns: Vec<&'a ast::CampaignDef>,
    let_cache: HashMap<LetKey, lets::CachedLet>,
    /// Plan nodes copied from lets so far (bounded).
    expansion: lets::Expansion,
    let_used: Vec<bool>,
    /// How deep the checker is in the expression being checked, `let`s included.
    depth: usize,
    /// `let`s being expanded, innermost last (to find `let` cycles).
    let_stack: Vec<usize>,
    /// Segment references found in the body being checked.
    refs: Vec<(SegmentId, Span)>,
    /// An import could not be read: unknown names are probably defined there, so they are
    /// not reported again.
    imports_failed: bool,
    /// Files whose `let`s are exports (see [`load::Loaded::exporting`]): unused ones are not
    /// reported.
    exporting: HashSet<FileId>,
    /// Where `listed()` files are read from.
    lists: lists::ListFiles<'a>,
    diagnostics: Diagnostics,
}

/// The outcome of checking a program.
#[derive(Debug)]
pub struct Checked {
    /// The plan, when there was no error.
    pub plan: Option<Plan>,
    /// Errors and warnings in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Checks parsed modules against a schema.
#[must_use]
pub fn check_modules(schema: &Schema, modules: &[ast::Module]) -> Checked {
    let mut checker = Checker::new(schema);
    for module in modules {
        checker.declare(module);
    }
    checker.finish()
}

/// Loads the files (and their imports), parses and checks them. The schema is read from
/// `schema_path` through the same file system.
pub fn check_paths(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    schema_path: &std::path::Path,
    roots: &[PathBuf],
) -> Result<Checked, LoadError> {
    analyse_paths(fs, sources, schema_path, roots).map(|a| a.checked)
}

/// A checked program with what the checker read: the parsed files and the schema (for the
/// language server's names and positions).
#[derive(Debug)]
pub struct Analysis {
    pub checked: Checked,
    pub modules: Vec<ast::Module>,
    /// The schema, when it read without errors.
    pub schema: Option<Schema>,
}

/// [`check_paths`], keeping the parsed files and the schema.
pub fn analyse_paths(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    schema_path: &std::path::Path,
    roots: &[PathBuf],
) -> Result<Analysis, LoadError> {
    let schema_bytes = fs.read(schema_path).map_err(|source| LoadError {
        path: schema_path.display().to_string(),
        source,
    })?;
    let (schema_file, utf8_error) = load::add_source(
        sources,
        schema_path.display().to_string(),
        Some(load::normalize(schema_path)),
        &schema_bytes,
    );
    let loaded = load::load(fs, sources, roots)?;
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(utf8_error);
    diagnostics.extend(loaded.diagnostics);
    let schema = match Schema::from_toml(schema_file, &sources.get(schema_file).text) {
        Ok(schema) => schema,
        Err(schema_errors) => {
            // Without a schema, every event name would be reported unknown: stop here.
            diagnostics.extend(schema_errors);
            return Ok(Analysis {
                checked: Checked {
                    plan: None,
                    diagnostics: diagnostics.into_sorted(),
                },
                modules: loaded.modules,
                schema: None,
            });
        }
    };
    let mut checker = Checker::new(&schema);
    checker.imports_failed = diagnostics_have(&diagnostics, Code::UnresolvedImport);
    checker.exporting.clone_from(&loaded.exporting);
    checker.read_lists(lists::ListFiles::new(fs, sources));
    checker.declare_broken(&loaded.broken_names);
    for module in &loaded.modules {
        checker.declare(module);
    }
    let checked = checker.finish();
    let failed = diagnostics.has_errors();
    diagnostics.extend(checked.diagnostics);
    let plan = if failed { None } else { checked.plan };
    Ok(Analysis {
        checked: Checked {
            plan,
            diagnostics: diagnostics.into_sorted(),
        },
        modules: loaded.modules,
        schema: Some(schema),
    })
}

fn diagnostics_have(diagnostics: &Diagnostics, code: Code) -> bool {
    diagnostics.iter().any(|d| d.code == code)
}

impl<'a> Checker<'a> {
    #[must_use]
    pub fn new(schema: &'a Schema) -> Self {
        Checker {
            schema,
            names: HashMap::new(),
            lets: Vec::new(),
            segments: Vec::new(),
            campaigns: Vec::new(),
            let_cache: HashMap::new(),
            expansion: lets::Expansion::default(),
            let_used: Vec::new(),
            depth: 0,
            let_stack: Vec::new(),
            refs: Vec::new(),
            imports_failed: false,
            exporting: HashSet::new(),
            lists: lists::ListFiles::default(),
            diagnostics: Diagnostics::default(),
        }
    }

    /// Lets `listed()` read its files from `lists` (without, every `listed()` is an error).
    pub fn read_lists(&mut self, lists: lists::ListFiles<'a>) {
        self.lists = lists;
    }

    /// Names of items that did not parse: known, but not checked.
    pub fn declare_broken(&mut self, names: &'a [String]) {
        for name in names {
            self.names
                .entry(name)
                .or_insert((Definition::Broken, Span::default()));
        }
    }

    /// Adds a module's `let`s and segments to the namespace.
    pub fn declare(&mut self, module: &'a ast::Module) {
        for item in &module.items {
            let (name, definition) = match &item.kind {
                ItemKind::Import(_) => continue,
                ItemKind::Campaign(def) => {
                    self.declare_campaign(def);
                    continue;
                }
                ItemKind::Let { name, value } => {
                    self.lets.push(LetDef { name, value });
                    self.let_used.push(false);
                    (
                        name,
                        Definition::Let {
                            index: self.lets.len() - 1,
                        },
                    )
                }
                ItemKind::Segment(def) => {
                    self.segments.push(SegmentDef { def });
                    let id = SegmentId(
                        u32::try_from(self.segments.len() - 1).expect("fewer than 2^32 segments"),
                    );
                    (&def.name, Definition::Segment { id })
                }
            };
            if let Some((Definition::Broken, _)) = self.names.get(name.name.as_str()) {
                // A broken item of the same name was declared first; the good one wins.
                self.names.remove(name.name.as_str());
            }
            if let Some((_, first)) = self.names.get(name.name.as_str()) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        name.span,
                        format!("`{}` is defined twice", name.name),
                        "defined again here",
                    )
                    .with_secondary(*first, "first defined here")
                    .with_help(
                        "segments and lets share one namespace across all loaded files; rename one",
                    ),
                );
                // The second definition is still checked, under no name.
                if let Definition::Let { index } = definition {
                    self.let_used[index] = true;
                }
                continue;
            }
            self.names.insert(&name.name, (definition, name.span));
        }
    }

    /// Checks every segment and returns the plan (if there was no error) and diagnostics.
    #[must_use]
    pub fn finish(mut self) -> Checked {
        let mut bodies = Vec::with_capacity(self.segments.len());
        let mut edges = Vec::with_capacity(self.segments.len());
        for index in 0..self.segments.len() {
            let def = self.segments[index].def;
            self.refs.clear();
            self.expansion.start_segment();
            let scope = expr::Scope::top(def.target);
            let body = self.check_expr(&def.body, scope);
            if !body.ty.compatible(&plan::Type::Bool) {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::BodyNotBool,
                        def.body.span,
                        format!("the body of segment `{}` is a {}, not a condition", def.name.name, body.ty.name()),
                        format!("this is a {}", body.ty.name()),
                    )
                    .with_help("a segment's body says who is a member: compare it, e.g. `count(purchase) > 0`"),
                );
            }
            bodies.push(body);
            edges.push(std::mem::take(&mut self.refs));
        }
        let campaigns = self.check_campaigns();
        self.report_unused_lets();
        let cyclic = self.report_cycles(&edges);
        let diagnostics = std::mem::take(&mut self.diagnostics);
        if diagnostics.has_errors() || cyclic {
            return Checked {
                plan: None,
                diagnostics: diagnostics.into_sorted(),
            };
        }
        let (mut plan, new_id) = self.order(bodies, &edges);
        plan.campaigns = campaigns;
        for campaign in &mut plan.campaigns {
            for e in campaign.exprs_mut() {
                renumber(e, &new_id);
            }
        }
        Checked {
            plan: Some(plan),
            diagnostics: diagnostics.into_sorted(),
        }
    }

    fn report_unused_lets(&mut self) {
        if self.expansion.cut {
            // Expansion stopped at a bound, so some lets were never reached.
            return;
        }
        for index in 0..self.lets.len() {
            if self.let_used[index] {
                continue;
            }
            // Its body is not checked: its meaning depends on the scope it would be used in.
            let name = self.lets[index].name;
            if self.exporting.contains(&name.span.file) {
                continue;
            }
            self.diagnostics.push(
                Diagnostic::new(
                    Code::UnusedLet,
                    name.span,
                    format!("`{}` is never used", name.name),
                    "defined here",
                )
                .with_help("remove it, or use it in a segment"),
            );
        }
    }

    /// Reports each cycle of segment references once; true if there was one.
    fn report_cycles(&mut self, edges: &[Vec<(SegmentId, Span)>]) -> bool {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut marks = vec![Mark::New; edges.len()];
        let mut found = false;
        for root in 0..edges.len() {
            if marks[root] != Mark::New {
                continue;
            }
            // Iterative depth-first search: (node, next edge index), and the edge taken into it.
            let mut stack: Vec<(usize, usize, Option<Span>)> = vec![(root, 0, None)];
            marks[root] = Mark::Open;
            while let Some(&mut (node, ref mut next, _)) = stack.last_mut() {
                if let Some(&(target, span)) = edges[node].get(*next) {
                    *next += 1;
                    let target = target.0 as usize;
                    match marks[target] {
                        Mark::New => {
                            marks[target] = Mark::Open;
                            stack.push((target, 0, Some(span)));
                        }
                        Mark::Open => {
                            found = true;
                            let start =
                                stack.iter().position(|(n, _, _)| *n == target).unwrap_or(0);
                            self.cycle_diagnostic(&stack[start..], span);
                        }
                        Mark::Done => {}
                    }
                } else {
                    marks[node] = Mark::Done;
                    stack.pop();
                }
            }
        }
        found
    }

    fn cycle_diagnostic(&mut self, path: &[(usize, usize, Option<Span>)], closing: Span) {
        let names: Vec<&str> = path
            .iter()
            .map(|(n, _, _)| self.segments[*n].def.name.name.as_str())
            .collect();
        let cycle = format!("{} -> {}", names.join(" -> "), names[0]);
        let mut d = Diagnostic::new(
            Code::ReferenceCycle,
            closing,
            format!("segments refer to each other in a cycle: {cycle}"),
            format!(
                "`{}` refers back to `{}` here",
                names[names.len() - 1],
                names[0]
            ),
        )
        .with_help("a segment cannot depend on itself; break the cycle by writing one of them out");
        for (_, _, via) in path.iter().skip(1) {
            if let Some(span) = via {
                d = d.with_secondary(*span, "which refers onward here");
            }
        }
        self.diagnostics.push(d);
    }

    /// Orders segments so that each follows the segments it refers to, and renumbers them
    /// (also giving each old number's new one).
    fn order(
        &self,
        bodies: Vec<plan::Expr>,
        edges: &[Vec<(SegmentId, Span)>],
    ) -> (Plan, Vec<SegmentId>) {
        let n = bodies.len();
        let mut order = Vec::with_capacity(n);
        let mut placed = vec![false; n];
        // Depth-first post-order, iteratively; the graph has no cycles here.
        for root in 0..n {
            let mut stack = vec![(root, 0usize)];
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if placed[node] {
                    stack.pop();
                    continue;
                }
                if let Some(&(target, _)) = edges[node].get(*next) {
                    *next += 1;
                    if !placed[target.0 as usize] {
                        stack.push((target.0 as usize, 0));
                    }
                } else {
                    placed[node] = true;
                    order.push(node);
                    stack.pop();
                }
            }
        }
        let mut new_id = vec![SegmentId(0); n];
        for (position, &old) in order.iter().enumerate() {
            new_id[old] = SegmentId(u32::try_from(position).expect("fewer than 2^32 segments"));
        }
        let mut bodies: Vec<Option<plan::Expr>> = bodies.into_iter().map(Some).collect();
        let segments = order
            .iter()
            .map(|&old| {
                let def = self.segments[old].def;
                let mut body = bodies[old].take().expect("each segment placed once");
                renumber(&mut body, &new_id);
                let mut depends_on: Vec<SegmentId> = edges[old]
                    .iter()
                    .map(|(id, _)| new_id[id.0 as usize])
                    .collect();
                depends_on.sort_unstable();
                depends_on.dedup();
                plan::Segment {
                    name: def.name.name.clone(),
                    description: def.description.as_ref().map(|d| d.value.clone()),
                    target: def.target,
                    body,
                    span: def.name.span,
                    depends_on,
                }
            })
            .collect();
        let plan = Plan {
            segments,
            campaigns: Vec::new(),
            schema: self.schema.clone(),
        };
        (plan, new_id)
    }
}

/// Rewrites segment references to their new numbers.
fn renumber(expr: &mut plan::Expr, new_id: &[SegmentId]) {
    plan::visit_mut(expr, &mut |e| {
        if let plan::ExprKind::SegmentRef(id) = &mut e.kind {
            *id = new_id[id.0 as usize];
        }
    });
}
