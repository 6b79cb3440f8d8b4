//! The fused interpreter: runs a program for each user, users split across threads.

use rayon::prelude::*;

use super::ir::{Bin, Cc, ChangedSpec, Helper, Kind, Op, Un};
use super::program::{Data, Program};
use crate::plan::{AttrScope, CalendarUnit, Target};
use crate::store::{Column, Store};
use crate::time::{civil_from_days, MICROS_PER_DAY, MICROS_PER_HOUR};

/// Durations computed from floats must stay below this many microseconds (as the reference).
pub const DURATION_LIMIT: f64 = 9.0e18;

/// How many users a thread takes at a time.
pub const CHUNK: usize = 4096;

/// A column of the store, as the program's loads see it.
#[derive(Clone, Copy)]
enum Col<'a> {
    I64(&'a [i64]),
    F64(&'a [f64]),
    W32(&'a [u32]),
    W8(&'a [u8]),
}

/// A thread's mutable state: variables and buffers.
struct State {
    vars: Vec<u64>,
    buffers: Vec<Vec<u64>>,
}

/// Runs `program` over every entity (user or account); returns the output columns,
/// entity-major: `out[entity * width + column]`.
#[must_use]
pub fn run(program: &Program, data: &Data, store: &Store, now: i64) -> Vec<u8> {
    let width = program.width();
    let mut out = vec![0u8; program.entities(store) * width];
    if width == 0 {
        return out;
    }
    let columns: Vec<Col<'_>> = program
        .columns
        .iter()
        .map(
            |c| match &store.events[c.event as usize].columns[c.property as usize] {
                Column::Number(v) => Col::F64(v),
                Column::Timestamp(v) => Col::I64(v),
                Column::String(v) => Col::W32(v),
                Column::Bool(v) => Col::W8(v),
            },
        )
        .collect();
    let runner = Runner {
        program,
        data,
        store,
        now,
        columns,
    };
    out.par_chunks_mut(CHUNK * width)
        .enumerate()
        .for_each(|(chunk, rows)| {
            let mut state = State {
                vars: vec![0; program.vars.len()],
                buffers: vec![Vec::new(); program.buffers.len()],
            };
            for &(v, bits) in &program.constants {
                state.vars[v as usize] = bits;
            }
            for (i, row) in rows.chunks_mut(width).enumerate() {
                let user = u32::try_from(chunk * CHUNK + i).expect("fewer than 2^32 entities");
                for b in &mut state.buffers {
                    b.clear();
                }
                runner.ops(&program.ops, &mut state, user, 0, row);
            }
        });
    out
}

struct Runner<'a> {
    program: &'a Program,
    data: &'a Data,
    store: &'a Store,
    now: i64,
    columns: Vec<Col<'a>>,
}

impl Runner<'_> {
    fn ops(&self, ops: &[Op], st: &mut State, user: u32, row: usize, out: &mut [u8]) {
        for op in ops {
            match op {
                Op::Const(dst, bits) => st.vars[*dst as usize] = *bits,
                Op::Init(values) => {
                    for &(v, bits) in values {
                        st.vars[v as usize] = bits;
                    }
                }
                Op::Inc(v) => st.vars[*v as usize] = st.vars[*v as usize].wrapping_add(1),
                Op::Window { dst, ts, lo, hi } => {
                    let t = int(st.vars[*ts as usize]);
                    let above = lo.is_none_or(|lo| t >= int(st.vars[lo as usize]));
                    let below = hi.is_none_or(|hi| t < int(st.vars[hi as usize]));
                    st.vars[*dst as usize] = u64::from(above && below);
                }
                Op::Copy(dst, src) => st.vars[*dst as usize] = st.vars[*src as usize],
                Op::Un(op, dst, a) => st.vars[*dst as usize] = unary(*op, st.vars[*a as usize]),
                Op::Bin(op, dst, a, b) => {
                    st.vars[*dst as usize] =
                        binary(*op, st.vars[*a as usize], st.vars[*b as usize]);
                }
                Op::Select(dst, c, a, b) => {
                    let pick = if st.vars[*c as usize] == 1 { a } else { b };
                    st.vars[*dst as usize] = st.vars[*pick as usize];
                }
                Op::Snapshot(dst, i) => {
                    st.vars[*dst as usize] = self.data.snapshots[*i as usize][user as usize];
                }
                Op::Lookup(dst, table, code) => {
                    let table = &self.program.tables[*table as usize];
                    let code = st.vars[*code as usize];
                    st.vars[*dst as usize] = usize::try_from(code)
                        .ok()
                        .and_then(|c| table.get(c))
                        .map_or(0, |&b| u64::from(b));
                }
                Op::Map(dst, map, code) => {
                    let map = &self.program.maps[*map as usize];
                    let code = usize::try_from(st.vars[*code as usize]).unwrap_or(usize::MAX);
                    st.vars[*dst as usize] = map[code.min(map.len() - 1)];
                }
                Op::Load(dst, column, _) => {
                    st.vars[*dst as usize] = self.load(*column, row);
                }
                Op::If(cond, body) => {
                    if st.vars[*cond as usize] == 1 {
                        self.ops(body, st, user, row, out);
                    }
                }
                Op::Rows { event, ts, body } => {
                    let table = &self.store.events[*event as usize];
                    for r in table.rows(user) {
                        let t = table.ts[r];
                        if t >= self.now {
                            break;
                        }
                        st.vars[*ts as usize] = t.cast_unsigned();
                        self.ops(body, st, user, r, out);
                    }
                }
                Op::Push(buffer, v) => {
                    let value = st.vars[*v as usize];
                    st.buffers[*buffer as usize].push(value);
                }
                Op::Call(dst, helper, args) => {
                    let buffers = &st.buffers;
                    let mut values = [0u64; MAX_ARGS];
                    for (value, &a) in values.iter_mut().zip(args) {
                        *value = st.vars[a as usize];
                    }
                    st.vars[*dst as usize] = call(
                        &Site {
                            program: self.program,
                            data: self.data,
                            store: self.store,
                            now: self.now,
                        },
                        *helper as usize,
                        &|b| buffers[b as usize].as_slice(),
                        user,
                        &values[..args.len()],
                    );
                }
                Op::Member(slot, v) => out[*slot as usize] = u8::from(st.vars[*v as usize] == 1),
            }
        }
    }

    fn load(&self, column: u32, row: usize) -> u64 {
        match self.columns[column as usize] {
            Col::F64(v) => v[row].to_bits(),
            Col::I64(v) => v[row].cast_unsigned(),
            Col::W32(v) => u64::from(v[row]),
            Col::W8(v) => u64::from(v[row]),
        }
    }
}

fn int(x: u64) -> i64 {
    x.cast_signed()
}

fn float(x: u64) -> f64 {
    f64::from_bits(x)
}

/// One-operand operations, on raw 64-bit words.
#[must_use]
pub fn unary(op: Un, a: u64) -> u64 {
    match op {
        Un::Truthy => u64::from(a == 1),
        Un::NotTruthy => u64::from(a != 1),
        Un::FNeg => (-float(a)).to_bits(),
        Un::INeg => int(a).wrapping_neg().cast_unsigned(),
        #[allow(clippy::cast_precision_loss)]
        Un::IToF => (int(a) as f64).to_bits(),
        Un::DurToF => {
            if int(a) == i64::MIN {
                f64::NAN.to_bits()
            } else {
                #[allow(clippy::cast_precision_loss)]
                let micros = int(a) as f64;
                micros.to_bits()
            }
        }
        #[allow(clippy::cast_possible_truncation)]
        Un::FToDur => {
            let micros = float(a);
            if micros.abs() < DURATION_LIMIT {
                (micros as i64).cast_unsigned()
            } else {
                i64::MIN.cast_unsigned()
            }
        }
        Un::FFinite => {
            if float(a).is_finite() {
                a
            } else {
                f64::NAN.to_bits()
            }
        }
        Un::FIsSet => u64::from(!float(a).is_nan()),
        Un::Day => int(a).div_euclid(MICROS_PER_DAY).cast_unsigned(),
        Un::Weekday => ((int(a).div_euclid(MICROS_PER_DAY) + 3).rem_euclid(7) + 1).cast_unsigned(),
        Un::Hour => (int(a).rem_euclid(MICROS_PER_DAY) / MICROS_PER_HOUR).cast_unsigned(),
        Un::Month => month(int(a)),
    }
}

/// The month (1-12) of a timestamp, in UTC.
#[must_use]
pub fn month(ts: i64) -> u64 {
    u64::from(civil_from_days(ts.div_euclid(MICROS_PER_DAY)).1)
}

fn cc_holds<T: PartialOrd>(cc: Cc, a: &T, b: &T) -> bool {
    match cc {
        Cc::Eq => a == b,
        Cc::Ne => a != b,
        Cc::Lt => a < b,
        Cc::Le => a <= b,
        Cc::Gt => a > b,
        Cc::Ge => a >= b,
    }
}

/// Two-operand operations, on raw 64-bit words.
#[must_use]
pub fn binary(op: Bin, a: u64, b: u64) -> u64 {
    let checked = |r: Option<i64>| {
        if int(a) == i64::MIN || int(b) == i64::MIN {
            return i64::MIN.cast_unsigned();
        }
        r.unwrap_or(i64::MIN).cast_unsigned()
    };
    match op {
        Bin::IAdd => int(a).wrapping_add(int(b)).cast_unsigned(),
        Bin::ISub => int(a).wrapping_sub(int(b)).cast_unsigned(),
        Bin::IAddChecked => checked(int(a).checked_add(int(b))),
        Bin::ISubChecked => checked(int(a).checked_sub(int(b))),
        Bin::And => a & b,
        Bin::Or => a | b,
        Bin::FAdd => (float(a) + float(b)).to_bits(),
        Bin::FSub => (float(a) - float(b)).to_bits(),
        Bin::FMul => (float(a) * float(b)).to_bits(),
        Bin::FDiv => unary(Un::FFinite, (float(a) / float(b)).to_bits()),
        Bin::FDivRaw => (float(a) / float(b)).to_bits(),
        Bin::ICmp(cc) => u64::from(cc_holds(cc, &int(a), &int(b))),
        Bin::FCmp(cc) => {
            let (x, y) = (float(a), float(b));
            u64::from(!x.is_nan() && !y.is_nan() && cc_holds(cc, &x, &y))
        }
    }
}

/// Orders two values of a buffer by their kind.
fn order(kind: Kind, ranks: &[u32], a: u64, b: u64) -> std::cmp::Ordering {
    match kind {
        Kind::Number => float(a)
            .partial_cmp(&float(b))
            .unwrap_or(std::cmp::Ordering::Equal),
        Kind::Int => int(a).cmp(&int(b)),
        Kind::Bool => a.cmp(&b),
        // Values in buffers are codes from the data, which `ranks` orders by their bytes.
        Kind::String => {
            let rank = |x: u64| usize::try_from(x).ok().and_then(|c| ranks.get(c));
            rank(a).cmp(&rank(b))
        }
    }
}

/// A user's buffers, by index.
pub type Buffers<'b> = dyn Fn(u32) -> &'b [u64] + 'b;

/// The most arguments a helper call takes.
pub const MAX_ARGS: usize = 5;

/// What helpers read besides an entity's buffers and arguments.
pub struct Site<'a> {
    pub program: &'a Program,
    pub data: &'a Data,
    pub store: &'a Store,
    pub now: i64,
}

