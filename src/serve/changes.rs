//! The change log: every entry into and exit from a segment, durable in a [`Log`] of its own.
//!
//! - **Records are batches.** One evaluation's changes (a re-evaluation, a sweep, a start) are
//!   one record, cut at [`BATCH`] changes: per segment and instant, the ids that entered and
//!   those that left. A first start logs every member's entry in a few records, not one per
//!   member.
//! - **Changes are numbered.** Changes are numbered from 0 in log order (a record's parts in
//!   order, each part's entries before its exits); a change's number is its cursor, and
//!   survives restarts because the log does.
//! - **Memory holds an index, not the changes.** For each segment, where its parts are (the
//!   record, the part, the number of its first change, how many); a page reads the records it
//!   needs back from the file (the last one read is kept).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::log::{Cut, Log, LogError};

/// The most changes in one record.
pub const BATCH: usize = 50_000;

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub segment: String,
    pub id: String,
    /// True for an entry, false for an exit.
    pub entered: bool,
    /// The instant of the evaluation that saw it (microseconds).
    pub at: i64,
}

/// A change and its number (its cursor).
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub seq: u64,
    pub change: Change,
}

/// A record: parts of one segment and one instant each.
#[derive(Debug, Serialize, Deserialize)]
struct Batch {
    parts: Vec<Part>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Part {
    segment: String,
    at: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    enter: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    leave: Vec<String>,
}

impl Part {
    fn len(&self) -> usize {
        self.enter.len() + self.leave.len()
    }

    /// The part's `i`-th change.
    fn change(&self, i: usize) -> Change {
        let (id, entered) = if i < self.enter.len() {
            (&self.enter[i], true)
        } else {
            (&self.leave[i - self.enter.len()], false)
        };
        Change {
            segment: self.segment.clone(),
            id: id.clone(),
            entered,
            at: self.at,
        }
    }
}

/// Where a part of a segment's changes is.
#[derive(Debug, Clone, Copy)]
struct Span {
    /// The number of its first change.
    first: u64,
    count: u64,
    /// The record (its seq in the log) and the part in it.
    record: u64,
    part: usize,
}

#[derive(Default)]
struct Index {
    /// The number the next change gets.
    next: u64,
    /// Each record's first change number, by record seq.
    records: Vec<u64>,
    by_segment: HashMap<String, Vec<Span>>,
}

impl Index {
    fn add(&mut self, seq: u64, batch: &Batch) {
        debug_assert_eq!(self.records.len() as u64, seq);
        self.records.push(self.next);
        for (part_index, part) in batch.parts.iter().enumerate() {
            let count = part.len() as u64;
            self.by_segment
                .entry(part.segment.clone())
                .or_default()
                .push(Span {
                    first: self.next,
                    count,
                    record: seq,
                    part: part_index,
                });
            self.next += count;
        }
    }
}

/// What the log last said a segment held.
#[derive(Debug, Default)]
pub struct Held {
    /// By entity index (see [`Changes::open`]).
    bits: Vec<u64>,
    /// Ids the data no longer has.
    pub strays: HashSet<String>,
}

impl Held {
    #[must_use]
    pub fn contains(&self, entity: u32) -> bool {
        let e = entity as usize;
        self.bits
            .get(e / 64)
            .is_some_and(|w| w >> (e % 64) & 1 == 1)
    }

    fn set(&mut self, entity: u32, member: bool) {
        let e = entity as usize;
        if self.bits.len() <= e / 64 {
            self.bits.resize(e / 64 + 1, 0);
        }
        if member {
            self.bits[e / 64] |= 1 << (e % 64);
        } else {
            self.bits[e / 64] &= !(1 << (e % 64));
        }
    }

    /// The entities held, in index order.
    pub fn entities(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &bits)| {
            (0..64)
                .filter(move |b| bits >> b & 1 == 1)
                .map(move |b| u32::try_from(w * 64 + b).expect("fewer than 2^32 entities"))
        })
    }
}

/// What each segment held after the log's last change, by name.
pub type Known = HashMap<String, Held>;

/// The change log and its index.
pub struct Changes {
    log: Log,
    index: Mutex<Index>,
    /// The last record read back, by seq.
    cached: Mutex<Option<(u64, Arc<Batch>)>>,
}

impl Changes {
    /// Opens the log at `path` (cutting a torn tail, see [`Log::open`]) and reads it: the
    /// index, what each segment held after its last change, and what was cut. `entity` maps
    /// a segment and an id to the id's entity index (None: the data has no such entity).
    pub fn open(
        path: &Path,
        mut entity: impl FnMut(&str, &str) -> Option<u32>,
    ) -> Result<(Changes, Known, Option<Cut>), LogError> {
        let mut index = Index::default();
        let mut known: Known = HashMap::new();
        let (log, cut) = Log::open(path, |seq, payload| {
            let batch: Batch = serde_json::from_slice(payload)
                .map_err(|e| format!("change record {seq} cannot be read: {e}"))?;
            for part in &batch.parts {
                let held = known.entry(part.segment.clone()).or_default();
                for (ids, member) in [(&part.enter, true), (&part.leave, false)] {
                    for id in ids {
                        match entity(&part.segment, id) {
                            Some(e) => held.set(e, member),
                            None if member => {
                                held.strays.insert(id.clone());
                            }
                            None => {
                                held.strays.remove(id);
                            }
                        }
                    }
                }
            }
            index.add(seq, &batch);
            Ok(())
        })?;
        let changes = Changes {
            log,
            index: Mutex::new(index),
            cached: Mutex::new(None),
        };
        Ok((changes, known, cut))
    }

