//! The layout rules: the AST of a file, walked in source order, becomes a [`Doc`] per item.
//!
//! Every token is read from the source's token stream as the walk reaches it (see
//! [`Tokens`]), so literals keep their text (`1.50`, `"a\"b"`, `2w`), parentheses stay where
//! they were written, and each comment comes out before the token it preceded. Only the
//! white space changes, and trailing commas are left out. The rules, in brief (docs/cli.md
//! has the full list): an item's body follows its `=` when the whole item fits in a line,
//! else it goes on the next line, indented; a list body stays after the `=`. Chains of `and`,
//! `or` and `then` break before every operator, one operand per line; comparisons and
//! arithmetic break before their operator, indented (a lone `>= 5` stays on its line when the
//! left side can break instead); calls break one argument per line, lists fill their lines.

use super::doc::Doc;
use super::tokens::{Comment, Tokens};
use super::FormatError;
use crate::syntax::ast::{
    Arg, ArithOp, CampaignDef, CompareOp, Expr, ExprKind, Item, ItemKind, LogicOp, Module,
    SegmentDef, Target, Window, WindowKind,
};
use crate::syntax::lexer::Token;

type Built = Result<Doc, FormatError>;

/// Where an expression stands: alone in a block (an item body, parentheses, a call argument,
/// a list item), or as the operand of an operator. A chain that breaks as an operand indents
/// its continuation lines, so that they do not line up with the outer operator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Block,
    Operand,
}

pub struct Layout<'a> {
    tokens: Tokens<'a>,
}

fn comments(comments: Vec<Comment>) -> Vec<Doc> {
    comments
        .into_iter()
        .map(|c| Doc::Comment {
            text: c.text,
            trailing: c.trailing,
        })
        .collect()
}

/// `docs` as one document, without a needless wrapper.
fn concat(mut docs: Vec<Doc>) -> Doc {
    if docs.len() == 1 {
        docs.pop().expect("one document")
    } else {
        Doc::Concat(docs)
    }
}

/// A single value: nothing to break inside, so an operator before it stays on its line.
fn is_single_value(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Number(_)
        | ExprKind::String(_)
        | ExprKind::Bool(_)
        | ExprKind::Duration(_)
        | ExprKind::Date(_)
        | ExprKind::Timestamp(_)
        | ExprKind::Now
        | ExprKind::Name(_)
        | ExprKind::Path(..) => true,
        ExprKind::Neg(inner) | ExprKind::Ago(inner) => is_single_value(inner),
        _ => false,
    }
}

fn compare_tokens(op: CompareOp) -> &'static [Token] {
    use CompareOp as C;
    match op {
        C::Eq => &[Token::Eq],
        C::Ne => &[Token::Ne],
        C::Lt => &[Token::Lt],
        C::Le => &[Token::Le],
        C::Gt => &[Token::Gt],
        C::Ge => &[Token::Ge],
        C::In => &[Token::In],
        C::NotIn => &[Token::Not, Token::In],
        C::Contains => &[Token::Contains],
        C::StartsWith => &[Token::StartsWith],
        C::EndsWith => &[Token::EndsWith],
        C::Matches => &[Token::Matches],
    }
}

fn arith_tokens(op: ArithOp) -> &'static [Token] {
    match op {
        ArithOp::Add => &[Token::Plus],
        ArithOp::Sub => &[Token::Minus],
        ArithOp::Mul => &[Token::Star],
        ArithOp::Div => &[Token::Slash],
    }
}

/// `+ -` and `* /` are the two levels of arithmetic.
fn arith_level(op: ArithOp) -> u8 {
    match op {
        ArithOp::Add | ArithOp::Sub => 0,
        ArithOp::Mul | ArithOp::Div => 1,
    }
}

impl<'a> Layout<'a> {
    pub fn new(source: &'a str) -> Result<Self, FormatError> {
        Ok(Layout {
            tokens: Tokens::new(source)?,
        })
    }

