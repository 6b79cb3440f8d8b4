//! `seg lsp`: a Language Server Protocol server over standard input and output.
//!
//! The server keeps the text of every open document and, on each open, change, save or
//! close, checks the project again with the same checker as `seg check`: the project's
//! `seg.toml` (found from the document's folder upwards) names the schema and the segment
//! files, and the open documents stand in for the files on disk ([`Overlay`]). Every file the
//! check read gets its diagnostics published, an empty list where it has none, so that fixing
//! an imported file clears the files that import it.
//!
//! Positions are UTF-16 code units, the protocol's default ([`position`]).

mod counts;
pub mod grammar;
mod index;
mod requests;
mod semantic;
mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, InitializeResult, Location, NumberOrString,
    PublishDiagnosticsParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind,
};

use crate::check::load::MAX_TEXT_FILE_BYTES;
use crate::check::{analyse_paths, DiskFs, FileSystem};
use crate::diag::{Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use crate::store::load::Kind;

pub use text::{offset, path_of_uri, position, uri_of_path};

/// Runs the server on standard input and output until the client says `exit`.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    // The writing thread ends when the last sender is gone.
    drop(connection);
    io_threads.join().map_err(|e| e.to_string())
}

/// The capabilities this server offers.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some(vec![".".into(), "(".into(), " ".into()]),
            ..lsp_types::CompletionOptions::default()
        }),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp_types::OneOf::Left(true)),
        references_provider: Some(lsp_types::OneOf::Left(true)),
        rename_provider: Some(lsp_types::OneOf::Left(true)),
        document_symbol_provider: Some(lsp_types::OneOf::Left(true)),
        document_formatting_provider: Some(lsp_types::OneOf::Left(true)),
        semantic_tokens_provider: Some(
            lsp_types::SemanticTokensOptions {
                legend: semantic::legend(),
                full: Some(lsp_types::SemanticTokensFullOptions::Bool(true)),
                ..lsp_types::SemanticTokensOptions::default()
            }
            .into(),
        ),
        ..ServerCapabilities::default()
    }
}

/// Initializes the connection, then answers requests and notifications until `exit`.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    // `initializationOptions.asOf`: the instant member counts are computed as of (default:
    // the time of each count).
    let as_of = params["initializationOptions"]["asOf"]
        .as_str()
        .and_then(|t| crate::time::parse_timestamp(t).ok());
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "seg".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        documents: BTreeMap::new(),
        published: BTreeSet::new(),
        connection,
        last: None,
        counter: counts::Counter::default(),
        as_of,
    };
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection
                    .handle_shutdown(&request)
                    .map_err(|e| e.to_string())?
                {
                    return Ok(());
                }
                server.request(&request);
            }
            Message::Notification(notification) => server.notification(notification),
            Message::Response(_) => {}
        }
    }
    Ok(())
}

struct Server<'c> {
    /// The open documents' text, by canonical path.
    documents: BTreeMap<PathBuf, String>,
    /// The files whose last published diagnostics were not empty.
    published: BTreeSet<PathBuf>,
    connection: &'c Connection,
    /// The last project checked, for the requests about names and positions.
    last: Option<Project>,
    /// Member counts, computed in the background.
    counter: counts::Counter,
    as_of: Option<i64>,
}

/// A checked project: its files, their names, and the schema.
pub(crate) struct Project {
    /// The folder of its seg.toml.
    root: PathBuf,
    sources: SourceMap,
    index: index::Index,
    schema: Option<crate::schema::Schema>,
    /// Whether its seg.toml names data files (member counts are computed).
    has_data: bool,
}

