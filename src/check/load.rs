//! Loading a program's files: the roots the user named (files, or folders searched for
//! `*.seg`), then every file they import, depth first. Import paths are relative to the
//! importing file; a file is loaded once however often, and however spelled, it is named or
//! imported: files are told apart by their canonical path (symlinks resolved), not by the
//! text of the path. An import that cannot be read, and an import cycle, are diagnostics at
//! the `import` item. Every read is bounded ([`MAX_TEXT_FILE_BYTES`]), so an endless file
//! (`/dev/zero`) stops with an error instead of filling memory.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{ItemKind, Module};
use crate::syntax::parse_file;

/// The most bytes seg reads from a segment file, and from the other text files it reads
/// whole (the schema, `seg.toml`, `.segtest` files, standard input for `seg fmt -`): 16 MiB,
/// hundreds of times the largest real project's, so that a wrong path (`/dev/zero`, a log
/// file) fails at once instead of filling memory.
pub const MAX_TEXT_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a whole text file of at most `limit` bytes. A folder is an error saying so; a file
/// that is not a regular one (a device, a FIFO) is read up to the limit and no further, so an
/// endless one stops.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if metadata.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a folder, not a file",
        ));
    }
    if metadata.is_file() && metadata.len() > limit {
        return Err(too_large(limit));
    }
    read_to_limit(file, limit)
}

/// Reads a UTF-8 text file of at most [`MAX_TEXT_FILE_BYTES`] (seg.toml, `.segtest` files).
pub fn read_text(path: &Path) -> io::Result<String> {
    let bytes = read_bounded(path, MAX_TEXT_FILE_BYTES)?;
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "it is not UTF-8"))
}

/// Reads `reader` to its end, or fails once it has given more than `limit` bytes.
pub fn read_to_limit(reader: impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    // One byte past the limit tells a file of exactly `limit` bytes from a longer one.
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "it is larger than {} MiB, the limit for this kind of file",
            limit >> 20
        ),
    )
}

/// Every file below `dir`, in its subfolders too, that `wanted` keeps, sorted; subfolders that
/// `enter` refuses are skipped. A folder reached twice (a symlink back up the tree) is read
/// once, so the walk ends.
pub fn files_below(
    dir: &Path,
    enter: &dyn Fn(&Path) -> bool,
    wanted: &dyn Fn(&Path) -> bool,
) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if !seen.insert(std::fs::canonicalize(&dir)?) {
            continue;
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                if enter(&path) {
                    stack.push(path);
                }
            } else if wanted(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Where files come from: the disk, or memory (tests, docs, the REPL).
pub trait FileSystem {
    /// Reads a file's bytes.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    fn is_dir(&self, path: &Path) -> bool;
    /// Every `*.seg` file below a folder, sorted.
    fn seg_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// The file's identity: two paths naming the same file give the same canonical path.
    fn canonical(&self, path: &Path) -> PathBuf {
        normalize(path)
    }
    /// Reads a data file the program names (a `listed()` list) of at most `limit` bytes.
    fn read_data(&self, path: &Path, _limit: u64) -> io::Result<Vec<u8>> {
        self.read(path)
    }
}

/// The real file system.
pub struct DiskFs;

/// The disk, with one more file in memory (an ad-hoc expression's, a generated one's).
pub struct WithFile<'a> {
    path: &'a Path,
    text: &'a str,
}

impl<'a> WithFile<'a> {
    #[must_use]
    pub fn new(path: &'a str, text: &'a str) -> Self {
        WithFile {
            path: Path::new(path),
            text,
        }
    }
}

impl FileSystem for WithFile<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if path == self.path {
            Ok(self.text.as_bytes().to_vec())
        } else {
            DiskFs.read(path)
        }
    }

    fn is_dir(&self, path: &Path) -> bool {
        path != self.path && DiskFs.is_dir(path)
    }

    fn read_data(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        DiskFs.read_data(path, limit)
    }

    fn seg_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        DiskFs.seg_files(dir)
    }

    fn canonical(&self, path: &Path) -> PathBuf {
        if path == self.path {
            path.to_path_buf()
        } else {
            DiskFs.canonical(path)
        }
    }
}