impl Site<'_> {
    /// The string of a code: the dictionary's, or a literal's fresh code.
    fn string(&self, code: u64) -> Option<&str> {
        let code = usize::try_from(code).ok()?;
        let strings = &self.store.strings;
        if code < strings.len() {
            return Some(strings.get(u32::try_from(code).ok()?));
        }
        self.program
            .fresh_strings
            .get(code - strings.len())
            .map(String::as_str)
    }
}

/// Runs a helper for an entity (`user`: a user, or an account in an account program) over
/// its buffers, with the arguments of the call.
#[must_use]
pub fn call(site: &Site<'_>, helper: usize, buffers: &Buffers<'_>, user: u32, args: &[u64]) -> u64 {
    let (program, store, now) = (site.program, site.store, site.now);
    let helper = &program.helpers[helper];
    match helper {
        Helper::Bucket => {
            let ids = match program.target {
                Target::User => &store.users.ids,
                Target::Account => &store.accounts.ids,
            };
            match site.string(args[0]) {
                Some(salt) => {
                    f64::from(crate::plan::value::bucket(salt, &ids[user as usize])).to_bits()
                }
                None => f64::NAN.to_bits(),
            }
        }
        Helper::Changed(spec) => {
            let owner = match (program.target, spec.scope) {
                (Target::User, AttrScope::Profile) | (Target::Account, _) => Some(user),
                (Target::User, AttrScope::Account) => store.account_of(user, now),
            };
            let window = Change {
                from: spec.has_from.then_some(args[0]),
                to: spec.has_to.then_some(args[1]),
                lo: int(args[2]),
                hi: int(args[3]).min(now),
            };
            let found = args[4] == 1
                && owner.is_some_and(|owner| changed(spec, &window, store, owner, now));
            u64::from(found)
        }
        Helper::StringPair(op) => {
            let (Some(a), Some(b)) = (site.string(args[0]), site.string(args[1])) else {
                return 0;
            };
            u64::from(crate::plan::value::compare(
                *op,
                &crate::plan::value::V::Str(a.into()),
                &crate::plan::value::V::Str(b.into()),
            ))
        }
        Helper::Top { buffer, kind } => top(buffers(*buffer), *kind, &site.data.ranks),
        Helper::Distinct { buffer, kind } => {
            let values = buffers(*buffer);
            let distinct = (0..values.len())
                .filter(|&i| !values[..i].iter().any(|&v| same(*kind, v, values[i])))
                .count();
            #[allow(clippy::cast_precision_loss)]
            let distinct = distinct as f64;
            distinct.to_bits()
        }
        Helper::Then {
            buffers: steps,
            last_negated,
        } => u64::from(then(steps, *last_negated, buffers)),
        Helper::Steps { buffers: steps } => {
            let mut previous: Option<i64> = None;
            let mut done = 0u32;
            for &b in steps {
                match first_after(buffers(b), previous) {
                    Some(t) => {
                        previous = Some(t);
                        done += 1;
                    }
                    None => break,
                }
            }
            f64::from(done).to_bits()
        }
    }
}