impl Server<'_> {
    fn request(&mut self, request: &Request) {
        let id = request.id.clone();
        let response = match requests::answer(self, request) {
            Ok(result) => Response::new_ok(id, result),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(Message::Response(response));
    }

    /// The checked project of the file at `path`: the last one checked if the file is in it,
    /// else checked now.
    fn project_of(&mut self, path: &Path) -> Option<&Project> {
        let known = self
            .last
            .as_ref()
            .is_some_and(|p| path.starts_with(&p.root) && p.sources.find_path(path).is_some());
        if !known {
            self.check(path);
        }
        self.last.as_ref()
    }

    fn notification(&mut self, notification: Notification) {
        let Some((path, change)) = document_change(notification) else {
            return;
        };
        match change {
            Change::Text(text) => {
                self.documents.insert(path.clone(), text);
            }
            Change::Closed => {
                self.documents.remove(&path);
            }
            Change::Unchanged => {}
        }
        self.check(&path);
    }

    /// Checks the project of the file at `path` and publishes every file's diagnostics.
    fn check(&mut self, path: &Path) {
        let mut sources = SourceMap::new();
        let by_file = match self.check_project(path, &mut sources) {
            Ok((root, analysis, inputs)) => {
                let by_file = group(&sources, &analysis.checked.diagnostics);
                let has_data = inputs.iter().any(|(_, files)| !files.is_empty());
                if let (Some(plan), Some(schema), true) =
                    (&analysis.checked.plan, &analysis.schema, has_data)
                {
                    let now = self.as_of.unwrap_or_else(crate::time::current);
                    self.counter
                        .request(plan.clone(), schema.clone(), inputs, now);
                }
                let index = index::Index::build(&analysis.modules, analysis.schema.as_ref());
                self.last = Some(Project {
                    root,
                    sources,
                    index,
                    schema: analysis.schema,
                    has_data,
                });
                by_file
            }
            // No project to check the file in: one diagnostic on the file says why.
            Err(message) => {
                self.last = None;
                let mut by_file = BTreeMap::new();
                by_file.insert(
                    path.to_path_buf(),
                    vec![lsp_types::Diagnostic {
                        range: lsp_types::Range::default(),
                        severity: Some(DiagnosticSeverity::ERROR),
                        source: Some("seg".into()),
                        message,
                        ..lsp_types::Diagnostic::default()
                    }],
                );
                by_file
            }
        };
        let mut files: BTreeSet<PathBuf> = self
            .last
            .iter()
            .flat_map(|p| p.sources.iter())
            .filter_map(|(_, f)| f.path.clone())
            .collect();
        files.extend(by_file.keys().cloned());
        files.extend(std::mem::take(&mut self.published));
        for file in files {
            let diagnostics = by_file.get(&file).cloned().unwrap_or_default();
            if !diagnostics.is_empty() {
                self.published.insert(file.clone());
            }
            let Some(uri) = uri_of_path(&file) else {
                continue;
            };
            let params = PublishDiagnosticsParams {
                uri,
                diagnostics,
                version: None,
            };
            self.send(Message::Notification(Notification::new(
                PublishDiagnostics::METHOD.into(),
                params,
            )));
        }
    }

    /// The diagnostics of the project `path` belongs to: its `seg.toml`'s schema and segment
    /// files, with the open documents.
    fn check_project(
        &self,
        path: &Path,
        sources: &mut SourceMap,
    ) -> Result<(PathBuf, crate::check::Analysis, counts::Inputs), String> {
        let config_path = crate::config::find_file(path).ok_or_else(|| {
            "seg lsp checks a file within a project: no seg.toml in its folder or above \
             (write one with `schema = \"schema.toml\"`)"
                .to_string()
        })?;
        let config = crate::config::load(&config_path).map_err(|e| e.to_string())?;
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let schema = config.schema.as_deref().map(absolute).ok_or_else(|| {
            format!(
                "{} names no schema: write `schema = \"schema.toml\"` in it",
                config_path.display()
            )
        })?;
        let mut roots: Vec<PathBuf> = config.segments.iter().map(|p| absolute(p)).collect();
        let project = config_path.parent().unwrap_or(Path::new("/"));
        // The open documents of this project, and the file itself, are checked too.
        roots.extend(
            self.documents
                .keys()
                .filter(|p| p.starts_with(project))
                .cloned(),
        );
        if !roots.iter().any(|r| r == path) {
            roots.push(path.to_path_buf());
        }
        let overlay = Overlay {
            documents: &self.documents,
        };
        let analysis =
            analyse_paths(&overlay, sources, &schema, &roots).map_err(|e| e.to_string())?;
        let data = |files: &[PathBuf]| files.iter().map(|p| absolute(p)).collect::<Vec<_>>();
        let inputs = [
            (Kind::Events, data(&config.events)),
            (Kind::Profiles, data(&config.profiles)),
            (Kind::Accounts, data(&config.accounts)),
        ];
        Ok((project.to_path_buf(), analysis, inputs))
    }

    fn send(&self, message: Message) {
        // The client has gone: the receiving loop ends on its own.
        let _ = self.connection.sender.send(message);
    }
}

