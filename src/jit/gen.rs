//! Cranelift IR for a fused program: one function per program, `fn(env, scratch, user, out)`.
//! Program variables become Cranelift variables (SSA built by `cranelift-frontend`), `Rows`
//! becomes a loop over the entity's rows below `now`, and each op a few instructions; helper
//! calls pass their arguments in a stack slot.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::Ieee64;
use cranelift_codegen::ir::{
    types, AbiParam, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind,
};
use cranelift_frontend::{FunctionBuilder, Variable};

use super::split::{mentions, Chunk};
use super::{month_of, run_helper, Layout};
use crate::fused::exec::DURATION_LIMIT;
use crate::fused::ir::{Bin, Cc, Op, Ty, Un, Width};
use crate::fused::Program;
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};

/// The code generator for one program.
pub(super) struct Gen<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    program: &'a Program,
    layout: &'a Layout,
    now: i64,
    ptr: types::Type,
    /// The Cranelift variable of each program variable this function mentions, declared at
    /// first use (a chunk mentions few of a big program's variables).
    vars: std::collections::HashMap<u32, Variable>,
    scratch: cranelift_codegen::ir::Value,
    user: cranelift_codegen::ir::Value,
    out: cranelift_codegen::ir::Value,
    /// The current row, inside `Rows`.
    row: Option<Variable>,
    /// Inside a body run without a branch: the condition under which its writes count
    /// (each write then keeps the old value when it is false).
    pred: Option<Value>,
    /// The base addresses of `env` this function uses, loaded once on entry.
    bases: Vec<Option<Value>>,
    /// The entity's words for the variables that cross between chunks.
    spill: cranelift_codegen::ir::Value,
    /// How many entities the call runs for (from `user` on).
    count: cranelift_codegen::ir::Value,
    helper_sig: Option<cranelift_codegen::ir::SigRef>,
    month_sig: Option<cranelift_codegen::ir::SigRef>,
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

fn int_cc(cc: Cc) -> IntCC {
    match cc {
        Cc::Eq => IntCC::Equal,
        Cc::Ne => IntCC::NotEqual,
        Cc::Lt => IntCC::SignedLessThan,
        Cc::Le => IntCC::SignedLessThanOrEqual,
        Cc::Gt => IntCC::SignedGreaterThan,
        Cc::Ge => IntCC::SignedGreaterThanOrEqual,
    }
}

fn float_cc(cc: Cc) -> FloatCC {
    match cc {
        Cc::Eq => FloatCC::Equal,
        Cc::Ne => FloatCC::OrderedNotEqual,
        Cc::Lt => FloatCC::LessThan,
        Cc::Le => FloatCC::LessThanOrEqual,
        Cc::Gt => FloatCC::GreaterThan,
        Cc::Ge => FloatCC::GreaterThanOrEqual,
    }
}

type Value = cranelift_codegen::ir::Value;

impl<'a, 'b> Gen<'a, 'b> {
    pub(super) fn new(
        b: &'a mut FunctionBuilder<'b>,
        program: &'a Program,
        layout: &'a Layout,
        now: i64,
        ptr: types::Type,
        ops: &[Op],
    ) -> Self {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        let bases = used_bases(ops, layout)
            .into_iter()
            .enumerate()
            .map(|(i, used)| {
                used.then(|| {
                    let offset = i32::try_from(i * 8).expect("a small env");
                    b.ins().load(ptr, flags(), params[0], offset)
                })
            })
            .collect();
        let vars = std::collections::HashMap::new();
        Gen {
            b,
            program,
            layout,
            now,
            ptr,
            vars,
            scratch: params[1],
            user: params[2],
            out: params[4],
            spill: params[5],
            count: params[3],
            row: None,
            pred: None,
            bases,
            helper_sig: None,
            month_sig: None,
        }
    }

