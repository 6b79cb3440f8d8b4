//! The definitions a service runs: the schema and the checked segment files, read at start
//! and again on `POST /v1/reload`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use regex::Regex;

use super::reach::Reads;
use crate::check::{check_paths, DiskFs};
use crate::plan::{Plan, SegmentId, Target};
use crate::source::SourceMap;

/// A checked set of segment files.
pub struct Definitions {
    pub schema_path: PathBuf,
    pub roots: Vec<PathBuf>,
    pub plan: Plan,
    pub sources: SourceMap,
    /// The schema file's text, to tell whether a reload changed it.
    pub schema_text: String,
    pub regexes: HashMap<String, Regex>,
    /// The plan cut to the user segments, and to the account segments (with the user
    /// segments they read): what re-evaluating a user, or an account, needs. Each with the
    /// index in `plan` of each of its segments.
    pub users_only: (Plan, Vec<usize>),
    pub accounts_only: (Plan, Vec<usize>),
    /// The campaigns' clauses and the user segments they read, for deciding for one user
    /// ([`crate::analytics::campaigns::clauses_only`]).
    pub campaigns: (Plan, Vec<crate::analytics::campaigns::Clauses>),
    /// What `accounts_only` reads: arrivals that can change an account segment, and the
    /// tables its small stores need.
    pub accounts_read: Reads,
    /// What each segment reads ([`super::reach`]).
    pub reads: Vec<Reads>,
    /// The user segments to evaluate again when given inputs change, by those inputs.
    cuts: Mutex<rustc_hash::FxHashMap<Reads, Arc<Cut>>>,
    /// Small stores evaluated before, whose memory the next ones reuse.
    spare: Mutex<Vec<crate::store::Store>>,
    by_name: HashMap<String, usize>,
}

/// The plan cut to the user segments that read some inputs (and what they refer to).
pub struct Cut {
    pub plan: Plan,
    /// Where each segment of the cut is in the whole plan.
    pub index: Vec<usize>,
    /// What the cut reads: the tables its small stores need.
    pub needed: Reads,
}

/// The plan cut to the segments of one kind (and what they read), and where each of its
/// segments is in `plan`.
fn cut(plan: &Plan, target: Target) -> (Plan, Vec<usize>) {
    let roots: Vec<SegmentId> = (0u32..)
        .zip(&plan.segments)
        .filter(|(_, s)| s.target == target)
        .map(|(i, _)| SegmentId(i))
        .collect();
    let (cut, _) = plan.prune(&roots);
    let index = cut
        .segments
        .iter()
        .map(|s| {
            plan.segments
                .iter()
                .position(|t| t.name == s.name)
                .expect("a kept segment is in the plan")
        })
        .collect();
    (cut, index)
}

/// Why definitions were refused: diagnostics (each one JSON object, as `seg check --format
/// json` prints them), or a file that could not be read.
#[derive(Debug)]
pub enum Refused {
    Diagnostics(Vec<serde_json::Value>),
    Unreadable(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unreadable(message) => f.write_str(message),
            Refused::Diagnostics(list) => {
                for d in list {
                    writeln!(f, "{d}")?;
                }
                Ok(())
            }
        }
    }
}

/// How many small stores are kept for reuse, and the most events one may hold.
const SPARE_STORES: usize = 8;
const SPARE_STORE_EVENTS: usize = 100_000;

/// The errors among diagnostics, each as `seg check --format json` prints it.
#[must_use]
pub fn errors(
    sources: &SourceMap,
    diagnostics: &[crate::diag::Diagnostic],
) -> Vec<serde_json::Value> {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            serde_json::from_str(&crate::diag::render::to_json(sources, d))
                .expect("a diagnostic is JSON")
        })
        .collect()
}