/// Equal values of a kind (dictionary codes are equal exactly when their strings are).
fn same(kind: Kind, a: u64, b: u64) -> bool {
    if kind == Kind::Number {
        float(a)
            .partial_cmp(&float(b))
            .is_some_and(std::cmp::Ordering::is_eq)
    } else {
        a == b
    }
}

/// The most frequent value, ties to the smallest. Codes, ints and bools are equal exactly
/// when their words are: they are counted in a small table of (value, count) searched
/// linearly (a user's values are few and repeat), or sorted and counted in runs past 32
/// distinct values. Numbers compare as floats, with a quadratic count (free of allocation).
fn top(values: &[u64], kind: Kind, ranks: &[u32]) -> u64 {
    if kind != Kind::Number {
        const SLOTS: usize = 32;
        let mut counts = [(0u64, 0usize); SLOTS];
        let mut distinct = 0;
        let mut sorted = Vec::new();
        for &v in values {
            match counts[..distinct].iter_mut().find(|(c, _)| *c == v) {
                Some((_, n)) => *n += 1,
                None if distinct < SLOTS => {
                    counts[distinct] = (v, 1);
                    distinct += 1;
                }
                None => {
                    sorted.extend_from_slice(values);
                    break;
                }
            }
        }
        let runs: Vec<(u64, usize)>;
        let counted: &[(u64, usize)] = if sorted.is_empty() {
            &counts[..distinct]
        } else {
            sorted.sort_unstable();
            runs = sorted
                .chunk_by(|a, b| a == b)
                .map(|r| (r[0], r.len()))
                .collect();
            &runs
        };
        let mut best: Option<(u64, usize)> = None;
        for &(v, n) in counted {
            let better = match best {
                None => true,
                Some((b, m)) => n > m || (n == m && order(kind, ranks, v, b).is_lt()),
            };
            if better {
                best = Some((v, n));
            }
        }
        return best.map_or_else(|| missing(kind), |(v, _)| v);
    }
    let mut best: Option<(u64, usize)> = None;
    for (i, &v) in values.iter().enumerate() {
        if values[..i].iter().any(|&w| same(kind, v, w)) {
            continue;
        }
        let n = values[i..].iter().filter(|&&w| same(kind, v, w)).count();
        let better = match best {
            None => true,
            Some((b, m)) => n > m || (n == m && order(kind, ranks, v, b).is_lt()),
        };
        if better {
            best = Some((v, n));
        }
    }
    best.map_or_else(|| missing(kind), |(v, _)| v)
}

