//! Expanding `let`s, within bounds. A `let` is a macro checked where it is used, once per
//! kind of scope (the cache, which also keeps the segment references inside it), and every use
//! copies the checked expression into the plan, so a chain of lets that each use the one before
//! twice would double the plan at every line. The checker charges every copy against a budget
//! per segment (and per `let`) and one for the whole program before making it, and bounds the
//! depth of what the engines receive, `let`s written out (which also bounds the checker's
//! recursion: the `seg` binary checks on a thread with 256 MiB of stack, and so should a
//! program that embeds the checker for untrusted input). Past a bound it reports one located
//! error and goes on with the error type, so checking stays linear in the source.

use super::expr::{error_expr, Scope};
use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::plan::{self, Expr, SegmentId};
use crate::source::Span;

/// The most plan nodes that `let` uses may copy into one segment.
pub const MAX_SEGMENT_EXPANSION: usize = 100_000;
/// The most plan nodes that `let` uses may copy into the whole program.
pub const MAX_PROGRAM_EXPANSION: usize = 2_000_000;
/// The deepest expression the checker builds, with `let`s written out where they are used
/// (counted as the parser counts: a leaf is 1, each operator, call or bracket adds 1): twice
/// the parser's bound on one written expression, so that a `let` of the deepest expression can
/// be used inside another. It bounds what the engines receive, and the checker's recursion.
pub const MAX_PLAN_DEPTH: usize = 2 * crate::syntax::parser::MAX_DEPTH as usize;

/// A `let` checked in one kind of scope: its expression, its size in plan nodes, and the
/// segment references inside it.
pub(super) struct CachedLet {
    pub expr: Expr,
    pub size: usize,
    pub refs: Vec<(SegmentId, Span)>,
}

/// Which bound a copy would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Over {
    /// The segment (or the `let`) being checked.
    Item,
    Program,
}

/// The plan nodes copied so far from `let`s: for each item being checked (the segment, then
/// each `let` being checked inside it, innermost last), and in the whole program.
#[derive(Debug, Default)]
pub(super) struct Expansion {
    items: Vec<usize>,
    program: usize,
    /// A bound was passed in this segment and reported.
    reported: bool,
    /// A bound was passed somewhere: some `let`s were never reached, so whether they are
    /// used is unknown.
    pub cut: bool,
}

impl Expansion {
    /// A new segment is checked.
    pub fn start_segment(&mut self) {
        self.items.clear();
        self.items.push(0);
        self.reported = false;
    }

    /// A `let` is checked for the first time in a scope: its copies are counted on their own,
    /// so that its size, and whether it is too large, does not depend on where it was first
    /// used.
    pub fn start_let(&mut self) {
        self.items.push(0);
    }

    pub fn end_let(&mut self) {
        self.items.pop();
    }

    /// Charges a copy of `size` nodes to the item being checked and to the program, or says
    /// which bound it would pass (and charges nothing).
    pub fn charge(&mut self, size: usize) -> Result<(), Over> {
        let item = self.items.last().copied().unwrap_or(0);
        if item + size > MAX_SEGMENT_EXPANSION {
            return Err(Over::Item);
        }
        if self.program + size > MAX_PROGRAM_EXPANSION {
            return Err(Over::Program);
        }
        if let Some(item) = self.items.last_mut() {
            *item += size;
        }
        self.program += size;
        Ok(())
    }
}

/// The number of nodes of `expr`.
pub(super) fn size(expr: &Expr) -> usize {
    let mut size = 1;
    plan::for_each_child(expr, &mut |child| size += self::size(child));
    size
}

impl Checker<'_> {
    pub(super) fn expand_let(&mut self, index: usize, scope: Scope, use_span: Span) -> Expr {
        self.let_used[index] = true;
        if let Some(position) = self.let_stack.iter().position(|&i| i == index) {
            let names: Vec<&str> = self.let_stack[position..]
                .iter()
                .map(|&i| self.lets[i].name.name.as_str())
                .collect();
            let cycle = format!("{} -> {}", names.join(" -> "), names[0]);
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ReferenceCycle,
                    use_span,
                    format!("lets refer to each other in a cycle: {cycle}"),
                    "this refers back into the cycle",
                )
                .with_secondary(self.lets[index].name.span, "defined here")
                .with_help("a `let` cannot depend on itself"),
            );
            return error_expr(use_span);
        }
        let key = (index, scope);
        if !self.let_cache.contains_key(&key) {
            let cached = self.check_let(index, scope);
            self.let_cache.insert(key, cached);
        }
        let cached = &self.let_cache[&key];
        if let Err(over) = self.expansion.charge(cached.size) {
            return self.expansion_too_large(index, use_span, over);
        }
        let cached = &self.let_cache[&key];
        self.refs.extend_from_slice(&cached.refs);
        cached.expr.clone()
    }

    /// Checks a `let`'s value in a scope, for the cache; its nested copies are charged to it
    /// alone.
    fn check_let(&mut self, index: usize, scope: Scope) -> CachedLet {
        self.let_stack.push(index);
        self.expansion.start_let();
        let refs_before = self.refs.len();
        let expr = self.check_expr(self.lets[index].value, scope);
        let refs = self.refs.split_off(refs_before);
        self.expansion.end_let();
        self.let_stack.pop();
        let size = size(&expr);
        CachedLet { expr, size, refs }
    }

    /// Reports that a `let` use would pass an expansion bound (once per segment).
    pub(super) fn expansion_too_large(&mut self, index: usize, use_span: Span, over: Over) -> Expr {
        self.expansion.cut = true;
        if !std::mem::replace(&mut self.expansion.reported, true) {
            let name = self.lets[index].name;
            let (what, limit) = match (over, self.let_stack.last()) {
                (Over::Program, _) => ("the program".to_string(), MAX_PROGRAM_EXPANSION),
                (Over::Item, None) => ("this segment".to_string(), MAX_SEGMENT_EXPANSION),
                (Over::Item, Some(&outer)) => (
                    format!("`{}`", self.lets[outer].name.name),
                    MAX_SEGMENT_EXPANSION,
                ),
            };
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ExpansionTooLarge,
                    use_span,
                    format!(
                        "expanding `{}` here makes {what} larger than {limit} nodes",
                        name.name
                    ),
                    "each use of a `let` copies its whole expression",
                )
                .with_secondary(name.span, "defined here")
                .with_help("a `let` used twice in the next `let` doubles it at every line; name a condition as a segment and refer to it instead"),
            );
        }
        error_expr(use_span)
    }

    /// Reports (once per segment) an expression that `let`s make too deep.
    pub(super) fn too_deep(&mut self, span: Span) -> Expr {
        self.expansion.cut = true;
        if !std::mem::replace(&mut self.expansion.reported, true) {
            let mut d = Diagnostic::new(
                Code::ExpansionTooLarge,
                span,
                format!("with its lets written out, this expression is more than {MAX_PLAN_DEPTH} levels deep"),
                "too deep here",
            )
            .with_help("name inner parts as segments and refer to them, or use fewer levels of lets");
            if let (Some(&first), Some(&last)) = (self.let_stack.first(), self.let_stack.last()) {
                d = d.with_secondary(
                    self.lets[first].name.span,
                    format!(
                        "reached through {} lets, from this one to `{}`",
                        self.let_stack.len(),
                        self.lets[last].name.name
                    ),
                );
            }
            self.diagnostics.push(d);
        }
        error_expr(span)
    }
}
