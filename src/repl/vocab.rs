//! The names a REPL session knows, for completion and highlighting: the schema's events with
//! their properties, verbs and attributes, and the session's segments and `let`s. Builtins
//! come from their declaration table ([`crate::names::builtins::BUILTINS`]).

use crate::names::builtins::{self, Form};
use crate::schema::Schema;

/// Every name the session knows, sorted within each kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    /// Event types with their property names.
    pub events: Vec<(String, Vec<String>)>,
    pub verbs: Vec<String>,
    pub profile: Vec<String>,
    pub account: Vec<String>,
    pub segments: Vec<String>,
    pub lets: Vec<String>,
}

impl Vocabulary {
    /// The schema's names, with no segments or `let`s yet.
    #[must_use]
    pub fn from_schema(schema: &Schema) -> Self {
        let sorted = |mut names: Vec<String>| {
            names.sort();
            names
        };
        let mut events: Vec<(String, Vec<String>)> = schema
            .events
            .iter()
            .map(|e| {
                let properties = e.properties.iter().map(|p| p.name.clone()).collect();
                (e.name.clone(), sorted(properties))
            })
            .collect();
        events.sort();
        Vocabulary {
            events,
            verbs: sorted(schema.verbs.iter().map(|v| v.name.clone()).collect()),
            profile: sorted(schema.profile.iter().map(|f| f.name.clone()).collect()),
            account: sorted(schema.account.iter().map(|f| f.name.clone()).collect()),
            segments: Vec::new(),
            lets: Vec::new(),
        }
    }

    /// The properties of an event type, if there is one of that name.
    #[must_use]
    pub fn properties(&self, event: &str) -> Option<&[String]> {
        self.events
            .iter()
            .find(|(name, _)| name == event)
            .map(|(_, properties)| properties.as_slice())
    }

    #[must_use]
    pub fn is_event(&self, name: &str) -> bool {
        self.properties(name).is_some()
    }

    #[must_use]
    pub fn is_verb(&self, name: &str) -> bool {
        self.verbs.iter().any(|v| v == name)
    }
}

/// A builtin whose first argument is an event set (`did`, `count`, `sum`, ...).
#[must_use]
pub fn takes_event_set(name: &str) -> bool {
    builtins::find(name).is_some_and(|b| matches!(b.form, Form::Aggregate(_)))
}
