//! `seg serve [--listen ADDR] [--data DIR] [--token-file F] [--schema F] [--public-read]
//! [FILES...]` and `seg import --data DIR [--events F...] [--profiles F...] [--accounts F...]
//! [FILES...]`: the service (docs/serve.md) and the bulk load into its data folder.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::check::{project, project_or_schema_only, Project};
use super::data::BadRows;
use super::{usage_error, EXIT_FOUND};
use crate::serve::defs::{Definitions, Refused};
use crate::serve::log::Log;
use crate::serve::state::{data_log, file_crc, import_record, Clock, Service};
use crate::store::load::{load_file, Kind, LoadReport, OnBadRow};
use crate::store::StoreBuilder;

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on; default: `[serve] listen` in seg.toml, else 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// The data folder (logs, imports, webhook positions); default: `[serve] data`, else
    /// `seg-data` beside seg.toml.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The file holding the bearer token; default: `[serve] token_file`. Required.
    #[arg(long, value_name = "F")]
    token_file: Option<PathBuf>,
    /// The schema (TOML); default: `schema` in seg.toml.
    #[arg(long, value_name = "F")]
    schema: Option<PathBuf>,
    /// Let GET requests through without a token.
    #[arg(long)]
    public_read: bool,
    /// Seconds between sweeps (every entity evaluated again as the clock moves); default:
    /// `[serve] sweep_seconds`, else 60.
    #[arg(long, value_name = "S")]
    sweep_seconds: Option<f64>,
    /// A clock that stands still at TS and moves only by `POST /v1/clock` (for tests).
    #[arg(long, value_name = "TS", hide = true)]
    test_clock: Option<String>,
    /// Segment files or folders; default: `segments` in seg.toml.
    files: Vec<PathBuf>,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The data folder of `seg serve`; default: `[serve] data`, else `seg-data` beside
    /// seg.toml.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The schema (TOML) the rows are checked against; default: `schema` in seg.toml.
    #[arg(long, value_name = "F")]
    schema: Option<PathBuf>,
    /// Event files (.ndjson, .jsonl, .csv, .parquet).
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    events: Vec<PathBuf>,
    /// Profile files.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    profiles: Vec<PathBuf>,
    /// Account files.
    #[arg(long, value_name = "F", num_args = 1.., action = clap::ArgAction::Append)]
    accounts: Vec<PathBuf>,
    /// Fail on the first bad row (default: the file is not imported), or skip bad rows.
    #[arg(long, value_enum, default_value = "fail")]
    on_bad_row: BadRows,
    /// More event files.
    files: Vec<PathBuf>,
}

/// The data folder: the flag, `[serve] data`, or `seg-data` beside seg.toml (or here).
fn data_dir(flag: Option<&Path>, project: &Project) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    let config = project.config.as_ref();
    if let Some(dir) = config.and_then(|c| c.serve.data.clone()) {
        return dir;
    }
    config
        .and_then(|c| c.path.parent().map(|p| p.join("seg-data")))
        .unwrap_or_else(|| PathBuf::from("seg-data"))
}

