//! The parser: pest for the grammar (grammar/seg.pest), a `PrattParser` for operator
//! precedence, and our own wording for errors.
//!
//! A file is first cut into items at the item keywords with the logos lexer; each item is
//! parsed on its own, so one broken item does not hide the errors of the others (recovery at
//! item boundaries). Before pest sees an item, its bracket nesting and runs of prefix
//! operators are bounded, so no input can exhaust the stack.

use std::cell::RefCell;
use std::sync::OnceLock;

use pest::error::InputLocation;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;

use super::ast::{
    Arg, ArithOp, CalendarUnit, Call, CampaignDef, CompareOp, Expr, ExprKind, Ident, Item,
    ItemKind, LogicOp, Module, SegmentDef, StringLit, Target, ThenStep, Window, WindowKind,
};
use super::errors::{keyword_as_name, syntax_error};
use super::lexer::{self, Token};
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use crate::time;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/seg.pest"]
pub(crate) struct Grammar;

/// The deepest bracket nesting an item may have.
pub const MAX_NESTING: usize = 64;
/// The deepest an expression tree may grow (long `+` chains, prefix runs).
pub const MAX_DEPTH: u32 = 256;

/// The result of parsing one file: every item that parsed, and a diagnostic for every one
/// that did not.
#[derive(Debug)]
pub struct Parsed {
    pub module: Module,
    pub diagnostics: Vec<Diagnostic>,
    /// The input ended inside an unfinished item (open brackets, a trailing operator): a REPL
    /// reads another line instead of reporting the error.
    pub incomplete: bool,
    /// The names of `segment` and `let` items that did not parse, so that the checker knows
    /// them and does not report their uses as unknown.
    pub broken_names: Vec<String>,
}

/// Parses a whole file.
#[must_use]
pub fn parse_file(file: FileId, text: &str) -> Parsed {
    let tokens = lexer::tokens(text);
    let starts = item_starts(text, &tokens);
    let mut diagnostics = Vec::new();
    let mut items = Vec::new();
    let mut incomplete = false;
    let mut broken_names = Vec::new();

    let first = starts.first().copied().unwrap_or(text.len());
    if let Some(junk) = tokens
        .iter()
        .find(|(t, r)| r.start < first && *t != Some(Token::Comment))
    {
        let span = Span::new(file, junk.1.start, trim_end(text, first).max(junk.1.end));
        diagnostics.push(
            Diagnostic::new(
                Code::Syntax,
                span,
                "expected an item: `segment`, `let` or `import`",
                "this is not inside any item",
            )
            .with_help("a file holds `import \"file.seg\"`, `let NAME = ...` and `segment NAME = ...` items"),
        );
    }

    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let last = i + 1 == starts.len();
        match parse_item(file, text, start, end, &tokens) {
            Ok(item) => items.push(item),
            Err((diagnostic, at_end)) => {
                incomplete |= last && at_end;
                diagnostics.push(diagnostic);
                if let Some(name) = item_name(text, start, &tokens) {
                    broken_names.push(name);
                }
            }
        }
    }
    // Errors inside successfully parsed items (bad literals, chained comparisons) were
    // collected by the builder and are already in `diagnostics` via parse_item's Ok path.
    let (items, inner): (Vec<_>, Vec<_>) = items.into_iter().unzip();
    diagnostics.extend(inner.into_iter().flatten());
    diagnostics.sort_by_key(|d: &Diagnostic| d.primary.span.start);
    Parsed {
        module: Module { file, items },
        diagnostics,
        incomplete,
        broken_names,
    }
}

/// Where items start: at each item keyword, except one that stands on the same line where a
/// `segment` or `let` expects its name (`segment segment = ...` is one item with a keyword for
/// a name; a `segment` left alone at the end of a line is an unfinished item of its own).
fn item_starts(text: &str, tokens: &[lexer::Spanned]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut previous: Option<&lexer::Spanned> = None;
    for spanned @ (token, range) in tokens {
        if *token == Some(Token::Comment) {
            continue;
        }
        let names_an_item = previous.is_some_and(|(t, before)| {
            matches!(t, Some(Token::Segment | Token::Let | Token::Campaign))
                && !text[before.end..range.start].contains('\n')
        });
        if token.is_some_and(Token::starts_item) && !names_an_item {
            starts.push(range.start);
        }
        previous = Some(spanned);
    }
    starts
}

