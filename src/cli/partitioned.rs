//! `seg eval --memory-limit SIZE`: evaluation of data larger than memory, in partitions.
//!
//! 1. When the plan reads accounts, a first pass over the profile files finds each user's
//!    account as of `now` ([`AccountScan`]), so that users go with their account.
//! 2. One pass of the loaders, in spill mode, splits events, profiles and accounts into
//!    `BUCKETS` bucket files by a hash of the user (or of its account; accounts by their own
//!    id) in a spill folder ([`Splitter`]); the builder never buffers more than a quarter of
//!    the limit.
//! 3. Consecutive buckets are grouped so that each group's bucket files add up to at most a
//!    share of the limit; each group is loaded into a store, evaluated with the chosen engine
//!    and freed before the next. Every user and account is in exactly one group, with all its
//!    rows (and a user with its account), so each group's members are exactly the members
//!    among its entities that the whole data would give. (A group may also hold copies of
//!    accounts of other groups that old profile rows name; they are not output.)
//! 4. Each group's members per segment, sorted, go to a results file; a k-way merge of these
//!    files writes the output in the order `seg eval` always uses (segment name, then id).
//!
//! The spill folder is removed at the end, whatever happens.

use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::data::{self, fail, CheckedProject};
use super::eval::{write_header, write_segment, OutputFormat};
use super::usage_error;
use crate::plan::Target;
use crate::store::load::{Kind, OnBadRow};
use crate::store::spill::{bucket_of, load_buckets, AccountScan, Splitter};
use crate::store::StoreBuilder;

/// Buckets the data is split into; groups of them are evaluated at a time.
const BUCKETS: usize = 64;

/// The smallest limit accepted: below it a partition cannot hold the program's own working
/// memory.
const MIN_LIMIT: u64 = 64 << 20;

/// A group's bucket files may add up to this fraction of the limit. A group's store takes
/// about 1.6 times its bucket files at the peak of loading (the files hold each row once, with
/// ids and strings named once per file; the store adds offsets and, while it sorts rows, a
/// second copy), and the process needs some tens of MiB besides: measured, 1M
/// users x 20 events under a 256MiB limit (7 groups) peak at 197 MiB.
const GROUP_SHARE: f64 = 0.45;

/// A group's entities may hold this fraction of the limit in program output and member
/// columns (two bytes per entity per segment).
const OUTPUT_SHARE: f64 = 0.3;