impl FileSystem for DiskFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        read_bounded(path, MAX_TEXT_FILE_BYTES)
    }

    fn read_data(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        read_bounded(path, limit)
    }

    /// The path with symlinks, `.` and `..` resolved; a file that does not exist keeps its
    /// lexical normal form (it will fail to read, under the name it was given).
    fn canonical(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn seg_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        files_below(dir, &|_| true, &|p| {
            p.extension().is_some_and(|e| e == "seg")
        })
    }
}

/// Files held in memory, by path.
#[derive(Default)]
pub struct MemoryFs {
    pub files: BTreeMap<PathBuf, String>,
}

impl FileSystem for MemoryFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(&normalize(path))
            .map(|s| s.clone().into_bytes())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }

    fn is_dir(&self, path: &Path) -> bool {
        let dir = normalize(path);
        !self.files.contains_key(&dir) && self.files.keys().any(|p| p.starts_with(&dir))
    }

    fn seg_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let dir = normalize(dir);
        Ok(self
            .files
            .keys()
            .filter(|p| p.starts_with(&dir) && p.extension().is_some_and(|e| e == "seg"))
            .cloned()
            .collect())
    }
}

/// `a/./b/../c` becomes `a/c`, without touching the disk.
#[must_use]
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A root or the schema could not be read: an I/O error (exit code 2), not a diagnostic.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct LoadError {
    pub path: String,
    #[source]
    pub source: io::Error,
}

/// Every file of a program, parsed.
#[derive(Debug, Default)]
pub struct Loaded {
    pub modules: Vec<Module>,
    pub diagnostics: Vec<Diagnostic>,
    /// Names of items that did not parse (see [`crate::syntax::Parsed::broken_names`]).
    pub broken_names: Vec<String>,
    /// Files whose names are exports: reached only through imports, or named on the command
    /// line and imported by another loaded file. Files not loaded may use their `let`s, so an
    /// unused one is not reported. A file found in a folder root is never one: the folder is
    /// the whole project.
    pub exporting: HashSet<FileId>,
}

struct Loader<'a> {
    fs: &'a dyn FileSystem,
    sources: &'a mut SourceMap,
    loaded: Loaded,
    /// The files being loaded, outermost first: the path as named, the canonical path, and
    /// the import that led to the next one.
    stack: Vec<(PathBuf, PathBuf, Option<Span>)>,
    /// The canonical path of every file an import names, and of every file loaded.
    imported: HashSet<PathBuf>,
    files: Vec<(FileId, PathBuf)>,
}

/// Loads the roots and their imports into `sources`.
pub fn load(
    fs: &dyn FileSystem,
    sources: &mut SourceMap,
    roots: &[PathBuf],
) -> Result<Loaded, LoadError> {
    let mut files = Vec::new();
    let mut in_folders = HashSet::new();
    for root in roots {
        if fs.is_dir(root) {
            let found = fs.seg_files(root).map_err(|source| LoadError {
                path: root.display().to_string(),
                source,
            })?;
            if found.is_empty() {
                return Err(LoadError {
                    path: root.display().to_string(),
                    source: io::Error::new(
                        io::ErrorKind::NotFound,
                        "the folder holds no .seg files (searched with its subfolders)",
                    ),
                });
            }
            in_folders.extend(found.iter().map(|p| fs.canonical(&normalize(p))));
            files.extend(found);
        } else {
            files.push(root.clone());
        }
    }
    let mut loader = Loader {
        fs,
        sources,
        loaded: Loaded::default(),
        stack: Vec::new(),
        imported: HashSet::new(),
        files: Vec::new(),
    };
    for file in files {
        let path = normalize(&file);
        let canonical = fs.canonical(&path);
        if loader.sources.find_path(&canonical).is_some() {
            continue;
        }
        let bytes = fs.read(&path).map_err(|source| LoadError {
            path: file.display().to_string(),
            source,
        })?;
        loader.load_file(&path, canonical, &bytes);
    }
    let mut loaded = loader.loaded;
    loaded.exporting = loader
        .files
        .iter()
        .filter(|(_, path)| !in_folders.contains(path) && loader.imported.contains(path))
        .map(|(id, _)| *id)
        .collect();
    Ok(loaded)
}

