//! `seg repl`: the data flags of `seg eval` (falling back on seg.toml), the project's segment
//! files checked (none is fine), the data loaded once (with a progress line when standard
//! input is a terminal), then the session of `crate::repl`: interactive at a terminal,
//! scripted otherwise (exit 1 if any input failed).

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use clap::Args;

use super::check::project_or_schema_only;
use super::data::{as_of, inputs, load_files, on_bad_row, split_segment_files, DataArgs};
use super::eval::Engine;
use super::{usage_error, EXIT_FOUND};
use crate::check::DiskFs;
use crate::diag::render;
use crate::repl::editor::{run_script, run_terminal};
use crate::repl::progress::Progress;
use crate::repl::{Program, ProgramError, Session};
use crate::schema::Schema;
use crate::store::load::{Kind, OnBadRow};
use crate::store::Store;

#[derive(Args)]
pub struct ReplArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The engine (`:engine` changes it).
    #[arg(long, value_enum, default_value = "jit")]
    engine: Engine,
}

pub fn run(mut args: ReplArgs) -> u8 {
    if let Err(code) = split_segment_files(&mut args.data) {
        return code;
    }
    let now = match as_of(&args.data) {
        Ok(now) => now,
        Err(code) => return code,
    };
    let project = match project_or_schema_only(args.data.schema.as_deref(), &args.data.files) {
        Ok(project) => project,
        Err(code) => return code,
    };
    let color = render::stderr_color();
    let program = match Program::load(&DiskFs, &project.schema, &project.roots) {
        Ok((program, warnings)) => {
            let _ = render::write_all(
                &mut io::stderr(),
                program.sources(),
                &warnings,
                false,
                color,
            );
            program
        }
        Err(ProgramError::Io(e)) => return usage_error(e),
        Err(ProgramError::Invalid {
            sources,
            diagnostics,
        }) => {
            let _ = render::write_all(&mut io::stderr(), &sources, &diagnostics, false, color);
            return EXIT_FOUND;
        }
    };
    let inputs = match inputs(&args.data, &project) {
        Ok(inputs) => inputs,
        Err(code) => return code,
    };
    let interactive = io::stdin().is_terminal();
    let store = match load(
        program.schema(),
        &inputs,
        on_bad_row(&args.data),
        interactive,
    ) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let engine = match args.engine {
        Engine::Interp => crate::engine::Engine::Interp,
        Engine::Jit => crate::engine::Engine::Jit,
        Engine::Reference => crate::engine::Engine::Reference,
    };
    let users = store.users.len();
    let events = store.event_count();
    if interactive {
        let color = render::use_color(io::stdout().is_terminal());
        let mut session = Session::new(program, store, now, engine, color);
        println!(
            "seg repl: {users} users, {events} events, as of {}; :help for help, Ctrl-D to leave",
            crate::time::format_timestamp(now)
        );
        match run_terminal(&mut session, color) {
            Ok(()) => 0,
            Err(e) => usage_error(format!("the terminal failed: {e}")),
        }
    } else {
        let mut session = Session::new(program, store, now, engine, false);
        let (stdin, stdout, stderr) = (io::stdin(), io::stdout(), io::stderr());
        match run_script(
            &mut session,
            &mut stdin.lock(),
            &mut stdout.lock(),
            &mut stderr.lock(),
        ) {
            Ok(true) => 0,
            Ok(false) => EXIT_FOUND,
            Err(e) => usage_error(format!("cannot read standard input: {e}")),
        }
    }
}

/// Loads the data files, drawing a progress line when `interactive`.
fn load(
    schema: &Schema,
    inputs: &[(Kind, Vec<PathBuf>)],
    on_bad_row: OnBadRow,
    interactive: bool,
) -> Result<Store, u8> {
    let size = |p: &PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let total = inputs.iter().flat_map(|(_, files)| files).map(size).sum();
    let progress = Progress::start(total, interactive);
    load_files(schema, inputs, on_bad_row, Some(progress))
}
