//! The change log: every entry into and exit from a segment, durable in a [`Log`] of its own
//! (one record per change), and indexed by segment in memory for `GET
//! /v1/segments/{name}/changes`. A change's sequence number is its cursor: it survives
//! restarts because the log does.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::log::{Cut, Log, LogError};

/// One change as the log stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub segment: String,
    pub id: String,
    /// True for an entry, false for an exit.
    pub entered: bool,
    /// The instant of the evaluation that saw it (microseconds).
    pub at: i64,
}

/// A change and its place in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub seq: u64,
    pub change: Change,
}

/// The change log and its index.
pub struct Changes {
    log: Log,
    by_segment: Mutex<HashMap<String, Vec<Logged>>>,
}

/// Who each segment held after the last change logged, by name.
pub type Known = HashMap<String, HashSet<String>>;

impl Changes {
    /// Opens the log at `path` (cutting a torn tail, see [`Log::open`]) and reads it: the
    /// index, what each segment held after its last change, and what was cut.
    pub fn open(path: &Path) -> Result<(Changes, Known, Option<Cut>), LogError> {
        let mut by_segment: HashMap<String, Vec<Logged>> = HashMap::new();
        let mut known: Known = HashMap::new();
        let (log, cut) = Log::open(path, |seq, payload| {
            let change: Change = serde_json::from_slice(payload)
                .map_err(|e| format!("change {seq} cannot be read: {e}"))?;
            let members = known.entry(change.segment.clone()).or_default();
            if change.entered {
                members.insert(change.id.clone());
            } else {
                members.remove(&change.id);
            }
            by_segment
                .entry(change.segment.clone())
                .or_default()
                .push(Logged { seq, change });
            Ok(())
        })?;
        let changes = Changes {
            log,
            by_segment: Mutex::new(by_segment),
        };
        Ok((changes, known, cut))
    }

    /// Logs changes, durable on return.
    pub fn append(&self, changes: Vec<Change>) -> Result<(), LogError> {
        if changes.is_empty() {
            return Ok(());
        }
        // Held across the append so that the index gets them in log order.
        let mut index = self.by_segment.lock().expect("the change index");
        let payloads = changes
            .iter()
            .map(|c| serde_json::to_vec(c).expect("a change serializes"))
            .collect();
        let first = self.log.append_many(payloads)?;
        for (seq, change) in (first..).zip(changes) {
            index
                .entry(change.segment.clone())
                .or_default()
                .push(Logged { seq, change });
        }
        Ok(())
    }

    /// The next sequence number: a cursor past every change so far.
    #[must_use]
    pub fn end(&self) -> u64 {
        self.log.next_seq()
    }

    /// Up to `limit` changes of `segment` from sequence number `from` on, and the cursor
    /// after them.
    #[must_use]
    pub fn page(&self, segment: &str, from: u64, limit: usize) -> (Vec<Logged>, u64) {
        let index = self.by_segment.lock().expect("the change index");
        let end = self.log.next_seq();
        let Some(list) = index.get(segment) else {
            return (Vec::new(), end);
        };
        let start = list.partition_point(|l| l.seq < from);
        let page: Vec<Logged> = list[start..].iter().take(limit).cloned().collect();
        let next = if start + page.len() < list.len() {
            list[start + page.len()].seq
        } else {
            end
        };
        (page, next)
    }

    /// Changes of any of `segments` (all when empty) from `from` on, up to `limit`, and the
    /// cursor after the last one read (for webhook deliveries).
    pub fn read(
        &self,
        segments: &[String],
        from: u64,
        limit: usize,
    ) -> Result<(Vec<Logged>, u64), LogError> {
        let mut out = Vec::new();
        let mut next = from;
        self.log.read_from(from, |seq, payload| {
            next = seq + 1;
            if let Ok(change) = serde_json::from_slice::<Change>(payload) {
                if segments.is_empty() || segments.contains(&change.segment) {
                    out.push(Logged { seq, change });
                }
            }
            out.len() < limit
        })?;
        Ok((out, next))
    }

    /// The log file's size in bytes.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.log.bytes()
    }
}
