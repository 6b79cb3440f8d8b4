//! Every integration test, in one test binary: linking one binary instead of one per file
//! is most of what `cargo test` spends on a fresh machine. Each file is a module named after
//! it; run one with `cargo test --test all check::` (or a single test by its path).

mod campaigns;
mod check;
mod cli;
mod cli_files;
mod compare;
mod console;
mod diagnostics;
mod differential;
mod docs;
mod editors;
mod examples;
mod explain;
mod export;
mod fmt;
mod fuzz;
mod listed;
mod load_parts;
mod loaders;
mod lsp;
mod parquet_load;
mod partitioned;
mod repl;
mod segtest;
mod semantics;
mod serve;
mod sql;
mod stats;
mod trend;
