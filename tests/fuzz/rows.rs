//! Data rows into the loaders: a few lines of the example data (NDJSON or CSV, a header
//! and rows) with random edits (bytes, or tokens of the formats and of the schema), random
//! lines, and Parquet files (small ones written once from the example data) with bytes
//! overwritten or cut off. Each file is loaded as events, profiles or accounts (mostly its
//! own kind) twice: skipping bad rows, where every row must be loaded or counted as skipped
//! (rows in = rows loaded + rows skipped: nothing dropped silently), and failing on the first
//! bad row, whose error must name the file and a line that exists. A whole-file error (a CSV
//! header that cannot be read, a Parquet file that is not one) must name the file.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use seg::schema::Schema;
use seg::source::FileId;
use seg::store::load::{load_file, DataError, Kind, LoadReport, OnBadRow};
use seg::store::StoreBuilder;

use super::harness::Verdict;
use super::source::{apply, edits, thread_dir, Edits};

/// Lines of each example data file used as material.
const LINES: usize = 200;
/// Rows of the example data in each Parquet file.
const PARQUET_ROWS: usize = 12;

const KINDS: [(Kind, &str); 3] = [
    (Kind::Events, "events"),
    (Kind::Profiles, "profiles"),
    (Kind::Accounts, "accounts"),
];

/// Tokens the edits insert: pieces of JSON and CSV, odd values, and the schema's names.
const DATA_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "\"\"",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1e999",
    "-1e309",
    "NaN",
    "1.5",
    "18446744073709551616",
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    "\u{0}",
    "é",
    " ",
    "\t",
    "\"user_id\":",
    "\"event\":",
    "\"ts\":",
    "\"account_id\":",
    "\"value\":",
    "\"u1\"",
    "\"purchase\"",
    "\"2024-03-13T10:21:14Z\"",
    "2024-03-13T10:21:14Z",
    "2024-03-13T10:21:14+25:00",
    "2024-02-30",
    "9999-12-31T23:59:59Z",
    "0000-01-01",
    "2024-03-13 10:21:14.1234567",
    "user_id",
    "event",
    "ts",
    "account_id",
    "purchase",
    "value",
    "country",
    "seats",
    "email_opt_in",
    "{\"a\":{}}",
];

struct Material {
    schema: Schema,
    /// Per kind: the NDJSON lines, the CSV header and the CSV rows (each with its newline).
    ndjson: [Vec<String>; 3],
    csv_header: [String; 3],
    csv_rows: [Vec<String>; 3],
    /// Per kind: a small Parquet file's bytes.
    parquet: [Vec<u8>; 3],
}

fn material() -> &'static Material {
    static MATERIAL: OnceLock<Material> = OnceLock::new();
    MATERIAL.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let schema_text = std::fs::read_to_string(root.join("schema.toml")).unwrap();
        let schema = Schema::from_toml(FileId(0), &schema_text).expect("the example schema");
        let lines = |name: &str| -> Vec<String> {
            let text = std::fs::read_to_string(root.join("data").join(name)).unwrap();
            text.split_inclusive('\n')
                .take(LINES + 1)
                .map(str::to_string)
                .collect()
        };
        let ndjson = KINDS.map(|(_, name)| lines(&format!("{name}.ndjson")));
        let csv = KINDS.map(|(_, name)| lines(&format!("{name}.csv")));
        let dir = thread_dir();
        let parquet = KINDS.map(|(kind, name)| {
            let source = dir.join(format!("base-{name}.ndjson"));
            let target = dir.join(format!("base-{name}.parquet"));
            let text =
                std::fs::read_to_string(root.join("data").join(format!("{name}.ndjson"))).unwrap();
            let head: String = text.split_inclusive('\n').take(PARQUET_ROWS).collect();
            std::fs::write(&source, head).unwrap();
            seg::store::parquet::ndjson_to_parquet(&schema, kind, &source, &target).unwrap();
            std::fs::read(&target).unwrap()
        });
        Material {
            schema,
            csv_header: csv.clone().map(|l| l[0].clone()),
            csv_rows: csv.map(|l| l[1..].to_vec()),
            ndjson,
            parquet,
        }
    })
}

/// A data file: its format and content, and the kind it is loaded as.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// Index into [`KINDS`].
    kind: usize,
    /// Loaded as its own kind, or as this one.
    loaded_as: Option<usize>,
    content: Content,
}

