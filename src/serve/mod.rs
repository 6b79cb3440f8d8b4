//! `seg serve`: the segment service (docs/serve.md, docs/api.md). The durable data log
//! ([`log`]) is the truth; the state in memory ([`state`]) is rebuilt from it and kept up to
//! date as rows arrive; changes of membership go to a change log ([`changes`]) that clients
//! page through and webhooks ([`webhook`]) push out; [`http`] is the API.

pub mod changes;
pub mod defs;
pub mod evaluate;
pub mod http;
pub mod log;
pub mod rows;
pub mod state;
pub mod webhook;
