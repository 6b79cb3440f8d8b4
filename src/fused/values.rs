//! Comparisons, `in` and arithmetic in the fused program: typed compares of raw words,
//! membership in lists, and arithmetic on numbers, timestamps and durations with the
//! reference's missing-value rules.

use super::ir::{Bin, Cc, Un, Var};
use super::lower::{Builder, Scope, Unsupported, Val, Vt};
use crate::plan::{ArithOp, CompareOp, Expr, ExprKind, Value};

impl Builder<'_> {
    pub(super) fn compare(
        &mut self,
        op: CompareOp,
        a: &Expr,
        b: &Expr,
        scope: Scope,
    ) -> Result<Var, Unsupported> {
        if matches!(op, CompareOp::In | CompareOp::NotIn) {
            return self.membership(op, a, b, scope);
        }
        let (ta, tb) = (Vt::of(&a.ty), Vt::of(&b.ty));
        let (Ok(ta), Ok(tb)) = (ta, tb) else {
            return Err("a comparison of unusual types".into());
        };
        if ta != tb {
            // A timestamp against a duration (W0003): always false.
            return Ok(self.int(0));
        }
        let cc = Cc::of(op);
        if ta == Vt::Str && !(matches!(op, CompareOp::Eq | CompareOp::Ne)) {
            return self.string_predicate(op, a, b, scope);
        }
        let cc = cc.ok_or_else(|| format!("`{op:?}` on values of type {}", a.ty.name()))?;
        let va = self.expr(a, scope)?;
        let vb = self.expr(b, scope)?;
        Ok(self.compare_values(cc, va, vb, scope))
    }

    pub(super) fn compare_values(&mut self, cc: Cc, a: Val, b: Val, scope: Scope) -> Var {
        if a.vt == Vt::Num {
            return self.bin(scope, Bin::FCmp(cc), a.var, b.var);
        }
        // A literal is never missing; and equal to a literal, a value is present.
        let (ka, kb) = (self.known(a.var).is_some(), self.known(b.var).is_some());
        let c = self.bin(scope, Bin::ICmp(cc), a.var, b.var);
        if cc == Cc::Eq && (ka || kb) {
            return c;
        }
        let mut conds = Vec::new();
        if !ka {
            conds.push(self.is_set(a, scope));
        }
        if !kb {
            conds.push(self.is_set(b, scope));
        }
        conds.push(c);
        self.all(scope, &conds)
    }

    /// `a in [...]` and `a not in [...]`.
    pub(super) fn membership(
        &mut self,
        op: CompareOp,
        a: &Expr,
        b: &Expr,
        scope: Scope,
    ) -> Result<Var, Unsupported> {
        let va = self.expr(a, scope)?;
        let items: Vec<Val> = match &b.kind {
            ExprKind::Const(Value::List(values)) => values
                .iter()
                .map(|v| self.value(v))
                .collect::<Result<_, _>>()?,
            ExprKind::List(items) => items
                .iter()
                .map(|i| self.expr(i, scope))
                .collect::<Result<_, _>>()?,
            _ => return Err("`in` over a non-list".into()),
        };
        let mut found = self.int(0);
        for item in items {
            if item.vt != va.vt {
                continue;
            }
            let eq = self.compare_values(Cc::Eq, va, item, scope);
            found = self.bin(scope, Bin::Or, found, eq);
        }
        Ok(if op == CompareOp::In {
            found
        } else {
            let set = self.is_set(va, scope);
            let absent = self.un(scope, Un::NotTruthy, found);
            self.bin(scope, Bin::And, set, absent)
        })
    }

    pub(super) fn arith(
        &mut self,
        op: ArithOp,
        a: &Expr,
        b: &Expr,
        scope: Scope,
    ) -> Result<Val, Unsupported> {
        let va = self.expr(a, scope)?;
        let vb = self.expr(b, scope)?;
        let float = |op| match op {
            ArithOp::Add => Bin::FAdd,
            ArithOp::Sub => Bin::FSub,
            ArithOp::Mul => Bin::FMul,
            ArithOp::Div => Bin::FDiv,
        };
        let (bin, vt) = match (op, va.vt, vb.vt) {
            (_, Vt::Num, Vt::Num) => (float(op), Vt::Num),
            (ArithOp::Add, Vt::Ts, Vt::Dur) | (ArithOp::Add, Vt::Dur, Vt::Ts) => {
                (Bin::IAddChecked, Vt::Ts)
            }
            (ArithOp::Sub, Vt::Ts, Vt::Dur) => (Bin::ISubChecked, Vt::Ts),
            (ArithOp::Add, Vt::Dur, Vt::Dur) => (Bin::IAddChecked, Vt::Dur),
            (ArithOp::Sub, Vt::Dur | Vt::Ts, Vt::Dur | Vt::Ts) if va.vt == vb.vt => {
                (Bin::ISubChecked, Vt::Dur)
            }
            (ArithOp::Mul | ArithOp::Div, Vt::Dur, _) | (ArithOp::Mul, Vt::Num, Vt::Dur) => {
                return Ok(self.scaled_duration(op, va, vb, scope));
            }
            _ => return Err(format!("arithmetic {op:?} of {:?} and {:?}", va.vt, vb.vt)),
        };
        let mut var = self.bin(scope, bin, va.var, vb.var);
        if vt == Vt::Num && bin != Bin::FDiv {
            var = self.un(scope, Un::FFinite, var);
        }
        Ok(Val { var, vt })
    }

    /// `duration * number`, `number * duration`, `duration / number` (a duration) and
    /// `duration / duration` (a number), through f64 microseconds as in the reference.
    fn scaled_duration(&mut self, op: ArithOp, va: Val, vb: Val, scope: Scope) -> Val {
        let as_float = |b: &mut Self, v: Val| {
            if v.vt == Vt::Dur {
                b.un(scope, Un::DurToF, v.var)
            } else {
                v.var
            }
        };
        let (x, y) = (as_float(self, va), as_float(self, vb));
        if op == ArithOp::Div && vb.vt == Vt::Dur {
            return Val {
                var: self.bin(scope, Bin::FDiv, x, y),
                vt: Vt::Num,
            };
        }
        let bin = if op == ArithOp::Mul {
            Bin::FMul
        } else {
            Bin::FDivRaw
        };
        let micros = self.bin(scope, bin, x, y);
        Val {
            var: self.un(scope, Un::FToDur, micros),
            vt: Vt::Dur,
        }
    }
}
