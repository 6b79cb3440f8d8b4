//! The event schema (SPEC section 1): event types and their typed properties, verbs, and the
//! typed attributes of profiles and accounts, read from TOML.
//!
//! The TOML is deserialized with spans (`toml::Spanned`), so every error points into the
//! schema file: malformed TOML, unknown type names, verbs that name unknown events or
//! properties, and names seg cannot use.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The type of a property or attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    String,
    Number,
    Bool,
    Timestamp,
}

impl FieldType {
    pub const ALL: [FieldType; 4] = [
        FieldType::String,
        FieldType::Number,
        FieldType::Bool,
        FieldType::Timestamp,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Bool => "bool",
            FieldType::Timestamp => "timestamp",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// A typed property or attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub u32);

#[derive(Debug, Clone, PartialEq)]
pub struct EventType {
    pub name: String,
    pub span: Span,
    pub properties: Vec<Field>,
}

impl EventType {
    #[must_use]
    pub fn property(&self, name: &str) -> Option<(usize, &Field)> {
        self.properties
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
    }
}

/// `visited("/pricing")` means `did(page_view where url == "/pricing")`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verb {
    pub name: String,
    pub event: EventId,
    /// Index of the key property in the event's properties.
    pub key: usize,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub events: Vec<EventType>,
    pub verbs: Vec<Verb>,
    pub profile: Vec<Field>,
    pub account: Vec<Field>,
}

/// Names every event carries; a schema may not declare them as properties.
pub const EVENT_COLUMNS: [&str; 3] = ["user_id", "event", "ts"];
/// Words with a meaning of their own before a dot or as an event-set head.
const RESERVED_EVENT_NAMES: [&str; 3] = ["profile", "account", "users"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    #[serde(default)]
    events: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<String>>>,
    #[serde(default)]
    verbs: BTreeMap<Spanned<String>, RawVerb>,
    #[serde(default)]
    profile: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    account: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVerb {
    event: Spanned<String>,
    key: Spanned<String>,
}

impl Schema {
    /// Reads a schema; on errors returns every diagnostic found.
    pub fn from_toml(file: FileId, text: &str) -> Result<Schema, Vec<Diagnostic>> {
        let raw: RawSchema = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            vec![Diagnostic::new(
                Code::SchemaMalformed,
                Span::new(file, span.start, span.end),
                format!("the schema is malformed: {}", e.message().trim_end()),
                "here",
            )
            .with_help(
                "a schema has tables [events.NAME] (property = \"type\"), [verbs] (name = { event = \"...\", key = \"...\" }), [profile] and [account]",
            )]
        })?;
        let mut diagnostics = Vec::new();
        let span = |s: &Spanned<String>| Span::new(file, s.span().start, s.span().end);
        let fields = |table: &BTreeMap<Spanned<String>, Spanned<String>>,
                      reserved: &[&str],
                      diagnostics: &mut Vec<Diagnostic>| {
            let mut out = Vec::new();
            for (name, ty) in table {
                check_name(name.get_ref(), span(name), reserved, diagnostics);
                match FieldType::from_name(ty.get_ref()) {
                    Some(t) => out.push(Field {
                        name: name.get_ref().clone(),
                        ty: t,
                        span: span(name),
                    }),
                    None => diagnostics.push(unknown_type(ty.get_ref(), span(ty))),
                }
            }
            out
        };
        let mut schema = Schema::default();
        for (name, props) in &raw.events {
            check_name(
                name.get_ref(),
                span(name),
                &RESERVED_EVENT_NAMES,
                &mut diagnostics,
            );
            let properties = fields(props, &EVENT_COLUMNS, &mut diagnostics);
            schema.events.push(EventType {
                name: name.get_ref().clone(),
                span: span(name),
                properties,
            });
        }
        schema.profile = fields(&raw.profile, &["user_id"], &mut diagnostics);
        schema.account = fields(&raw.account, &["account_id"], &mut diagnostics);
        let builtin_names: Vec<&str> = crate::names::builtins::BUILTINS
            .iter()
            .map(|b| b.name)
            .collect();
        for (name, verb) in &raw.verbs {
            check_name(name.get_ref(), span(name), &builtin_names, &mut diagnostics);
            let Some(event) = schema.event_id(verb.event.get_ref()) else {
                let mut d = Diagnostic::new(
                    Code::SchemaVerbEvent,
                    span(&verb.event),
                    format!(
                        "the verb `{}` names the event `{}`, which the schema does not declare",
                        name.get_ref(),
                        verb.event.get_ref()
                    ),
                    "no such event",
                );
                if let Some(close) = crate::names::suggest::closest(
                    verb.event.get_ref(),
                    schema.events.iter().map(|e| e.name.as_str()),
                ) {
                    d = d.with_help(format!("did you mean `{close}`?"));
                }
                diagnostics.push(d);
                continue;
            };
            let event_type = schema.event(event);
            let Some((key, _)) = event_type.property(verb.key.get_ref()) else {
                let mut d = Diagnostic::new(
                    Code::SchemaVerbKey,
                    span(&verb.key),
                    format!(
                        "the event `{}` has no property `{}`",
                        event_type.name,
                        verb.key.get_ref()
                    ),
                    "not a property of the verb's event",
                );
                if let Some(close) = crate::names::suggest::closest(
                    verb.key.get_ref(),
                    event_type.properties.iter().map(|p| p.name.as_str()),
                ) {
                    d = d.with_help(format!("did you mean `{close}`?"));
                }
                diagnostics.push(d);
                continue;
            };
            schema.verbs.push(Verb {
                name: name.get_ref().clone(),
                event,
                key,
                span: span(name),
            });
        }
        if diagnostics.is_empty() {
            Ok(schema)
        } else {
            Err(diagnostics)
        }
    }

