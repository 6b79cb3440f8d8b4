//! Inputs for the front end: random bytes, random token soup, and random edits of the
//! example files (delete a run, insert bytes, insert a token, copy a slice elsewhere); and
//! the check of one input as `main.seg` beside the example files, with its invariants: no
//! panic, a plan or at least one diagnostic, and every diagnostic's spans inside their files
//! on character boundaries, rendering without a panic.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use seg::check::{check_paths, MemoryFs};
use seg::diag::render::to_plain_string;
use seg::source::SourceMap;

use super::harness::Verdict;

/// The example segment files (name, text), read once.
pub fn example_files() -> &'static [(PathBuf, String)] {
    static FILES: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/segments");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "seg"))
            .map(|p| {
                let name = PathBuf::from(p.file_name().unwrap());
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        files.sort();
        files
    })
}

fn schema() -> &'static str {
    static SCHEMA: OnceLock<String> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/schema.toml"))
            .unwrap()
    })
}

/// A folder of this thread's own (made once), for inputs that must go through a file on disk.
pub fn thread_dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static DIR: PathBuf = {
            let dir = std::env::temp_dir().join(format!(
                "seg-fuzz-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            dir
        };
    }
    DIR.with(Clone::clone)
}

/// Checks `bytes` as `main.seg` beside the example files.
pub fn check_bytes(bytes: &[u8]) -> Verdict {
    let mut sources = SourceMap::new();
    // MemoryFs holds text; bytes that are not UTF-8 go through a file on disk instead.
    let checked = if let Ok(text) = std::str::from_utf8(bytes) {
        let mut fs = MemoryFs::default();
        fs.files
            .insert(PathBuf::from("schema.toml"), schema().to_string());
        fs.files.extend(example_files().iter().cloned());
        fs.files.insert(PathBuf::from("main.seg"), text.to_string());
        check_paths(
            &fs,
            &mut sources,
            Path::new("schema.toml"),
            &[PathBuf::from("main.seg")],
        )
    } else {
        let dir = thread_dir();
        std::fs::write(dir.join("schema.toml"), schema()).unwrap();
        std::fs::write(dir.join("main.seg"), bytes).unwrap();
        check_paths(
            &seg::check::DiskFs,
            &mut sources,
            &dir.join("schema.toml"),
            &[dir.join("main.seg")],
        )
    };
    let checked = checked.map_err(|e| format!("an I/O error on files in memory: {e}"))?;
    if checked.plan.is_none() && checked.diagnostics.is_empty() {
        return Err("neither a plan nor a diagnostic".into());
    }
    for d in &checked.diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let text = &sources.get(label.span.file).text;
            let (start, end) = (label.span.start, label.span.end);
            if start > end || end > text.len() {
                return Err(format!("span {:?} outside its file", label.span));
            }
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                return Err(format!("span {:?} inside a character", label.span));
            }
        }
    }
    let _ = to_plain_string(&sources, &checked.diagnostics);
    Ok(if checked.plan.is_some() {
        "plan"
    } else {
        "diagnostics"
    })
}

pub const TOKENS: &[&str] = &[
    "segment",
    "let",
    "import",
    "on",
    "account",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "and",
    "or",
    "not",
    "in",
    "contains",
    "starts_with",
    "ends_with",
    "matches",
    "is",
    "set",
    "then",
    "ago",
    "where",
    "within",
    "today",
    "yesterday",
    "between",
    "before",
    "after",
    "during",
    "months",
    "weekdays",
    "hours",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "+",
    "-",
    "*",
    "/",
    "did",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "first",
    "last",
    "top",
    "distinct",
    "days",
    "steps",
    "changed",
    "from",
    "to",
    "users",
    "any",
    "all",
    "bucket",
    "lower",
    "len",
    "visited",
    "purchase",
    "page_view",
    "value",
    "url",
    "profile",
    "country",
    "ts",
    "now",
    "true",
    "7d",
    "30s",
    "0d",
    "12",
    "3.5",
    "-2",
    "0",
    "2024-11-01",
    "2024-11-01T10:00:00Z",
    "\"/pricing\"",
    "\"a\\q\"",
    "\"open",
    "\"(\"",
    "#c\n",
    "\n",
    "x",
    "1e999",
    "99999999999999999999d",
    "9223372036854775807",
    "((((",
    "))))",
];

/// Edits of a text: (kind, position, payload).
pub type Edits = Vec<(u8, usize, Vec<u8>)>;

pub fn edits() -> impl Strategy<Value = Edits> {
    let edit = (
        0u8..4,
        any::<usize>(),
        prop::collection::vec(any::<u8>(), 0..8),
    );
    prop::collection::vec(edit, 1..6)
}

/// Applies `edits` to `bytes`, inserting tokens of `tokens`.
pub fn apply(bytes: &mut Vec<u8>, edits: &Edits, tokens: &[&str]) {
    for (kind, at, payload) in edits {
        let at = if bytes.is_empty() {
            0
        } else {
            at % bytes.len()
        };
        match kind {
            0 => {
                let end = (at + payload.len() * 3).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                bytes.splice(at..at, payload.iter().copied());
            }
            2 => {
                let token = tokens[payload.first().map_or(0, |b| *b as usize) % tokens.len()];
                bytes.splice(at..at, format!(" {token} ").into_bytes());
            }
            _ => {
                let end = (at + 40).min(bytes.len());
                let slice: Vec<u8> = bytes[at..end].to_vec();
                let to = payload.first().map_or(0, |b| *b as usize * 97) % bytes.len().max(1);
                bytes.splice(to..to, slice);
            }
        }
    }
}

/// An input of the front end.
#[derive(Debug, Clone)]
pub enum Source {
    Bytes(Vec<u8>),
    /// Indexes into [`TOKENS`].
    Tokens(Vec<usize>),
    /// Which example file, and its edits.
    Mutated(usize, Edits),
}

pub fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..300).prop_map(Source::Bytes),
        3 => prop::collection::vec(0..TOKENS.len(), 0..60).prop_map(Source::Tokens),
        4 => (any::<usize>(), edits()).prop_map(|(file, e)| Source::Mutated(file, e)),
    ]
}

impl Source {
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Source::Bytes(bytes) => bytes.clone(),
            Source::Tokens(picks) => {
                let text: Vec<&str> = picks.iter().map(|&i| TOKENS[i]).collect();
                text.join(" ").into_bytes()
            }
            Source::Mutated(file, edits) => {
                let files = example_files();
                let mut bytes = files[file % files.len()].1.clone().into_bytes();
                apply(&mut bytes, edits, TOKENS);
                bytes
            }
        }
    }
}

/// An input as a report shows it: its text, escaped.
pub fn describe_bytes(bytes: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(bytes))
}