/// Adds a file's text to the map; bytes that are not UTF-8 become a diagnostic.
pub fn add_source(
    sources: &mut SourceMap,
    name: String,
    path: Option<PathBuf>,
    bytes: &[u8],
) -> (FileId, Option<Diagnostic>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (sources.add(name, path, text.to_string()), None),
        Err(e) => {
            let at = e.valid_up_to();
            let id = sources.add(name, path, String::from_utf8_lossy(bytes).into_owned());
            let d = Diagnostic::new(
                Code::Syntax,
                Span::new(id, at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
                "the file is not valid UTF-8",
                "this byte",
            )
            .with_help("save the file as UTF-8");
            (id, Some(d))
        }
    }
}

impl Loader<'_> {
    /// Loads a file named `path` (as written, normalized: messages and imports relative to it
    /// use it) whose identity is `canonical`.
    fn load_file(&mut self, path: &Path, canonical: PathBuf, bytes: &[u8]) {
        let (id, utf8_error) = add_source(
            self.sources,
            path.display().to_string(),
            Some(canonical.clone()),
            bytes,
        );
        self.files.push((id, canonical.clone()));
        if let Some(d) = utf8_error {
            self.loaded.diagnostics.push(d);
            return;
        }
        let parsed = parse_file(id, &self.sources.get(id).text);
        self.loaded.diagnostics.extend(parsed.diagnostics);
        self.loaded.broken_names.extend(parsed.broken_names);
        self.stack.push((path.to_path_buf(), canonical, None));
        for item in &parsed.module.items {
            if let ItemKind::Import(target) = &item.kind {
                self.import(path, target.value.as_str(), target.span);
            }
        }
        self.stack.pop();
        self.loaded.modules.push(parsed.module);
    }

    fn import(&mut self, from: &Path, target: &str, span: Span) {
        let path = normalize(&from.parent().unwrap_or(Path::new("")).join(target));
        let canonical = self.fs.canonical(&path);
        self.imported.insert(canonical.clone());
        if let Some(start) = self.stack.iter().position(|(_, c, _)| *c == canonical) {
            self.report_cycle(start, &path, span);
            return;
        }
        if self.sources.find_path(&canonical).is_some() {
            return;
        }
        match self.fs.read(&path) {
            Ok(bytes) => {
                if let Some(last) = self.stack.last_mut() {
                    last.2 = Some(span);
                }
                self.load_file(&path, canonical, &bytes);
            }
            Err(error) => {
                let mut d = Diagnostic::new(
                    Code::UnresolvedImport,
                    span,
                    format!("cannot import `{target}`: {}", describe_io(&error)),
                    format!("looked for {}", path.display()),
                )
                .with_help("import paths are relative to the importing file's folder");
                let dir = path.parent().unwrap_or(Path::new(""));
                if let Ok(siblings) = self.fs.seg_files(dir) {
                    let names: Vec<String> = siblings
                        .iter()
                        .filter(|p| p.parent() == Some(dir))
                        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .collect();
                    let wanted = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if let Some(close) =
                        crate::names::closest(&wanted, names.iter().map(String::as_str))
                    {
                        d = d.with_help(format!("did you mean `{close}`? Import paths are relative to the importing file's folder"));
                    }
                }
                self.loaded.diagnostics.push(d);
            }
        }
    }

    fn report_cycle(&mut self, start: usize, path: &Path, span: Span) {
        let mut names: Vec<String> = self.stack[start..]
            .iter()
            .map(|(p, _, _)| p.display().to_string())
            .collect();
        names.push(path.display().to_string());
        let mut d = Diagnostic::new(
            Code::ImportCycle,
            span,
            format!("import cycle: {}", names.join(" -> ")),
            "this import closes the cycle",
        )
        .with_help("move what both files need into a third file that both import");
        for (_, _, via) in &self.stack[start..] {
            if let Some(via) = via {
                d = d.with_secondary(*via, "imported here");
            }
        }
        self.loaded.diagnostics.push(d);
    }
}

fn describe_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string(),
    }
}