/// Checks files with the loaders and appends them to the data log of `dir`, each copied into
/// `dir/imports/`. Returns the rows imported.
fn import_files(
    dir: &Path,
    schema: &crate::schema::Schema,
    files: &[(Kind, PathBuf)],
    on_bad_row: OnBadRow,
) -> Result<usize, String> {
    let imports = dir.join("imports");
    std::fs::create_dir_all(&imports).map_err(|e| format!("{}: {e}", imports.display()))?;
    let (log, cut) = Log::open(&data_log(dir), |_, _| Ok(())).map_err(|e| e.to_string())?;
    if let Some(cut) = cut {
        eprintln!(
            "seg import: the data log ended in a torn record: {} bytes cut at byte {} ({})",
            cut.bytes, cut.offset, cut.reason
        );
    }
    let mut rows = 0;
    for (kind, path) in files {
        let mut builder = StoreBuilder::new(schema);
        let mut report = LoadReport::default();
        load_file(&mut builder, *kind, path, on_bad_row, &mut report).map_err(|e| e.to_string())?;
        drop(builder);
        let name = path
            .file_name()
            .map_or_else(|| "data".into(), |n| n.to_string_lossy().into_owned());
        let stored = format!("imports/{:06}-{name}", log.next_seq());
        let target = dir.join(&stored);
        std::fs::copy(path, &target)
            .map_err(|e| format!("{} -> {}: {e}", path.display(), target.display()))?;
        std::fs::File::open(&target)
            .and_then(|f| f.sync_all())
            .map_err(|e| format!("{}: {e}", target.display()))?;
        let crc = file_crc(&target).map_err(|e| format!("{}: {e}", target.display()))?;
        log.append(import_record(*kind, &stored, crc))
            .map_err(|e| e.to_string())?;
        if let Some(warning) = report.unknown_warning() {
            eprintln!("seg import: warning: {}: {warning}", path.display());
        }
        eprintln!(
            "seg import: {}: {} rows{}",
            path.display(),
            report.rows,
            if report.skipped > 0 {
                format!(", {} bad rows skipped", report.skipped)
            } else {
                String::new()
            }
        );
        rows += report.rows;
    }
    if let Ok(dir) = std::fs::File::open(&imports) {
        let _ = dir.sync_all();
    }
    Ok(rows)
}

pub fn import(args: &ImportArgs) -> u8 {
    let project = match project_or_schema_only(args.schema.as_deref(), &[]) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let schema = match read_schema(&project.schema) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let dir = data_dir(args.data.as_deref(), &project);
    let files: Vec<(Kind, PathBuf)> = args
        .events
        .iter()
        .chain(&args.files)
        .map(|p| (Kind::Events, p.clone()))
        .chain(args.profiles.iter().map(|p| (Kind::Profiles, p.clone())))
        .chain(args.accounts.iter().map(|p| (Kind::Accounts, p.clone())))
        .collect();
    if files.is_empty() {
        return usage_error(
            "nothing to import: name data files (events), or --profiles and --accounts",
        );
    }
    let on_bad_row = if args.on_bad_row == BadRows::Skip {
        OnBadRow::Skip
    } else {
        OnBadRow::Fail
    };
    match import_files(&dir, &schema, &files, on_bad_row) {
        Ok(rows) => {
            eprintln!("seg import: {rows} rows imported into {}", dir.display());
            0
        }
        Err(message) => {
            let _ = writeln!(io::stderr(), "seg import: error: {message}");
            EXIT_FOUND
        }
    }
}

fn read_schema(path: &Path) -> Result<crate::schema::Schema, u8> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage_error(format!("{}: {e}", path.display())))?;
    let mut sources = crate::source::SourceMap::new();
    let file = sources.add(
        path.display().to_string(),
        Some(path.to_path_buf()),
        text.clone(),
    );
    crate::schema::Schema::from_toml(file, &text).map_err(|diagnostics| {
        let _ =
            crate::diag::render::write_all(&mut io::stderr(), &sources, &diagnostics, false, false);
        EXIT_FOUND
    })
}

