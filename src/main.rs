//! The `seg` binary: everything lives in the library; see `seg::cli`.

/// mimalloc: the engines and the service allocate many small blocks (a small store for every
/// re-evaluated user), where it is much faster than the system's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    seg::cli::run()
}