    /// The items of the file, each printed in `width` columns, with the comments and (at most
    /// single) empty lines between them.
    pub fn file(mut self, module: &Module, width: usize) -> Result<String, FormatError> {
        let mut out = String::new();
        for item in &module.items {
            self.between_items(&mut out);
            let doc = self.item(item)?;
            out.push_str(&super::doc::print(&doc, width));
        }
        self.between_items(&mut out);
        if !self.tokens.at_end() {
            return Err(FormatError::internal("tokens left after the last item"));
        }
        Ok(out)
    }

    /// Ends the previous item's line (with its trailing comment), then writes the comments
    /// before the next item, keeping one empty line where the source had any.
    fn between_items(&mut self, out: &mut String) {
        let blank_before_item = self.tokens.blank_before_token();
        let more_items = self.tokens.peek().is_some();
        let mut gap = self.tokens.take_comments().into_iter().peekable();
        if let Some(trailing) = gap.next_if(|c| c.trailing) {
            out.push(' ');
            out.push_str(&trailing.text);
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for comment in gap {
            if comment.blank_before && !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&comment.text);
            out.push('\n');
        }
        if blank_before_item && more_items && !out.is_empty() {
            out.push('\n');
        }
    }

    // -----------------------------------------------------------------------------------------
    // Tokens

    /// The next token, `token`, with the comments before it.
    fn token(&mut self, token: Token) -> Built {
        let (before, text) = self.tokens.take(token)?;
        let mut docs = comments(before);
        docs.push(Doc::text(text));
        Ok(concat(docs))
    }

    /// The next token, which must be the contextual word `word` (`on`, `set`, `from`, ...).
    fn word(&mut self, word: &str) -> Built {
        if self.tokens.peek_text() != Some(word) {
            return Err(FormatError::internal(format!("expected `{word}`")));
        }
        self.token(Token::Ident)
    }

    fn comma(&mut self) -> Built {
        Ok(Doc::text(self.tokens.take_comma()?))
    }

    /// The comments before the next token, to print ahead of the group that token opens (so
    /// that a comment before a call does not break the call).
    fn lead(&mut self) -> Vec<Doc> {
        comments(self.tokens.take_comments())
    }

    // -----------------------------------------------------------------------------------------
    // Items

    fn item(&mut self, item: &Item) -> Built {
        match &item.kind {
            ItemKind::Import(_) => Ok(Doc::Concat(vec![
                self.token(Token::Import)?,
                Doc::text(" "),
                self.token(Token::String)?,
            ])),
            ItemKind::Let { value, .. } => {
                let keyword = self.token(Token::Let)?;
                let header = vec![
                    Doc::text(" "),
                    self.token(Token::Ident)?,
                    Doc::text(" "),
                    self.token(Token::Assign)?,
                ];
                self.definition(keyword, header, value)
            }
            ItemKind::Segment(def) => self.segment(def),
            ItemKind::Campaign(def) => self.campaign(def),
        }
    }

    /// `campaign NAME ["DESCRIPTION"] =` and its clauses: on one line if it fits, else one
    /// clause a line, indented.
    fn campaign(&mut self, def: &CampaignDef) -> Built {
        let keyword = self.token(Token::Campaign)?;
        let mut rest = vec![Doc::text(" "), self.token(Token::Ident)?];
        if def.description.is_some() {
            rest.extend([Doc::text(" "), self.token(Token::String)?]);
        }
        rest.push(Doc::text(" "));
        rest.push(self.token(Token::Assign)?);
        let clauses = [("target", Some(&def.target)), ("goal", def.goal.as_ref())]
            .into_iter()
            .chain([("exclude", def.exclude.as_ref())]);
        for (word, value) in clauses {
            let Some(value) = value else { continue };
            rest.push(Doc::Line);
            rest.push(self.word(word)?);
            rest.push(Doc::text(" "));
            rest.push(self.expr(value, Place::Block)?);
        }
        for (word, value) in [("holdout", def.holdout), ("priority", def.priority)] {
            if value.is_some() {
                rest.push(Doc::Line);
                rest.push(self.word(word)?);
                rest.push(Doc::text(" "));
                rest.push(self.token(Token::Number)?);
            }
        }
        Ok(Doc::group(Doc::Concat(vec![
            keyword,
            Doc::nest(Doc::Concat(rest)),
        ])))
    }

