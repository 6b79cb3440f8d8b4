//! The requests about names and positions: completion, hover, go to definition, find
//! references and rename. Each reads the last checked project of the document
//! ([`Server::project_of`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lsp_server::{ErrorCode, Request};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, GotoDefinitionParams, Hover,
    HoverContents, HoverParams, Location, MarkupContent, MarkupKind, ReferenceParams, RenameParams,
    TextDocumentPositionParams, TextEdit,
};
use serde_json::Value;

use super::index::{Definition, Kind};
use super::{path_of_uri, range, text, uri_of_path, Project, Server};
use crate::check::{DiskFs, FileSystem};
use crate::names::builtins::BUILTINS;
use crate::repl::complete::complete;
use crate::repl::vocab::Vocabulary;
use crate::source::{FileId, Span};
use crate::syntax::ast::Target;

type Answer = Result<Value, (ErrorCode, String)>;

pub(super) fn answer(server: &mut Server, request: &Request) -> Answer {
    let params = request.params.clone();
    let bad = |e: serde_json::Error| (ErrorCode::InvalidParams, e.to_string());
    match request.method.as_str() {
        "textDocument/definition" => {
            let p: GotoDefinitionParams = serde_json::from_value(params).map_err(bad)?;
            ok(
                at(server, &p.text_document_position_params).and_then(|(project, file, offset)| {
                    let (name, _) = project.index.name_at(file, offset)?;
                    location(project, project.index.definition(name)?.span)
                }),
            )
        }
        "textDocument/references" => {
            let p: ReferenceParams = serde_json::from_value(params).map_err(bad)?;
            let with_definition = p.context.include_declaration;
            ok(
                at(server, &p.text_document_position).map(|(project, file, offset)| {
                    let Some((name, _)) = project.index.name_at(file, offset) else {
                        return Vec::new();
                    };
                    let definition = project.index.definition(name).map(|d| d.span);
                    project
                        .index
                        .occurrences(name)
                        .into_iter()
                        .filter(|s| with_definition || Some(*s) != definition)
                        .filter_map(|s| location(project, s))
                        .collect::<Vec<_>>()
                }),
            )
        }
        "textDocument/rename" => {
            let p: RenameParams = serde_json::from_value(params).map_err(bad)?;
            let new_name = p.new_name;
            if !is_name(&new_name) {
                return Err((
                    ErrorCode::InvalidParams,
                    format!("`{new_name}` is not a name: letters, digits and `_`, not a digit first, not a keyword or builtin"),
                ));
            }
            let Some((project, file, offset)) = at(server, &p.text_document_position) else {
                return Ok(Value::Null);
            };
            let Some((name, _)) = project.index.name_at(file, offset) else {
                return Err((ErrorCode::InvalidParams, "no segment or `let` here".into()));
            };
            if project.index.definition(name).is_none() {
                return Err((
                    ErrorCode::InvalidParams,
                    format!("`{name}` is defined nowhere in the project"),
                ));
            }
            if project.index.definition(&new_name).is_some() {
                return Err((
                    ErrorCode::InvalidParams,
                    format!("`{new_name}` is already defined"),
                ));
            }
            // By file: the protocol's map is keyed by URI.
            let mut changes: BTreeMap<String, Vec<TextEdit>> = BTreeMap::new();
            for span in project.index.occurrences(name) {
                if let Some(l) = location(project, span) {
                    changes
                        .entry(l.uri.as_str().to_string())
                        .or_default()
                        .push(TextEdit {
                            range: l.range,
                            new_text: new_name.clone(),
                        });
                }
            }
            ok(serde_json::json!({ "changes": changes }))
        }
        "textDocument/hover" => {
            let p: HoverParams = serde_json::from_value(params).map_err(bad)?;
            let counts = server.counter.latest();
            ok(at(server, &p.text_document_position_params)
                .and_then(|(project, file, offset)| hover(project, file, offset, counts.as_ref())))
        }
        "textDocument/completion" => {
            let p: CompletionParams = serde_json::from_value(params).map_err(bad)?;
            ok(at(server, &p.text_document_position)
                .map(|(project, file, offset)| completion(project, file, offset)))
        }
        "textDocument/documentSymbol" => {
            let p: lsp_types::DocumentSymbolParams = serde_json::from_value(params).map_err(bad)?;
            let Some((project, file)) = document(server, &p.text_document.uri) else {
                return ok(Vec::<Value>::new());
            };
            ok(symbols(project, file))
        }
        "textDocument/formatting" => {
            let p: lsp_types::DocumentFormattingParams =
                serde_json::from_value(params).map_err(bad)?;
            let Some(path) = canonical_path(&p.text_document.uri) else {
                return ok(Value::Null);
            };
            let text = match server.documents.get(&path) {
                Some(text) => text.clone(),
                None => crate::check::load::read_text(&path)
                    .map_err(|e| (ErrorCode::RequestFailed, e.to_string()))?,
            };
            ok(format_edits(&text)?)
        }
        "textDocument/semanticTokens/full" => {
            let p: lsp_types::SemanticTokensParams = serde_json::from_value(params).map_err(bad)?;
            let Some((project, file)) = document(server, &p.text_document.uri) else {
                return ok(Value::Null);
            };
            let data = super::semantic::encode(project, &project.sources.get(file).text);
            ok(serde_json::json!({ "data": data }))
        }
        method => Err((
            ErrorCode::MethodNotFound,
            format!("seg lsp does not answer {method}"),
        )),
    }
}

