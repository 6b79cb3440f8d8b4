//! The fused programs and the per-evaluation data they read: attribute snapshots as of
//! `now` (per user, or per account), the counts of each account's users passing each
//! `users where` filter, and string ranks for `top`.

use super::ir::{ColumnRef, Helper, Op, Ty, Var};
use super::lower::Vt;
use crate::plan::{AttrScope, SegmentId, Target};
use crate::store::{Column, Store, Table};

/// The two fused programs of a plan: one run per user, then one run per account.
#[derive(Debug, Clone)]
pub struct Programs {
    /// User segments, and one hidden output column per `users where` filter of an account
    /// segment (after the segments' columns).
    pub users: Program,
    /// Account segments, reading how many of each account's users pass each filter.
    pub accounts: Program,
}

/// A per-entity value a program reads with `Op::Snapshot`, computed for each evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotKey {
    /// An attribute's value as of `now`: the user's profile or account in a user program,
    /// the account itself in an account program.
    Attr(AttrScope, usize),
    /// In an account program: how many of the account's users (as of `now`) have a 1 in
    /// this output column of the user program, or how many users it has at all (`None`),
    /// as an f64.
    Users(Option<u32>),
    /// Whether the entity's id is in this `listed()` list of `Program::lists`: 1 or 0.
    Listed(u32),
}

/// The fused program and the data it reads besides the store.
#[derive(Debug, Clone)]
pub struct Program {
    /// Whose program it is: run once per user or once per account.
    pub target: Target,
    /// The work for one entity.
    pub ops: Vec<Op>,
    /// Variables that hold the same value for every user, set before the first.
    pub constants: Vec<(Var, u64)>,
    pub vars: Vec<Ty>,
    /// The columns `Load` reads.
    pub columns: Vec<ColumnRef>,
    /// The per-entity values the program reads (`Data::snapshots`).
    pub snapshot_keys: Vec<SnapshotKey>,
    /// The `listed()` lists the snapshots name.
    pub lists: Vec<std::sync::Arc<crate::plan::List>>,
    /// Predicates over dictionary codes.
    pub tables: Vec<Vec<u8>>,
    /// Functions of dictionary codes (`lower`, `len`), as raw values.
    pub maps: Vec<Vec<u64>>,
    /// Whether `top` over strings needs `Data::ranks`.
    pub needs_ranks: bool,
    /// The event type of each buffer (a buffer never holds more than a user's rows of it).
    pub buffers: Vec<u32>,
    pub helpers: Vec<Helper>,
    /// The segment of each output column.
    pub slots: Vec<SegmentId>,
    /// Hidden output columns after the segments' (the `users where` filters of account
    /// segments, in a user program).
    pub filters: usize,
    /// Segments the program leaves to the reference interpreter, with the reason.
    pub fallback: Vec<(SegmentId, String)>,
    /// The event types the program loops over.
    pub events: Vec<u32>,
    /// The strings of the codes past the dictionary (literals absent from the data, and
    /// strings `lower` made), in code order.
    pub fresh_strings: Vec<String>,
}

/// What a program reads besides the store, computed for each evaluation (it depends on the
/// data and on `now`): attribute snapshots and string ranks.
#[derive(Debug, Clone, Default)]
pub struct Data {
    /// One value per entity, per `Program::snapshot_keys`.
    pub snapshots: Vec<Vec<u64>>,
    /// Each dictionary code's rank in byte order (empty unless `top` over strings needs it).
    pub ranks: Vec<u32>,
}

/// The output of a user program: `rows[user * width + column]`.
#[derive(Debug, Clone, Copy)]
pub struct UserRows<'a> {
    pub rows: &'a [u8],
    pub width: usize,
}

impl Program {
    /// Computes the data the program reads for this store and `now`; an account program
    /// also reads the user program's output.
    #[must_use]
    pub fn data(&self, store: &Store, now: i64, users: UserRows<'_>) -> Data {
        use rayon::prelude::*;
        let owners: Vec<Option<u32>> = if self
            .snapshot_keys
            .iter()
            .any(|k| matches!(k, SnapshotKey::Users(_)))
        {
            (0..u32::try_from(store.users.len()).expect("fewer than 2^32 users"))
                .into_par_iter()
                .map(|u| store.account_of(u, now))
                .collect()
        } else {
            Vec::new()
        };
        let snapshots = self
            .snapshot_keys
            .par_iter()
            .map(|&key| match key {
                SnapshotKey::Attr(scope, index) => snapshot(store, self.target, scope, index, now),
                SnapshotKey::Users(column) => user_counts(store, &owners, users, column),
                SnapshotKey::Listed(list) => listed(store, self.target, &self.lists[list as usize]),
            })
            .collect();
        let ranks = if self.needs_ranks {
            ranks(&store.strings)
        } else {
            Vec::new()
        };
        Data { snapshots, ranks }
    }

