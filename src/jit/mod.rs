//! The Cranelift backend: compiles a fused program to one native function (the code
//! generator is `gen.rs`), run once per user or account, entities split across threads.
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

mod gen;

use cranelift_codegen::ir::{AbiParam, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use rayon::prelude::*;

use crate::fused::exec::{call, month, Site, CHUNK};
use crate::fused::{Data, Program};
use crate::store::{Column, Store};
use gen::Gen;

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
pub(super) struct Layout {
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
pub(super) extern "C" fn run_helper(
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

pub(super) extern "C" fn month_of(ts: i64) -> u64 {
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
