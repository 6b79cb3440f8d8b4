//! The engines behind `seg eval`: one entry point that evaluates a checked plan over a store
//! with the engine asked for. `Reference` is the tree-walking interpreter of `crate::interp`
//! (the yardstick every other engine is tested against); `Interp` runs the fused plan with
//! an interpreter; `Jit` compiles the fused plan with Cranelift. The fused plan is two
//! programs: one run per user, then one run per account (reading, for each account, how many
//! of its users pass each `users where` filter, which the user program computes). Segments
//! the fused plan does not cover are evaluated by the reference interpreter after the fused
//! passes, reading their results.

use std::fmt::Write as _;

use rayon::prelude::*;

use crate::fused::{self, Program, Programs, UserRows};
use crate::interp::{Interpreter, Memberships};
use crate::plan::{Plan, Target};
use crate::store::Store;

/// Which engine evaluates the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// The reference interpreter (a tree walk per user and segment).
    Reference,
    /// The fused plan, interpreted.
    Interp,
    /// The fused plan, compiled to native code (segments it cannot compile are interpreted).
    Jit,
    /// The JIT with each program cut into the smallest functions the splitter allows (a few
    /// ops each), so that small test programs take the paths of big ones: variables passed
    /// between functions, loops cut in parts. For tests; no compile budget.
    JitSplit,
}

impl Engine {
    /// The engine's name as `--engine` spells it (`jit-split` is for tests only).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Engine::Reference => "reference",
            Engine::Interp => "interp",
            Engine::Jit => "jit",
            Engine::JitSplit => "jit-split",
        }
    }
}

/// How long the JIT may spend compiling a plan before `seg eval` interprets it instead.
pub const COMPILE_BUDGET: std::time::Duration = std::time::Duration::from_secs(3);

/// The ops per function of `Engine::JitSplit`.
const SPLIT_CHUNK_OPS: usize = 4;

/// A plan made ready for one store and one `now`: the compile phase of `seg eval`.
pub struct Prepared<'a> {
    plan: &'a Plan,
    store: &'a Store,
    now: i64,
    engine: Engine,
    programs: Option<Programs>,
    /// The compiled user and account programs (the latter only when it has segments); a
    /// program over the compile budget is left out and interpreted.
    jit: Option<(Option<crate::jit::Compiled>, Option<crate::jit::Compiled>)>,
    /// What the JIT did with each program, for `--timings`.
    notes: Vec<String>,
}

/// Lowers (and for the JIT, compiles) the plan, with the default compile budget.
pub fn prepare<'a>(
    plan: &'a Plan,
    store: &'a Store,
    now: i64,
    engine: Engine,
) -> Result<Prepared<'a>, String> {
    prepare_with_budget(plan, store, now, engine, Some(COMPILE_BUDGET))
}

/// Lowers (and for the JIT, compiles) the plan. A program whose compile runs past `budget`
/// (counted from the start of the compile) is interpreted with the fused interpreter.
pub fn prepare_with_budget<'a>(
    plan: &'a Plan,
    store: &'a Store,
    now: i64,
    engine: Engine,
    budget: Option<std::time::Duration>,
) -> Result<Prepared<'a>, String> {
    let programs = match engine {
        Engine::Reference => None,
        Engine::Interp | Engine::Jit | Engine::JitSplit => Some(fused::lower(plan, store, now)),
    };
    let mut notes = Vec::new();
    let jit = match (&programs, engine) {
        (Some(programs), Engine::Jit | Engine::JitSplit) => {
            let (split, budget) = if engine == Engine::JitSplit {
                (crate::jit::Split::Every(SPLIT_CHUNK_OPS), None)
            } else {
                (crate::jit::Split::Auto, budget)
            };
            let started = std::time::Instant::now();
            let mut compile = |program: &Program, whose: &str| {
                let left = budget.map(|b| b.saturating_sub(started.elapsed()));
                Ok::<_, String>(
                    match crate::jit::compile(program, store, now, split, left)? {
                        Ok((compiled, report)) => {
                            notes.push(format!(
                                "{whose} program: {} ops in {} functions, compiled in {:.3} s{}",
                                report.ops,
                                report.functions,
                                report.seconds,
                                if report.quick {
                                    " (quick register allocation)"
                                } else {
                                    ""
                                }
                            ));
                            Some(compiled)
                        }
                        Err(over) => {
                            notes.push(format!(
                                "{whose} program: over the compile budget ({} of {} functions \
                                 in {:.3} s), interpreted",
                                over.compiled, over.functions, over.seconds
                            ));
                            None
                        }
                    },
                )
            };
            let users = compile(&programs.users, "user")?;
            let accounts = if programs.accounts.slots.is_empty() {
                None
            } else {
                compile(&programs.accounts, "account")?
            };
            Some((users, accounts))
        }
        _ => None,
    };
    Ok(Prepared {
        plan,
        store,
        now,
        engine,
        programs,
        jit,
        notes,
    })
}

