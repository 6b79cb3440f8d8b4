//! The Cranelift backend: compiles a fused program to one native function per program, run
//! once per user, users split across threads.
//!
//! The function is `fn(env, scratch, user, out)`: `env` is an array of base addresses (each
//! event type's offsets and timestamps, each column the program loads, each snapshot and
//! dictionary table, the helper context), `scratch` a thread's buffer descriptors (pointer
//! and length per buffer), `out` the user's row of member bytes. Variables of the program
//! become Cranelift variables; `Rows` becomes a loop over the user's rows that stops at
//! `now`. Helpers (`top`, `distinct`, chains, months) are Rust functions called at most
//! once per user per use, except `Month`, which is per row and rare.
//!
//! This is the only module with unsafe code: calling the compiled function, reading buffers
//! in helpers, and freeing the code. Each block says why it is sound.
#![allow(unsafe_code)]

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::Ieee64;
use cranelift_codegen::ir::{
    types, AbiParam, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind,
    UserFuncName,
};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use rayon::prelude::*;

use crate::fused::exec::{call, month, Site, CHUNK, DURATION_LIMIT};
use crate::fused::ir::{Bin, Cc, Op, Ty, Un, Width};
use crate::fused::{Data, Program};
use crate::store::{Column, Store};
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};

type Entry = unsafe extern "C" fn(*const u64, *mut u64, u64, *mut u8);

/// Compiled code for one program; frees the code when dropped.
pub struct Compiled {
    module: Option<JITModule>,
    now: i64,
    entry: Entry,
    layout: Layout,
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // Safety: `entry` points into this module's memory and is never called after
            // `Compiled` is dropped (it is private and only called through `&self`).
            unsafe { module.free_memory() };
        }
    }
}

/// Where each base address sits in `env`.
#[derive(Debug, Clone)]
struct Layout {
    /// (offsets, ts) per event type, indexed by event type.
    events: Vec<Option<(usize, usize)>>,
    columns: usize,
    snapshots: usize,
    tables: usize,
    maps: usize,
    helper_ctx: usize,
    len: usize,
}

impl Layout {
    fn new(program: &Program, event_types: usize) -> Layout {
        let mut next = 0;
        let mut events = vec![None; event_types];
        for &e in &program.events {
            events[e as usize] = Some((next, next + 1));
            next += 2;
        }
        let columns = next;
        next += program.columns.len();
        let snapshots = next;
        next += program.snapshot_keys.len();
        let tables = next;
        next += program.tables.len();
        let maps = next;
        next += program.maps.len();
        let helper_ctx = next;
        next += 1;
        Layout {
            events,
            columns,
            snapshots,
            tables,
            maps,
            helper_ctx,
            len: next,
        }
    }
}

/// Runs helper `helper` over the buffers described in `scratch`, with `count` arguments at
/// `args`.
extern "C" fn run_helper(
    ctx: *const Site<'_>,
    scratch: *const u64,
    helper: u64,
    user: u64,
    args: *const u64,
    count: u64,
) -> u64 {
    let outcome = std::panic::catch_unwind(|| {
        // Safety: `ctx` is the `Site` that `Compiled::run` placed in `env` and keeps alive
        // for the whole run; the compiled code passes it through unchanged.
        let ctx = unsafe { &*ctx };
        let count = usize::try_from(count).unwrap_or(0);
        let args: &[u64] = if count == 0 {
            &[]
        } else {
            // Safety: the compiled call stores `count` words in a stack slot of its frame
            // and passes the slot's address; the frame outlives this call.
            unsafe { std::slice::from_raw_parts(args, count) }
        };
        let buffer = |b: u32| -> &[u64] {
            let b = b as usize;
            // Safety: `scratch` holds a (pointer, length) pair per buffer, written by
            // `Compiled::run` and the compiled pushes; each pointer addresses a live `Vec<u64>`
            // of this thread with at least `length` initialized values.
            unsafe {
                let ptr = *scratch.add(2 * b) as *const u64;
                let len = usize::try_from(*scratch.add(2 * b + 1)).unwrap_or(0);
                std::slice::from_raw_parts(ptr, len)
            }
        };
        let helper = usize::try_from(helper).expect("a helper index");
        let user = u32::try_from(user).expect("a user index");
        call(ctx, helper, &buffer, user, args)
    });
    // A panic must not unwind into compiled code.
    outcome.unwrap_or_else(|_| std::process::abort())
}

