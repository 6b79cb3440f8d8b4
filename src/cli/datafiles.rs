//! The data files that data flags (`--events`, `--profiles`, `--accounts`, `seg infer-schema`)
//! and `[data]` of seg.toml name: a file is itself; a folder stands for every data file below
//! it (by extension, subfolders included, in sorted order), so a folder with none is an
//! error; and a file named twice, under any spelling, is refused, since its rows would count
//! twice. Files are told apart by their canonical path (symlinks resolved).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::check::load::files_below;

/// The extensions of data files looked for in a folder (any case), as the loaders read them
/// (`store::load`; Spark's JSON writer names NDJSON files `.json`).
pub const DATA_EXTENSIONS: [&str; 5] = ["ndjson", "jsonl", "json", "csv", "parquet"];

/// What the data files of one flag came to: the files, and warnings for what a folder held
/// besides them.
#[derive(Debug, Default)]
pub struct Expanded {
    pub files: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// Whether the path's extension is one of [`DATA_EXTENSIONS`].
pub fn is_data_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DATA_EXTENSIONS.iter().any(|d| e.eq_ignore_ascii_case(d)))
}

/// Names that writers of partitioned data use for files that are not data (`_SUCCESS`,
/// `_temporary/`, `.part-0.parquet.crc`): skipped, like Hive and Spark do.
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.starts_with('_'))
}

/// The files `paths` name for `flag` (the flag, or the seg.toml key, for messages).
pub fn expand(flag: &str, paths: &[PathBuf]) -> Result<Expanded, String> {
    let mut expanded = Expanded::default();
    for path in paths {
        if path.is_dir() {
            folder(flag, path, &mut expanded)?;
        } else if is_device(path) {
            // A device never ends (`/dev/zero`) or is a terminal: never a data file.
            return Err(format!(
                "{flag} {}: a device, not a data file",
                path.display()
            ));
        } else {
            expanded.files.push(path.clone());
        }
    }
    Ok(expanded)
}

/// Every data file below `dir`, with warnings for the other files and for partition keys.
fn folder(flag: &str, dir: &Path, expanded: &mut Expanded) -> Result<(), String> {
    let shown = dir.display();
    let files = files_below(dir, &|p| !is_hidden(p), &|p| !is_hidden(p))
        .map_err(|e| format!("{flag} {shown}: cannot read the folder: {e}"))?;
    let (data, other): (Vec<PathBuf>, Vec<PathBuf>) =
        files.into_iter().partition(|p| is_data_file(p));
    if data.is_empty() {
        let mut message = format!(
            "{flag} {shown}: the folder holds no data files (.ndjson, .jsonl, .json, .csv or .parquet, \
             searched with its subfolders)"
        );
        if other
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "seg"))
        {
            message.push_str(
                "; it holds segment files: name segment files before the data flags, or after \
                 `--`",
            );
        }
        return Err(message);
    }
    if let Some(first) = other.first() {
        let mut warning = format!(
            "{flag} {shown}: skipped {} file{} that {} not .ndjson, .jsonl, .json, .csv or .parquet ({}",
            other.len(),
            if other.len() == 1 { "" } else { "s" },
            if other.len() == 1 { "is" } else { "are" },
            first.display()
        );
        if other.len() > 1 {
            warning.push_str(", ...");
        }
        warning.push(')');
        expanded.warnings.push(warning);
    }
    let keys = partition_keys(dir, &data);
    if !keys.is_empty() {
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        expanded.warnings.push(format!(
            "{flag} {shown}: the keys of its key=value folders ({}) are not columns: only the \
             values in the files' rows are read",
            keys.join(", ")
        ));
    }
    expanded.files.extend(data);
    Ok(())
}

#[cfg(unix)]
fn is_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path)
        .is_ok_and(|m| m.file_type().is_char_device() || m.file_type().is_block_device())
}

#[cfg(not(unix))]
fn is_device(_: &Path) -> bool {
    false
}

/// The keys of Hive-style `key=value` folders between `dir` and the files.
fn partition_keys(dir: &Path, files: &[PathBuf]) -> BTreeSet<String> {
    files
        .iter()
        .filter_map(|f| f.parent()?.strip_prefix(dir).ok())
        .flat_map(Path::components)
        .filter_map(|c| {
            c.as_os_str()
                .to_str()?
                .split_once('=')
                .map(|(k, _)| k.to_string())
        })
        .collect()
}

/// Refuses a data file named twice (twice by one flag, by two flags, by a folder and by name,
/// or under two spellings): its rows would count twice.
pub fn refuse_duplicates<'a>(files: impl Iterator<Item = &'a PathBuf>) -> Result<(), String> {
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    for file in files {
        let canonical =
            std::fs::canonicalize(file).unwrap_or_else(|_| crate::check::load::normalize(file));
        if let Some(first) = seen.insert(canonical, file) {
            let also = if first == file.as_path() {
                String::new()
            } else {
                format!(" (also as {})", first.display())
            };
            return Err(format!(
                "the data file {} is named twice{also}: its rows would count twice; name it once",
                file.display()
            ));
        }
    }
    Ok(())
}