/// `changed(...)` for the profile or account `owner`: a value that differs from the one
/// before it, in the window, matching `from` and `to` (a first value counts as a change from
/// missing; `from` never matches it).
fn changed(spec: &ChangedSpec, change: &Change, store: &Store, owner: u32, now: i64) -> bool {
    let table = match spec.scope {
        AttrScope::Profile => &store.profiles,
        AttrScope::Account => &store.account_rows,
    };
    let column = &table.columns[spec.attribute];
    let mut previous: Option<u64> = None;
    for row in table.rows(owner) {
        let ts = table.ts[row];
        if ts >= now {
            break;
        }
        if column.is_missing(row) {
            continue;
        }
        let value = match column {
            Column::Number(v) => v[row].to_bits(),
            Column::Bool(v) => u64::from(v[row]),
            Column::Timestamp(v) => v[row].cast_unsigned(),
            Column::String(v) => u64::from(v[row]),
        };
        let is_change =
            ts != crate::store::BEGINNING && previous.is_none_or(|p| !same(spec.kind, p, value));
        if is_change
            && change.lo <= ts
            && ts < change.hi
            && spec
                .calendar
                .as_ref()
                .is_none_or(|(unit, values)| values.contains(&calendar(*unit, ts)))
            && change
                .from
                .is_none_or(|f| previous.is_some_and(|p| same(spec.kind, p, f)))
            && change.to.is_none_or(|t| same(spec.kind, value, t))
        {
            return true;
        }
        previous = Some(value);
    }
    false
}