extern "C" fn month_of(ts: i64) -> u64 {
    month(ts)
}

/// Compiles `program` to native code for this machine.
pub fn compile(program: &Program, store: &Store, now: i64) -> Result<Compiled, String> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").map_err(|e| e.to_string())?;
    flags.set("is_pic", "false").map_err(|e| e.to_string())?;
    flags
        .set(
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        )
        .map_err(|e| e.to_string())?;
    let isa = cranelift_native::builder()
        .map_err(|e| format!("this machine is not supported by the JIT: {e}"))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| e.to_string())?;
    let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    for _ in 0..4 {
        sig.params.push(AbiParam::new(ptr));
    }
    let func = module
        .declare_function("segments", Linkage::Local, &sig)
        .map_err(|e| e.to_string())?;
    let mut ctx: Context = module.make_context();
    ctx.func.signature = sig;
    ctx.func.name = UserFuncName::user(0, func.as_u32());
    let layout = Layout::new(program, store.events.len());
    let mut fctx = FunctionBuilderContext::new();
    let target = module.target_config();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let mut gen = Gen::new(&mut b, program, &layout, now, ptr);
        gen.body();
        b.seal_all_blocks();
        b.finalize(target);
    }
    module
        .define_function(func, &mut ctx)
        .map_err(|e| format!("the JIT rejected the program: {e:?}"))?;
    module.clear_context(&mut ctx);
    module.finalize_definitions().map_err(|e| e.to_string())?;
    let code = module.get_finalized_function(func);
    // Safety: `code` is the finalized function just defined with the signature of `Entry`
    // (four pointer-sized arguments, no result, the platform's C calling convention).
    let entry = unsafe { std::mem::transmute::<*const u8, Entry>(code) };
    Ok(Compiled {
        module: Some(module),
        now,
        entry,
        layout,
    })
}