/// The name a `segment` or `let` item at `start` defines, read from the tokens.
fn item_name(text: &str, start: usize, tokens: &[lexer::Spanned]) -> Option<String> {
    let at = tokens.partition_point(|(_, r)| r.start < start);
    match tokens.get(at..at + 2)? {
        [(Some(Token::Segment | Token::Let), _), (Some(Token::Ident), name)] => {
            Some(text[name.clone()].to_string())
        }
        _ => None,
    }
}

/// The end of `text[..end]` without trailing white space and comments.
fn trim_end(text: &str, end: usize) -> usize {
    let mut end = end;
    loop {
        let trimmed = text[..end].trim_end().len();
        let line_start = text[..trimmed].rfind('\n').map_or(0, |i| i + 1);
        match text[line_start..trimmed].find('#') {
            Some(hash) if !text[line_start..line_start + hash].contains('"') => {
                end = line_start + hash;
            }
            _ => return trimmed,
        }
    }
}

type ItemResult = Result<(Item, Vec<Diagnostic>), (Diagnostic, bool)>;

fn parse_item(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    tokens: &[lexer::Spanned],
) -> ItemResult {
    let end = trim_end(text, end).max(start);
    let chunk = &text[start..end];
    if let Some(d) = keyword_as_name(file, text, (start, end), tokens) {
        return Err((d, false));
    }
    check_nesting(file, tokens, start, end).map_err(|d| (d, false))?;
    let pairs = Grammar::parse(Rule::item_only, chunk).map_err(|_| {
        let e = detailed_error(chunk);
        (
            syntax_error(file, text, start, end, &e),
            error_at_end(&e, chunk),
        )
    })?;
    let builder = Builder {
        file,
        offset: start,
        diagnostics: RefCell::new(Vec::new()),
        too_deep: RefCell::new(false),
    };
    let pair = pairs.into_iter().next().expect("item_only yields one item");
    let item = builder.item(pair);
    Ok((item, builder.diagnostics.into_inner()))
}

/// Parses a text that failed again, with pest's tracking of expected tokens on.
///
/// The tracking doubles parse time, so it is off until the first error; it is never turned
/// off again, so that an error parsed on another thread always gets the same details.
fn detailed_error(text: &str) -> pest::error::Error<Rule> {
    pest::set_error_detail(true);
    match Grammar::parse(Rule::item_only, text) {
        Err(e) => e,
        Ok(_) => unreachable!("the same text failed to parse a moment ago"),
    }
}

fn error_at_end(error: &pest::error::Error<Rule>, chunk: &str) -> bool {
    let pos = match error.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
    };
    chunk[pos.min(chunk.len())..].trim().is_empty()
}

