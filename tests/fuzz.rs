//! Property tests: no input makes the front end panic, and every input yields either a plan
//! or at least one diagnostic, whose spans lie inside their files and render. Three sources of
//! input, 10,000 cases in all: random bytes, random token soup, and random mutations of the
//! example files. Longer runs: `PROPTEST_CASES=100000 cargo test --release --test fuzz`.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use seg::check::{check_paths, MemoryFs};
use seg::diag::render::to_plain_string;
use seg::source::SourceMap;

fn example_files() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/segments");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .map(|p| {
            (
                PathBuf::from(p.file_name().unwrap()),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn schema() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/schema.toml"))
        .unwrap()
}

/// Checks `bytes` as `main.seg` beside the example files; asserts the invariants.
fn check_bytes(bytes: &[u8]) {
    let mut fs = MemoryFs::default();
    fs.files.insert(PathBuf::from("schema.toml"), schema());
    for (path, text) in example_files() {
        fs.files.insert(path, String::from_utf8(text).unwrap());
    }
    // MemoryFs holds text; bytes that are not UTF-8 go through a file on disk instead.
    let mut sources = SourceMap::new();
    let checked = if let Ok(text) = String::from_utf8(bytes.to_vec()) {
        fs.files.insert(PathBuf::from("main.seg"), text);
        check_paths(
            &fs,
            &mut sources,
            Path::new("schema.toml"),
            &[PathBuf::from("main.seg")],
        )
        .unwrap()
    } else {
        let dir = std::env::temp_dir().join(format!("seg-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("main.seg");
        std::fs::write(&path, bytes).unwrap();
        check_paths(
            &seg::check::DiskFs,
            &mut sources,
            &dir.join("schema.toml").with_file_name("schema.toml"),
            &[path],
        )
        .or_else(|_| {
            std::fs::write(dir.join("schema.toml"), schema()).unwrap();
            check_paths(
                &seg::check::DiskFs,
                &mut sources,
                &dir.join("schema.toml"),
                &[dir.join("main.seg")],
            )
        })
        .unwrap()
    };
    assert!(
        checked.plan.is_some() || !checked.diagnostics.is_empty(),
        "neither a plan nor a diagnostic"
    );
    for d in &checked.diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let text = &sources.get(label.span.file).text;
            assert!(
                label.span.start <= label.span.end && label.span.end <= text.len(),
                "span {:?} outside its file",
                label.span
            );
            assert!(
                text.is_char_boundary(label.span.start) && text.is_char_boundary(label.span.end)
            );
        }
    }
    let _ = to_plain_string(&sources, &checked.diagnostics);
}

const TOKENS: &[&str] = &[
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
    "first",
    "top",
    "steps",
    "changed",
    "from",
    "to",
    "users",
    "any",
    "all",
    "bucket",
    "lower",
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
    "12",
    "3.5",
    "2024-11-01",
    "2024-11-01T10:00:00Z",
    "\"/pricing\"",
    "\"a\\q\"",
    "\"open",
    "#c\n",
    "\n",
    "x",
    "1e999",
    "99999999999999999999d",
    "((((",
    "))))",
];

/// Which example file, and edits: (kind, position, payload).
type Mutation = (usize, Vec<(u8, usize, Vec<u8>)>);

fn mutation() -> impl Strategy<Value = Mutation> {
    let edit = (
        0u8..4,
        any::<usize>(),
        prop::collection::vec(any::<u8>(), 0..8),
    );
    (any::<usize>(), prop::collection::vec(edit, 1..6))
}

fn apply((file, edits): &Mutation, files: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    let mut bytes = files[file % files.len()].1.clone();
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
                let token = TOKENS[payload.first().map_or(0, |b| *b as usize) % TOKENS.len()];
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
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check_bytes(&bytes);
    }

    #[test]
    fn token_soup_never_panics(picks in prop::collection::vec(0..TOKENS.len(), 0..60)) {
        let text: Vec<&str> = picks.iter().map(|&i| TOKENS[i]).collect();
        check_bytes(text.join(" ").as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_examples_never_panic(m in mutation()) {
        let files = example_files();
        check_bytes(&apply(&m, &files));
    }
}