    fn segment(&mut self, def: &SegmentDef) -> Built {
        let keyword = self.token(Token::Segment)?;
        let mut header = vec![Doc::text(" "), self.token(Token::Ident)?];
        if def.target == Target::Account {
            header.extend([
                Doc::text(" "),
                self.word("on")?,
                Doc::text(" "),
                self.word("account")?,
            ]);
        }
        if def.description.is_some() {
            header.extend([Doc::text(" "), self.token(Token::String)?]);
        }
        header.extend([Doc::text(" "), self.token(Token::Assign)?]);
        self.definition(keyword, header, &def.body)
    }

    /// `KEYWORD HEADER = BODY`: the body on the same line if the item fits, else on the next,
    /// indented; a list (without a comment before it) stays after the `=` and breaks inside
    /// its brackets.
    fn definition(&mut self, keyword: Doc, header: Vec<Doc>, body: &Expr) -> Built {
        if matches!(body.kind, ExprKind::List(_)) && !self.tokens.comments_next() {
            let body = self.expr(body, Place::Block)?;
            return Ok(Doc::Concat(vec![
                keyword,
                Doc::nest(Doc::Concat(header)),
                Doc::text(" "),
                body,
            ]));
        }
        let mut rest = header;
        rest.push(Doc::Line);
        rest.push(self.expr(body, Place::Block)?);
        Ok(Doc::group(Doc::Concat(vec![
            keyword,
            Doc::nest(Doc::Concat(rest)),
        ])))
    }

    // -----------------------------------------------------------------------------------------
    // Expressions

    fn expr(&mut self, expr: &Expr, place: Place) -> Built {
        let mut docs = self.lead();
        docs.push(self.expr_kind(expr, place)?);
        Ok(concat(docs))
    }

    fn expr_kind(&mut self, expr: &Expr, place: Place) -> Built {
        match &expr.kind {
            ExprKind::Number(_) => self.token(Token::Number),
            ExprKind::String(_) => self.token(Token::String),
            ExprKind::Bool(true) => self.token(Token::True),
            ExprKind::Bool(false) => self.token(Token::False),
            ExprKind::Duration(_) => self.token(Token::Duration),
            ExprKind::Date(_) => self.token(Token::Date),
            ExprKind::Timestamp(_) => self.token(Token::Timestamp),
            ExprKind::Now => self.token(Token::Now),
            ExprKind::Name(_) => self.token(Token::Ident),
            ExprKind::Path(..) => Ok(Doc::Concat(vec![
                self.token(Token::Ident)?,
                self.token(Token::Dot)?,
                self.token(Token::Ident)?,
            ])),
            ExprKind::List(items) => self.delimited(
                (Token::LBracket, Token::RBracket),
                items.len(),
                true,
                |layout, i| layout.expr(&items[i], Place::Block),
            ),
            ExprKind::Paren(inner) => self.paren(inner),
            ExprKind::Not(inner) => Ok(Doc::Concat(vec![
                self.token(Token::Not)?,
                Doc::text(" "),
                self.expr(inner, Place::Operand)?,
            ])),
            ExprKind::Neg(inner) => Ok(Doc::Concat(vec![
                self.token(Token::Minus)?,
                self.expr(inner, Place::Operand)?,
            ])),
            ExprKind::Logic(op, operands) => {
                let token: &[Token] = match op {
                    LogicOp::And => &[Token::And],
                    LogicOp::Or => &[Token::Or],
                };
                let steps = operands.iter().enumerate().map(|(i, e)| {
                    let ops: &[Token] = if i == 0 { &[] } else { token };
                    (ops, e)
                });
                self.chain(steps.collect(), place)
            }
            ExprKind::Then(steps) => {
                let steps = steps.iter().enumerate().map(|(i, step)| {
                    let ops: &[Token] = match (i, step.negated) {
                        (0, _) => &[],
                        (_, false) => &[Token::Then],
                        (_, true) => &[Token::Then, Token::Not],
                    };
                    (ops, &step.expr)
                });
                self.chain(steps.collect(), place)
            }
            ExprKind::Compare(op, left, right) => {
                let left = self.expr(left, Place::Operand)?;
                self.binary(left, vec![(compare_tokens(*op), &**right)])
            }
            ExprKind::Arith(op, ..) => self.arith(expr, arith_level(*op)),
            ExprKind::IsSet { negated, expr } => {
                let mut docs = vec![
                    self.expr(expr, Place::Operand)?,
                    Doc::text(" "),
                    self.token(Token::Is)?,
                    Doc::text(" "),
                ];
                if *negated {
                    docs.extend([self.token(Token::Not)?, Doc::text(" ")]);
                }
                docs.push(self.word("set")?);
                Ok(Doc::Concat(docs))
            }
            ExprKind::Ago(inner) => Ok(Doc::Concat(vec![
                self.expr(inner, Place::Operand)?,
                Doc::text(" "),
                self.token(Token::Ago)?,
            ])),
            ExprKind::Call(call) => {
                let name = self.token(Token::Ident)?;
                let args = self.delimited(
                    (Token::LParen, Token::RParen),
                    call.args.len(),
                    false,
                    |layout, i| layout.arg(&call.args[i]),
                )?;
                Ok(Doc::Concat(vec![name, args]))
            }
            ExprKind::Error => Err(FormatError::internal("an expression that did not parse")),
        }
    }

