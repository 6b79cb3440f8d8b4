//! Loading a program's files: the roots the user named (files, or folders searched for
//! `*.seg`), then every file they import, depth first. Import paths are relative to the
//! importing file; a path is loaded once however often it is imported. An import that cannot
//! be read, and an import cycle, are diagnostics at the `import` item.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{ItemKind, Module};
use crate::syntax::parse_file;

/// Where files come from: the disk, or memory (tests, docs, the REPL).
pub trait FileSystem {
    /// Reads a file's bytes.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    fn is_dir(&self, path: &Path) -> bool;
    /// Every `*.seg` file below a folder, sorted.
    fn seg_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
}

/// The real file system.
pub struct DiskFs;

impl FileSystem for DiskFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn seg_files(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "seg") {
                    out.push(path);
                }
            }
        }
        out.sort();
        Ok(out)
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
    /// The files being loaded, outermost first, with the import that led to the next one.
    stack: Vec<(PathBuf, Option<Span>)>,
    /// Every path an import names, and every file loaded.
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
            in_folders.extend(found.iter().map(|p| normalize(p)));
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
        if loader.sources.find_path(&path).is_some() {
            continue;
        }
        let bytes = fs.read(&path).map_err(|source| LoadError {
            path: file.display().to_string(),
            source,
        })?;
        loader.load_file(&path, &bytes);
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
    fn load_file(&mut self, path: &Path, bytes: &[u8]) {
        let (id, utf8_error) = add_source(
            self.sources,
            path.display().to_string(),
            Some(path.to_path_buf()),
            bytes,
        );
        self.files.push((id, path.to_path_buf()));
        if let Some(d) = utf8_error {
            self.loaded.diagnostics.push(d);
            return;
        }
        let parsed = parse_file(id, &self.sources.get(id).text);
        self.loaded.diagnostics.extend(parsed.diagnostics);
        self.loaded.broken_names.extend(parsed.broken_names);
        self.stack.push((path.to_path_buf(), None));
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
        self.imported.insert(path.clone());
        if let Some(start) = self.stack.iter().position(|(p, _)| *p == path) {
            self.report_cycle(start, &path, span);
            return;
        }
        if self.sources.find_path(&path).is_some() {
            return;
        }
        match self.fs.read(&path) {
            Ok(bytes) => {
                if let Some(last) = self.stack.last_mut() {
                    last.1 = Some(span);
                }
                self.load_file(&path, &bytes);
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
            .map(|(p, _)| p.display().to_string())
            .collect();
        names.push(path.display().to_string());
        let mut d = Diagnostic::new(
            Code::ImportCycle,
            span,
            format!("import cycle: {}", names.join(" -> ")),
            "this import closes the cycle",
        )
        .with_help("move what both files need into a third file that both import");
        for (_, via) in &self.stack[start..] {
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
