//! The Cranelift backend: compiles a fused program to native functions (the code generator
//! is `gen.rs`; how a program is cut into functions is `split.rs`), run for each user or
//! account, entities split across threads, each thread's entities in blocks: every function
//! runs over the block before the next one does.
//!
//! A function is `fn(env, scratch, first, count, out, spill)` and loops over the `count`
//! entities from `first` on: `env` is an array of base addresses (each event type's offsets
//! and timestamps, each column the program loads, each snapshot and dictionary table, the
//! helper context), `scratch` the first entity's buffer descriptors (pointer and length per
//! buffer), `out` its row of member bytes, `spill` its words for the variables that pass
//! between functions; the next entity's are a fixed stride further. Variables of the program
//! become Cranelift variables; `Rows` becomes a loop over the user's rows that stops at
//! `now`. Helpers (`top`, `distinct`, chains, months) are Rust functions called at most
//! once per user per use, except `Month`, which is per row and rare.
//!
//! This is the only module with unsafe code: calling the compiled function, reading buffers
//! in helpers, and freeing the code. Each block says why it is sound.
#![allow(unsafe_code)]

mod gen;
pub mod split;

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

/// `fn(env, scratch, first, count, out, spill)`: runs the function for `count` entities from
/// `first` on.
type Entry = unsafe extern "C" fn(*const u64, *mut u64, u64, u64, *mut u8, *mut u64);

/// Compiled code for one program; frees the code when dropped.
pub struct Compiled {
    module: Option<JITModule>,
    now: i64,
    /// One function per chunk, called in order for each entity.
    entries: Vec<Entry>,
    /// Words per entity of the array the chunks pass variables through (0 for one chunk).
    spill: usize,
    layout: Layout,
}

impl Drop for Compiled {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // Safety: `entries` point into this module's memory and is never called after
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

/// Programs with more ops than this are compiled with Cranelift's single-pass register
/// allocator: it compiles about twice as fast (10,000 generated segments: 0.5 s against
/// 1.0-1.3 s) for code about 20% slower, which pays when there is that much code to compile.
/// Smaller programs, such as a few segments over a big data set, get the backtracking
/// allocator's better code.
pub const QUICK_REGALLOC_OPS: usize = 20_000;

/// How a program was compiled, for `--timings`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompileReport {
    /// Functions the program was split into.
    pub functions: usize,
    /// Ops compiled (with their bodies).
    pub ops: usize,
    /// Whether the quick register allocator was used (programs over `QUICK_REGALLOC_OPS`).
    pub quick: bool,
    pub seconds: f64,
}

/// Why a program is not compiled: the budget ran out first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverBudget {
    /// Functions compiled before the budget ran out, of how many.
    pub compiled: usize,
    pub functions: usize,
    pub seconds: f64,
}

/// The code generator's settings for this machine; `quick` trades register allocation for
/// compile speed (for big programs).
fn isa(quick: bool) -> Result<cranelift_codegen::isa::OwnedTargetIsa, String> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").map_err(|e| e.to_string())?;
    if quick {
        flags
            .set("regalloc_algorithm", "single_pass")
            .map_err(|e| e.to_string())?;
    }
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
    cranelift_native::builder()
        .map_err(|e| format!("this machine is not supported by the JIT: {e}"))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| e.to_string())
}

/// One chunk's machine code, before it is placed in the module.
struct Code {
    bytes: Vec<u8>,
    alignment: u64,
    relocs: Vec<cranelift_module::ModuleReloc>,
}

/// Each function runs over a block of entities before the next function runs: as many
/// entities as keep the block's spill array within this many words (2 MiB), up to
/// `MAX_BLOCK`. A small program is cut at its loops (`split::split_loops`), so that each loop
/// streams one event type's rows for the whole block; a big one has a block of one entity or
/// a few.
const BLOCK_SPILL_WORDS: usize = 1 << 18;
const MAX_BLOCK: usize = 256;

/// How a program is cut into functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// One function up to `ONE_FUNCTION_OPS` ops, else functions of `split::CHUNK_OPS`.
    Auto,
    /// Functions of about this many ops, whatever the program's size (for tests).
    Every(usize),
}