/// The values and window of one `changed` call: raw values in the store's encoding, and
/// `[lo, hi)` already cut at `now`.
struct Change {
    from: Option<u64>,
    to: Option<u64>,
    lo: i64,
    hi: i64,
}

/// A timestamp's month, ISO weekday or hour, in UTC.
fn calendar(unit: CalendarUnit, ts: i64) -> u32 {
    let op = match unit {
        CalendarUnit::Months => Un::Month,
        CalendarUnit::Weekdays => Un::Weekday,
        CalendarUnit::Hours => Un::Hour,
    };
    u32::try_from(unary(op, ts.cast_unsigned())).unwrap_or(0)
}

fn missing(kind: Kind) -> u64 {
    match kind {
        Kind::Number => f64::NAN.to_bits(),
        Kind::Int => i64::MIN.cast_unsigned(),
        Kind::Bool => 2,
        Kind::String => u64::from(u32::MAX),
    }
}

/// The earliest timestamp of a buffer above `previous` (buffers hold ascending timestamps).
fn first_after(times: &[u64], previous: Option<i64>) -> Option<i64> {
    times
        .iter()
        .map(|&t| int(t))
        .find(|&t| previous.is_none_or(|p| t > p))
}

fn then(steps: &[u32], last_negated: bool, buffers: &Buffers<'_>) -> bool {
    let positive = if last_negated {
        &steps[..steps.len() - 1]
    } else {
        steps
    };
    let mut previous: Option<i64> = None;
    for (i, &b) in positive.iter().enumerate() {
        let times = buffers(b);
        let pick = if last_negated && i + 1 == positive.len() {
            times
                .last()
                .map(|&t| int(t))
                .filter(|&t| previous.is_none_or(|p| t > p))
        } else {
            first_after(times, previous)
        };
        match pick {
            Some(t) => previous = Some(t),
            None => return false,
        }
    }
    if !last_negated {
        return true;
    }
    let negative = buffers(*steps.last().expect("then has steps"));
    first_after(negative, previous).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most frequent value, ties to the smallest by `key`, counted pairwise.
    fn naive_top(values: &[u64], key: impl Fn(u64) -> u64) -> u64 {
        let count = |v: u64| values.iter().filter(|&&w| w == v).count();
        values
            .iter()
            .copied()
            .max_by(|&a, &b| count(a).cmp(&count(b)).then_with(|| key(b).cmp(&key(a))))
            .unwrap_or(u64::from(u32::MAX))
    }

    #[test]
    fn top_of_codes_and_ints_agrees_with_a_pairwise_count() {
        // Ranks reverse the codes, so ties between codes go to the highest code.
        let ranks: Vec<u32> = (0..100).rev().collect();
        let rank = |v: u64| u64::from(ranks[usize::try_from(v).unwrap()]);
        let mut x = 12345u64;
        for len in [0usize, 1, 2, 3, 5, 31, 32, 33, 40, 64, 65, 200] {
            for distinct in [1u64, 3, 31, 32, 33, 50, 100] {
                let values: Vec<u64> = (0..len)
                    .map(|_| {
                        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        (x >> 33) % distinct
                    })
                    .collect();
                assert_eq!(
                    top(&values, Kind::String, &ranks),
                    naive_top(&values, rank),
                    "codes {values:?}"
                );
                if !values.is_empty() {
                    // Ints: a small table, sorted past 32 distinct values; ties to the least.
                    assert_eq!(
                        top(&values, Kind::Int, &ranks),
                        naive_top(&values, |v| v),
                        "ints {values:?}"
                    );
                }
            }
        }
    }
}
