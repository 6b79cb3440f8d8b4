//! `seg repl`: an interactive session over a project's schema and data, loaded once.
//!
//! Library code, testable without a terminal: the session and its definitions
//! ([`session`]), the `:` commands ([`commands`]), what input is and when it is finished
//! ([`input`]), the names the session knows ([`vocab`]), context-aware completion
//! ([`complete`]), highlighting from the logos tokens ([`highlight`]), the stand-in for
//! member details behind `:explain` ([`why`]), the loading progress line ([`progress`]), and
//! the terminal and scripted loops ([`editor`]). `src/cli/repl.rs` only reads the flags and
//! the data.

pub mod commands;
pub mod complete;
pub mod editor;
pub mod highlight;
pub mod input;
pub mod progress;
pub mod session;
pub mod vocab;
pub mod why;

pub use session::{Program, ProgramError, Reply, Session};