    /// An operator of one or more words (`not in`, `then not`), spaced.
    fn operator(&mut self, tokens: &[Token]) -> Built {
        let mut docs = Vec::new();
        for (i, &token) in tokens.iter().enumerate() {
            if i > 0 {
                docs.push(Doc::text(" "));
            }
            docs.push(self.token(token)?);
        }
        Ok(concat(docs))
    }

    /// `(inner)`: broken, the inside goes on its own lines, indented.
    fn paren(&mut self, inner: &Expr) -> Built {
        let open = self.token(Token::LParen)?;
        let inner = self.expr(inner, Place::Block)?;
        let mut inside = vec![Doc::SoftLine, inner];
        inside.extend(self.lead());
        let close = self.token(Token::RParen)?;
        Ok(Doc::group(Doc::Concat(vec![
            open,
            Doc::nest(Doc::Concat(inside)),
            Doc::SoftLine,
            close,
        ])))
    }

    /// `a OP b OP c` for `and`, `or` and `then`: broken, one operand per line, each line
    /// starting with its operator.
    fn chain(&mut self, steps: Vec<(&[Token], &Expr)>, place: Place) -> Built {
        let mut first = None;
        let mut rest = Vec::new();
        for (ops, operand) in steps {
            if first.is_none() {
                first = Some(self.expr(operand, Place::Operand)?);
                continue;
            }
            rest.push(Doc::Line);
            rest.push(self.operator(ops)?);
            rest.push(Doc::text(" "));
            rest.push(self.expr(operand, Place::Operand)?);
        }
        let first = first.ok_or_else(|| FormatError::internal("an empty chain"))?;
        let rest = Doc::Concat(rest);
        let rest = match place {
            Place::Block => rest,
            Place::Operand => Doc::nest(rest),
        };
        Ok(Doc::group(Doc::Concat(vec![first, rest])))
    }

    /// A left-nested run of `+ -` (or `* /`) operators, as one chain.
    fn arith(&mut self, expr: &Expr, level: u8) -> Built {
        let mut spine = Vec::new();
        let mut first = expr;
        while let ExprKind::Arith(op, left, right) = &first.kind {
            if arith_level(*op) != level {
                break;
            }
            spine.push((arith_tokens(*op), &**right));
            first = left;
        }
        spine.reverse();
        let left = self.expr(first, Place::Operand)?;
        self.binary(left, spine)
    }

    /// `left OP right OP right ...` (comparisons, arithmetic): broken before each operator,
    /// indented. One operator before a single value is a group of its own, which the printer
    /// keeps on the left side's last line if it can (`... >= 5`).
    fn binary(&mut self, left: Doc, rights: Vec<(&[Token], &Expr)>) -> Built {
        let single = rights.len() == 1;
        let mut rest = Vec::new();
        for (op, right) in rights {
            let tail = Doc::Concat(vec![
                Doc::Line,
                self.operator(op)?,
                Doc::text(" "),
                self.expr(right, Place::Operand)?,
            ]);
            rest.push(if single && is_single_value(right) {
                Doc::group(tail)
            } else {
                tail
            });
        }
        Ok(Doc::group(Doc::Concat(vec![
            left,
            Doc::nest(Doc::Concat(rest)),
        ])))
    }

