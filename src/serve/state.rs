//! The service's state and its one evaluator thread.
//!
//! - **The log is the truth.** Every request that changes data is one record of the data log,
//!   durable before it is acknowledged; everything in memory is rebuilt from it on start (and
//!   on a reload that changes the schema).
//! - **Memory holds a store and what came since.** `base` is a columnar store of the data up
//!   to the last merge; rows received since are kept per entity (`current`, and `frozen`
//!   while a merge runs). An entity's rows are its rows in `base`, then in `frozen`, then in
//!   `current`: the load order of a batch load of the log. Entity indexes are the service's
//!   own (`users`, `accounts`, never renumbered), and a merged store numbers its entities the
//!   same way.
//! - **Records are applied in log order.** A request waits at a turnstile for the records
//!   before it to be applied, so memory holds each entity's rows in log order whatever order
//!   the group commit woke the requests in.
//! - **One thread evaluates.** Each accepted request marks its users and accounts; the
//!   evaluator takes every marked entity at once, builds a small store of them (and of their
//!   accounts and those accounts' users, so that account segments and account attributes are
//!   right), evaluates it with the interpreter as of the clock, and logs every verdict that
//!   changed. A sweep (every `sweep` interval, and on `POST /v1/clock` under a test clock)
//!   merges what came since into a new store and evaluates every entity with the JIT as of
//!   the clock, so that windows moving with the clock change memberships without any event.
//!   Reloads run on the same thread, so verdicts are never applied out of order.

use std::collections::BTreeMap;

// Fx hashing: the keys are the service's own (indexes, ids), and these maps are on the
// path of every re-evaluation.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::changes::{Change, Changes};
use super::defs::{Definitions, Refused};
use super::log::{Cut, Log, LogError};
use super::reach::Reads;
use super::rows::{self, Row};
use crate::interp::Interpreter;
use crate::plan::Target as SegmentTarget;
use crate::store::load::{load_file, load_json_rows, Kind, LoadReport, OnBadRow, TextLimits};
use crate::store::{Column, IdIndex, Store, StoreBuilder, Target, MISSING_STRING};

/// Bounds on what a request may carry (docs/serve.md).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest request body, in bytes.
    pub body_bytes: usize,
    /// The most rows in one request.
    pub rows: usize,
    pub text: TextLimits,
}

pub const LIMITS: Limits = Limits {
    body_bytes: 32 << 20,
    rows: 100_000,
    text: TextLimits {
        id_bytes: 256,
        string_bytes: 64 << 10,
    },
};

/// What the service reads the time from.
pub enum Clock {
    System,
    /// A clock that moves only when told (`seg serve --test-clock`), for tests.
    Fixed(Mutex<i64>),
}

impl Clock {
    #[must_use]
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => crate::time::current(),
            Clock::Fixed(now) => *now.lock().expect("the clock"),
        }
    }
}

/// The first line of a data log record: what its rows are.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    kind: String,
    /// An imported file, relative to the data folder, and its CRC-32; absent for rows
    /// received over HTTP, which follow the header, one JSON object a line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    import: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crc32: Option<u32>,
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Events => "events",
        Kind::Profiles => "profiles",
        Kind::Accounts => "accounts",
    }
}

fn kind_of(name: &str) -> Option<Kind> {
    match name {
        "events" => Some(Kind::Events),
        "profiles" => Some(Kind::Profiles),
        "accounts" => Some(Kind::Accounts),
        _ => None,
    }
}

/// A data log record of rows received over HTTP.
fn rows_record(kind: Kind, rows: &[&str]) -> Vec<u8> {
    let header = Header {
        kind: kind_name(kind).into(),
        import: None,
        crc32: None,
    };
    let mut payload = serde_json::to_vec(&header).expect("a header serializes");
    for row in rows {
        payload.push(b'\n');
        payload.extend_from_slice(row.as_bytes());
    }
    payload
}

/// A data log record of an imported file.
#[must_use]
pub fn import_record(kind: Kind, file: &str, crc32: u32) -> Vec<u8> {
    let header = Header {
        kind: kind_name(kind).into(),
        import: Some(file.into()),
        crc32: Some(crc32),
    };
    serde_json::to_vec(&header).expect("a header serializes")
}

/// The CRC-32 of a file.
pub fn file_crc(path: &Path) -> std::io::Result<u32> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(hasher.finalize());
        }
        hasher.update(&buffer[..n]);
    }
}