impl Prepared<'_> {
    /// What the JIT did with each program (functions, compile time, or the budget running
    /// out); empty for the interpreters.
    #[must_use]
    pub fn compile_notes(&self) -> &[String] {
        &self.notes
    }

    /// Evaluates every segment.
    #[must_use]
    pub fn run(&self) -> Memberships {
        let Some(programs) = &self.programs else {
            return Interpreter::new(self.plan, self.store, self.now).run();
        };
        let trace = std::env::var_os("SEG_TRACE").is_some();
        let started = std::time::Instant::now();
        let mut given: Vec<Option<Vec<bool>>> = vec![None; self.plan.segments.len()];
        let no_users = UserRows {
            rows: &[],
            width: 0,
        };
        let users = self.pass(
            &programs.users,
            no_users,
            self.jit.as_ref().and_then(|j| j.0.as_ref()),
        );
        if trace {
            eprintln!(
                "trace: fused user pass {:.3} s",
                started.elapsed().as_secs_f64()
            );
        }
        let user_rows = UserRows {
            rows: &users,
            width: programs.users.width(),
        };
        Self::give(&programs.users, &users, user_rows.width, &mut given);
        if !programs.accounts.slots.is_empty() {
            let compiled = self.jit.as_ref().and_then(|j| j.1.as_ref());
            let accounts = self.pass(&programs.accounts, user_rows, compiled);
            let width = programs.accounts.width();
            Self::give(&programs.accounts, &accounts, width, &mut given);
        }
        if trace {
            eprintln!("trace: members {:.3} s", started.elapsed().as_secs_f64());
        }
        if programs.users.fallback.is_empty() && programs.accounts.fallback.is_empty() {
            let members = given
                .into_iter()
                .map(|m| m.expect("every segment is in the programs"))
                .collect();
            return Memberships { members };
        }
        Interpreter::new(self.plan, self.store, self.now).run_given(&given)
    }

    /// How many members each segment has: what [`Self::run`] gives, counted straight from the
    /// fused programs' output when they compute every segment (no member lists are built:
    /// `seg trend` counts at every step).
    #[must_use]
    pub fn counts(&self) -> Vec<usize> {
        let Some(programs) = self
            .programs
            .as_ref()
            .filter(|p| p.users.fallback.is_empty() && p.accounts.fallback.is_empty())
        else {
            return self
                .run()
                .members
                .iter()
                .map(|m| m.iter().filter(|&&b| b).count())
                .collect();
        };
        let mut counts = vec![0; self.plan.segments.len()];
        let users = self.pass(
            &programs.users,
            UserRows {
                rows: &[],
                width: 0,
            },
            self.jit.as_ref().and_then(|j| j.0.as_ref()),
        );
        let width = programs.users.width();
        Self::count(&programs.users, &users, width, &mut counts);
        if !programs.accounts.slots.is_empty() {
            let user_rows = UserRows {
                rows: &users,
                width,
            };
            let compiled = self.jit.as_ref().and_then(|j| j.1.as_ref());
            let accounts = self.pass(&programs.accounts, user_rows, compiled);
            Self::count(
                &programs.accounts,
                &accounts,
                programs.accounts.width(),
                &mut counts,
            );
        }
        counts
    }

    /// Adds each slot's members in a program's output (`width` columns) to `counts`.
    fn count(program: &Program, output: &[u8], width: usize, counts: &mut [usize]) {
        const BLOCK: usize = 1 << 14;
        let slots = program.slots.len();
        let per_slot = output
            .par_chunks((BLOCK * width).max(1))
            .map(|rows| {
                let mut n = vec![0usize; slots];
                for row in rows.chunks(width) {
                    for (n, &byte) in n.iter_mut().zip(row) {
                        *n += usize::from(byte == 1);
                    }
                }
                n
            })
            .reduce(
                || vec![0; slots],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                    a
                },
            );
        for (id, n) in program.slots.iter().zip(per_slot) {
            counts[id.0 as usize] = n;
        }
    }

    /// One fused pass: the program's output columns, entity-major.
    fn pass(
        &self,
        program: &Program,
        users: UserRows<'_>,
        compiled: Option<&crate::jit::Compiled>,
    ) -> Vec<u8> {
        let data = program.data(self.store, self.now, users);
        match compiled {
            Some(jit) => jit.run(program, &data, self.store),
            None => fused::exec::run(program, &data, self.store, self.now),
        }
    }

    /// The members of each segment a program computes, from its output (`width` columns).
    /// The output is entity-major: each thread takes blocks of entities and writes their
    /// bytes into the same blocks of every member column at once (reading each row once).
    fn give(program: &Program, output: &[u8], width: usize, given: &mut [Option<Vec<bool>>]) {
        const BLOCK: usize = 1 << 14;
        let slots = program.slots.len();
        let entities = output.len() / width.max(1);
        let mut columns: Vec<Vec<bool>> = (0..slots).map(|_| vec![false; entities]).collect();
        // blocks[b][slot]: block `b` of column `slot`.
        let mut blocks: Vec<Vec<&mut [bool]>> = Vec::new();
        for column in &mut columns {
            for (b, part) in column.chunks_mut(BLOCK).enumerate() {
                if blocks.len() <= b {
                    blocks.push(Vec::with_capacity(slots));
                }
                blocks[b].push(part);
            }
        }
        blocks
            .into_par_iter()
            .zip(output.par_chunks((BLOCK * width).max(1)))
            .for_each(|(mut parts, rows)| {
                for (i, row) in rows.chunks(width).enumerate() {
                    for (part, &byte) in parts.iter_mut().zip(row) {
                        part[i] = byte == 1;
                    }
                }
            });
        for (id, members) in program.slots.iter().zip(columns) {
            given[id.0 as usize] = Some(members);
        }
    }

    /// The engine of each segment and the fused programs, for `seg eval --explain-plan`.
    #[must_use]
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let Some(programs) = &self.programs else {
            for segment in &self.plan.segments {
                let _ = writeln!(out, "{}: reference interpreter", segment.name);
            }
            return out;
        };
        let label = |target: Target| {
            let compiled = match (&self.jit, target) {
                (Some((users, _)), Target::User) => users.is_some(),
                (Some((_, accounts)), Target::Account) => accounts.is_some(),
                (None, _) => false,
            };
            match (self.engine, compiled) {
                (Engine::Jit | Engine::JitSplit, true) => "jit (fused)",
                (Engine::Jit | Engine::JitSplit, false) => {
                    "interp (fused; over the compile budget)"
                }
                _ => "interp (fused)",
            }
        };
        let _ = writeln!(out, "segments:");
        for (i, segment) in self.plan.segments.iter().enumerate() {
            let id = crate::plan::SegmentId(u32::try_from(i).expect("few segments"));
            let program = match segment.target {
                Target::User => &programs.users,
                Target::Account => &programs.accounts,
            };
            match program.fallback.iter().find(|(f, _)| *f == id) {
                Some((_, reason)) => {
                    let _ = writeln!(out, "  {}: reference interpreter ({reason})", segment.name);
                }
                None => {
                    let _ = writeln!(out, "  {}: {}", segment.name, label(segment.target));
                }
            }
        }
        let _ = writeln!(out, "per user:");
        out.push_str(&fused::explain(&programs.users, &self.plan.schema));
        if !programs.accounts.slots.is_empty() {
            let _ = writeln!(out, "per account:");
            out.push_str(&fused::explain(&programs.accounts, &self.plan.schema));
        }
        out
    }
}

/// Evaluates every segment of `plan` over `store` as of `now` (microseconds since the epoch).
#[must_use]
pub fn evaluate(plan: &Plan, store: &Store, now: i64, engine: Engine) -> Memberships {
    match prepare(plan, store, now, engine) {
        Ok(prepared) => prepared.run(),
        Err(e) => panic!("the {engine:?} engine failed to compile the plan: {e}"),
    }
}