#[derive(Debug, Clone)]
enum Content {
    /// `count` lines from `start` (and the header, for CSV), then the edits.
    Ndjson(usize, usize, Edits),
    Csv(usize, usize, Edits),
    /// Lines of random bytes.
    Random(bool, Vec<Vec<u8>>),
    /// Bytes overwritten (position, value), then cut to a length if any.
    Parquet(Vec<(usize, u8)>, Option<usize>),
}

/// Data files; corrupt Parquet files only if `parquet` (see tests/fuzz.rs).
pub fn data_file() -> impl Strategy<Value = DataFile> {
    let lines = (0..LINES, 0usize..8);
    let content = prop_oneof![
        4 => (lines.clone(), edits()).prop_map(|((s, n), e)| Content::Ndjson(s, n, e)),
        4 => (lines, edits()).prop_map(|((s, n), e)| Content::Csv(s, n, e)),
        1 => (any::<bool>(), prop::collection::vec(prop::collection::vec(any::<u8>(), 0..60), 0..5))
            .prop_map(|(csv, l)| Content::Random(csv, l)),
        2 => (
            prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
            prop::option::weighted(0.2, any::<usize>()),
        )
            .prop_map(|(o, cut)| Content::Parquet(o, cut)),
    ];
    (0..3usize, prop::option::weighted(0.15, 0..3usize), content).prop_map(
        |(kind, loaded_as, content)| DataFile {
            kind,
            loaded_as,
            content,
        },
    )
}

impl DataFile {
    /// The Parquet file of kind `kind` with bytes overwritten, loaded as its own kind.
    pub fn corrupt_parquet(kind: usize, overwrites: Vec<(usize, u8)>) -> Self {
        DataFile {
            kind,
            loaded_as: None,
            content: Content::Parquet(overwrites, None),
        }
    }

    fn extension(&self) -> &'static str {
        match &self.content {
            Content::Ndjson(..) | Content::Random(false, _) => "ndjson",
            Content::Csv(..) | Content::Random(true, _) => "csv",
            Content::Parquet(..) => "parquet",
        }
    }

    /// The file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let m = material();
        let tokens: Vec<&str> = DATA_TOKENS.to_vec();
        let pick = |lines: &[String], start: usize, count: usize| -> Vec<u8> {
            let start = start % lines.len().max(1);
            lines
                .iter()
                .skip(start)
                .take(count)
                .flat_map(|l| l.bytes())
                .collect()
        };
        match &self.content {
            Content::Ndjson(start, count, e) => {
                let mut bytes = pick(&m.ndjson[self.kind], *start, *count);
                apply(&mut bytes, e, &tokens);
                bytes
            }
            Content::Csv(start, count, e) => {
                let mut bytes = m.csv_header[self.kind].clone().into_bytes();
                bytes.extend(pick(&m.csv_rows[self.kind], *start, *count));
                apply(&mut bytes, e, &tokens);
                bytes
            }
            Content::Random(_, lines) => lines.join(&b'\n'),
            Content::Parquet(overwrites, cut) => {
                let mut bytes = m.parquet[self.kind].clone();
                for (at, value) in overwrites {
                    let at = at % bytes.len();
                    bytes[at] = *value;
                }
                if let Some(cut) = cut {
                    bytes.truncate(cut % (bytes.len() + 1));
                }
                bytes
            }
        }
    }
}

pub fn describe(file: &DataFile) -> String {
    let kind = KINDS[file.loaded_as.unwrap_or(file.kind)].1;
    let bytes = file.bytes();
    let shown = if file.extension() == "parquet" {
        format!("{} bytes: {file:?}", bytes.len())
    } else {
        format!("{:?}", String::from_utf8_lossy(&bytes))
    };
    format!("{kind} from a .{} file: {shown}", file.extension())
}

/// The rows of an NDJSON file: its lines that are not blank (as the loader reads them).
fn ndjson_rows(bytes: &[u8]) -> usize {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .count()
}

/// The records of a CSV file after its header, read leniently (any field count, any bytes).
fn csv_rows(bytes: &[u8]) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    reader.byte_records().count()
}

