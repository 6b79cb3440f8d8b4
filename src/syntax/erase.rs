//! The AST with every span erased, to compare two parses of differently laid out text: the
//! formatter's check that it kept the program, and its tests. A walk sets each span to the
//! default (file 0, bytes 0..0); everything else is compared as it is.

use super::ast::{Arg, Expr, ExprKind, Ident, Item, ItemKind, Module, StringLit, WindowKind};
use crate::source::Span;

/// `module` with every span erased.
#[must_use]
pub fn without_spans(module: &Module) -> Module {
    let mut module = module.clone();
    for item in &mut module.items {
        erase_item(item);
    }
    module
}

/// Whether two modules hold the same items, wherever their text stood.
#[must_use]
pub fn same_ignoring_spans(a: &Module, b: &Module) -> bool {
    without_spans(a) == without_spans(b)
}

fn erase_item(item: &mut Item) {
    item.span = Span::default();
    match &mut item.kind {
        ItemKind::Import(path) => erase_string(path),
        ItemKind::Let { name, value } => {
            erase_ident(name);
            erase_expr(value);
        }
        ItemKind::Segment(def) => {
            erase_ident(&mut def.name);
            if let Some(description) = &mut def.description {
                erase_string(description);
            }
            erase_expr(&mut def.body);
        }
        ItemKind::Campaign(def) => {
            erase_ident(&mut def.name);
            if let Some(description) = &mut def.description {
                erase_string(description);
            }
            erase_expr(&mut def.target);
            for e in [&mut def.goal, &mut def.exclude].into_iter().flatten() {
                erase_expr(e);
            }
            for (_, span) in [&mut def.holdout, &mut def.priority].into_iter().flatten() {
                *span = Span::default();
            }
        }
    }
}

fn erase_ident(ident: &mut Ident) {
    ident.span = Span::default();
}

fn erase_string(string: &mut StringLit) {
    string.span = Span::default();
}

fn erase_expr(expr: &mut Expr) {
    expr.span = Span::default();
    match &mut expr.kind {
        ExprKind::Number(_)
        | ExprKind::String(_)
        | ExprKind::Bool(_)
        | ExprKind::Duration(_)
        | ExprKind::Date(_)
        | ExprKind::Timestamp(_)
        | ExprKind::Now
        | ExprKind::Error => {}
        ExprKind::Name(name) => erase_ident(name),
        ExprKind::Path(head, tail) => {
            erase_ident(head);
            erase_ident(tail);
        }
        ExprKind::List(items) | ExprKind::Logic(_, items) => items.iter_mut().for_each(erase_expr),
        ExprKind::Paren(inner)
        | ExprKind::Not(inner)
        | ExprKind::Neg(inner)
        | ExprKind::Ago(inner)
        | ExprKind::IsSet { expr: inner, .. } => erase_expr(inner),
        ExprKind::Compare(_, left, right) | ExprKind::Arith(_, left, right) => {
            erase_expr(left);
            erase_expr(right);
        }
        ExprKind::Then(steps) => {
            for step in steps {
                step.op_span = step.op_span.map(|_| Span::default());
                erase_expr(&mut step.expr);
            }
        }
        ExprKind::Call(call) => {
            erase_ident(&mut call.func);
            call.args.iter_mut().for_each(erase_arg);
        }
    }
}

fn erase_arg(arg: &mut Arg) {
    arg.span = Span::default();
    erase_expr(&mut arg.value);
    for expr in [&mut arg.filter, &mut arg.from, &mut arg.to]
        .into_iter()
        .flatten()
    {
        erase_expr(expr);
    }
    if let Some(window) = &mut arg.window {
        window.span = Span::default();
        match &mut window.kind {
            WindowKind::Within(bound) | WindowKind::Before(bound) | WindowKind::After(bound) => {
                erase_expr(bound);
            }
            WindowKind::Between(from, to) => {
                erase_expr(from);
                erase_expr(to);
            }
            WindowKind::Today | WindowKind::Yesterday => {}
            WindowKind::During(_, values) => {
                for (_, span) in values {
                    *span = Span::default();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::same_ignoring_spans;
    use crate::source::FileId;
    use crate::syntax::parse_file;

    fn same(a: &str, b: &str) -> bool {
        let parse = |text| parse_file(FileId::default(), text).module;
        same_ignoring_spans(&parse(a), &parse(b))
    }

    #[test]
    fn layout_does_not_matter_but_the_program_does() {
        let program = "segment s = did(x where v > 1.50 within 7d) and not y # why\n";
        assert!(same(
            program,
            "\n\nsegment   s =\n  did( x\n where v>1.50\twithin 7d,)\n  and not y"
        ));
        // The AST holds a number's value, not its spelling (the formatter keeps the spelling).
        assert!(same(
            program,
            "segment s = did(x where v > 1.5 within 7d) and not y"
        ));
        assert!(!same(
            program,
            "segment s = did(x where v > 1.50 within 7d) and y"
        ));
        assert!(!same(
            program,
            "segment s = did(x where v > 1.50 within 7d) and (not y)"
        ));
        assert!(!same(
            program,
            "segment t = did(x where v > 1.50 within 7d) and not y"
        ));
    }
}