    /// Logs changes, durable on return, in records of at most [`BATCH`] changes.
    pub fn append(&self, changes: &[Change]) -> Result<(), LogError> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut batches = Vec::new();
        for chunk in changes.chunks(BATCH) {
            let mut parts: Vec<Part> = Vec::new();
            let mut at: HashMap<(&str, i64), usize> = HashMap::new();
            for c in chunk {
                let i = *at.entry((c.segment.as_str(), c.at)).or_insert_with(|| {
                    parts.push(Part {
                        segment: c.segment.clone(),
                        at: c.at,
                        enter: Vec::new(),
                        leave: Vec::new(),
                    });
                    parts.len() - 1
                });
                if c.entered {
                    parts[i].enter.push(c.id.clone());
                } else {
                    parts[i].leave.push(c.id.clone());
                }
            }
            batches.push(Batch { parts });
        }
        let payloads = batches
            .iter()
            .map(|b| serde_json::to_vec(b).expect("a batch serializes"))
            .collect();
        // Held across the append so that the index gets the records in log order, and
        // readers see a change only once it is durable.
        let mut index = self.index.lock().expect("the change index");
        let first = self.log.append_many(payloads)?;
        for (seq, batch) in (first..).zip(&batches) {
            index.add(seq, batch);
        }
        Ok(())
    }

    /// The number the next change gets: a cursor past every change so far.
    #[must_use]
    pub fn end(&self) -> u64 {
        self.index.lock().expect("the change index").next
    }

    fn record(&self, seq: u64) -> Result<Arc<Batch>, LogError> {
        let mut cached = self.cached.lock().expect("the cache");
        if let Some((s, batch)) = &*cached {
            if *s == seq {
                return Ok(Arc::clone(batch));
            }
        }
        let mut found = None;
        self.log.read_from(seq, |_, payload| {
            found = serde_json::from_slice::<Batch>(payload).ok();
            false
        })?;
        let batch = Arc::new(found.ok_or_else(|| LogError::Replay {
            path: self.log.path().to_path_buf(),
            seq,
            message: "a change record that was read on start cannot be read".into(),
        })?);
        *cached = Some((seq, Arc::clone(&batch)));
        Ok(batch)
    }

    /// Up to `limit` changes of `segment` numbered `from` on, and the cursor after them.
    pub fn page(
        &self,
        segment: &str,
        from: u64,
        limit: usize,
    ) -> Result<(Vec<Logged>, u64), LogError> {
        let (spans, end) = {
            let index = self.index.lock().expect("the change index");
            let spans: Vec<Span> = index
                .by_segment
                .get(segment)
                .map_or_else(Vec::new, |spans| {
                    let start = spans.partition_point(|s| s.first + s.count <= from);
                    spans[start..].to_vec()
                });
            (spans, index.next)
        };
        let mut page = Vec::new();
        for span in spans {
            let batch = self.record(span.record)?;
            let part = &batch.parts[span.part];
            let skip = from.saturating_sub(span.first);
            for i in skip..span.count {
                if page.len() == limit {
                    return Ok((page, span.first + i));
                }
                let i = usize::try_from(i).expect("a part fits in memory");
                page.push(Logged {
                    seq: span.first + i as u64,
                    change: part.change(i),
                });
            }
        }
        Ok((page, end))
    }

    /// The last `limit` changes of `segment`, in order, and the cursor after everything
    /// logged (to poll from for what comes next).
    pub fn latest(&self, segment: &str, limit: usize) -> Result<(Vec<Logged>, u64), LogError> {
        let (spans, end) = {
            let index = self.index.lock().expect("the change index");
            let spans = index.by_segment.get(segment).cloned().unwrap_or_default();
            (spans, index.next)
        };
        let mut page = Vec::new();
        for span in spans.iter().rev() {
            if page.len() == limit {
                break;
            }
            let batch = self.record(span.record)?;
            let part = &batch.parts[span.part];
            let count = usize::try_from(span.count).expect("a part fits in memory");
            for i in (0..count).rev().take(limit - page.len()) {
                page.push(Logged {
                    seq: span.first + i as u64,
                    change: part.change(i),
                });
            }
        }
        page.reverse();
        Ok((page, end))
    }

    /// Changes of any of `segments` (all when empty) numbered `from` on, up to `limit`, and
    /// the cursor after the last one read (for webhook deliveries).
    pub fn read(
        &self,
        segments: &[String],
        from: u64,
        limit: usize,
    ) -> Result<(Vec<Logged>, u64), LogError> {
        let (records, end) = {
            let index = self.index.lock().expect("the change index");
            let start = index
                .records
                .partition_point(|&first| first <= from)
                .saturating_sub(1);
            let records: Vec<(u64, u64)> = (start..index.records.len())
                .map(|r| (r as u64, index.records[r]))
                .collect();
            (records, index.next)
        };
        let mut out = Vec::new();
        for (seq, first) in records {
            let batch = self.record(seq)?;
            let mut number = first;
            for part in &batch.parts {
                let wanted = segments.is_empty() || segments.contains(&part.segment);
                for i in 0..part.len() {
                    if number >= from && wanted {
                        if out.len() == limit {
                            return Ok((out, number));
                        }
                        out.push(Logged {
                            seq: number,
                            change: part.change(i),
                        });
                    }
                    number += 1;
                }
            }
        }
        Ok((out, end.max(from)))
    }

    /// The log file's size in bytes.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.log.bytes()
    }
}