/// The rows a Parquet file's row groups declare, if its footer can be read (the readers go
/// by the row groups, not by the file's total).
fn parquet_rows(path: &Path) -> Option<usize> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).ok()?).ok()?;
    let rows: i64 = reader
        .metadata()
        .row_groups()
        .iter()
        .map(parquet::file::metadata::RowGroupMetaData::num_rows)
        .sum();
    usize::try_from(rows).ok()
}

fn load(path: &Path, kind: Kind, on_bad_row: OnBadRow) -> (Result<(), DataError>, LoadReport) {
    let m = material();
    let mut builder = StoreBuilder::new(&m.schema);
    let mut report = LoadReport::default();
    let result = load_file(&mut builder, kind, path, on_bad_row, &mut report);
    if result.is_ok() {
        let _ = builder.finish();
    }
    (result, report)
}

/// Everything a load in parts of `part_bytes` leaves: the store or the error, and the counts.
fn load_in_parts(path: &Path, kind: Kind, on_bad_row: OnBadRow, part_bytes: usize) -> String {
    crate::load_parts::load_described(&material().schema, path, kind, on_bad_row, part_bytes)
}

/// A text file read in small parts (on several threads) loads exactly as read whole.
fn same_in_parts(path: &Path, kind: Kind) -> Result<(), String> {
    for on_bad_row in [OnBadRow::Fail, OnBadRow::Skip] {
        let whole = load_in_parts(path, kind, on_bad_row, 1 << 30);
        for part_bytes in [1, 29] {
            let parts = load_in_parts(path, kind, on_bad_row, part_bytes);
            if parts != whole {
                return Err(format!(
                    "read in parts of {part_bytes} bytes ({on_bad_row:?}), the load differs:\n\
                     whole: {whole}\nparts: {parts}"
                ));
            }
        }
    }
    Ok(())
}

/// Loads the file both ways and checks that every row is accounted for.
pub fn load_rows(file: &DataFile) -> Verdict {
    let bytes = file.bytes();
    let path: PathBuf = thread_dir().join(format!("data.{}", file.extension()));
    std::fs::write(&path, &bytes).unwrap();
    let name = path.display().to_string();
    let kind = KINDS[file.loaded_as.unwrap_or(file.kind)].0;
    let rows_in = match file.extension() {
        "ndjson" => Some(ndjson_rows(&bytes)),
        "csv" => Some(csv_rows(&bytes)),
        _ => parquet_rows(&path),
    };
    let lines = bytes.split(|&b| b == b'\n').count();
    if file.extension() != "parquet" {
        same_in_parts(&path, kind)?;
    }

    let (skipping, report) = load(&path, kind, OnBadRow::Skip);
    let skipped = report.skipped;
    let outcome = match &skipping {
        Ok(()) => {
            let accounted = report.rows + report.skipped;
            if let Some(rows_in) = rows_in {
                if accounted != rows_in {
                    return Err(format!(
                        "skipping bad rows: {rows_in} rows in, {} loaded + {} skipped",
                        report.rows, report.skipped
                    ));
                }
            }
            if report.skipped > 0 {
                "loaded, some rows skipped"
            } else {
                "loaded"
            }
        }
        Err(DataError::Format { path, .. }) if *path == name => "rejected whole",
        // A CSV header that cannot be read fails the load whatever `--on-bad-row` says.
        Err(DataError::BadHeader { path, line: 1, .. }) if *path == name => "rejected whole",
        Err(e) => return Err(format!("skipping bad rows, the load failed with: {e}")),
    };

    let (failing, report) = load(&path, kind, OnBadRow::Fail);
    match failing {
        Ok(()) if skipping.is_err() || skipped > 0 => {
            return Err(format!(
                "failing on bad rows, the load succeeded ({} rows) where skipping them skipped {skipped} or failed",
                report.rows
            ))
        }
        Ok(()) => {}
        Err(DataError::BadRow { path, line, reason }) => {
            let line = usize::try_from(line).unwrap_or(usize::MAX);
            let located = path == name && (file.extension() == "parquet" || (1..=lines).contains(&line));
            if !located || reason.is_empty() {
                return Err(format!(
                    "a bad row at {path}:{line} (the file has {lines} lines): {reason:?}"
                ));
            }
        }
        Err(DataError::Format { path, .. } | DataError::BadHeader { path, line: 1, .. })
            if path == name && skipping.is_err() => {}
        Err(e) => return Err(format!("failing on bad rows, the load failed with: {e}")),
    }
    Ok(outcome)
}