pub fn run(args: &ServeArgs) -> u8 {
    let project = match project(args.schema.as_deref(), &args.files) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let serve = project
        .config
        .as_ref()
        .map(|c| c.serve.clone())
        .unwrap_or_default();
    let listen = args
        .listen
        .clone()
        .or(serve.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let Some(token_file) = args.token_file.clone().or(serve.token_file.clone()) else {
        return usage_error(
            "no token: pass --token-file F, or write `token_file` in `[serve]` of seg.toml",
        );
    };
    let token = match std::fs::read_to_string(&token_file) {
        Ok(text) if !text.trim().is_empty() => text.trim().to_string(),
        Ok(_) => return usage_error(format!("the token file {} is empty", token_file.display())),
        Err(e) => return usage_error(format!("the token file {}: {e}", token_file.display())),
    };
    let dir = data_dir(args.data.as_deref(), &project);
    let defs = match Definitions::load(&project.schema, &project.roots) {
        Ok(defs) => defs,
        Err(Refused::Unreadable(message)) => return usage_error(message),
        Err(Refused::Diagnostics(list)) => {
            for d in list {
                let _ = writeln!(io::stderr(), "{d}");
            }
            let _ = writeln!(
                io::stderr(),
                "seg serve: error: the segment files have errors"
            );
            return EXIT_FOUND;
        }
    };
    let clock = match &args.test_clock {
        None => Clock::System,
        Some(text) => match crate::time::parse_timestamp(text) {
            Ok(now) => Clock::Fixed(std::sync::Mutex::new(now)),
            Err(e) => return usage_error(format!("--test-clock `{text}`: {e}")),
        },
    };
    // A new data folder starts with seg.toml's data files, if it names any.
    if !data_log(&dir).exists() {
        if let Some(config) = &project.config {
            let files: Vec<(Kind, PathBuf)> = config
                .events
                .iter()
                .map(|p| (Kind::Events, p.clone()))
                .chain(config.profiles.iter().map(|p| (Kind::Profiles, p.clone())))
                .chain(config.accounts.iter().map(|p| (Kind::Accounts, p.clone())))
                .collect();
            if !files.is_empty() {
                eprintln!(
                    "seg serve: a new data folder {}: importing the data files of seg.toml",
                    dir.display()
                );
                if let Err(message) = import_files(&dir, &defs.plan.schema, &files, OnBadRow::Fail)
                {
                    let _ = writeln!(io::stderr(), "seg serve: error: {message}");
                    return EXIT_FOUND;
                }
            }
        }
    }
    let sweep = args.sweep_seconds.or(serve.sweep_seconds).unwrap_or(60.0);
    if !(sweep.is_finite() && sweep > 0.0) {
        return usage_error("--sweep-seconds must be a positive number");
    }
    let started = match Service::start(&dir, defs, clock, Duration::from_secs_f64(sweep)) {
        Ok(started) => started,
        Err(message) => {
            let _ = writeln!(io::stderr(), "seg serve: error: {message}");
            return EXIT_FOUND;
        }
    };
    for (name, cut) in [
        ("data", &started.data_cut),
        ("change", &started.changes_cut),
    ] {
        if let Some(cut) = cut {
            eprintln!(
                "seg serve: the {name} log ended in a torn or corrupt record: {} bytes cut at byte {} ({})",
                cut.bytes, cut.offset, cut.reason
            );
        }
    }
    if started.rows_skipped > 0 {
        eprintln!(
            "seg serve: warning: {} rows of the data log do not fit the schema and are left out (they stay in the log)",
            started.rows_skipped
        );
    }
    let service = started.service;
    let mut statuses = Vec::new();
    for hook in serve.webhooks {
        match crate::serve::webhook::start(Arc::clone(&service), hook) {
            Ok(status) => statuses.push(status),
            Err(message) => return usage_error(message),
        }
    }
    let app = Arc::new(crate::serve::http::App::new(
        Arc::clone(&service),
        token,
        args.public_read,
        args.test_clock.is_some(),
        statuses,
    ));
    // Evaluating and explaining recurse over the plan: room as the command line gives them.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(crate::serve::STACK_BYTES)
        .max_blocking_threads(64)
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage_error(e),
    };
    let (users, accounts) = service.entity_counts();
    let segments = service.definitions().plan.segments.len();
    let address = listen.clone();
    let outcome: io::Result<()> = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&address).await?;
        let address = listener.local_addr()?;
        eprintln!(
            "seg serve: listening on http://{address} ({segments} segments, {users} users, {accounts} accounts, {} records; {} changes on start)",
            started.records, started.recovered_changes
        );
        eprintln!("seg serve: the console is at http://{address}/ (sign in with the token)");
        axum::serve(listener, crate::serve::http::router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    service.stop();
    match outcome {
        Ok(()) => 0,
        Err(e) => usage_error(format!("{listen}: {e}")),
    }
}
