//! `seg serve`: the segment service (docs/serve.md, docs/api.md). The durable data log
//! ([`log`]) is the truth; the state in memory ([`state`]) is rebuilt from it and kept up to
//! date as rows arrive; changes of membership go to a change log ([`changes`]) that clients
//! page through and webhooks ([`webhook`]) push out; [`http`] is the API.

pub mod changes;
pub mod console;
pub mod defs;
pub mod evaluate;
pub mod http;
pub mod log;
pub mod reach;
pub mod rows;
pub mod state;
pub mod webhook;

/// The stack of the service's threads: evaluating and explaining recurse over the plan, whose
/// depth the parser and the checker bound (nesting 64, depth 256).
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Bytes as lowercase hexadecimal (cursors, signatures, file names).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}