/// The segments, `let`s and campaigns defined in `file`, in order: the name, its
/// kind, the description, the item's range and the name's.
fn symbols(project: &Project, file: FileId) -> Vec<Value> {
    project
        .index
        .definitions
        .iter()
        .filter(|d| d.span.file == file)
        .map(|d| {
            let kind = match d.kind {
                Kind::Segment(_) => lsp_types::SymbolKind::OBJECT,
                Kind::Let => lsp_types::SymbolKind::VARIABLE,
                Kind::Campaign => lsp_types::SymbolKind::EVENT,
            };
            serde_json::json!({
                "name": d.name,
                "detail": d.description,
                "kind": kind,
                "range": range(&project.sources, d.item),
                "selectionRange": range(&project.sources, d.span),
            })
        })
        .collect()
}

/// `seg fmt`'s layout of `text` as one edit of the whole text (none when it is already so);
/// a file with syntax errors is left alone, with the reason.
fn format_edits(text: &str) -> Result<Vec<TextEdit>, (ErrorCode, String)> {
    let formatted =
        crate::fmt::format(text).map_err(|e| (ErrorCode::RequestFailed, e.to_string()))?;
    if formatted == text {
        return Ok(Vec::new());
    }
    Ok(vec![TextEdit {
        range: lsp_types::Range {
            start: lsp_types::Position::default(),
            end: text::position(text, text.len()),
        },
        new_text: formatted,
    }])
}

/// An answer's JSON.
fn ok(value: impl serde::Serialize) -> Answer {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

/// The project, file and byte offset a request's position names.
fn at<'s>(
    server: &'s mut Server,
    position: &TextDocumentPositionParams,
) -> Option<(&'s Project, FileId, usize)> {
    let (project, file) = document(server, &position.text_document.uri)?;
    let offset = text::offset(&project.sources.get(file).text, position.position);
    Some((project, file, offset))
}

/// The file a document's URI names, as the server keys files (its canonical path).
fn canonical_path(uri: &lsp_types::Uri) -> Option<std::path::PathBuf> {
    Some(DiskFs.canonical(&path_of_uri(uri)?))
}

/// The checked project of a document and the document's file in it.
fn document<'s>(server: &'s mut Server, uri: &lsp_types::Uri) -> Option<(&'s Project, FileId)> {
    let path = canonical_path(uri)?;
    let project = server.project_of(&path)?;
    let file = project.sources.find_path(&path)?;
    Some((project, file))
}

fn location(project: &Project, span: Span) -> Option<Location> {
    let path = project.sources.get(span.file).path.as_deref()?;
    Some(Location {
        uri: uri_of_path(path)?,
        range: range(&project.sources, span),
    })
}

/// A name a segment or `let` may take.
fn is_name(name: &str) -> bool {
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && !crate::names::is_keyword(name)
        && !crate::names::is_builtin(name)
}

/// The start of the item the cursor is in: the last line before it that starts an item.
fn item_start(text: &str, offset: usize) -> usize {
    let before = &text[..offset];
    let mut start = 0;
    let mut line_start = 0;
    for line in before.split_inclusive('\n') {
        let starts_item = ["segment", "let", "campaign", "import"]
            .iter()
            .any(|k| line.starts_with(k) && line[k.len()..].starts_with([' ', '\t']));
        if starts_item {
            start = line_start;
        }
        line_start += line.len();
    }
    start
}

