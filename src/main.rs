//! The `seg` binary: everything lives in the library; see `seg::cli`.

fn main() -> std::process::ExitCode {
    seg::cli::run()
}