    #[must_use]
    pub fn event_id(&self, name: &str) -> Option<EventId> {
        self.events
            .iter()
            .position(|e| e.name == name)
            .map(|i| EventId(u32::try_from(i).expect("fewer than 2^32 event types")))
    }

    #[must_use]
    pub fn event(&self, id: EventId) -> &EventType {
        &self.events[id.0 as usize]
    }

    #[must_use]
    pub fn verb(&self, name: &str) -> Option<&Verb> {
        self.verbs.iter().find(|v| v.name == name)
    }

    #[must_use]
    pub fn profile_attribute(&self, name: &str) -> Option<(usize, &Field)> {
        self.profile
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
    }

    #[must_use]
    pub fn account_attribute(&self, name: &str) -> Option<(usize, &Field)> {
        self.account
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
    }
}

fn unknown_type(name: &str, span: Span) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::SchemaUnknownType,
        span,
        format!("`{name}` is not a type"),
        "unknown type",
    );
    let names = FieldType::ALL.map(FieldType::name);
    d = match crate::names::suggest::closest(name, names.into_iter()) {
        Some(close) => d.with_help(format!(
            "did you mean `{close}`? The types are string, number, bool and timestamp"
        )),
        None => d.with_help("the types are string, number, bool and timestamp"),
    };
    d
}

fn check_name(name: &str, span: Span, reserved: &[&str], diagnostics: &mut Vec<Diagnostic>) {
    let is_ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let problem = if !is_ident {
        Some("names are letters, digits and `_`, starting with a letter or `_`".to_string())
    } else if crate::names::is_keyword(name) {
        Some(format!("`{name}` is a reserved word of the language"))
    } else if reserved.contains(&name) {
        Some(format!("`{name}` is already taken: a column every row has, a builtin function, or a word with its own meaning here"))
    } else {
        None
    };
    if let Some(help) = problem {
        diagnostics.push(
            Diagnostic::new(
                Code::SchemaBadName,
                span,
                format!("`{name}` cannot be used as a name here"),
                "this name",
            )
            .with_help(help),
        );
    }
}