/// Bounds bracket nesting and runs of prefix operators before pest recurses into them.
fn check_nesting(
    file: FileId,
    tokens: &[lexer::Spanned],
    start: usize,
    end: usize,
) -> Result<(), Diagnostic> {
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    let first = tokens.partition_point(|(_, r)| r.start < start);
    let last = tokens.partition_point(|(_, r)| r.end <= end);
    for (token, range) in tokens.get(first..last).unwrap_or(&[]) {
        match token {
            Some(Token::LParen | Token::LBracket) => depth += 1,
            Some(Token::RParen | Token::RBracket) => depth = depth.saturating_sub(1),
            _ => {}
        }
        prefix_run = if matches!(token, Some(Token::Not | Token::Minus)) {
            prefix_run + 1
        } else {
            0
        };
        if depth > MAX_NESTING || prefix_run > MAX_NESTING {
            return Err(Diagnostic::new(
                Code::TooDeep,
                Span::new(file, range.start, range.end),
                "this expression is nested too deeply",
                format!("more than {MAX_NESTING} levels deep here"),
            )
            .with_help("name inner parts with `let` or split the segment into smaller segments"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pairs to AST

/// The `kw_*` rules: keywords that carry no meaning of their own in the tree.
fn is_keyword_rule(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_and
            | Rule::kw_campaign
            | Rule::kw_target
            | Rule::kw_goal
            | Rule::kw_exclude
            | Rule::kw_holdout
            | Rule::kw_priority
            | Rule::kw_or
            | Rule::kw_not
            | Rule::kw_in
            | Rule::kw_is
            | Rule::kw_set
            | Rule::kw_ago
            | Rule::kw_contains
            | Rule::kw_starts_with
            | Rule::kw_ends_with
            | Rule::kw_matches
            | Rule::kw_then
            | Rule::kw_where
            | Rule::kw_from
            | Rule::kw_to
            | Rule::kw_within
            | Rule::kw_today
            | Rule::kw_yesterday
            | Rule::kw_between
            | Rule::kw_before
            | Rule::kw_after
            | Rule::kw_during
            | Rule::kw_import
            | Rule::kw_let
            | Rule::kw_segment
            | Rule::kw_on
            | Rule::kw_account
    )
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        let left = |rule| Op::infix(rule, Assoc::Left);
        PrattParser::new()
            .op(left(Rule::op_or))
            .op(left(Rule::op_and))
            .op(Op::prefix(Rule::op_not))
            .op(left(Rule::op_eq)
                | left(Rule::op_ne)
                | left(Rule::op_lt)
                | left(Rule::op_le)
                | left(Rule::op_gt)
                | left(Rule::op_ge)
                | left(Rule::op_in)
                | left(Rule::op_not_in)
                | left(Rule::op_contains)
                | left(Rule::op_starts_with)
                | left(Rule::op_ends_with)
                | left(Rule::op_matches)
                | Op::postfix(Rule::op_is_set)
                | Op::postfix(Rule::op_is_not_set))
            .op(left(Rule::op_then) | left(Rule::op_then_not))
            .op(left(Rule::op_add) | left(Rule::op_sub))
            .op(left(Rule::op_mul) | left(Rule::op_div))
            .op(Op::prefix(Rule::op_neg))
            .op(Op::postfix(Rule::op_ago))
    })
}

/// An expression with the depth of its tree, to bound it.
struct Built {
    expr: Expr,
    depth: u32,
}

struct Builder {
    file: FileId,
    offset: usize,
    diagnostics: RefCell<Vec<Diagnostic>>,
    too_deep: RefCell<bool>,
}

impl Builder {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.offset + s.start(), self.offset + s.end())
    }

    fn error(&self, diagnostic: Diagnostic) {
        self.diagnostics.borrow_mut().push(diagnostic);
    }

    /// The pairs of `pair` that carry meaning (keywords dropped).
    fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
        pair.into_inner().filter(|p| !is_keyword_rule(p.as_rule()))
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Item {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = Self::children(pair);
        let kind = match rule {
            Rule::import_item => ItemKind::Import(self.string(parts.next().expect("import path"))),
            Rule::let_item => {
                let name = self.ident(&parts.next().expect("let name"));
                let value = self.expr(parts.next().expect("let value"));
                ItemKind::Let { name, value }
            }
            Rule::segment_item => {
                let name = self.ident(&parts.next().expect("segment name"));
                let mut target = Target::User;
                let mut description = None;
                let mut body = None;
                for part in parts {
                    match part.as_rule() {
                        Rule::on_account => target = Target::Account,
                        Rule::string => description = Some(self.string(part)),
                        _ => body = Some(self.expr(part)),
                    }
                }
                ItemKind::Segment(SegmentDef {
                    name,
                    target,
                    description,
                    body: body.expect("segment body"),
                })
            }
            Rule::campaign_item => ItemKind::Campaign(Box::new(self.campaign(parts))),
            other => unreachable!("item rule {other:?}"),
        };
        Item { kind, span }
    }

    fn campaign<'p>(&self, mut parts: impl Iterator<Item = Pair<'p, Rule>>) -> CampaignDef {
        let name = self.ident(&parts.next().expect("campaign name"));
        let (mut description, mut target, mut goal, mut exclude) = (None, None, None, None);
        let (mut holdout, mut priority) = (None, None);
        for part in parts {
            let rule = part.as_rule();
            if rule == Rule::string {
                description = Some(self.string(part));
                continue;
            }
            let inner = Self::children(part).next().expect("a clause's value");
            match rule {
                Rule::c_target => target = Some(self.expr(inner)),
                Rule::c_goal => goal = Some(self.expr(inner)),
                Rule::c_exclude => exclude = Some(self.expr(inner)),
                Rule::c_holdout => holdout = Some(self.integer(&inner)),
                Rule::c_priority => priority = Some(self.integer(&inner)),
                other => unreachable!("campaign clause {other:?}"),
            }
        }
        CampaignDef {
            name,
            description,
            target: target.expect("the grammar requires a target"),
            goal,
            exclude,
            holdout,
            priority,
        }
    }

    /// An integer literal and its span (None for one past `u32`).
    fn integer(&self, pair: &Pair<'_, Rule>) -> (Option<u32>, Span) {
        (pair.as_str().parse().ok(), self.span(pair))
    }

    fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    fn string(&self, pair: Pair<'_, Rule>) -> StringLit {
        let span = self.span(&pair);
        let body = pair.into_inner().next().expect("string body");
        StringLit {
            value: self.unescape(&body),
            span,
        }
    }

    fn unescape(&self, body: &Pair<'_, Rule>) -> String {
        let raw = body.as_str();
        let base = self.offset + body.as_span().start();
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((j, e)) = chars.next() else { break };
            match e {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                other => {
                    let span = Span::new(self.file, base + i, base + j + other.len_utf8());
                    self.error(
                        Diagnostic::new(
                            Code::BadEscape,
                            span,
                            format!("unknown escape `\\{other}` in a string"),
                            "not an escape seg knows",
                        )
                        .with_help("the escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\r`; write `\\\\` for a backslash"),
                    );
                    out.push(other);
                }
            }
        }
        out
    }

    fn expr(&self, pair: Pair<'_, Rule>) -> Expr {
        self.expr_built(pair).expr
    }

    fn expr_built(&self, pair: Pair<'_, Rule>) -> Built {
        pratt()
            .map_primary(|p| self.primary(p))
            .map_prefix(|op, rhs| {
                let span = self.span(&op).to(rhs.expr.span);
                let kind = match op.as_rule() {
                    Rule::op_not => ExprKind::Not(Box::new(rhs.expr)),
                    _ => ExprKind::Neg(Box::new(rhs.expr)),
                };
                self.deeper(kind, span, rhs.depth)
            })
            .map_postfix(|lhs, op| {
                let span = lhs.expr.span.to(self.span(&op));
                let kind = match op.as_rule() {
                    Rule::op_ago => ExprKind::Ago(Box::new(lhs.expr)),
                    rule => ExprKind::IsSet {
                        negated: rule == Rule::op_is_not_set,
                        expr: Box::new(lhs.expr),
                    },
                };
                self.deeper(kind, span, lhs.depth)
            })
            .map_infix(|lhs, op, rhs| self.infix(lhs, &op, rhs))
            .parse(pair.into_inner())
    }

    fn deeper(&self, kind: ExprKind, span: Span, child_depth: u32) -> Built {
        let depth = child_depth + 1;
        if depth > MAX_DEPTH {
            if !self.too_deep.replace(true) {
                self.error(
                    Diagnostic::new(
                        Code::TooDeep,
                        span,
                        "this expression is nested too deeply",
                        format!("more than {MAX_DEPTH} operators deep"),
                    )
                    .with_help(
                        "name inner parts with `let` or split the segment into smaller segments",
                    ),
                );
            }
            return Built {
                expr: Expr {
                    kind: ExprKind::Error,
                    span,
                },
                depth: 0,
            };
        }
        Built {
            expr: Expr { kind, span },
            depth,
        }
    }

    fn infix(&self, lhs: Built, op: &Pair<'_, Rule>, rhs: Built) -> Built {
        let span = lhs.expr.span.to(rhs.expr.span);
        let depth = lhs.depth.max(rhs.depth);
        let op_span = self.span(op);
        let logic = match op.as_rule() {
            Rule::op_and => Some(LogicOp::And),
            Rule::op_or => Some(LogicOp::Or),
            _ => None,
        };
        if let Some(logic) = logic {
            let kind = match lhs.expr.kind {
                ExprKind::Logic(l, mut items) if l == logic => {
                    items.push(rhs.expr);
                    return Built {
                        expr: Expr {
                            kind: ExprKind::Logic(logic, items),
                            span,
                        },
                        depth,
                    };
                }
                kind => ExprKind::Logic(
                    logic,
                    vec![
                        Expr {
                            kind,
                            span: lhs.expr.span,
                        },
                        rhs.expr,
                    ],
                ),
            };
            return self.deeper(kind, span, depth);
        }
        if matches!(op.as_rule(), Rule::op_then | Rule::op_then_not) {
            let step = ThenStep {
                negated: op.as_rule() == Rule::op_then_not,
                expr: rhs.expr,
                op_span: Some(op_span),
            };
            let kind = match lhs.expr.kind {
                ExprKind::Then(mut steps) => {
                    steps.push(step);
                    return Built {
                        expr: Expr {
                            kind: ExprKind::Then(steps),
                            span,
                        },
                        depth,
                    };
                }
                kind => ExprKind::Then(vec![
                    ThenStep {
                        negated: false,
                        expr: Expr {
                            kind,
                            span: lhs.expr.span,
                        },
                        op_span: None,
                    },
                    step,
                ]),
            };
            return self.deeper(kind, span, depth);
        }
        let arith = match op.as_rule() {
            Rule::op_add => Some(ArithOp::Add),
            Rule::op_sub => Some(ArithOp::Sub),
            Rule::op_mul => Some(ArithOp::Mul),
            Rule::op_div => Some(ArithOp::Div),
            _ => None,
        };
        if let Some(arith) = arith {
            return self.deeper(
                ExprKind::Arith(arith, Box::new(lhs.expr), Box::new(rhs.expr)),
                span,
                depth,
            );
        }
        let compare = match op.as_rule() {
            Rule::op_eq => CompareOp::Eq,
            Rule::op_ne => CompareOp::Ne,
            Rule::op_lt => CompareOp::Lt,
            Rule::op_le => CompareOp::Le,
            Rule::op_gt => CompareOp::Gt,
            Rule::op_ge => CompareOp::Ge,
            Rule::op_in => CompareOp::In,
            Rule::op_not_in => CompareOp::NotIn,
            Rule::op_contains => CompareOp::Contains,
            Rule::op_starts_with => CompareOp::StartsWith,
            Rule::op_ends_with => CompareOp::EndsWith,
            Rule::op_matches => CompareOp::Matches,
            other => unreachable!("infix rule {other:?}"),
        };
        let chained = match &lhs.expr.kind {
            ExprKind::Compare(first, _, _) => Some(first.symbol()),
            ExprKind::IsSet { .. } => Some("is set"),
            _ => None,
        };
        if let Some(first) = chained {
            self.error(
                Diagnostic::new(
                    Code::ChainedComparison,
                    op_span,
                    "comparisons do not chain",
                    format!(
                        "`{}` compares the result of a `{first}` comparison",
                        compare.symbol()
                    ),
                )
                .with_secondary(lhs.expr.span, "this comparison is complete")
                .with_help("join two comparisons with `and`: `a < b and b < c`"),
            );
            return Built {
                expr: Expr {
                    kind: ExprKind::Error,
                    span,
                },
                depth,
            };
        }
        self.deeper(
            ExprKind::Compare(compare, Box::new(lhs.expr), Box::new(rhs.expr)),
            span,
            depth,
        )
    }

    fn primary(&self, pair: Pair<'_, Rule>) -> Built {
        let span = self.span(&pair);
        let leaf = |kind| Built {
            expr: Expr { kind, span },
            depth: 1,
        };
        match pair.as_rule() {
            Rule::paren => {
                let inner = self.expr_built(pair.into_inner().next().expect("paren expr"));
                self.deeper(ExprKind::Paren(Box::new(inner.expr)), span, inner.depth)
            }
            Rule::list => {
                let items: Vec<Built> = pair.into_inner().map(|p| self.expr_built(p)).collect();
                let depth = items.iter().map(|b| b.depth).max().unwrap_or(0);
                self.deeper(
                    ExprKind::List(items.into_iter().map(|b| b.expr).collect()),
                    span,
                    depth,
                )
            }
            Rule::call => {
                let mut parts = pair.into_inner();
                let func = self.ident(&parts.next().expect("call name"));
                let mut depth = 0;
                let args = parts
                    .map(|a| {
                        let (arg, d) = self.arg(a);
                        depth = depth.max(d);
                        arg
                    })
                    .collect();
                self.deeper(ExprKind::Call(Call { func, args }), span, depth)
            }
            Rule::path => {
                let mut parts = pair.into_inner();
                let head = self.ident(&parts.next().expect("path head"));
                let tail = self.ident(&parts.next().expect("path tail"));
                leaf(ExprKind::Path(head, tail))
            }
            Rule::name => leaf(ExprKind::Name(
                self.ident(&pair.into_inner().next().expect("name")),
            )),
            Rule::string => leaf(ExprKind::String(self.string(pair).value)),
            Rule::boolean => leaf(ExprKind::Bool(pair.as_str() == "true")),
            Rule::now => leaf(ExprKind::Now),
            Rule::number => leaf(self.number(pair.as_str(), span)),
            Rule::duration => leaf(self.duration(pair.as_str(), span)),
            Rule::date | Rule::timestamp => {
                let is_date = pair.as_rule() == Rule::date;
                leaf(match time::parse_timestamp(pair.as_str()) {
                    Ok(t) if is_date => ExprKind::Date(t),
                    Ok(t) => ExprKind::Timestamp(t),
                    Err(e) => {
                        self.error(
                            Diagnostic::new(Code::BadTime, span, format!("`{}` is not a real {}", pair.as_str(), if is_date { "date" } else { "instant" }), e.to_string())
                                .with_help("dates are `YYYY-MM-DD` and timestamps `YYYY-MM-DDTHH:MM:SSZ` (or with an offset such as `+02:00`)"),
                        );
                        ExprKind::Error
                    }
                })
            }
            other => unreachable!("primary rule {other:?}"),
        }
    }

    fn number(&self, text: &str, span: Span) -> ExprKind {
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => ExprKind::Number(n),
            _ => {
                self.error(
                    Diagnostic::new(
                        Code::OutOfRange,
                        span,
                        format!("the number `{text}` is too large"),
                        "beyond a 64-bit float",
                    )
                    .with_help("numbers are 64-bit floats: up to about 1.8e308"),
                );
                ExprKind::Error
            }
        }
    }

    fn duration(&self, text: &str, span: Span) -> ExprKind {
        let (digits, unit) = text.split_at(text.len() - 1);
        let scale = match unit {
            "s" => time::MICROS_PER_SECOND,
            "m" => time::MICROS_PER_MINUTE,
            "h" => time::MICROS_PER_HOUR,
            "d" => time::MICROS_PER_DAY,
            _ => time::MICROS_PER_WEEK,
        };
        if let Some(micros) = digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(scale))
        {
            ExprKind::Duration(micros)
        } else {
            self.error(
                Diagnostic::new(
                    Code::OutOfRange,
                    span,
                    format!("the duration `{text}` is too long"),
                    "beyond what an instant can hold",
                )
                .with_help("durations reach about 292,000 years"),
            );
            ExprKind::Error
        }
    }

    fn arg(&self, pair: Pair<'_, Rule>) -> (Arg, u32) {
        let span = self.span(&pair);
        let mut parts = pair.into_inner();
        let value = self.expr_built(parts.next().expect("arg value"));
        let mut depth = value.depth;
        let mut arg = Arg {
            value: value.expr,
            filter: None,
            from: None,
            to: None,
            window: None,
            span,
        };
        for part in parts {
            match part.as_rule() {
                Rule::window => arg.window = Some(self.window(part)),
                rule => {
                    let inner =
                        self.expr_built(Self::children(part).next().expect("modifier expr"));
                    depth = depth.max(inner.depth);
                    let slot = match rule {
                        Rule::arg_where => &mut arg.filter,
                        Rule::arg_from => &mut arg.from,
                        _ => &mut arg.to,
                    };
                    *slot = Some(inner.expr);
                }
            }
        }
        (arg, depth)
    }

    fn window(&self, pair: Pair<'_, Rule>) -> Window {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().expect("window form");
        let rule = inner.as_rule();
        let mut parts = Self::children(inner);
        let kind = if rule == Rule::w_during {
            let unit = match parts.next().expect("calendar unit").as_str() {
                "months" => CalendarUnit::Months,
                "weekdays" => CalendarUnit::Weekdays,
                _ => CalendarUnit::Hours,
            };
            let values = parts
                .map(|p| (p.as_str().parse::<u32>().unwrap_or(u32::MAX), self.span(&p)))
                .collect();
            WindowKind::During(unit, values)
        } else {
            let mut bound = || self.expr_built(parts.next().expect("window bound")).expr;
            match rule {
                Rule::w_within => WindowKind::Within(bound()),
                Rule::w_today => WindowKind::Today,
                Rule::w_yesterday => WindowKind::Yesterday,
                Rule::w_between => {
                    let a = bound();
                    WindowKind::Between(a, bound())
                }
                Rule::w_before => WindowKind::Before(bound()),
                Rule::w_after => WindowKind::After(bound()),
                other => unreachable!("window rule {other:?}"),
            }
        };
        Window { kind, span }
    }
}