    /// `open item, item close`: broken, the items go on their own lines, indented, one per
    /// line or (`fill`) as many as fit. A trailing comma is left out.
    fn delimited(
        &mut self,
        (open, close): (Token, Token),
        count: usize,
        fill: bool,
        mut item: impl FnMut(&mut Self, usize) -> Built,
    ) -> Built {
        let open = self.token(open)?;
        let mut items = Vec::new();
        for i in 0..count {
            let doc = item(self, i)?;
            if i + 1 < count {
                items.push(Doc::Concat(vec![doc, self.comma()?]));
                items.push(Doc::Line);
            } else {
                if self.tokens.peek() == Some(Token::Comma) {
                    self.tokens.skip();
                }
                items.push(doc);
            }
        }
        let trailing = self.lead();
        let close = self.token(close)?;
        if items.is_empty() && trailing.is_empty() {
            return Ok(Doc::Concat(vec![open, close]));
        }
        let items = if fill {
            Doc::Fill(items)
        } else {
            Doc::Concat(items)
        };
        let mut inside = vec![Doc::SoftLine, items];
        inside.extend(trailing);
        Ok(Doc::group(Doc::Concat(vec![
            open,
            Doc::nest(Doc::Concat(inside)),
            Doc::SoftLine,
            close,
        ])))
    }

    /// A call argument: the value, then its modifiers (`where`, `from`, `to`, the window),
    /// which break onto their own lines, indented, when the argument does not fit.
    fn arg(&mut self, arg: &Arg) -> Built {
        let mut docs = self.lead();
        let value = self.expr(&arg.value, Place::Block)?;
        let mut modifiers = Vec::new();
        let modifier = |layout: &mut Self, keyword: Built, value: &Expr| -> Built {
            Ok(Doc::Concat(vec![
                Doc::Line,
                keyword?,
                Doc::text(" "),
                layout.expr(value, Place::Operand)?,
            ]))
        };
        if let Some(filter) = &arg.filter {
            let keyword = self.token(Token::Where);
            modifiers.push(modifier(self, keyword, filter)?);
        }
        if let Some(from) = &arg.from {
            let keyword = self.word("from");
            modifiers.push(modifier(self, keyword, from)?);
        }
        if let Some(to) = &arg.to {
            let keyword = self.word("to");
            modifiers.push(modifier(self, keyword, to)?);
        }
        if let Some(window) = &arg.window {
            modifiers.push(Doc::Line);
            modifiers.push(self.window(window)?);
        }
        if modifiers.is_empty() {
            docs.push(value);
        } else {
            docs.push(Doc::group(Doc::Concat(vec![
                value,
                Doc::nest(Doc::Concat(modifiers)),
            ])));
        }
        Ok(concat(docs))
    }

    fn window(&mut self, window: &Window) -> Built {
        let bound = |layout: &mut Self, keyword: Token, bound: &Expr| -> Built {
            Ok(Doc::Concat(vec![
                layout.token(keyword)?,
                Doc::text(" "),
                layout.expr(bound, Place::Operand)?,
            ]))
        };
        match &window.kind {
            WindowKind::Within(b) => bound(self, Token::Within, b),
            WindowKind::Today => self.token(Token::Today),
            WindowKind::Yesterday => self.token(Token::Yesterday),
            WindowKind::Before(b) => bound(self, Token::Before, b),
            WindowKind::After(b) => bound(self, Token::After, b),
            WindowKind::Between(from, to) => Ok(Doc::Concat(vec![
                bound(self, Token::Between, from)?,
                Doc::text(" "),
                bound(self, Token::And, to)?,
            ])),
            WindowKind::During(unit, values) => Ok(Doc::Concat(vec![
                self.token(Token::During)?,
                Doc::text(" "),
                self.word(unit.name())?,
                self.delimited(
                    (Token::LParen, Token::RParen),
                    values.len(),
                    true,
                    |layout, _| layout.token(Token::Number),
                )?,
            ])),
        }
    }
}
