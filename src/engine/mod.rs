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
}

/// A plan made ready for one store and one `now`: the compile phase of `seg eval`.
pub struct Prepared<'a> {
    plan: &'a Plan,
    store: &'a Store,
    now: i64,
    engine: Engine,
    programs: Option<Programs>,
    /// The compiled user and account programs (the latter only when it has segments).
    jit: Option<(crate::jit::Compiled, Option<crate::jit::Compiled>)>,
}

/// Lowers (and for the JIT, compiles) the plan.
pub fn prepare<'a>(
    plan: &'a Plan,
    store: &'a Store,
    now: i64,
    engine: Engine,
) -> Result<Prepared<'a>, String> {
    let programs = match engine {
        Engine::Reference => None,
        Engine::Interp | Engine::Jit => Some(fused::lower(plan, store, now)),
    };
    let jit = match (&programs, engine) {
        (Some(programs), Engine::Jit) => {
            let users = crate::jit::compile(&programs.users, store, now)?;
            let accounts = if programs.accounts.slots.is_empty() {
                None
            } else {
                Some(crate::jit::compile(&programs.accounts, store, now)?)
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
    })
}

impl Prepared<'_> {
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
        let users = self.pass(&programs.users, no_users, self.jit.as_ref().map(|j| &j.0));
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
    fn give(program: &Program, output: &[u8], width: usize, given: &mut [Option<Vec<bool>>]) {
        let columns: Vec<Vec<bool>> = (0..program.slots.len())
            .into_par_iter()
            .map(|slot| output.chunks(width).map(|r| r[slot] == 1).collect())
            .collect();
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
        let engine = if self.engine == Engine::Jit {
            "jit"
        } else {
            "interp"
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
                    let _ = writeln!(out, "  {}: {engine} (fused)", segment.name);
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