    /// How many entities the program runs for.
    #[must_use]
    pub fn entities(&self, store: &Store) -> usize {
        match self.target {
            Target::User => store.users.len(),
            Target::Account => store.accounts.len(),
        }
    }

    /// How many output columns each entity has (segments, then hidden filters).
    #[must_use]
    pub fn width(&self) -> usize {
        self.slots.len() + self.filters
    }

    /// The output column of a segment, when the program computes it.
    #[must_use]
    pub fn slot(&self, id: SegmentId) -> Option<usize> {
        self.slots.iter().position(|&s| s == id)
    }
}

/// Each code's position when the dictionary is sorted by bytes.
fn ranks(strings: &crate::store::Dictionary) -> Vec<u32> {
    let n = u32::try_from(strings.len()).expect("fewer than 2^32 strings");
    let mut codes: Vec<u32> = (0..n).collect();
    codes.sort_unstable_by(|&a, &b| strings.get(a).as_bytes().cmp(strings.get(b).as_bytes()));
    let mut ranks = vec![0; codes.len()];
    for (rank, &code) in codes.iter().enumerate() {
        ranks[code as usize] = u32::try_from(rank).expect("fewer than 2^32 strings");
    }
    ranks
}

/// The latest value before `now` of an owner's rows that states the attribute, typed once per
/// column rather than per row (the same rule as `Store::attribute_row`).
fn latest<T: Copy>(
    table: &Table,
    owner: u32,
    now: i64,
    values: &[T],
    stated: impl Fn(T) -> bool,
) -> Option<T> {
    let rows = table.rows(owner);
    table.ts[rows.clone()]
        .iter()
        .zip(&values[rows])
        .rev()
        .find(|(&ts, &v)| ts < now && stated(v))
        .map(|(_, &v)| v)
}
/// For every entity of a program (users or accounts): 1 when its id is in the list, else 0.
fn listed(store: &Store, target: Target, list: &crate::plan::List) -> Vec<u64> {
    let ids = match target {
        Target::User => &store.users,
        Target::Account => &store.accounts,
    };
    let mut listed = vec![0; ids.len()];
    for id in &list.ids {
        if let Some(entity) = ids.get(id) {
            listed[entity as usize] = 1;
        }
    }
    listed
}

/// An attribute's value as of `now` for every entity of a program (users or accounts), in
/// the store's encoding.
fn snapshot(store: &Store, target: Target, scope: AttrScope, index: usize, now: i64) -> Vec<u64> {
    use rayon::prelude::*;
    let table: &Table = match scope {
        AttrScope::Profile => &store.profiles,
        AttrScope::Account => &store.account_rows,
    };
    let column = &table.columns[index];
    let missing = Vt::of_column(column).0.missing();
    let value = |owner: Option<u32>| {
        let Some(o) = owner else {
            return missing;
        };
        let found = match column {
            Column::Number(v) => latest(table, o, now, v, |x: f64| !x.is_nan()).map(f64::to_bits),
            Column::Bool(v) => {
                latest(table, o, now, v, |x: u8| x != crate::store::MISSING_BOOL).map(u64::from)
            }
            Column::Timestamp(v) => latest(table, o, now, v, |x: i64| {
                x != crate::store::MISSING_TIMESTAMP
            })
            .map(i64::cast_unsigned),
            Column::String(v) => {
                latest(table, o, now, v, |x: u32| x != crate::store::MISSING_STRING).map(u64::from)
            }
        };
        found.unwrap_or(missing)
    };
    let n = match target {
        Target::User => store.users.len(),
        Target::Account => store.accounts.len(),
    };
    entities(n)
        .into_par_iter()
        .map(|e| match (target, scope) {
            (Target::User, AttrScope::Profile) | (Target::Account, _) => value(Some(e)),
            (Target::User, AttrScope::Account) => value(store.account_of(e, now)),
        })
        .collect()
}

fn entities(n: usize) -> std::ops::Range<u32> {
    0..u32::try_from(n).expect("fewer than 2^32 entities")
}

/// For each account, how many of its users (`owners[user]`) have a 1 in `column` of the
/// user program's output (every user when `column` is None), as f64 bits.
fn user_counts(
    store: &Store,
    owners: &[Option<u32>],
    users: UserRows<'_>,
    column: Option<u32>,
) -> Vec<u64> {
    let mut counts = vec![0u32; store.accounts.len()];
    for (user, owner) in owners.iter().enumerate() {
        let Some(account) = owner else { continue };
        let passes = column.is_none_or(|c| users.rows[user * users.width + c as usize] == 1);
        counts[*account as usize] += u32::from(passes);
    }
    counts.into_iter().map(|n| f64::from(n).to_bits()).collect()
}
