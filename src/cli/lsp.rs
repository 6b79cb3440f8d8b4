//! `seg lsp`: the language server, over standard input and output (see `crate::lsp`).

use clap::Args;

use super::EXIT_USAGE;

#[derive(Args)]
pub struct LspArgs {
    /// Accepted for editors that pass it; standard input and output are the only transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: &LspArgs) -> u8 {
    match crate::lsp::run_stdio() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("seg lsp: {e}");
            EXIT_USAGE
        }
    }
}
