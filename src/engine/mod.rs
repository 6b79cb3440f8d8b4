//! The engines behind `seg eval`: one entry point that evaluates a checked plan over a store
//! with the engine asked for. `Reference` is the tree-walking interpreter of `crate::interp`
//! (the yardstick every other engine is tested against); `Interp` runs the fused plan with
//! an interpreter; `Jit` compiles the fused plan with Cranelift. Segments the fused plan
//! does not cover (and account segments) are evaluated by the reference interpreter after
//! the fused pass, reading its results.

use std::fmt::Write as _;

use rayon::prelude::*;

use crate::fused::{self, Program};
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
    program: Option<Program>,
    jit: Option<crate::jit::Compiled>,
}

/// Lowers (and for the JIT, compiles) the plan.
pub fn prepare<'a>(
    plan: &'a Plan,
    store: &'a Store,
    now: i64,
    engine: Engine,
) -> Result<Prepared<'a>, String> {
    let program = match engine {
        Engine::Reference => None,
        Engine::Interp | Engine::Jit => Some(fused::lower(plan, store, now)),
    };
    let jit = match (&program, engine) {
        (Some(program), Engine::Jit) => Some(crate::jit::compile(program, store, now)?),
        _ => None,
    };
    Ok(Prepared {
        plan,
        store,
        now,
        engine,
        program,
        jit,
    })
}

impl Prepared<'_> {
    /// Evaluates every segment.
    #[must_use]
    pub fn run(&self) -> Memberships {
        let Some(program) = &self.program else {
            return Interpreter::new(self.plan, self.store, self.now).run();
        };
        let trace = std::env::var_os("SEG_TRACE").is_some();
        let started = std::time::Instant::now();
        let data = program.data(self.store, self.now);
        let rows = match &self.jit {
            Some(jit) => jit.run(program, &data, self.store),
            None => fused::exec::run(program, &data, self.store, self.now),
        };
        if trace {
            eprintln!("trace: fused pass {:.3} s", started.elapsed().as_secs_f64());
        }
        let width = program.slots.len();
        let mut given: Vec<Option<Vec<bool>>> = vec![None; self.plan.segments.len()];
        let columns: Vec<Vec<bool>> = (0..width)
            .into_par_iter()
            .map(|slot| rows.chunks(width).map(|r| r[slot] == 1).collect())
            .collect();
        for (id, members) in program.slots.iter().zip(columns) {
            given[id.0 as usize] = Some(members);
        }
        if trace {
            eprintln!("trace: members {:.3} s", started.elapsed().as_secs_f64());
        }
        if program.fallback.is_empty() {
            let members = given
                .into_iter()
                .map(|m| m.expect("every segment is in the program"))
                .collect();
            return Memberships { members };
        }
        Interpreter::new(self.plan, self.store, self.now).run_given(&given)
    }

    /// The engine of each segment and the fused plan, for `seg eval --explain-plan`.
    #[must_use]
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let Some(program) = &self.program else {
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
            match program.fallback.iter().find(|(f, _)| *f == id) {
                Some((_, reason)) => {
                    let _ = writeln!(out, "  {}: reference interpreter ({reason})", segment.name);
                }
                None => {
                    let _ = writeln!(out, "  {}: {engine} (fused)", segment.name);
                }
            }
        }
        let kinds = self
            .plan
            .segments
            .iter()
            .filter(|s| s.target == Target::Account)
            .count();
        let _ = writeln!(out, "account segments: {kinds}");
        out.push_str(&fused::explain(program, &self.plan.schema));
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
