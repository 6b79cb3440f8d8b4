//! `seg repl`: the data flags of `seg eval` (falling back on seg.toml), the project's segment
//! files checked (none is fine), the data loaded once (with a progress line when standard
//! input is a terminal), then the session of `crate::repl`: interactive at a terminal,
//! scripted otherwise (exit 1 if any input failed).

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use super::check::project_or_schema_only;
use super::eval::{BadRows, Engine};
use super::{usage_error, EXIT_FOUND, EXIT_USAGE};
use crate::check::DiskFs;
use crate::diag::render;
use crate::repl::editor::{run_script, run_terminal};
use crate::repl::progress::Progress;
use crate::repl::{Program, ProgramError, Session};
use crate::schema::Schema;
use crate::store::load::{load_file, DataError, Kind, LoadReport, OnBadRow};
use crate::store::{Store, StoreBuilder};

#[derive(Args)]
pub struct ReplArgs {
    /// The schema (TOML); default: `schema` in seg.toml.
    #[arg(long, value_name = "F")]
    schema: Option<PathBuf>,
    /// Event files (.ndjson, .jsonl, .csv, .parquet); default: `[data] events` in seg.toml.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    events: Vec<PathBuf>,
    /// Profile files; default: `[data] profiles` in seg.toml.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    profiles: Vec<PathBuf>,
    /// Account files; default: `[data] accounts` in seg.toml.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    accounts: Vec<PathBuf>,
    /// The evaluation instant (RFC 3339, `YYYY-MM-DD HH:MM:SS` or a date); default: now.
    #[arg(long, value_name = "TS")]
    as_of: Option<String>,
    /// The engine (`:engine` changes it).
    #[arg(long, value_enum, default_value = "jit")]
    engine: Engine,
    /// Fail on the first bad data row (default), or skip bad rows and report how many.
    #[arg(long, value_enum, default_value = "fail")]
    on_bad_row: BadRows,
    /// Segment files or folders loaded into the session; default: `segments` in seg.toml.
    files: Vec<PathBuf>,
}

pub fn run(mut args: ReplArgs) -> u8 {
    // As in `seg eval`, a `.seg` file or a folder among the data flags' values is a segment file.
    let is_segments = |p: &PathBuf| p.extension().is_some_and(|e| e == "seg") || p.is_dir();
    for list in [&mut args.events, &mut args.profiles, &mut args.accounts] {
        let (segments, data): (Vec<PathBuf>, Vec<PathBuf>) = list.drain(..).partition(is_segments);
        *list = data;
        args.files.extend(segments);
    }
    let now = match &args.as_of {
        Some(text) => match crate::time::parse_timestamp(text) {
            Ok(t) => t,
            Err(e) => return usage_error(format!("--as-of `{text}`: {e}")),
        },
        None => crate::time::current(),
    };
    let project = match project_or_schema_only(args.schema.as_deref(), &args.files) {
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
    let data = |flag: &[PathBuf], configured: fn(&crate::config::Config) -> &Vec<PathBuf>| {
        if flag.is_empty() {
            project
                .config
                .as_ref()
                .map(configured)
                .cloned()
                .unwrap_or_default()
        } else {
            flag.to_vec()
        }
    };
    let events = data(&args.events, |c| &c.events);
    if events.is_empty() {
        return usage_error(
            "no event files: pass --events F..., or write `[data] events = [...]` in seg.toml",
        );
    }
    let inputs = [
        (Kind::Events, events),
        (Kind::Profiles, data(&args.profiles, |c| &c.profiles)),
        (Kind::Accounts, data(&args.accounts, |c| &c.accounts)),
    ];
    let on_bad_row = if args.on_bad_row == BadRows::Skip {
        OnBadRow::Skip
    } else {
        OnBadRow::Fail
    };
    let interactive = io::stdin().is_terminal();
    let store = match load(program.schema(), &inputs, on_bad_row, interactive) {
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
    let mut builder = StoreBuilder::new(schema);
    let mut report = LoadReport::default();
    for (kind, files) in inputs {
        for file in files {
            progress.file(&file.display().to_string());
            if let Err(e) = load_file(&mut builder, *kind, file, on_bad_row, &mut report) {
                progress.finish();
                let _ = writeln!(io::stderr(), "seg: error: {e}");
                return Err(if matches!(e, DataError::Io { .. }) {
                    EXIT_USAGE
                } else {
                    EXIT_FOUND
                });
            }
            progress.done(size(file));
        }
    }
    progress.finish();
    if let Some(warning) = report.unknown_warning() {
        let _ = writeln!(io::stderr(), "seg: warning: {warning}");
    }
    if report.skipped > 0 {
        let _ = writeln!(io::stderr(), "seg: skipped {} bad rows", report.skipped);
    }
    Ok(builder.finish())
}