    /// The function for `chunk`, a loop over `count` entities from `user` on: entity `i` has
    /// its buffer descriptors, output row and spill words at `i` strides from the first's.
    /// The first chunk empties every buffer.
    pub(super) fn body(&mut self, chunk: &Chunk, first: bool, strides: Strides) {
        // Constants, in the entry block (they dominate the loop).
        let mut read = std::collections::HashSet::new();
        mentions(
            &chunk.ops,
            &mut |v| {
                read.insert(v);
            },
            &mut |_| {},
        );
        for &(v, bits) in &self.program.constants {
            if read.contains(&v) {
                self.op(&Op::Const(v, bits));
            }
        }
        let (first_user, scratch0, out0, spill0) = (self.user, self.scratch, self.out, self.spill);
        let i = self.b.declare_var(types::I64);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.def_var(i, zero);
        let header = self.b.create_block();
        let each = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        let at = self.b.use_var(i);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, at, self.count);
        self.b.ins().brif(more, each, &[], exit, &[]);
        self.b.switch_to_block(each);
        let at = self.b.use_var(i);
        self.user = self.b.ins().iadd(first_user, at);
        let offset = self.b.ins().imul_imm_s(at, strides.scratch);
        self.scratch = self.b.ins().iadd(scratch0, offset);
        let offset = self.b.ins().imul_imm_s(at, strides.out);
        self.out = self.b.ins().iadd(out0, offset);
        let offset = self.b.ins().imul_imm_s(at, strides.spill);
        self.spill = self.b.ins().iadd(spill0, offset);
        if first {
            let zero = self.b.ins().iconst(types::I64, 0);
            for i in 0..self.program.buffers.len() {
                let offset = i32::try_from(16 * i + 8).expect("few buffers");
                self.b.ins().store(flags(), zero, self.scratch, offset);
            }
        }
        for &v in &chunk.live_in {
            let ty = if self.is_float(v) {
                types::F64
            } else {
                types::I64
            };
            let value = self.b.ins().load(ty, flags(), self.spill, spill_offset(v));
            self.set(v, value);
        }
        self.ops(&chunk.ops);
        for &v in &chunk.live_out {
            let value = self.get(v);
            self.b
                .ins()
                .store(flags(), value, self.spill, spill_offset(v));
        }
        let at = self.b.use_var(i);
        let next = self.b.ins().iadd_imm_s(at, 1);
        self.b.def_var(i, next);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(exit);
        self.b.ins().return_(&[]);
    }

    fn var(&mut self, v: u32) -> Variable {
        if let Some(&var) = self.vars.get(&v) {
            return var;
        }
        let ty = if self.is_float(v) {
            types::F64
        } else {
            types::I64
        };
        let var = self.b.declare_var(ty);
        self.vars.insert(v, var);
        var
    }

    fn get(&mut self, v: u32) -> Value {
        let var = self.var(v);
        self.b.use_var(var)
    }

    fn set(&mut self, v: u32, value: Value) {
        let var = self.var(v);
        let value = match self.pred {
            Some(pred) => {
                let old = self.b.use_var(var);
                self.b.ins().select(pred, value, old)
            }
            None => value,
        };
        self.b.def_var(var, value);
    }

    fn is_float(&self, v: u32) -> bool {
        self.program.vars[v as usize] == Ty::F64
    }

    /// An integer 0/1 from a comparison's flag.
    fn bool64(&mut self, flag: Value) -> Value {
        self.b.ins().uextend(types::I64, flag)
    }

    /// The base address `env[index]`.
    fn base(&mut self, index: usize) -> Value {
        self.bases[index].expect("every base a chunk uses is loaded on entry")
    }

    /// The address of entry `min(code, last)` of the array at `env[base]` (entries of `size`
    /// bytes): codes past the end read the last entry.
    fn clamped_entry(&mut self, base: usize, last: usize, code: u32, size: i64) -> Value {
        let code = self.get(code);
        let last = self
            .b
            .ins()
            .iconst(types::I64, i64::try_from(last).expect("a small table"));
        let inside = self.b.ins().icmp(IntCC::UnsignedLessThan, code, last);
        let index = self.b.ins().select(inside, code, last);
        let offset = self.b.ins().imul_imm_s(index, size);
        let base = self.base(base);
        self.b.ins().iadd(base, offset)
    }

    fn ops(&mut self, ops: &[Op]) {
        for op in ops {
            self.op(op);
        }
    }

    fn op(&mut self, op: &Op) {
        match op {
            Op::Const(dst, bits) => {
                let value = if self.is_float(*dst) {
                    self.b.ins().f64const(Ieee64::with_bits(*bits))
                } else {
                    self.b.ins().iconst(types::I64, bits.cast_signed())
                };
                self.set(*dst, value);
            }
            Op::Init(values) => {
                for &(v, bits) in values {
                    self.op(&Op::Const(v, bits));
                }
            }
            Op::Inc(v) => {
                let x = self.get(*v);
                let y = self.b.ins().iadd_imm_s(x, 1);
                self.set(*v, y);
            }
            Op::Window { dst, ts, lo, hi } => {
                let t = self.get(*ts);
                let mut inside = self.b.ins().iconst(types::I8, 1);
                if let Some(lo) = lo {
                    let lo = self.get(*lo);
                    let above = self.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, t, lo);
                    inside = self.b.ins().band(inside, above);
                }
                if let Some(hi) = hi {
                    let hi = self.get(*hi);
                    let below = self.b.ins().icmp(IntCC::SignedLessThan, t, hi);
                    inside = self.b.ins().band(inside, below);
                }
                let v = self.bool64(inside);
                self.set(*dst, v);
            }
            Op::Copy(dst, src) => {
                let v = self.get(*src);
                self.set(*dst, v);
            }
            Op::Un(op, dst, a) => {
                let a = self.get(*a);
                let v = self.unary(*op, a);
                self.set(*dst, v);
            }
            Op::Bin(op, dst, a, b) => {
                let (a, b) = (self.get(*a), self.get(*b));
                let v = self.binary(*op, a, b);
                self.set(*dst, v);
            }
            Op::Select(dst, c, a, b) => {
                let c = self.get(*c);
                let (a, b) = (self.get(*a), self.get(*b));
                let flag = self.b.ins().icmp_imm_s(IntCC::Equal, c, 1);
                let v = self.b.ins().select(flag, a, b);
                self.set(*dst, v);
            }
            Op::Snapshot(dst, i) => {
                let base = self.base(self.layout.snapshots + *i as usize);
                let offset = self.b.ins().imul_imm_s(self.user, 8);
                let addr = self.b.ins().iadd(base, offset);
                let ty = if self.is_float(*dst) {
                    types::F64
                } else {
                    types::I64
                };
                let v = self.b.ins().load(ty, flags(), addr, 0);
                self.set(*dst, v);
            }
            Op::Lookup(dst, table, code) => {
                // Tables end with a 0 past the known codes, read for every other code.
                let last = self.program.tables[*table as usize].len() - 1;
                let addr = self.clamped_entry(self.layout.tables + *table as usize, last, *code, 1);
                let v = self.b.ins().uload8(types::I64, flags(), addr, 0);
                self.set(*dst, v);
            }
            Op::Map(dst, map, code) => {
                // Maps end with the missing value, read for every code past them.
                let last = self.program.maps[*map as usize].len() - 1;
                let addr = self.clamped_entry(self.layout.maps + *map as usize, last, *code, 8);
                let ty = if self.is_float(*dst) {
                    types::F64
                } else {
                    types::I64
                };
                let v = self.b.ins().load(ty, flags(), addr, 0);
                self.set(*dst, v);
            }
            Op::Load(dst, column, width) => {
                let row = self.b.use_var(self.row.expect("loads are inside a loop"));
                let base = self.base(self.layout.columns + *column as usize);
                let size = match width {
                    Width::W64 => 8,
                    Width::W32 => 4,
                    Width::W8 => 1,
                };
                let offset = self.b.ins().imul_imm_s(row, size);
                let addr = self.b.ins().iadd(base, offset);
                let v = match width {
                    Width::W64 => {
                        let ty = if self.is_float(*dst) {
                            types::F64
                        } else {
                            types::I64
                        };
                        self.b.ins().load(ty, flags(), addr, 0)
                    }
                    Width::W32 => self.b.ins().uload32(flags(), addr, 0),
                    Width::W8 => self.b.ins().uload8(types::I64, flags(), addr, 0),
                };
                self.set(*dst, v);
            }
            // A small body of ops that are safe to run whatever the condition is runs without
            // a branch, its writes kept only when the condition holds: in a loop over rows the
            // branch (a window, a filter) would go either way at random.
            Op::If(cond, body) if branchless(body) => {
                let c = self.get(*cond);
                let flag = self.b.ins().icmp_imm_s(IntCC::Equal, c, 1);
                let outer = self.pred;
                let pred = match outer {
                    Some(p) => self.b.ins().band(p, flag),
                    None => flag,
                };
                self.pred = Some(pred);
                self.ops(body);
                self.pred = outer;
            }
            Op::If(cond, body) => {
                let c = self.get(*cond);
                let then = self.b.create_block();
                let done = self.b.create_block();
                let flag = self.b.ins().icmp_imm_s(IntCC::Equal, c, 1);
                self.b.ins().brif(flag, then, &[], done, &[]);
                self.b.switch_to_block(then);
                self.ops(body);
                self.b.ins().jump(done, &[]);
                self.b.switch_to_block(done);
            }
            Op::Rows { event, ts, body } => self.rows(*event, *ts, body),
            Op::Push(buffer, v) => {
                let v = self.get(*v);
                let v = if self.b.func.dfg.value_type(v) == types::F64 {
                    self.b.ins().bitcast(types::I64, MemFlagsData::new(), v)
                } else {
                    v
                };
                let at = i32::try_from(16 * *buffer as usize).expect("few buffers");
                let base = self.b.ins().load(self.ptr, flags(), self.scratch, at);
                let len = self.b.ins().load(types::I64, flags(), self.scratch, at + 8);
                let offset = self.b.ins().imul_imm_s(len, 8);
                let addr = self.b.ins().iadd(base, offset);
                self.b.ins().store(flags(), v, addr, 0);
                let len = self.b.ins().iadd_imm_s(len, 1);
                self.b.ins().store(flags(), len, self.scratch, at + 8);
            }
            Op::Call(dst, helper, args) => {
                let sig = self.helper_sig();
                let callee = self
                    .b
                    .ins()
                    .iconst(self.ptr, run_helper as *const () as i64);
                let ctx = self.base(self.layout.helper_ctx);
                let index = self.b.ins().iconst(types::I64, i64::from(*helper));
                let at = if args.is_empty() {
                    self.b.ins().iconst(self.ptr, 0)
                } else {
                    let size = u32::try_from(8 * args.len()).expect("few arguments");
                    let slot = self.b.create_sized_stack_slot(StackSlotData::new(
                        StackSlotKind::ExplicitSlot,
                        size,
                        3,
                    ));
                    for (i, &a) in args.iter().enumerate() {
                        let value = self.get(a);
                        let offset = i32::try_from(8 * i).expect("few arguments");
                        self.b.ins().stack_store(self.ptr, value, slot, offset);
                    }
                    self.b.ins().stack_addr(self.ptr, slot, 0)
                };
                let count = i64::try_from(args.len()).expect("few arguments");
                let count = self.b.ins().iconst(types::I64, count);
                let call = self.b.ins().call_indirect(
                    sig,
                    callee,
                    &[ctx, self.scratch, index, self.user, at, count],
                );
                let result = self.b.inst_results(call)[0];
                let v = if self.is_float(*dst) {
                    self.b
                        .ins()
                        .bitcast(types::F64, MemFlagsData::new(), result)
                } else {
                    result
                };
                self.set(*dst, v);
            }
            Op::Member(slot, v) => {
                let v = self.get(*v);
                let flag = self.b.ins().icmp_imm_s(IntCC::Equal, v, 1);
                let byte = self.b.ins().uextend(types::I32, flag);
                let offset = i32::try_from(*slot).expect("few slots");
                self.b.ins().istore8(flags(), byte, self.out, offset);
            }
        }
    }

    fn helper_sig(&mut self) -> cranelift_codegen::ir::SigRef {
        if let Some(sig) = self.helper_sig {
            return sig;
        }
        let mut sig = Signature::new(self.b.func.signature.call_conv);
        sig.params.push(AbiParam::new(self.ptr));
        sig.params.push(AbiParam::new(self.ptr));
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(self.ptr));
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I64));
        let sig = self.b.import_signature(sig);
        self.helper_sig = Some(sig);
        sig
    }

    fn month_sig(&mut self) -> cranelift_codegen::ir::SigRef {
        if let Some(sig) = self.month_sig {
            return sig;
        }
        let mut sig = Signature::new(self.b.func.signature.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I64));
        let sig = self.b.import_signature(sig);
        self.month_sig = Some(sig);
        sig
    }

    /// The loop over the user's rows of `event` below `now`.
    fn rows(&mut self, event: u32, ts: u32, body: &[Op]) {
        let (offsets_at, ts_at) = self.layout.events[event as usize].expect("a looped event type");
        let offsets = self.base(offsets_at);
        let times = self.base(ts_at);
        let at = self.b.ins().imul_imm_s(self.user, 4);
        let addr = self.b.ins().iadd(offsets, at);
        let start = self.b.ins().uload32(flags(), addr, 0);
        let end = self.b.ins().uload32(flags(), addr, 4);
        let row = self.b.declare_var(types::I64);
        self.b.def_var(row, start);
        let header = self.b.create_block();
        let check = self.b.create_block();
        let inner = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(header);
        let r = self.b.use_var(row);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, r, end);
        self.b.ins().brif(more, check, &[], exit, &[]);
        self.b.switch_to_block(check);
        let at = self.b.ins().imul_imm_s(r, 8);
        let addr = self.b.ins().iadd(times, at);
        let t = self.b.ins().load(types::I64, flags(), addr, 0);
        let before = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, t, self.now);
        self.b.ins().brif(before, inner, &[], exit, &[]);
        self.b.switch_to_block(inner);
        self.set(ts, t);
        let outer_row = self.row.replace(row);
        self.ops(body);
        self.row = outer_row;
        let r = self.b.use_var(row);
        let next = self.b.ins().iadd_imm_s(r, 1);
        self.b.def_var(row, next);
        self.b.ins().jump(header, &[]);
        self.b.switch_to_block(exit);
    }

    fn unary(&mut self, op: Un, a: Value) -> Value {
        match op {
            Un::Truthy | Un::NotTruthy => {
                let cc = if op == Un::Truthy {
                    IntCC::Equal
                } else {
                    IntCC::NotEqual
                };
                let flag = self.b.ins().icmp_imm_s(cc, a, 1);
                self.bool64(flag)
            }
            Un::FNeg => self.b.ins().fneg(a),
            Un::INeg => self.b.ins().ineg(a),
            Un::IToF => self.b.ins().fcvt_from_sint(types::F64, a),
            Un::FFinite => self.finite(a),
            Un::DurToF => {
                let micros = self.b.ins().fcvt_from_sint(types::F64, a);
                let missing = self.b.ins().icmp_imm_s(IntCC::Equal, a, i64::MIN);
                let nan = self.b.ins().f64const(f64::NAN);
                self.b.ins().select(missing, nan, micros)
            }
            Un::FToDur => {
                let abs = self.b.ins().fabs(a);
                let limit = self.b.ins().f64const(DURATION_LIMIT);
                let in_range = self.b.ins().fcmp(FloatCC::LessThan, abs, limit);
                let micros = self.b.ins().fcvt_to_sint_sat(types::I64, a);
                let missing = self.b.ins().iconst(types::I64, i64::MIN);
                self.b.ins().select(in_range, micros, missing)
            }
            Un::FIsSet => {
                let flag = self.b.ins().fcmp(FloatCC::Ordered, a, a);
                self.bool64(flag)
            }
            Un::Day => self.div_euclid(a, MICROS_PER_DAY),
            Un::Weekday => {
                let day = self.div_euclid(a, MICROS_PER_DAY);
                let shifted = self.b.ins().iadd_imm_s(day, 3);
                let r = self.rem_euclid(shifted, 7);
                self.b.ins().iadd_imm_s(r, 1)
            }
            Un::Hour => {
                let r = self.rem_euclid(a, MICROS_PER_DAY);
                self.b.ins().sdiv_imm_s(r, MICROS_PER_HOUR)
            }
            Un::Month => {
                let sig = self.month_sig();
                let callee = self.b.ins().iconst(self.ptr, month_of as *const () as i64);
                let call = self.b.ins().call_indirect(sig, callee, &[a]);
                self.b.inst_results(call)[0]
            }
        }
    }

    fn finite(&mut self, a: Value) -> Value {
        let abs = self.b.ins().fabs(a);
        let inf = self.b.ins().f64const(f64::INFINITY);
        let finite = self.b.ins().fcmp(FloatCC::LessThan, abs, inf);
        let nan = self.b.ins().f64const(f64::NAN);
        self.b.ins().select(finite, a, nan)
    }

    fn div_euclid(&mut self, a: Value, d: i64) -> Value {
        let q = self.b.ins().sdiv_imm_s(a, d);
        let r = self.b.ins().srem_imm_s(a, d);
        let negative = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
        let one = self.bool64(negative);
        self.b.ins().isub(q, one)
    }

    fn rem_euclid(&mut self, a: Value, d: i64) -> Value {
        let r = self.b.ins().srem_imm_s(a, d);
        let negative = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, r, 0);
        let up = self.b.ins().iadd_imm_s(r, d);
        self.b.ins().select(negative, up, r)
    }

    fn binary(&mut self, op: Bin, a: Value, b: Value) -> Value {
        match op {
            Bin::IAdd => self.b.ins().iadd(a, b),
            Bin::ISub => self.b.ins().isub(a, b),
            Bin::IAddChecked | Bin::ISubChecked => {
                let (sum, overflow) = if op == Bin::IAddChecked {
                    self.b.ins().sadd_overflow(a, b)
                } else {
                    self.b.ins().ssub_overflow(a, b)
                };
                let a_missing = self.b.ins().icmp_imm_s(IntCC::Equal, a, i64::MIN);
                let b_missing = self.b.ins().icmp_imm_s(IntCC::Equal, b, i64::MIN);
                let missing = self.b.ins().bor(a_missing, b_missing);
                let missing = self.b.ins().bor(missing, overflow);
                let sentinel = self.b.ins().iconst(types::I64, i64::MIN);
                self.b.ins().select(missing, sentinel, sum)
            }
            Bin::And => self.b.ins().band(a, b),
            Bin::Or => self.b.ins().bor(a, b),
            Bin::FAdd => self.b.ins().fadd(a, b),
            Bin::FSub => self.b.ins().fsub(a, b),
            Bin::FMul => self.b.ins().fmul(a, b),
            Bin::FDivRaw => self.b.ins().fdiv(a, b),
            Bin::FDiv => {
                let q = self.b.ins().fdiv(a, b);
                self.finite(q)
            }
            Bin::ICmp(cc) => {
                let flag = self.b.ins().icmp(int_cc(cc), a, b);
                self.bool64(flag)
            }
            Bin::FCmp(cc) => {
                let flag = self.b.ins().fcmp(float_cc(cc), a, b);
                self.bool64(flag)
            }
        }
    }
}