/// Loads one data log record into `builder`. Rows that no longer fit the schema (it changed
/// since they were received) are counted in `report.skipped`, never lost from the log.
fn load_record(
    builder: &mut StoreBuilder<'_>,
    dir: &Path,
    payload: &[u8],
    report: &mut LoadReport,
) -> Result<(), String> {
    let text = std::str::from_utf8(payload).map_err(|_| "the record is not UTF-8".to_string())?;
    let (head, body) = text.split_once('\n').unwrap_or((text, ""));
    let header: Header =
        serde_json::from_str(head).map_err(|e| format!("the record's header: {e}"))?;
    let kind = kind_of(&header.kind).ok_or_else(|| format!("unknown kind `{}`", header.kind))?;
    match &header.import {
        None => {
            let lines: Vec<&str> = body.split('\n').filter(|l| !l.is_empty()).collect();
            let (loaded, bad) = load_json_rows(builder, kind, &lines, LIMITS.text);
            report.absorb(loaded);
            report.skipped += bad.len();
        }
        Some(file) => {
            let path = dir.join(file);
            let crc = file_crc(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            if Some(crc) != header.crc32 {
                return Err(format!(
                    "{}: the file's checksum is not the one logged when it was imported",
                    path.display()
                ));
            }
            // The file was checked when it was imported: rows that no longer fit (the schema
            // changed since) are skipped and counted, as for rows received over HTTP.
            load_file(builder, kind, &path, OnBadRow::Skip, report).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Rows received since the last merge, per entity, in arrival order.
#[derive(Default)]
struct Layer {
    users: HashMap<Box<str>, Vec<Row>>,
    accounts: HashMap<Box<str>, Vec<Row>>,
}

/// The data in memory.
struct Data {
    base: Arc<Store>,
    frozen: Option<Arc<Layer>>,
    current: Layer,
    users: IdIndex,
    accounts: IdIndex,
    /// The accounts each user's profile rows ever named, and the other way round.
    user_accounts: HashMap<u32, Vec<u32>>,
    account_users: HashMap<u32, Vec<u32>>,
    /// Entities by id, for pages in id order.
    sorted_users: BTreeMap<Box<str>, u32>,
    sorted_accounts: BTreeMap<Box<str>, u32>,
}

impl Data {
    fn new(store: Store) -> Data {
        let mut data = Data {
            users: store.users.clone(),
            accounts: store.accounts.clone(),
            sorted_users: (0u32..)
                .zip(&store.users.ids)
                .map(|(i, id)| (id.clone(), i))
                .collect(),
            sorted_accounts: (0u32..)
                .zip(&store.accounts.ids)
                .map(|(i, id)| (id.clone(), i))
                .collect(),
            user_accounts: HashMap::default(),
            account_users: HashMap::default(),
            frozen: None,
            current: Layer::default(),
            base: Arc::new(Store::default()),
        };
        if let Some(attribute) = store.account_id_attribute {
            if let Column::String(codes) = &store.profiles.columns[attribute] {
                for user in 0..store.users.len() {
                    let user = u32::try_from(user).expect("fewer than 2^32 users");
                    for row in store.profiles.rows(user) {
                        if codes[row] != MISSING_STRING {
                            let id = store.strings.get(codes[row]);
                            let account = data.accounts.get(id).expect("finish names them");
                            data.link(user, account);
                        }
                    }
                }
            }
        }
        data.base = Arc::new(store);
        data
    }

    fn link(&mut self, user: u32, account: u32) {
        let accounts = self.user_accounts.entry(user).or_default();
        if !accounts.contains(&account) {
            accounts.push(account);
            self.account_users.entry(account).or_default().push(user);
        }
    }

    fn user(&mut self, id: &str) -> u32 {
        intern(&mut self.users, &mut self.sorted_users, id)
    }

    fn account(&mut self, id: &str) -> u32 {
        intern(&mut self.accounts, &mut self.sorted_accounts, id)
    }

    /// Adds the rows of a user that `needed` reads to a builder, in load order.
    fn add_user(&self, builder: &mut StoreBuilder<'_>, user: u32, needed: &Reads) {
        let id = &self.users.ids[user as usize];
        if (user as usize) < self.base.users.len() {
            rows::copy_user(builder, &self.base, user, id, needed);
        } else {
            builder.user(id);
        }
        for layer in self.frozen.iter().map(AsRef::as_ref).chain([&self.current]) {
            if let Some(rows) = layer.users.get(id) {
                rows::add_reading(builder, id, rows, Some(needed));
            }
        }
    }

    /// Adds every row of an account to a builder, in load order.
    fn add_account(&self, builder: &mut StoreBuilder<'_>, account: u32) {
        let id = &self.accounts.ids[account as usize];
        if (account as usize) < self.base.accounts.len() {
            rows::copy_account(builder, &self.base, account, id);
        } else {
            builder.account(id);
        }
        for layer in self.frozen.iter().map(AsRef::as_ref).chain([&self.current]) {
            if let Some(rows) = layer.accounts.get(id) {
                rows::add(builder, id, rows);
            }
        }
    }

    /// Applies a request's rows (typed into `request`); returns the users it touched with
    /// what arrived for each (everything, for a new user), and the accounts whose rows came.
    fn apply(&mut self, request: &Store) -> (Vec<(u32, Reads)>, Vec<u32>) {
        let mut users = Vec::new();
        let mut accounts = Vec::new();
        let mut buffer = Vec::new();
        let event_types = request.events.len();
        for (u, id) in (0u32..).zip(&request.users.ids) {
            let known = self.users.len();
            let user = self.user(id);
            let mut arrived = Reads::none(event_types);
            if user as usize >= known {
                arrived = Reads::all(event_types);
            }
            for (event, table) in request.events.iter().enumerate() {
                arrived.events[event] |= !table.rows(u).is_empty();
            }
            arrived.profile |= !request.profiles.rows(u).is_empty();
            users.push((user, arrived));
            buffer.clear();
            rows::user_rows(request, u, &mut buffer);
            if let Some(attribute) = request.account_id_attribute {
                for row in buffer.iter().filter(|r| r.table == Target::Profile) {
                    if let rows::Value::Str(account) = &row.values[attribute] {
                        let account = self.account(account);
                        self.link(user, account);
                    }
                }
            }
            if !buffer.is_empty() {
                self.current
                    .users
                    .entry(id.clone())
                    .or_default()
                    .append(&mut buffer);
            }
        }
        for (a, id) in (0u32..).zip(&request.accounts.ids) {
            let account = self.account(id);
            buffer.clear();
            rows::account_rows(request, a, &mut buffer);
            if !buffer.is_empty() {
                accounts.push(account);
                self.current
                    .accounts
                    .entry(id.clone())
                    .or_default()
                    .append(&mut buffer);
            }
        }
        (users, accounts)
    }

    fn is_current(&self, target: SegmentTarget, entity: u32) -> bool {
        match target {
            SegmentTarget::User => {
                let id = &self.users.ids[entity as usize];
                self.current.users.contains_key(id)
                    || self.user_accounts.get(&entity).is_some_and(|accounts| {
                        accounts.iter().any(|&a| {
                            self.current
                                .accounts
                                .contains_key(&self.accounts.ids[a as usize])
                        })
                    })
            }
            SegmentTarget::Account => {
                let id = &self.accounts.ids[entity as usize];
                self.current.accounts.contains_key(id)
                    || self.account_users.get(&entity).is_some_and(|users| {
                        users
                            .iter()
                            .any(|&u| self.current.users.contains_key(&self.users.ids[u as usize]))
                    })
            }
        }
    }
}

/// The entities linked to any of `of` (the accounts of users, or the users of accounts),
/// sorted, each once.
fn linked(links: &HashMap<u32, Vec<u32>>, of: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = of
        .iter()
        .flat_map(|e| links.get(e).into_iter().flatten().copied())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// An entity's index, added (to the index and to the ids in order) if new.
fn intern(index: &mut IdIndex, sorted: &mut BTreeMap<Box<str>, u32>, id: &str) -> u32 {
    let before = index.len();
    let entity = index.intern(id);
    if index.len() > before {
        sorted.insert(id.into(), entity);
    }
    entity
}

/// A merged store: `base` (whose entities keep their indexes) and `layer`, with the entities
/// numbered as `users` and `accounts` number them.
fn merge(
    schema: &crate::schema::Schema,
    base: &Store,
    layer: &Layer,
    users: &IdIndex,
    accounts: &IdIndex,
) -> Store {
    let mut builder = StoreBuilder::new(schema);
    for id in &users.ids {
        builder.user(id);
    }
    for id in &accounts.ids {
        builder.account(id);
    }
    for code in 0..base.strings.len() {
        builder.string(
            base.strings
                .get(u32::try_from(code).expect("fewer than 2^32 strings")),
        );
    }
    let entities = |table: &crate::store::Table| -> Vec<u32> {
        let mut out = Vec::with_capacity(table.len());
        for e in 0..table.offsets.len().saturating_sub(1) {
            let n = table.offsets[e + 1] - table.offsets[e];
            out.extend(std::iter::repeat_n(
                u32::try_from(e).expect("fewer than 2^32"),
                n as usize,
            ));
        }
        out
    };
    for (event, table) in (0u32..).zip(&base.events) {
        builder.append(
            Target::Event(crate::schema::EventId(event)),
            &entities(table),
            &table.ts,
            &table.columns,
        );
    }
    builder.append(
        Target::Profile,
        &entities(&base.profiles),
        &base.profiles.ts,
        &base.profiles.columns,
    );
    builder.append(
        Target::Account,
        &entities(&base.account_rows),
        &base.account_rows.ts,
        &base.account_rows.columns,
    );
    // Entities in index order, so that a merge is the same whatever the hash maps' order.
    for id in &users.ids {
        if let Some(rows) = layer.users.get(id) {
            rows::add_user(&mut builder, id, rows);
        }
    }
    for id in &accounts.ids {
        if let Some(rows) = layer.accounts.get(id) {
            rows::add_account(&mut builder, id, rows);
        }
    }
    builder.finish()
}

/// Every segment's members, by the service's entity indexes.
struct Verdicts {
    members: Vec<Vec<bool>>,
}

impl Verdicts {
    fn counts(&self) -> Vec<usize> {
        self.members
            .iter()
            .map(|m| m.iter().filter(|&&b| b).count())
            .collect()
    }
}

/// Up to how many marked users are evaluated in groups of the same arrivals (more are
/// evaluated whole, at once).
const FEW_USERS: usize = 256;

/// From how many marked entities the evaluator compiles the plan rather than interpreting it.
const COMPILE_FROM: usize = 2000;

/// Counters for `GET /metrics`.
#[derive(Default)]
pub struct Metrics {
    pub rows_ingested: AtomicU64,
    pub rows_refused: AtomicU64,
    pub requests_refused: AtomicU64,
    pub evaluations: AtomicU64,
    pub sweeps: AtomicU64,
}

/// What an accepted request did.
#[derive(Debug, Serialize)]
pub struct Ingested {
    /// Rows stored (every row of the request).
    pub stored: usize,
    /// Values and event types the schema does not declare, kept in the log as received.
    pub undeclared: BTreeMap<String, usize>,
    /// The request's record in the data log.
    pub seq: u64,
}

/// Why a request was refused.
#[derive(Debug)]
pub enum IngestError {
    /// Bad rows: (index, reason); nothing of the request was stored.
    BadRows(Vec<(usize, String)>),
    Log(LogError),
}

/// What a reload did.
#[derive(Debug, Serialize)]
pub struct Reloaded {
    pub segments: usize,
    /// Whether the schema changed (and the data was read again from the log).
    pub schema_changed: bool,
    /// Rows of the log that the new schema refuses (kept in the log, left out of memory).
    pub rows_skipped: usize,
    /// Changes logged by the reload.
    pub changes: usize,
}

enum Command {
    Reload(mpsc::Sender<Result<Reloaded, Refused>>),
    Sweep(mpsc::Sender<usize>),
}

#[derive(Default)]
struct Work {
    /// Users marked, with what arrived for each.
    users: HashMap<u32, Reads>,
    accounts: HashSet<u32>,
    /// Records up to this sequence number (exclusive) have had their entities marked.
    upto: u64,
    commands: Vec<Command>,
    stop: bool,
}

/// The service.
pub struct Service {
    pub dir: PathBuf,
    defs: RwLock<Arc<Definitions>>,
    data: RwLock<Data>,
    verdicts: RwLock<Verdicts>,
    log: Log,
    pub changes: Changes,
    /// The next data log record to apply.
    turnstile: (Mutex<u64>, Condvar),
    work: (Mutex<Work>, Condvar),
    /// Records before this sequence number have been evaluated.
    settled: (Mutex<u64>, Condvar),
    pub clock: Clock,
    sweep_every: Duration,
    pub metrics: Metrics,
}

/// What starting found.
pub struct Started {
    pub service: Arc<Service>,
    pub data_cut: Option<Cut>,
    pub changes_cut: Option<Cut>,
    pub records: u64,
    pub rows_skipped: usize,
    /// Changes logged on start (the data moved past the change log, or the clock did).
    pub recovered_changes: usize,
}

/// The data log's path in the data folder.
#[must_use]
pub fn data_log(dir: &Path) -> PathBuf {
    dir.join("data.log")
}

impl Service {
    /// Opens the data folder (its logs, cutting torn tails), rebuilds the store from the
    /// data log, evaluates every segment and logs what changed since the change log's last
    /// word.
    pub fn start(
        dir: &Path,
        defs: Definitions,
        clock: Clock,
        sweep_every: Duration,
    ) -> Result<Started, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let schema = defs.plan.schema.clone();
        let mut builder = StoreBuilder::new(&schema);
        let mut report = LoadReport::default();
        let (log, data_cut) = Log::open(&data_log(dir), |seq, payload| {
            load_record(&mut builder, dir, payload, &mut report)
                .map_err(|e| format!("data log record {seq}: {e}"))
        })
        .map_err(|e| e.to_string())?;
        let records = log.next_seq();
        let data = Data::new(builder.finish());
        let (changes, known, changes_cut) =
            Changes::open(&dir.join("changes.log"), |segment, id| {
                match defs.segment(segment).map(|s| defs.plan.segments[s].target) {
                    Some(SegmentTarget::User) => data.users.get(id),
                    Some(SegmentTarget::Account) => data.accounts.get(id),
                    None => None,
                }
            })
            .map_err(|e| e.to_string())?;
        let service = Arc::new(Service {
            dir: dir.to_path_buf(),
            defs: RwLock::new(Arc::new(defs)),
            data: RwLock::new(data),
            verdicts: RwLock::new(Verdicts {
                members: Vec::new(),
            }),
            log,
            changes,
            turnstile: (Mutex::new(records), Condvar::new()),
            work: (
                Mutex::new(Work {
                    upto: records,
                    ..Work::default()
                }),
                Condvar::new(),
            ),
            settled: (Mutex::new(records), Condvar::new()),
            clock,
            sweep_every,
            metrics: Metrics::default(),
        });
        let defs = service.definitions();
        let (members, now) = service.evaluate_all(&defs);
        let mut logged = Logger::new(&service.changes);
        {
            let data = service.data.read().expect("the data");
            for (s, segment) in defs.plan.segments.iter().enumerate() {
                let ids = match segment.target {
                    SegmentTarget::User => &data.users.ids,
                    SegmentTarget::Account => &data.accounts.ids,
                };
                let before = known.get(&segment.name);
                let held = |e: usize| {
                    before.is_some_and(|b| b.contains(u32::try_from(e).expect("fewer than 2^32")))
                };
                logged.differences(&segment.name, ids, &members[s], held, now);
                if let Some(before) = before {
                    // Held by the log, beyond the entities evaluated: they left.
                    for e in before
                        .entities()
                        .filter(|&e| e as usize >= members[s].len())
                    {
                        if let Some(id) = ids.get(e as usize) {
                            logged.push(change(&segment.name, id, false, now));
                        }
                    }
                    for id in &before.strays {
                        logged.push(change(&segment.name, id, false, now));
                    }
                }
            }
        }
        let recovered_changes = logged.finish().map_err(|e| e.to_string())?;
        *service.verdicts.write().expect("the verdicts") = Verdicts { members };
        let worker = Arc::clone(&service);
        std::thread::Builder::new()
            .name("seg-evaluator".into())
            .stack_size(super::STACK_BYTES)
            .spawn(move || worker.evaluator())
            .map_err(|e| e.to_string())?;
        Ok(Started {
            service,
            data_cut,
            changes_cut,
            records,
            rows_skipped: report.skipped,
            recovered_changes,
        })
    }

    /// The definitions in force.
    #[must_use]
    pub fn definitions(&self) -> Arc<Definitions> {
        Arc::clone(&self.defs.read().expect("the definitions"))
    }

    /// Every segment's members over the whole data, by the service's indexes, and the
    /// instant they are as of (merging what came since the last merge first).
    fn evaluate_all(&self, defs: &Definitions) -> (Vec<Vec<bool>>, i64) {
        let (base, now) = self.merged();
        self.metrics.sweeps.fetch_add(1, Ordering::Relaxed);
        (whole(&defs.plan, &base, now), now)
    }

    /// Merges the rows received since the last merge into a new store.
    fn merge(&self, defs: &Definitions) {
        let (base, layer, users, accounts) = {
            let mut data = self.data.write().expect("the data");
            if data.current.users.is_empty() && data.current.accounts.is_empty() {
                return;
            }
            let layer = Arc::new(std::mem::take(&mut data.current));
            data.frozen = Some(Arc::clone(&layer));
            (
                Arc::clone(&data.base),
                layer,
                data.users.clone(),
                data.accounts.clone(),
            )
        };
        let merged = merge(&defs.plan.schema, &base, &layer, &users, &accounts);
        let mut data = self.data.write().expect("the data");
        data.base = Arc::new(merged);
        data.frozen = None;
    }

    /// Validates and stores a request's rows (each one JSON object), durable on return.
    pub fn ingest(&self, kind: Kind, rows: &[&str]) -> Result<Ingested, IngestError> {
        let defs = self.definitions();
        let mut builder = StoreBuilder::new(&defs.plan.schema);
        let (report, bad) = load_json_rows(&mut builder, kind, rows, LIMITS.text);
        if !bad.is_empty() {
            self.metrics
                .requests_refused
                .fetch_add(1, Ordering::Relaxed);
            self.metrics
                .rows_refused
                .fetch_add(rows.len() as u64, Ordering::Relaxed);
            return Err(IngestError::BadRows(bad));
        }
        let seq = self
            .log
            .append(rows_record(kind, rows))
            .map_err(IngestError::Log)?;
        let request = builder.finish();
        // Apply in log order. The turn passes on however this ends (a panic included), so
        // that the requests behind never wait for it forever.
        let (lock, turned) = &self.turnstile;
        let mut next = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *next < seq {
            next = turned
                .wait(next)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        let turn = Turn { next, seq, turned };
        {
            let mut data = self.data.write().expect("the data");
            let current = self.definitions();
            let (users, accounts) = if Arc::ptr_eq(&current, &defs) {
                data.apply(&request)
            } else {
                // A reload came between: type the rows again under the new schema.
                let mut builder = StoreBuilder::new(&current.plan.schema);
                let _ = load_json_rows(&mut builder, kind, rows, LIMITS.text);
                data.apply(&builder.finish())
            };
            let (work, wake) = &self.work;
            let mut work = work.lock().expect("the work");
            for (user, arrived) in users {
                work.users
                    .entry(user)
                    .and_modify(|marked| marked.add(&arrived))
                    .or_insert(arrived);
            }
            work.accounts.extend(accounts);
            work.upto = seq + 1;
            wake.notify_all();
        }
        drop(turn);
        self.metrics
            .rows_ingested
            .fetch_add(rows.len() as u64, Ordering::Relaxed);
        Ok(Ingested {
            stored: report.rows,
            undeclared: report.unknown,
            seq,
        })
    }

    /// Waits (up to `timeout`) until every request applied so far has been evaluated: what a
    /// read of memberships does first, so that it sees its own writes.
    pub fn settle(&self, timeout: Duration) -> bool {
        let target = *self.turnstile.0.lock().expect("the turnstile");
        let (lock, changed) = &self.settled;
        let deadline = Instant::now() + timeout;
        let mut settled = lock.lock().expect("settled");
        while *settled < target {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            settled = changed.wait_timeout(settled, left).expect("settled").0;
        }
        true
    }

    fn command(&self, command: Command) {
        let (work, wake) = &self.work;
        work.lock().expect("the work").commands.push(command);
        wake.notify_all();
    }

    /// Re-reads the definitions on the evaluator thread.
    pub fn reload(&self) -> Result<Reloaded, Refused> {
        let (tx, rx) = mpsc::channel();
        self.command(Command::Reload(tx));
        rx.recv()
            .unwrap_or_else(|_| Err(Refused::Unreadable("the evaluator stopped".into())))
    }

    /// Sweeps now (on the evaluator thread); returns the changes it logged.
    pub fn sweep(&self) -> usize {
        let (tx, rx) = mpsc::channel();
        self.command(Command::Sweep(tx));
        rx.recv().unwrap_or(0)
    }

    /// Stops the evaluator.
    pub fn stop(&self) {
        let (work, wake) = &self.work;
        work.lock().expect("the work").stop = true;
        wake.notify_all();
    }

    fn evaluator(self: Arc<Self>) {
        let mut next_sweep = Instant::now() + self.sweep_every;
        loop {
            let (users, accounts, upto, commands) = {
                let (lock, wake) = &self.work;
                let mut work = lock.lock().expect("the work");
                while work.users.is_empty()
                    && work.accounts.is_empty()
                    && work.commands.is_empty()
                    && !work.stop
                    && *self.settled.0.lock().expect("settled") >= work.upto
                {
                    let left = next_sweep.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    work = wake.wait_timeout(work, left).expect("the work").0;
                }
                if work.stop {
                    return;
                }
                (
                    std::mem::take(&mut work.users),
                    std::mem::take(&mut work.accounts),
                    work.upto,
                    std::mem::take(&mut work.commands),
                )
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if !users.is_empty() || !accounts.is_empty() {
                    self.evaluate_entities(users, accounts);
                }
                for command in commands {
                    match command {
                        Command::Reload(reply) => {
                            let _ = reply.send(self.reload_now());
                        }
                        Command::Sweep(reply) => {
                            let _ = reply.send(self.sweep_now());
                            next_sweep = Instant::now() + self.sweep_every;
                        }
                    }
                }
                if Instant::now() >= next_sweep {
                    self.sweep_now();
                    next_sweep = Instant::now() + self.sweep_every;
                }
            }));
            if outcome.is_err() {
                eprintln!("seg serve: error: the evaluator failed; see the message above");
            }
            let (lock, changed) = &self.settled;
            let mut settled = lock.lock().expect("settled");
            *settled = (*settled).max(upto);
            changed.notify_all();
        }
    }

    /// Evaluates marked entities (with their accounts, and those accounts' users) as of the
    /// clock and logs what changed.
    fn evaluate_entities(&self, users: HashMap<u32, Reads>, accounts: HashSet<u32>) {
        let logged = self.judge(users, accounts);
        self.log_changes(&logged);
    }

    /// Logs changes (durable on return).
    #[doc(hidden)]
    pub fn log_changes(&self, changes: &[Change]) {
        if let Err(e) = self.changes.append(changes) {
            eprintln!("seg serve: error: the change log: {e}");
        }
    }

    /// Evaluates entities as of the clock, updates their verdicts, and returns the changes
    /// to log. `users` are users whose rows changed, with what arrived for each; `accounts`
    /// accounts whose rows changed.
    ///
    /// - Users are evaluated in groups of the same arrivals, each over a small store of the
    ///   tables its segments read (and its accounts' rows when they read account
    ///   attributes), with the plan cut to the user segments that read what arrived: the
    ///   others cannot have changed (sweeps see to the clock). A burst of many users is one
    ///   group evaluated whole.
    /// - Then their accounts, with all their users, for the account segments.
    fn judge(&self, mut users: HashMap<u32, Reads>, mut accounts: HashSet<u32>) -> Vec<Change> {
        let defs = self.definitions();
        let now = self.clock.now();
        let events = defs.plan.schema.events.len();
        let mut groups: Vec<(Arc<super::defs::Cut>, Vec<u32>, Store)> = Vec::new();
        let (account_store, accounts) = {
            let data = self.data.read().expect("the data");
            // An account's rows are read by its users' segments.
            for account in &accounts {
                for &user in data.account_users.get(account).into_iter().flatten() {
                    users
                        .entry(user)
                        .or_insert_with(|| Reads::none(events))
                        .account = true;
                }
            }
            // A user's accounts, when what arrived can change an account segment.
            for (user, arrived) in &users {
                if arrived.meets(&defs.accounts_read) {
                    accounts.extend(data.user_accounts.get(user).into_iter().flatten());
                }
            }
            let mut by_arrival: HashMap<Reads, Vec<u32>> = HashMap::default();
            if users.len() > FEW_USERS {
                by_arrival.insert(Reads::all(events), users.keys().copied().collect());
            } else {
                for (user, arrived) in users {
                    by_arrival.entry(arrived).or_default().push(user);
                }
            }
            for (arrived, mut members) in by_arrival {
                let cut = defs.user_cut(&arrived);
                if cut.plan.segments.is_empty() {
                    continue;
                }
                members.sort_unstable();
                let mut builder = defs.builder();
                for &user in &members {
                    data.add_user(&mut builder, user, &cut.needed);
                }
                if cut.needed.account {
                    for account in linked(&data.user_accounts, &members) {
                        data.add_account(&mut builder, account);
                    }
                }
                groups.push((cut, members, builder.finish()));
            }
            let mut accounts: Vec<u32> = accounts.into_iter().collect();
            accounts.sort_unstable();
            let account_store = if accounts.is_empty() || defs.accounts_only.0.segments.is_empty() {
                None
            } else {
                let members = linked(&data.account_users, &accounts);
                let mut builder = defs.builder();
                for &user in &members {
                    data.add_user(&mut builder, user, &defs.accounts_read);
                }
                for &account in &accounts {
                    data.add_account(&mut builder, account);
                }
                Some(builder.finish())
            };
            (account_store, accounts)
        };
        let evaluated = groups.iter().map(|(_, m, _)| m.len()).sum::<usize>() + accounts.len();
        self.metrics
            .evaluations
            .fetch_add(evaluated as u64, Ordering::Relaxed);
        let user_members: Vec<Evaluated> = groups
            .iter()
            .map(|(cut, _, store)| evaluate(&cut.plan, store, now, &defs.regexes))
            .collect();
        let account_members = account_store
            .as_ref()
            .map(|store| evaluate(&defs.accounts_only.0, store, now, &defs.regexes));
        let mut logged = Vec::new();
        let mut verdicts = self.verdicts.write().expect("the verdicts");
        let data = self.data.read().expect("the data");
        let mut apply = |plan: &crate::plan::Plan,
                         index: &[usize],
                         members: &Evaluated,
                         target: SegmentTarget,
                         entities: &[u32]| {
            let (ids, len) = match target {
                SegmentTarget::User => (&data.users.ids, data.users.len()),
                SegmentTarget::Account => (&data.accounts.ids, data.accounts.len()),
            };
            for (c, segment) in plan.segments.iter().enumerate() {
                if segment.target != target {
                    continue;
                }
                let row = &mut verdicts.members[index[c]];
                if row.len() < len {
                    row.resize(len, false);
                }
                for (i, &entity) in entities.iter().enumerate() {
                    let member = members.get(target, c, i);
                    if row[entity as usize] != member {
                        row[entity as usize] = member;
                        logged.push(change(&segment.name, &ids[entity as usize], member, now));
                    }
                }
            }
        };
        for ((cut, members, _), evaluated) in groups.iter().zip(&user_members) {
            apply(
                &cut.plan,
                &cut.index,
                evaluated,
                SegmentTarget::User,
                members,
            );
        }
        if let Some(members) = &account_members {
            let (plan, index) = &defs.accounts_only;
            apply(plan, index, members, SegmentTarget::Account, &accounts);
        }
        drop(data);
        drop(verdicts);
        for (_, _, store) in groups {
            defs.give_back(store);
        }
        if let Some(store) = account_store {
            defs.give_back(store);
        }
        logged
    }

    /// Evaluates every entity as of the clock (after a merge) and logs what changed.
    fn sweep_now(&self) -> usize {
        let defs = self.definitions();
        let before = self.changes.end();
        let (members, now) = self.evaluate_all(&defs);
        let mut logged = Logger::new(&self.changes);
        let mut verdicts = self.verdicts.write().expect("the verdicts");
        let data = self.data.read().expect("the data");
        for (s, segment) in defs.plan.segments.iter().enumerate() {
            let (ids, len) = match segment.target {
                SegmentTarget::User => (&data.users.ids, data.users.len()),
                SegmentTarget::Account => (&data.accounts.ids, data.accounts.len()),
            };
            let row = &mut verdicts.members[s];
            if row.len() < len {
                row.resize(len, false);
            }
            for (e, &member) in members[s].iter().enumerate() {
                // An entity with rows received since the merge is marked, and evaluated
                // with them next.
                let entity = u32::try_from(e).expect("fewer than 2^32 entities");
                if row[e] != member && !data.is_current(segment.target, entity) {
                    row[e] = member;
                    logged.push(change(&segment.name, &ids[e], member, now));
                }
            }
        }
        drop(data);
        drop(verdicts);
        if let Err(e) = logged.finish() {
            eprintln!("seg serve: error: the change log: {e}");
        }
        usize::try_from(self.changes.end() - before).unwrap_or(usize::MAX)
    }

    fn reload_now(&self) -> Result<Reloaded, Refused> {
        let old = self.definitions();
        let defs = Definitions::load(&old.schema_path, &old.roots)?;
        let schema_changed = defs.schema_text != old.schema_text;
        let mut rows_skipped = 0;
        if schema_changed {
            // Read the data again under the new schema, holding the turnstile so that no
            // record is applied meanwhile.
            let turnstile = self.turnstile.0.lock().expect("the turnstile");
            let mut builder = StoreBuilder::new(&defs.plan.schema);
            let mut report = LoadReport::default();
            let mut failed = None;
            let _ = self.log.read_from(0, |seq, payload| {
                if seq >= *turnstile {
                    return false;
                }
                if let Err(e) = load_record(&mut builder, &self.dir, payload, &mut report) {
                    failed = Some(format!("data log record {seq}: {e}"));
                    return false;
                }
                true
            });
            if let Some(e) = failed {
                return Err(Refused::Unreadable(e));
            }
            rows_skipped = report.skipped;
            let store = builder.finish();
            let mut data = self.data.write().expect("the data");
            // Keep the service's numbering: entities of the old data keep their indexes.
            let mut users = data.users.clone();
            let mut accounts = data.accounts.clone();
            for id in &store.users.ids {
                users.intern(id);
            }
            for id in &store.accounts.ids {
                accounts.intern(id);
            }
            let base = merge(
                &defs.plan.schema,
                &store,
                &Layer::default(),
                &users,
                &accounts,
            );
            *data = Data::new(base);
            *self.defs.write().expect("the definitions") = Arc::new(defs);
            drop(data);
            drop(turnstile);
        } else {
            *self.defs.write().expect("the definitions") = Arc::new(defs);
        }
        let defs = self.definitions();
        let (members, now) = self.evaluate_all(&defs);
        let mut logged = Logger::new(&self.changes);
        {
            let mut verdicts = self.verdicts.write().expect("the verdicts");
            let data = self.data.read().expect("the data");
            for (s, segment) in defs.plan.segments.iter().enumerate() {
                let ids = match segment.target {
                    SegmentTarget::User => &data.users.ids,
                    SegmentTarget::Account => &data.accounts.ids,
                };
                let old_row = old
                    .segment(&segment.name)
                    .filter(|&o| old.plan.segments[o].target == segment.target)
                    .and_then(|o| verdicts.members.get(o));
                let was = |e: usize| old_row.and_then(|r| r.get(e)).copied().unwrap_or(false);
                logged.differences(&segment.name, ids, &members[s], was, now);
            }
            verdicts.members = members;
        }
        let count = logged
            .finish()
            .map_err(|e| Refused::Unreadable(e.to_string()))?;
        Ok(Reloaded {
            segments: defs.plan.segments.len(),
            schema_changed,
            rows_skipped,
            changes: count,
        })
    }

    /// Evaluates the entities marked by the requests so far, on the calling thread, and
    /// returns the changes, not yet logged ([`Service::log_changes`]): for the real-time cost
    /// benchmark (`bench/realtime.rs`), with the evaluator thread stopped.
    #[doc(hidden)]
    pub fn evaluate_marked(&self) -> Vec<Change> {
        let (users, accounts) = {
            let mut work = self.work.0.lock().expect("the work");
            (
                std::mem::take(&mut work.users),
                std::mem::take(&mut work.accounts),
            )
        };
        self.judge(users, accounts)
    }

    /// Evaluates one segment of a plan over the whole data (merged first) as of the clock:
    /// its members by entity, the entities' ids, and the instant.
    pub fn evaluate_plan(
        &self,
        plan: &crate::plan::Plan,
        segment: crate::plan::SegmentId,
    ) -> (Vec<bool>, Vec<Box<str>>, i64) {
        let (base, now) = self.merged();
        let members = whole(plan, &base, now);
        let ids = match plan.segment(segment).target {
            SegmentTarget::User => base.users.ids.clone(),
            SegmentTarget::Account => base.accounts.ids.clone(),
        };
        (members[segment.0 as usize].clone(), ids, now)
    }

    /// `seg stats` of the segments `wanted` (plan indexes) over the served memberships, and
    /// with `overlap` their overlap matrix.
    #[must_use]
    pub fn stats(
        &self,
        wanted: &[usize],
        overlap: bool,
    ) -> (
        Vec<crate::analytics::Size>,
        Option<Vec<crate::analytics::Overlap>>,
    ) {
        let defs = self.definitions();
        let totals = self.entity_counts();
        let verdicts = self.verdicts.read().expect("the verdicts");
        let sizes = crate::analytics::sizes(&defs.plan, totals, &verdicts.members, wanted);
        let overlaps =
            overlap.then(|| crate::analytics::overlaps(&defs.plan, &verdicts.members, wanted));
        (sizes, overlaps)
    }

    /// The whole data as one store (merged first) and the clock's instant, for figures
    /// computed over everything (`GET /v1/compare`).
    #[must_use]
    pub fn merged(&self) -> (Arc<Store>, i64) {
        let defs = self.definitions();
        self.merge(&defs);
        let base = Arc::clone(&self.data.read().expect("the data").base);
        (base, self.clock.now())
    }

    /// `seg trend` of the segments `wanted` of `plan` (the service's, or cut from it) over the
    /// whole data (merged first).
    pub fn trend(
        &self,
        plan: &crate::plan::Plan,
        wanted: &[usize],
        instants: &[i64],
    ) -> Result<Vec<(i64, usize, usize)>, String> {
        let (base, _) = self.merged();
        crate::analytics::trend(plan, &base, wanted, instants, &mut || {})
    }

    /// Every segment's member count, in plan order.
    #[must_use]
    pub fn counts(&self) -> Vec<usize> {
        self.verdicts.read().expect("the verdicts").counts()
    }

    /// A page of a segment's members in id order after `after` (exclusive), at most
    /// `limit`; and whether more follow.
    #[must_use]
    pub fn members(
        &self,
        segment: usize,
        after: Option<&str>,
        limit: usize,
    ) -> (Vec<String>, bool) {
        let defs = self.definitions();
        let verdicts = self.verdicts.read().expect("the verdicts");
        let data = self.data.read().expect("the data");
        let sorted = if defs.is_user(segment) {
            &data.sorted_users
        } else {
            &data.sorted_accounts
        };
        let row = &verdicts.members[segment];
        let range = match after {
            Some(after) => sorted
                .range::<str, _>((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded)),
            None => sorted.range::<str, _>(..),
        };
        let mut page = Vec::new();
        for (id, &index) in range {
            if row.get(index as usize).copied().unwrap_or(false) {
                if page.len() == limit {
                    return (page, true);
                }
                page.push(id.to_string());
            }
        }
        (page, false)
    }

    /// The store of one user (its rows, and its accounts' rows: the user is its user 0) for
    /// reading and explaining, and the clock's instant; None for an unknown user.
    #[must_use]
    pub fn user_store(&self, id: &str) -> Option<(Store, i64)> {
        let defs = self.definitions();
        let data = self.data.read().expect("the data");
        let user = data.users.get(id)?;
        let mut builder = StoreBuilder::new(&defs.plan.schema);
        data.add_user(
            &mut builder,
            user,
            &Reads::all(defs.plan.schema.events.len()),
        );
        for &account in data.user_accounts.get(&user).into_iter().flatten() {
            data.add_account(&mut builder, account);
        }
        Some((builder.finish(), self.clock.now()))
    }

    /// The store of one account (its rows, and every row of the users its profiles ever
    /// named) for reading and explaining, and the clock's instant; None for an unknown
    /// account. The account is not always the store's account 0: look it up by id.
    #[must_use]
    pub fn account_store(&self, id: &str) -> Option<(Store, i64)> {
        let defs = self.definitions();
        let data = self.data.read().expect("the data");
        let account = data.accounts.get(id)?;
        let mut builder = StoreBuilder::new(&defs.plan.schema);
        let all = Reads::all(defs.plan.schema.events.len());
        let mut users = data
            .account_users
            .get(&account)
            .cloned()
            .unwrap_or_default();
        users.sort_unstable();
        for user in users {
            data.add_user(&mut builder, user, &all);
        }
        data.add_account(&mut builder, account);
        Some((builder.finish(), self.clock.now()))
    }

    /// One store of the given users' profile rows (or, with `accounts`, the given accounts'
    /// rows), for reading their attributes as of the clock's instant, which it returns too.
    /// Ids the service does not know are left out.
    #[must_use]
    pub fn attribute_store(&self, ids: &[String], accounts: bool) -> (Store, i64) {
        let defs = self.definitions();
        let data = self.data.read().expect("the data");
        let mut builder = StoreBuilder::new(&defs.plan.schema);
        let profile = Reads {
            profile: true,
            ..Reads::none(defs.plan.schema.events.len())
        };
        for id in ids {
            if accounts {
                if let Some(account) = data.accounts.get(id) {
                    data.add_account(&mut builder, account);
                }
            } else if let Some(user) = data.users.get(id) {
                data.add_user(&mut builder, user, &profile);
            }
        }
        (builder.finish(), self.clock.now())
    }

    /// [`Service::user_store`], or for an id the service has never seen (a first-time
    /// visitor), a store of that user alone, without rows.
    #[must_use]
    pub fn visitor_store(&self, id: &str) -> (Store, i64) {
        self.user_store(id).unwrap_or_else(|| {
            let defs = self.definitions();
            let mut builder = StoreBuilder::new(&defs.plan.schema);
            builder.user(id);
            (builder.finish(), self.clock.now())
        })
    }

    /// How many users and accounts the service knows.
    #[must_use]
    pub fn entity_counts(&self) -> (usize, usize) {
        let data = self.data.read().expect("the data");
        (data.users.len(), data.accounts.len())
    }

    /// The data log's size in bytes and records.
    #[must_use]
    pub fn log_size(&self) -> (u64, u64) {
        (self.log.bytes(), self.log.next_seq())
    }

    /// Sets the test clock and sweeps; None when the clock is the system's.
    pub fn set_clock(&self, now: i64) -> Option<usize> {
        let Clock::Fixed(clock) = &self.clock else {
            return None;
        };
        *clock.lock().expect("the clock") = now;
        Some(self.sweep())
    }
}

/// Every segment's members over the whole data: with the JIT, or the fused interpreter
/// should it fail to compile.
fn whole(plan: &crate::plan::Plan, store: &Store, now: i64) -> Vec<Vec<bool>> {
    crate::engine::prepare(plan, store, now, crate::engine::Engine::Jit)
        .or_else(|_| crate::engine::prepare(plan, store, now, crate::engine::Engine::Interp))
        .map_or_else(
            |_| crate::interp::evaluate(plan, store, now).members,
            |prepared| prepared.run().members,
        )
}

/// Every segment's members over a small store: interpreted when the store holds a few
/// entities, compiled when it holds many (a burst of ingest).
fn evaluate(
    plan: &crate::plan::Plan,
    store: &Store,
    now: i64,
    regexes: &std::collections::HashMap<String, regex::Regex>,
) -> Evaluated {
    if store.users.len() + store.accounts.len() >= COMPILE_FROM {
        if let Ok(prepared) = crate::engine::prepare(plan, store, now, crate::engine::Engine::Jit) {
            return Evaluated::BySegment(prepared.run().members);
        }
    }
    let (users, accounts) = Interpreter::with_regexes(plan, store, now, regexes).run_rows();
    Evaluated::ByEntity { users, accounts }
}

/// Verdicts over a small store, as the engine gave them.
enum Evaluated {
    /// `[segment][entity]` (the JIT's).
    BySegment(Vec<Vec<bool>>),
    /// `[entity][segment]` (the interpreter's, not turned around).
    ByEntity {
        users: Vec<Vec<bool>>,
        accounts: Vec<Vec<bool>>,
    },
}

impl Evaluated {
    /// Whether the `entity`-th entity of the segment's kind is in segment `segment`.
    fn get(&self, target: SegmentTarget, segment: usize, entity: usize) -> bool {
        match self {
            Evaluated::BySegment(members) => members[segment][entity],
            Evaluated::ByEntity { users, accounts } => match target {
                SegmentTarget::User => users[entity][segment],
                SegmentTarget::Account => accounts[entity][segment],
            },
        }
    }
}

/// A request's turn to apply its record: on drop, the next record's turn.
struct Turn<'a> {
    next: std::sync::MutexGuard<'a, u64>,
    seq: u64,
    turned: &'a Condvar,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        *self.next = self.seq + 1;
        self.turned.notify_all();
    }
}

/// Changes on their way to the change log, written a record's worth at a time, so that a
/// start or a sweep that changes millions of memberships never holds them all.
struct Logger<'a> {
    changes: &'a Changes,
    buffer: Vec<Change>,
    count: usize,
    failed: Option<LogError>,
}