impl Compiled {
    /// Runs the compiled program over every entity (user or account); the output columns
    /// entity-major, as `fused::exec::run` gives them.
    #[must_use]
    pub fn run(&self, program: &Program, data: &Data, store: &Store) -> Vec<u8> {
        let width = program.width();
        let mut out = vec![0u8; program.entities(store) * width];
        if width == 0 {
            return out;
        }
        let helper_ctx = Site {
            program,
            data,
            store,
            now: self.now,
        };
        let env = self.env(program, store, &helper_ctx);
        let capacities: Vec<usize> = program
            .buffers
            .iter()
            .map(|&e| {
                let offsets = &store.events[e as usize].offsets;
                offsets
                    .windows(2)
                    .map(|w| (w[1] - w[0]) as usize)
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let entry = self.entry;
        out.par_chunks_mut(CHUNK * width)
            .enumerate()
            .for_each(|(chunk, rows)| {
                let mut buffers: Vec<Vec<u64>> = capacities
                    .iter()
                    .map(|&c| Vec::with_capacity(c.max(1)))
                    .collect();
                let mut scratch: Vec<u64> = buffers
                    .iter_mut()
                    .flat_map(|b| [b.as_mut_ptr() as u64, 0])
                    .collect();
                for (i, row) in rows.chunks_mut(width).enumerate() {
                    let user = (chunk * CHUNK + i) as u64;
                    // Safety: `env` holds the base addresses `Layout` promises, all borrowed
                    // from `program` and `store`, which outlive this call; `user` is below
                    // the entity count, so every offsets and snapshot read is in bounds; rows
                    // come from the offsets, so column reads are in bounds; each buffer has
                    // room for the user's rows of its event type, and a buffer takes at
                    // most one value per row; `row` has `width` bytes, one per column.
                    unsafe { entry(env.as_ptr(), scratch.as_mut_ptr(), user, row.as_mut_ptr()) };
                }
                drop(buffers);
            });
        out
    }

    fn env(&self, program: &Program, store: &Store, helper_ctx: &Site<'_>) -> Vec<u64> {
        let layout = &self.layout;
        let mut env = vec![0u64; layout.len];
        for (e, slot) in layout.events.iter().enumerate() {
            if let Some((o, t)) = slot {
                env[*o] = store.events[e].offsets.as_ptr() as u64;
                env[*t] = store.events[e].ts.as_ptr() as u64;
            }
        }
        for (i, c) in program.columns.iter().enumerate() {
            env[layout.columns + i] =
                match &store.events[c.event as usize].columns[c.property as usize] {
                    Column::Number(v) => v.as_ptr() as u64,
                    Column::Timestamp(v) => v.as_ptr() as u64,
                    Column::String(v) => v.as_ptr() as u64,
                    Column::Bool(v) => v.as_ptr() as u64,
                };
        }
        for (i, s) in helper_ctx.data.snapshots.iter().enumerate() {
            env[layout.snapshots + i] = s.as_ptr() as u64;
        }
        for (i, t) in program.tables.iter().enumerate() {
            env[layout.tables + i] = t.as_ptr() as u64;
        }
        for (i, m) in program.maps.iter().enumerate() {
            env[layout.maps + i] = m.as_ptr() as u64;
        }
        env[layout.helper_ctx] = std::ptr::from_ref(helper_ctx) as u64;
        env
    }
}

/// The code generator for one program.
struct Gen<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    program: &'a Program,
    layout: &'a Layout,
    now: i64,
    ptr: types::Type,
    vars: Vec<Variable>,
    scratch: cranelift_codegen::ir::Value,
    user: cranelift_codegen::ir::Value,
    out: cranelift_codegen::ir::Value,
    /// The current row, inside `Rows`.
    row: Option<Variable>,
    /// Every base address of `env`, loaded once on entry.
    bases: Vec<Value>,
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
    fn new(
        b: &'a mut FunctionBuilder<'b>,
        program: &'a Program,
        layout: &'a Layout,
        now: i64,
        ptr: types::Type,
    ) -> Self {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let params = b.block_params(entry).to_vec();
        let bases = (0..layout.len)
            .map(|i| {
                let offset = i32::try_from(i * 8).expect("a small env");
                b.ins().load(ptr, flags(), params[0], offset)
            })
            .collect();
        let vars = program
            .vars
            .iter()
            .map(|ty| {
                b.declare_var(if *ty == Ty::F64 {
                    types::F64
                } else {
                    types::I64
                })
            })
            .collect();
        Gen {
            b,
            program,
            layout,
            now,
            ptr,
            vars,
            scratch: params[1],
            user: params[2],
            out: params[3],
            row: None,
            bases,
            helper_sig: None,
            month_sig: None,
        }
    }

    fn body(&mut self) {
        // Empty every buffer.
        let zero = self.b.ins().iconst(types::I64, 0);
        for i in 0..self.program.buffers.len() {
            let offset = i32::try_from(16 * i + 8).expect("few buffers");
            self.b.ins().store(flags(), zero, self.scratch, offset);
        }
        for &(v, bits) in &self.program.constants {
            self.op(&Op::Const(v, bits));
        }
        let ops = &self.program.ops;
        self.ops(ops);
        self.b.ins().return_(&[]);
    }

    fn var(&self, v: u32) -> Variable {
        self.vars[v as usize]
    }

    fn get(&mut self, v: u32) -> Value {
        let var = self.var(v);
        self.b.use_var(var)
    }

    fn set(&mut self, v: u32, value: Value) {
        let var = self.var(v);
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
        self.bases[index]
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