/// Whether a body runs without a branch: a few counts, copies, comparisons and window
/// tests (nested `if`s of them too), which cannot fault whatever their inputs. Measured on
/// the ten reference segments: 0.130 s with branches, 0.116 s without; letting loads, pushes
/// and day arithmetic run unconditionally as well was slower (0.122-0.140 s).
fn branchless(body: &[Op]) -> bool {
    const MOST: usize = 8;
    let mut n = 0;
    let mut stack: Vec<&[Op]> = vec![body];
    while let Some(ops) = stack.pop() {
        for op in ops {
            n += 1;
            match op {
                Op::If(_, inner) => stack.push(inner),
                Op::Inc(_) | Op::Copy(..) | Op::Bin(..) | Op::Window { .. } => {}
                _ => return false,
            }
        }
    }
    n <= MOST
}

/// The bytes from one entity's buffer descriptors, output row and spill words to the next's.
#[derive(Debug, Clone, Copy)]
pub(super) struct Strides {
    pub scratch: i64,
    pub out: i64,
    pub spill: i64,
}

/// Where variable `v` sits in the spill array.
fn spill_offset(v: u32) -> i32 {
    i32::try_from(8 * u64::from(v)).expect("fewer than 2^28 variables")
}

/// Which slots of `env` the ops use (so a chunk loads only its own).
fn used_bases(ops: &[Op], layout: &Layout) -> Vec<bool> {
    let mut used = vec![false; layout.len];
    let mut stack: Vec<&[Op]> = vec![ops];
    while let Some(ops) = stack.pop() {
        for op in ops {
            match op {
                Op::Rows { event, body, .. } => {
                    if let Some((o, t)) = layout.events[*event as usize] {
                        used[o] = true;
                        used[t] = true;
                    }
                    stack.push(body);
                }
                Op::If(_, body) => stack.push(body),
                Op::Load(_, column, _) => used[layout.columns + *column as usize] = true,
                Op::Snapshot(_, i) => used[layout.snapshots + *i as usize] = true,
                Op::Lookup(_, t, _) => used[layout.tables + *t as usize] = true,
                Op::Map(_, m, _) => used[layout.maps + *m as usize] = true,
                Op::Call(..) => used[layout.helper_ctx] = true,
                _ => {}
            }
        }
    }
    used
}