impl<'a> Logger<'a> {
    fn new(changes: &'a Changes) -> Self {
        Logger {
            changes,
            buffer: Vec::new(),
            count: 0,
            failed: None,
        }
    }

    fn push(&mut self, change: Change) {
        self.buffer.push(change);
        self.count += 1;
        if self.buffer.len() >= super::changes::BATCH {
            self.flush();
        }
    }

    /// Logs every entity whose verdict in `members` differs from what it `was`.
    fn differences(
        &mut self,
        segment: &str,
        ids: &[Box<str>],
        members: &[bool],
        was: impl Fn(usize) -> bool,
        now: i64,
    ) {
        for (e, &member) in members.iter().enumerate() {
            if member != was(e) {
                self.push(change(segment, &ids[e], member, now));
            }
        }
    }

    fn flush(&mut self) {
        let buffer = std::mem::take(&mut self.buffer);
        if self.failed.is_none() {
            if let Err(e) = self.changes.append(&buffer) {
                self.failed = Some(e);
            }
        }
    }

    /// Writes what is left; how many changes were logged in all.
    fn finish(mut self) -> Result<usize, LogError> {
        self.flush();
        match self.failed {
            Some(e) => Err(e),
            None => Ok(self.count),
        }
    }
}

fn change(segment: &str, id: &str, entered: bool, at: i64) -> Change {
    Change {
        segment: segment.to_string(),
        id: id.to_string(),
        entered,
        at,
    }
}