/// What a document notification says happened to the document's text.
enum Change {
    /// Opened or changed: its whole text now.
    Text(String),
    /// Saved (or a change without text): the same text.
    Unchanged,
    /// Closed: the file on disk stands again.
    Closed,
}

/// The file (canonical path) a document notification is about, and the change; `None` for
/// other notifications, and for one that does not read or names no file.
fn document_change(notification: Notification) -> Option<(PathBuf, Change)> {
    fn parse<P: serde::de::DeserializeOwned>(params: serde_json::Value) -> Option<P> {
        serde_json::from_value(params).ok()
    }
    let params = notification.params;
    let (uri, change) = match notification.method.as_str() {
        DidOpenTextDocument::METHOD => {
            let p: lsp_types::DidOpenTextDocumentParams = parse(params)?;
            (p.text_document.uri, Change::Text(p.text_document.text))
        }
        DidChangeTextDocument::METHOD => {
            let p: lsp_types::DidChangeTextDocumentParams = parse(params)?;
            // Full synchronisation: the last change holds the whole text.
            let text = p.content_changes.into_iter().last();
            (
                p.text_document.uri,
                text.map_or(Change::Unchanged, |c| Change::Text(c.text)),
            )
        }
        DidSaveTextDocument::METHOD => {
            let p: lsp_types::DidSaveTextDocumentParams = parse(params)?;
            (p.text_document.uri, Change::Unchanged)
        }
        DidCloseTextDocument::METHOD => {
            let p: lsp_types::DidCloseTextDocumentParams = parse(params)?;
            (p.text_document.uri, Change::Closed)
        }
        _ => return None,
    };
    Some((DiskFs.canonical(&path_of_uri(&uri)?), change))
}

/// The protocol's diagnostics of each file (by canonical path).
fn group(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
) -> BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> {
    let mut by_file: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
    for d in diagnostics {
        let Some(path) = sources.get(d.primary.span.file).path.clone() else {
            continue;
        };
        by_file.entry(path).or_default().push(to_lsp(sources, d));
    }
    by_file
}

/// One diagnostic in the protocol's terms: the code, the primary label's range, the message
/// with the label and the help, and the secondary labels as related information.
#[must_use]
pub fn to_lsp(sources: &SourceMap, d: &Diagnostic) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(": ");
        message.push_str(&d.primary.message);
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|label| {
            let uri = uri_of_path(sources.get(label.span.file).path.as_deref()?)?;
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri,
                    range: range(sources, label.span),
                },
                message: label.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(sources, d.primary.span),
        severity: Some(match d.severity() {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.id().into())),
        source: Some("seg".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}

/// A span as a protocol range.
fn range(sources: &SourceMap, span: Span) -> lsp_types::Range {
    let text = &sources.get(span.file).text;
    lsp_types::Range {
        start: position(text, span.start),
        end: position(text, span.end),
    }
}

/// The disk, with the open documents' text in place of their files.
struct Overlay<'a> {
    documents: &'a BTreeMap<PathBuf, String>,
}

impl FileSystem for Overlay<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.documents.get(&DiskFs.canonical(path)) {
            Some(text) if text.len() as u64 > MAX_TEXT_FILE_BYTES => {
                crate::check::load::read_to_limit(text.as_bytes(), MAX_TEXT_FILE_BYTES)
            }
            Some(text) => Ok(text.as_bytes().to_vec()),
            None => DiskFs.read(path),
        }
    }

    fn is_dir(&self, path: &Path) -> bool {
        DiskFs.is_dir(path)
    }

    fn seg_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        DiskFs.seg_files(dir)
    }

    fn read_data(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        DiskFs.read_data(path, limit)
    }
}