/// Programs up to this many ops are compiled to one function, with no variables passed
/// through memory and no loop cut (a few hundred segments compile in well under 0.1 s).
pub const ONE_FUNCTION_OPS: usize = 2_000;

/// Compiles `program` to native code for this machine, as one function or several (see
/// `Split` and the `split` module), compiled in parallel. When `budget` is given and compiling takes longer,
/// stops and gives `OverBudget` (the caller then interprets the program).
pub fn compile(
    program: &Program,
    store: &Store,
    now: i64,
    split: Split,
    budget: Option<std::time::Duration>,
) -> Result<Result<(Compiled, CompileReport), OverBudget>, String> {
    let started = std::time::Instant::now();
    let ops: usize = program.ops.iter().map(split::weight).sum();
    let chunk_ops = match split {
        Split::Auto if ops <= ONE_FUNCTION_OPS => usize::MAX,
        Split::Auto => split::CHUNK_OPS,
        Split::Every(n) => n,
    };
    let quick = ops > QUICK_REGALLOC_OPS;
    let isa = isa(quick)?;
    let mut module = JITModule::new(JITBuilder::with_isa(isa.clone(), default_libcall_names()));
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    for _ in 0..6 {
        sig.params.push(AbiParam::new(ptr));
    }
    let layout = Layout::new(program, store.events.len());
    let constants: std::collections::HashSet<u32> =
        program.constants.iter().map(|&(v, _)| v).collect();
    let by_loop =
        split == Split::Auto && ops <= ONE_FUNCTION_OPS && split::loops(&program.ops) >= 2;
    let chunks = if by_loop {
        split::split_loops(&program.ops, &constants)
    } else {
        split::split(&program.ops, &constants, chunk_ops)
    };
    let spill = if chunks.len() > 1 {
        program.vars.len()
    } else {
        0
    };
    let strides = gen::Strides {
        scratch: 16 * i64::try_from(program.buffers.len()).expect("few buffers"),
        out: i64::try_from(program.width()).expect("a narrow output"),
        spill: 8 * i64::try_from(spill.max(1)).expect("fewer than 2^60 variables"),
    };
    let ids = (0..chunks.len())
        .map(|i| {
            module
                .declare_function(&format!("segments_{i}"), Linkage::Local, &sig)
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    let over = std::sync::atomic::AtomicUsize::new(0);
    let codes: Vec<Option<Result<Code, String>>> = chunks
        .par_iter()
        .zip(&ids)
        .enumerate()
        .map(|(i, (chunk, &id))| {
            if budget.is_some_and(|b| started.elapsed() > b) {
                over.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return None;
            }
            Some(compile_chunk(
                &*isa,
                &sig,
                id,
                program,
                &layout,
                now,
                chunk,
                i == 0,
                strides,
            ))
        })
        .collect();
    let skipped = over.into_inner();
    if skipped > 0 {
        return Ok(Err(OverBudget {
            compiled: chunks.len() - skipped,
            functions: chunks.len(),
            seconds: started.elapsed().as_secs_f64(),
        }));
    }
    for (code, &id) in codes.into_iter().zip(&ids) {
        let code = code.expect("every chunk compiled")?;
        module
            .define_function_bytes(id, code.alignment, &code.bytes, &code.relocs)
            .map_err(|e| format!("the JIT rejected the program: {e:?}"))?;
    }
    module.finalize_definitions().map_err(|e| e.to_string())?;
    let entries = ids
        .iter()
        .map(|&id| {
            let code = module.get_finalized_function(id);
            // Safety: `code` is a finalized function just defined with the signature of
            // `Entry` (five pointer-sized arguments, no result, the platform's C calling
            // convention).
            unsafe { std::mem::transmute::<*const u8, Entry>(code) }
        })
        .collect();
    let report = CompileReport {
        functions: chunks.len(),
        ops,
        quick,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok(Ok((
        Compiled {
            module: Some(module),
            now,
            entries,
            spill,
            layout,
        },
        report,
    )))
}

/// Generates and compiles the function for one chunk (on any thread).
#[allow(clippy::too_many_arguments)]
fn compile_chunk(
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    sig: &cranelift_codegen::ir::Signature,
    id: cranelift_module::FuncId,
    program: &Program,
    layout: &Layout,
    now: i64,
    chunk: &split::Chunk,
    first: bool,
    strides: gen::Strides,
) -> Result<Code, String> {
    let mut ctx = Context::new();
    ctx.func.signature = sig.clone();
    ctx.func.name = UserFuncName::user(0, id.as_u32());
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let mut gen = Gen::new(&mut b, program, layout, now, isa.pointer_type(), &chunk.ops);
        gen.body(chunk, first, strides);
        b.seal_all_blocks();
        b.finalize(isa.frontend_config());
    }
    ctx.compile(
        isa,
        &mut cranelift_codegen::control::ControlPlane::default(),
    )
    .map_err(|e| format!("the JIT rejected the program: {:?}", e.inner))?;
    let compiled = ctx.compiled_code().expect("the code just compiled");
    let alignment = u64::from(compiled.buffer.alignment)
        .max(u64::from(isa.function_alignment().minimum))
        .max(isa.symbol_alignment());
    let bytes = compiled.code_buffer().to_vec();
    let relocs = compiled
        .buffer
        .relocs()
        .iter()
        .map(|r| cranelift_module::ModuleReloc::from_mach_reloc(r, &ctx.func, id))
        .collect();
    Ok(Code {
        bytes,
        alignment,
        relocs,
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
        let entries = &self.entries;
        let per_user = self.spill.max(1);
        let block = (BLOCK_SPILL_WORDS / per_user).clamp(1, MAX_BLOCK);
        let buffer_events: Vec<&[u32]> = program
            .buffers
            .iter()
            .map(|&e| store.events[e as usize].offsets.as_slice())
            .collect();
        let nbuf = buffer_events.len();
        out.par_chunks_mut(CHUNK * width)
            .enumerate()
            .for_each(|(chunk, rows)| {
                let mut spill = vec![0u64; block * per_user];
                let mut scratch = vec![0u64; (block * 2 * nbuf).max(1)];
                let mut buffers: Vec<Vec<u64>> = vec![Vec::new(); nbuf];
                for (b, block_rows) in rows.chunks_mut(block * width).enumerate() {
                    let start = chunk * CHUNK + b * block;
                    let count = block_rows.len() / width;
                    // Each entity's buffer is a window of the block's buffer, as long as the
                    // entity has rows of the buffer's event type.
                    for (k, offsets) in buffer_events.iter().enumerate() {
                        let base = offsets[start] as usize;
                        let total = offsets[start + count] as usize - base;
                        buffers[k].clear();
                        buffers[k].reserve(total.max(1));
                        let ptr = buffers[k].as_mut_ptr();
                        for u in 0..count {
                            let at = offsets[start + u] as usize - base;
                            scratch[u * 2 * nbuf + 2 * k] = ptr.wrapping_add(at) as u64;
                            scratch[u * 2 * nbuf + 2 * k + 1] = 0;
                        }
                    }
                    for entry in entries {
                        // Safety: `env` holds the base addresses `Layout` promises, all
                        // borrowed from `program` and `store`, which outlive this call; the
                        // entities `start..start + count` are below the entity count, so
                        // every offsets and snapshot read is in bounds; rows come from the
                        // offsets, so column reads are in bounds; `scratch` holds each
                        // entity's buffer descriptors (the function's scratch stride), each
                        // buffer a window of a vector with room for the entity's rows of its
                        // event type, and a buffer takes at most one value per row;
                        // `block_rows` has `width` bytes per entity (the output stride);
                        // `spill` has `per_user` words per entity (the spill stride), a word
                        // per variable when there are several chunks (one chunk never reads
                        // it).
                        unsafe {
                            entry(
                                env.as_ptr(),
                                scratch.as_mut_ptr(),
                                start as u64,
                                count as u64,
                                block_rows.as_mut_ptr(),
                                spill.as_mut_ptr(),
                            );
                        }
                    }
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