fn completion(project: &Project, file: FileId, offset: usize) -> Vec<CompletionItem> {
    let Some(schema) = &project.schema else {
        return Vec::new();
    };
    let mut vocab = Vocabulary::from_schema(schema);
    for d in &project.index.definitions {
        match d.kind {
            Kind::Segment(_) => vocab.segments.push(d.name.clone()),
            Kind::Let => vocab.lets.push(d.name.clone()),
            Kind::Campaign => {}
        }
    }
    let text = &project.sources.get(file).text;
    let start = item_start(text, offset);
    let typed = &text[start..offset];
    // After a window word, what it takes (the REPL leaves these to the user).
    let last_word = typed
        .trim_end()
        .rsplit(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next();
    if typed.ends_with(char::is_whitespace) {
        let offers: &[&str] = match last_word {
            Some("within") => &["1h", "1d", "7d", "14d", "30d", "90d", "1w"],
            Some("during") => &["months(", "weekdays(", "hours("],
            _ => &[],
        };
        if !offers.is_empty() {
            return offers
                .iter()
                .map(|o| CompletionItem {
                    label: (*o).to_string(),
                    kind: Some(CompletionItemKind::VALUE),
                    ..CompletionItem::default()
                })
                .collect();
        }
    }
    let found = complete(typed, offset - start, &vocab);
    let after_dot = text[..start + found.start].ends_with('.');
    found
        .candidates
        .into_iter()
        .map(|label| {
            let kind = if after_dot {
                CompletionItemKind::FIELD
            } else if vocab.is_event(&label) {
                CompletionItemKind::EVENT
            } else if vocab.segments.contains(&label) {
                CompletionItemKind::CONSTANT
            } else if vocab.lets.contains(&label) {
                CompletionItemKind::VARIABLE
            } else if crate::names::is_builtin(&label) || vocab.is_verb(&label) {
                CompletionItemKind::FUNCTION
            } else if crate::names::is_keyword(&label) {
                CompletionItemKind::KEYWORD
            } else {
                CompletionItemKind::FIELD
            };
            CompletionItem {
                label,
                kind: Some(kind),
                ..CompletionItem::default()
            }
        })
        .collect()
}

fn hover(
    project: &Project,
    file: FileId,
    offset: usize,
    counts: Option<&super::counts::Counts>,
) -> Option<Hover> {
    let text = &project.sources.get(file).text;
    let markdown = if let Some(d) = project
        .index
        .name_at(file, offset)
        .and_then(|(name, _)| project.index.definition(name))
    {
        describe(project, d, counts)
    } else {
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let start = text[..offset].trim_end_matches(is_word).len();
        let end = offset + text[offset..].len() - text[offset..].trim_start_matches(is_word).len();
        let word = &text[start..end];
        let qualifier = text[..start]
            .strip_suffix('.')
            .map(|b| &b[b.trim_end_matches(is_word).len()..]);
        describe_word(project, word, qualifier)?
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: None,
    })
}

/// A segment, `let` or campaign: what it is, its description and its definition.
fn describe(project: &Project, d: &Definition, counts: Option<&super::counts::Counts>) -> String {
    let what = match d.kind {
        Kind::Segment(Target::User) => "segment (users)",
        Kind::Segment(Target::Account) => "segment (accounts)",
        Kind::Let => "let",
        Kind::Campaign => "campaign",
    };
    let mut out = format!("**{what}** `{}`", d.name);
    if let Some(description) = &d.description {
        out.push_str("\n\n");
        out.push_str(description);
    }
    if matches!(d.kind, Kind::Segment(_)) && project.has_data {
        out.push_str("\n\n");
        out.push_str(&members(counts, &d.name));
    }
    let source = project.sources.snippet(d.item);
    let lines: Vec<&str> = source.lines().take(12).collect();
    out.push_str("\n\n```seg\n");
    out.push_str(&lines.join("\n"));
    if source.lines().count() > lines.len() {
        out.push_str("\n...");
    }
    out.push_str("\n```");
    out
}

/// The member count line of a segment's hover.
fn members(counts: Option<&super::counts::Counts>, name: &str) -> String {
    let Some(counts) = counts else {
        return "members: counting (the data in seg.toml is loading)".into();
    };
    if let Some(error) = &counts.error {
        return format!("members: unknown ({error})");
    }
    let as_of = crate::time::format_timestamp(counts.now);
    match (counts.by_segment.get(name), counts.of.get(name)) {
        (Some(&n), Some(&of)) => {
            // Counts far below 2^52: exact as doubles.
            #[allow(clippy::cast_precision_loss)]
            let share = if of == 0 {
                0.0
            } else {
                100.0 * n as f64 / of as f64
            };
            format!("**{n} members** of {of} ({share:.1}%), as of {as_of}")
        }
        // Defined since the last count finished.
        _ => "members: counting".into(),
    }
}

/// An event, a property, an attribute or a builtin named `word` (after `qualifier.`).
fn describe_word(project: &Project, word: &str, qualifier: Option<&str>) -> Option<String> {
    let schema = project.schema.as_ref()?;
    let field =
        |f: &crate::schema::Field, of: &str| format!("**{of}** `{}`: {}", f.name, f.ty.name());
    match qualifier {
        Some("profile") => {
            return schema
                .profile_attribute(word)
                .map(|(_, f)| field(f, "profile attribute"))
        }
        Some("account") => {
            return schema
                .account_attribute(word)
                .map(|(_, f)| field(f, "account attribute"))
        }
        Some(event) => {
            let id = schema.event_id(event)?;
            return schema
                .event(id)
                .property(word)
                .map(|(_, f)| field(f, &format!("property of {event}")));
        }
        None => {}
    }
    if let Some(id) = schema.event_id(word) {
        let event = schema.event(id);
        let mut out = format!("**event** `{}`", event.name);
        for p in &event.properties {
            let _ = write!(out, "\n- `{}`: {}", p.name, p.ty.name());
        }
        return Some(out);
    }
    if let Some(verb) = schema.verb(word) {
        let event = schema.event(verb.event);
        let key = &event.properties[verb.key];
        return Some(format!(
            "**verb** `{word}(VALUE)`: `did({} where {} == VALUE)` ({}: {})",
            event.name,
            key.name,
            key.name,
            key.ty.name()
        ));
    }
    BUILTINS.iter().find(|b| b.name == word).map(|b| {
        format!(
            "**builtin** `{}` → {}\n\n{}\n\n```seg\n{}\n```",
            b.signature, b.returns, b.summary, b.example
        )
    })
}