impl Definitions {
    /// Reads and checks the schema and the segment files; any error refuses the set.
    pub fn load(schema_path: &Path, roots: &[PathBuf]) -> Result<Definitions, Refused> {
        let mut sources = SourceMap::new();
        let checked = check_paths(&DiskFs, &mut sources, schema_path, roots)
            .map_err(|e| Refused::Unreadable(e.to_string()))?;
        let Some(plan) = checked.plan.filter(|_| {
            !checked
                .diagnostics
                .iter()
                .any(crate::diag::Diagnostic::is_error)
        }) else {
            return Err(Refused::Diagnostics(errors(&sources, &checked.diagnostics)));
        };
        // The check read the schema into the sources, under the name it was given.
        let name = schema_path.display().to_string();
        let schema_text = sources
            .iter()
            .find(|(_, file)| file.name == name)
            .map(|(_, file)| file.text.clone())
            .unwrap_or_default();
        let by_name = plan
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        Ok(Definitions {
            schema_path: schema_path.to_path_buf(),
            roots: roots.to_vec(),
            regexes: crate::interp::regexes(&plan),
            users_only: cut(&plan, Target::User),
            reads: super::reach::reads(&plan),
            accounts_read: {
                let reads = super::reach::reads(&plan);
                let mut read = Reads::none(plan.schema.events.len());
                for (segment, r) in plan.segments.iter().zip(&reads) {
                    if segment.target == Target::Account {
                        read.add(r);
                    }
                }
                read
            },
            cuts: Mutex::new(rustc_hash::FxHashMap::default()),
            spare: Mutex::new(Vec::new()),
            accounts_only: cut(&plan, Target::Account),
            campaigns: crate::analytics::campaigns::clauses_only(&plan),
            plan,
            sources,
            schema_text,
            by_name,
        })
    }

    /// The user segments that read any of `dirty`, cut from the plan (kept for the next time).
    #[must_use]
    pub fn user_cut(&self, dirty: &Reads) -> Arc<Cut> {
        let mut cuts = self.cuts.lock().expect("the cuts");
        if let Some(cut) = cuts.get(dirty) {
            return Arc::clone(cut);
        }
        let (plan, index, needed) = super::reach::user_cut(&self.plan, &self.reads, dirty);
        let cut = Arc::new(Cut {
            plan,
            index,
            needed,
        });
        // Bounded: the kinds of inputs a request brings are few, but not in principle.
        if cuts.len() >= 4096 {
            cuts.clear();
        }
        cuts.insert(dirty.clone(), Arc::clone(&cut));
        cut
    }

    /// A builder for a small store of this schema, reusing the memory of one evaluated before.
    #[must_use]
    pub fn builder(&self) -> crate::store::StoreBuilder<'_> {
        match self.spare.lock().expect("the spare stores").pop() {
            Some(store) => crate::store::StoreBuilder::recycle(&self.plan.schema, store),
            None => crate::store::StoreBuilder::new(&self.plan.schema),
        }
    }

    /// Gives back a small store once evaluated, for [`Definitions::builder`] to reuse (a few
    /// of them, and not big ones).
    pub fn give_back(&self, store: crate::store::Store) {
        let mut spare = self.spare.lock().expect("the spare stores");
        if spare.len() < SPARE_STORES && store.event_count() <= SPARE_STORE_EVENTS {
            spare.push(store);
        }
    }

    /// The index of a segment by name.
    #[must_use]
    pub fn segment(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// Whether segment `i` is a user segment.
    #[must_use]
    pub fn is_user(&self, i: usize) -> bool {
        self.plan.segments[i].target == Target::User
    }

    /// A segment's file (as named) and its definition's text, from its first line to the end
    /// of its body.
    #[must_use]
    pub fn source(&self, i: usize) -> (String, String) {
        let segment = &self.plan.segments[i];
        let file = self.sources.get(segment.span.file);
        let start = file.text[..segment.span.start]
            .rfind('\n')
            .map_or(0, |n| n + 1);
        let end = segment
            .body
            .span
            .end
            .max(segment.span.end)
            .min(file.text.len());
        (file.name.clone(), file.text[start..end].to_string())
    }
}
