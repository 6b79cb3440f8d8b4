//! Strings in the fused program: values are dictionary codes, so a function of a string
//! from the data becomes a table or a map over the codes, computed once at compile time.

use super::ir::{Bin, Cc, Helper, Op, Ty, Var};
use super::lower::{Builder, Scope, Unsupported, Val, Vt};
use crate::plan::value::{compare, V};
use crate::plan::{CompareOp, Expr, ExprKind, Value};

impl Builder<'_> {
    /// A predicate over a string value, tabulated over the dictionary.
    pub(super) fn table(
        &mut self,
        code: Val,
        scope: Scope,
        predicate: impl Fn(&str) -> bool,
    ) -> Var {
        let table: Vec<u8> = self
            .code_strings()
            .into_iter()
            .map(|s| u8::from(predicate(&s)))
            // A 0 past the known codes: what the missing code reads.
            .chain([0])
            .collect();
        self.tables.push(table);
        let index = u32::try_from(self.tables.len() - 1).expect("few tables");
        let dst = self.var(Ty::I64);
        self.emit(scope, Op::Lookup(dst, index, code.var));
        dst
    }
    /// The string of every code known so far: the dictionary's, then fresh ones.
    pub(super) fn code_strings(&self) -> Vec<String> {
        let strings = &self.store.strings;
        let mut all: Vec<String> = (0..u32::try_from(strings.len()).expect("few strings"))
            .map(|c| strings.get(c).to_string())
            .collect();
        let mut fresh: Vec<(&String, &u32)> = self.fresh.iter().collect();
        fresh.sort_by_key(|(_, &c)| c);
        all.extend(fresh.into_iter().map(|(s, _)| s.clone()));
        all
    }
    /// A function of a string value, as a map over the codes known so far (`f` gives the
    /// result's raw bits; the missing code maps to `missing`).
    pub(super) fn map(
        &mut self,
        code: Val,
        scope: Scope,
        vt: Vt,
        f: impl Fn(&mut Self, &str) -> u64,
    ) -> Val {
        let strings = self.code_strings();
        let map: Vec<u64> = strings
            .iter()
            .map(|s| f(self, s))
            .chain([vt.missing()])
            .collect();
        self.maps.push(map);
        let index = u32::try_from(self.maps.len() - 1).expect("few maps");
        let dst = self.var(vt.ty());
        self.emit(scope, Op::Map(dst, index, code.var));
        Val { var: dst, vt }
    }
    /// A map from every code known so far to its string's rank in byte order.
    fn rank_map(&mut self) -> u32 {
        let strings = self.code_strings();
        let mut codes: Vec<usize> = (0..strings.len()).collect();
        codes.sort_unstable_by(|&a, &b| strings[a].as_bytes().cmp(strings[b].as_bytes()));
        let mut map = vec![0u64; strings.len() + 1];
        for (rank, &code) in codes.iter().enumerate() {
            map[code] = rank as u64;
        }
        map[strings.len()] = i64::MIN.cast_unsigned();
        self.maps.push(map);
        u32::try_from(self.maps.len() - 1).expect("few maps")
    }

    /// `lower` and `len` of a string: folded for a literal, else a map over the codes known
    /// so far. Every string a program computes comes from the data or from a `lower` map
    /// made before this one (which gave codes to the strings it made), so the map covers
    /// every code it can be asked about.
    pub(super) fn string_function(
        &mut self,
        e: &Expr,
        inner: &Expr,
        scope: Scope,
    ) -> Result<Val, Unsupported> {
        if let ExprKind::Const(Value::String(s)) = &inner.kind {
            let folded = if matches!(e.kind, ExprKind::Lower(_)) {
                Value::String(s.to_lowercase())
            } else {
                #[allow(clippy::cast_precision_loss)]
                Value::Number(s.chars().count() as f64)
            };
            return self.value(&folded);
        }
        let v = self.expr(inner, scope)?;
        Ok(if matches!(e.kind, ExprKind::Lower(_)) {
            self.map(v, scope, Vt::Str, |b, s| b.string_code(&s.to_lowercase()))
        } else {
            #[allow(clippy::cast_precision_loss)]
            self.map(v, scope, Vt::Num, |_, s| {
                (s.chars().count() as f64).to_bits()
            })
        })
    }
    /// `contains`, `starts with`, `ends with` and ordering on strings: one side a literal.
    pub(super) fn string_predicate(
        &mut self,
        op: CompareOp,
        a: &Expr,
        b: &Expr,
        scope: Scope,
    ) -> Result<Var, Unsupported> {
        let literal = |e: &Expr| match &e.kind {
            ExprKind::Const(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        match (literal(a), literal(b)) {
            (Some(x), Some(y)) => Ok(self.int(i64::from(compare(
                op,
                &V::Str(x.as_str().into()),
                &V::Str(y.as_str().into()),
            )))),
            (None, Some(lit)) => {
                let v = self.expr(a, scope)?;
                Ok(self.table(v, scope, |s| {
                    compare(op, &V::Str(s.into()), &V::Str(lit.as_str().into()))
                }))
            }
            (Some(lit), None) => {
                let v = self.expr(b, scope)?;
                Ok(self.table(v, scope, |s| {
                    compare(op, &V::Str(lit.as_str().into()), &V::Str(s.into()))
                }))
            }
            (None, None) => {
                let (x, y) = (self.expr(a, scope)?, self.expr(b, scope)?);
                if let Some(cc) = Cc::of(op) {
                    // Orderings compare ranks in byte order, both strings present.
                    let ranks = self.rank_map();
                    let (rx, ry) = (self.var(Ty::I64), self.var(Ty::I64));
                    self.emit(scope, Op::Map(rx, ranks, x.var));
                    self.emit(scope, Op::Map(ry, ranks, y.var));
                    let (sx, sy) = (self.is_set(x, scope), self.is_set(y, scope));
                    let holds = self.bin(scope, Bin::ICmp(cc), rx, ry);
                    let both = self.bin(scope, Bin::And, sx, sy);
                    return Ok(self.bin(scope, Bin::And, both, holds));
                }
                let helper = self.helper(Helper::StringPair(op));
                let dst = self.var(Ty::I64);
                self.emit(scope, Op::Call(dst, helper, vec![x.var, y.var]));
                self.definite.insert(dst);
                Ok(dst)
            }
        }
    }
}
