//! seg: a segment language for customer data.
//!
//! The library follows the data through its phases: [`syntax`] (tokens, grammar, AST) ->
//! [`schema`] -> [`check`] (names and types, producing the typed [`plan`]) -> engines. Front
//! ends ([`cli`], [`repl`]) sit on top. Diagnostics ([`diag`]) are data produced by every phase.

pub mod analytics;
pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod docs;
pub mod engine;
pub mod explain;
pub mod fmt;
pub mod fused;
pub mod gen;
pub mod interp;
pub mod jit;
pub mod lsp;
pub mod names;
pub mod plan;
pub mod repl;
pub mod schema;
pub mod segtest;
pub mod serve;
pub mod source;
pub mod sql;
pub mod store;
pub mod syntax;
pub mod time;