/// Parses a size: a number with an optional unit, `B`, `KB`/`MB`/`GB`/`TB` (powers of 1000)
/// or `KiB`/`MiB`/`GiB`/`TiB` (powers of 1024), case-insensitive (`1GiB`, `512 MB`, `2e9`).
///
/// # Errors
/// A message saying what is wrong.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number.trim().parse().map_err(|_| {
        format!("`{text}` is not a size: write a number and a unit, as in 1GiB or 512MB")
    })?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" | "k" => 1024.0,
        "mib" | "m" => 1024.0 * 1024.0,
        "gib" | "g" => 1024.0 * 1024.0 * 1024.0,
        "tib" | "t" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}` (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)"
            ))
        }
    };
    let bytes = number * scale;
    if !bytes.is_finite() || !(0.0..=1e18).contains(&bytes) {
        return Err(format!("`{text}` is not a size seg can use"));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bytes = bytes as u64;
    if bytes < MIN_LIMIT {
        return Err(format!(
            "`{text}` is below the smallest memory limit, 64MiB: a partition needs room for \
             the program itself"
        ));
    }
    Ok(bytes)
}

/// What `seg eval` asks of a partitioned run.
pub(crate) struct Request<'a> {
    pub inputs: &'a [(Kind, Vec<PathBuf>)],
    pub on_bad_row: OnBadRow,
    pub limit: u64,
    /// The most spill bytes a partition loads, if not the share of the limit.
    pub partition_bytes: Option<u64>,
    /// The most bytes of rows the split buffers, if not a quarter of the limit.
    pub spill_buffer: Option<u64>,
    pub engine: crate::engine::Engine,
    pub budget: Duration,
    pub wanted: &'a [usize],
    pub format: OutputFormat,
    pub timings: bool,
}

/// A spill folder, removed when dropped.
struct SpillDir(PathBuf);

impl SpillDir {
    fn create() -> io::Result<Self> {
        let base = std::env::temp_dir();
        for attempt in 0..100u32 {
            let dir = base.join(format!("seg-spill-{}-{attempt}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(SpillDir(dir)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("no free name for a spill folder"))
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `seg eval` in partitions; the exit code.
pub(crate) fn run(checked: &CheckedProject, request: &Request<'_>) -> u8 {
    let dir = match SpillDir::create() {
        Ok(dir) => dir,
        Err(e) => return usage_error(format!("cannot create a spill folder: {e}")),
    };
    match run_in(checked, request, &dir.0) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

fn run_in(checked: &CheckedProject, request: &Request<'_>, dir: &Path) -> Result<(), u8> {
    let (plan, now) = (&checked.plan, checked.now);
    let schema = &plan.schema;
    let started = Instant::now();
    #[allow(clippy::cast_possible_truncation)]
    let buffer = request.spill_buffer.unwrap_or(request.limit / 4) as usize;
    // 1. Users' accounts, when the plan reads accounts.
    let accounts = if plan.uses_accounts() && schema.profile_attribute("account_id").is_some() {
        let profiles: Vec<(Kind, Vec<PathBuf>)> = request
            .inputs
            .iter()
            .filter(|(kind, _)| *kind == Kind::Profiles)
            .cloned()
            .collect();
        let mut scan = AccountScan::new(schema, now, BUCKETS);
        {
            let mut builder = StoreBuilder::spilling(schema, Box::new(&mut scan), buffer);
            data::feed(
                &mut builder,
                &profiles,
                request.on_bad_row,
                None,
                true,
                &mut Vec::new(),
            )?;
        }
        Some(scan)
    } else {
        None
    };
    // 2. The split.
    let mut file_loads = Vec::new();
    let mut splitter = Splitter::create(schema, dir, BUCKETS, accounts).map_err(|e| fail(&e))?;
    {
        let mut builder = StoreBuilder::spilling(schema, Box::new(&mut splitter), buffer);
        data::feed(
            &mut builder,
            request.inputs,
            request.on_bad_row,
            None,
            false,
            &mut file_loads,
        )?;
    }
    let sizes = splitter.finish().map_err(|e| fail(&e))?;
    let split = started.elapsed();
    // 3. Groups of buckets, each loaded, evaluated and freed.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let share = request
        .partition_bytes
        .unwrap_or((request.limit as f64 * GROUP_SHARE) as u64);
    // The evaluation holds two bytes per entity per segment (the program's output and the
    // member columns): a wide plan makes for groups of fewer entities.
    let per_entity = 2 * plan.segments.len() as u64;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let entities = (request.limit as f64 * OUTPUT_SHARE) as u64 / per_entity.max(1);
    let groups = group_buckets(&sizes.bytes, share, &sizes.entities, entities);
    let mut load = Duration::ZERO;
    let mut compile = Duration::ZERO;
    let mut eval = Duration::ZERO;
    let mut counts = vec![0u64; request.wanted.len()];
    let mut results = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let t = Instant::now();
        let store = load_buckets(schema, dir, group).map_err(|e| fail(&e))?;
        load += t.elapsed();
        let t = Instant::now();
        let prepared = crate::engine::prepare_with_budget(
            plan,
            &store,
            now,
            request.engine,
            Some(request.budget),
        )
        .map_err(|e| usage_error(format!("the JIT could not compile the plan: {e}")))?;
        compile += t.elapsed();
        let t = Instant::now();
        let memberships = prepared.run();
        eval += t.elapsed();
        let path = dir.join(format!("results-{g:04}"));
        let mut write = || -> io::Result<()> {
            let mut out = BufWriter::new(File::create(&path)?);
            for (i, &s) in request.wanted.iter().enumerate() {
                let target = plan.segments[s].target;
                let ids = match target {
                    Target::User => &store.users.ids,
                    Target::Account => &store.accounts.ids,
                };
                // An account from another group is only a copy named by old profile rows.
                let here = |id: &str| {
                    target == Target::User || group.contains(&(bucket_of(id, BUCKETS) as usize))
                };
                let mut members: Vec<&str> = memberships.members[s]
                    .iter()
                    .zip(ids)
                    .filter(|(m, id)| **m && here(id))
                    .map(|(_, id)| &**id)
                    .collect();
                members.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
                counts[i] += members.len() as u64;
                if request.format != OutputFormat::Count {
                    out.write_all(&(members.len() as u64).to_le_bytes())?;
                    for id in members {
                        out.write_all(&(id.len() as u64).to_le_bytes())?;
                        out.write_all(id.as_bytes())?;
                    }
                }
            }
            out.flush()
        };
        write().map_err(|e| usage_error(format!("cannot write {}: {e}", path.display())))?;
        results.push(path);
    }
    if request.timings {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "load: {:.3} s", (split + load).as_secs_f64());
        for file in &file_loads {
            let _ = writeln!(err, "  {file}");
        }
        let _ = writeln!(
            err,
            "  split into {BUCKETS} buckets ({} MiB of spill files) in {:.3} s; {} partitions \
             loaded in {:.3} s",
            sizes.bytes.iter().sum::<u64>() >> 20,
            split.as_secs_f64(),
            groups.len(),
            load.as_secs_f64()
        );
        let _ = writeln!(err, "compile: {:.3} s", compile.as_secs_f64());
        let _ = writeln!(err, "eval: {:.3} s", eval.as_secs_f64());
        let _ = writeln!(err, "peak_rss: {} MiB", super::eval::peak_rss_mib());
        let _ = writeln!(
            err,
            "partitions: {} (memory limit {} MiB)",
            groups.len(),
            request.limit >> 20
        );
    }
    merge(checked, request, &results, &counts)
        .map_err(|e| usage_error(format!("cannot write the members: {e}")))
}

/// Consecutive buckets in groups whose sizes add up to at most `share` bytes and whose
/// entities add up to at most `most` (a bucket past either is a group of its own).
fn group_buckets(bytes: &[u64], share: u64, entities: &[u64], most: u64) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let (mut size, mut count) = (0, 0);
    for (b, (&n, &e)) in bytes.iter().zip(entities).enumerate() {
        match groups.last_mut() {
            Some(group) if size + n <= share && count + e <= most => group.push(b),
            _ => {
                groups.push(vec![b]);
                (size, count) = (0, 0);
            }
        }
        size += n;
        count += e;
    }
    groups
}

/// One group's results file, read segment by segment.
struct Results {
    reader: BufReader<File>,
    /// Members left in the current segment.
    left: u64,
}

impl Results {
    fn u64(&mut self) -> io::Result<u64> {
        let mut bytes = [0u8; 8];
        self.reader.read_exact(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// The next id of the current segment, if any.
    fn next_id(&mut self) -> io::Result<Option<Vec<u8>>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let len = usize::try_from(self.u64()?).map_err(io::Error::other)?;
        let mut id = vec![0u8; len];
        self.reader.read_exact(&mut id)?;
        Ok(Some(id))
    }
}

/// Writes every wanted segment's members (or counts) in the order of an in-memory run.
fn merge(
    checked: &CheckedProject,
    request: &Request<'_>,
    results: &[PathBuf],
    counts: &[u64],
) -> io::Result<()> {
    let plan = &checked.plan;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = (|| -> io::Result<()> {
        write_header(&mut out, request.format)?;
        if request.format == OutputFormat::Count {
            for (&s, &n) in request.wanted.iter().zip(counts) {
                writeln!(out, "{},{n}", plan.segments[s].name)?;
            }
            return out.flush();
        }
        let mut readers = results
            .iter()
            .map(|path| {
                Ok(Results {
                    reader: BufReader::with_capacity(1 << 16, File::open(path)?),
                    left: 0,
                })
            })
            .collect::<io::Result<Vec<_>>>()?;
        for &s in request.wanted {
            let mut heap = BinaryHeap::new();
            for (r, reader) in readers.iter_mut().enumerate() {
                reader.left = reader.u64()?;
                if let Some(id) = reader.next_id()? {
                    heap.push(std::cmp::Reverse((id, r)));
                }
            }
            let mut ids = std::iter::from_fn(|| {
                let std::cmp::Reverse((id, r)) = heap.pop()?;
                match readers[r].next_id() {
                    Ok(Some(next)) => heap.push(std::cmp::Reverse((next, r))),
                    Ok(None) => {}
                    Err(e) => return Some(Err(e)),
                }
                Some(String::from_utf8(id).map_err(io::Error::other))
            });
            write_segment(&mut out, &plan.segments[s].name, &mut ids, request.format)?;
        }
        // Every reader is at its end.
        for reader in &mut readers {
            if reader.reader.fill_buf()?.is_empty() {
                continue;
            }
            return Err(io::Error::other("a results file has more than it should"));
        }
        out.flush()
    })();
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_units_of_1000_and_1024() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512 MB"), Ok(512_000_000));
        assert_eq!(parse_size("1.5gib"), Ok(3 << 29));
        assert_eq!(parse_size("2e9"), Ok(2_000_000_000));
        assert!(parse_size("1 GiBs").unwrap_err().contains("unknown unit"));
        assert!(parse_size("lots").unwrap_err().contains("not a size"));
        assert!(parse_size("1MiB").unwrap_err().contains("smallest"));
        assert!(parse_size("1e30")
            .unwrap_err()
            .contains("not a size seg can use"));
    }

    #[test]
    fn buckets_are_grouped_in_order_up_to_the_share() {
        let few = [1; 6];
        assert_eq!(
            group_buckets(&[5, 5, 5, 20, 1, 1], 10, &few, 100),
            vec![vec![0, 1], vec![2], vec![3], vec![4, 5]]
        );
        // Entities bound the groups too (a wide plan).
        assert_eq!(
            group_buckets(&[1; 6], 100, &[3, 3, 3, 9, 1, 1], 6),
            vec![vec![0, 1], vec![2], vec![3], vec![4, 5]]
        );
    }
}
