//! Splits a fused program into chunks of bounded size, each compiled to its own function, so
//! that compile time and memory grow linearly with the program (Cranelift's register
//! allocation grows much faster than the size of one function).
//!
//! The top-level ops run once per entity, in order, so they can be cut anywhere: a variable
//! that one chunk writes and another mentions crosses through a per-thread array of words
//! (`vars[v]`), stored at the end of the chunk that writes it and loaded at the start of the
//! chunks that mention it. A loop over an event type's rows whose body is too big becomes
//! several loops over the same rows, cut only where no variable is shared between the parts
//! with a write on either side (so each part sees, at each row, exactly what it saw in the
//! one loop). Constants are emitted in every chunk that reads them.
//!
//! The walk is iterative over the top level and each loop body; nesting is bounded by the
//! plan's depth limit.

use std::collections::HashSet;

use crate::fused::ir::{Op, Var};

/// The most ops (counted with their bodies) one chunk's function holds, unless a single op
/// that cannot be cut is bigger. Register allocation grows faster than the function, so
/// smaller is faster to compile down to a per-function overhead; 10,000 generated segments
/// (143,517 ops) compile in 0.93 s at 300, 2.4 s at 1,000 and 4.4 s at 4,000.
pub const CHUNK_OPS: usize = 300;

/// One function's worth of the program.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub ops: Vec<Op>,
    /// Variables to load from `vars` on entry (those of other chunks it mentions).
    pub live_in: Vec<Var>,
    /// Variables to store to `vars` on exit (those it writes that other chunks mention).
    pub live_out: Vec<Var>,
}

/// The variables an op reads and writes directly (not in its body).
pub fn visit(op: &Op, read: &mut impl FnMut(Var), write: &mut impl FnMut(Var)) {
    match op {
        Op::Const(d, _) | Op::Snapshot(d, _) | Op::Load(d, _, _) => write(*d),
        Op::Init(values) => values.iter().for_each(|&(v, _)| write(v)),
        Op::Inc(v) => {
            read(*v);
            write(*v);
        }
        Op::Window { dst, ts, lo, hi } => {
            read(*ts);
            lo.iter().chain(hi).for_each(|&v| read(v));
            write(*dst);
        }
        Op::Copy(d, a) | Op::Un(_, d, a) | Op::Lookup(d, _, a) | Op::Map(d, _, a) => {
            read(*a);
            write(*d);
        }
        Op::Bin(_, d, a, b) => {
            read(*a);
            read(*b);
            write(*d);
        }
        Op::Select(d, c, a, b) => {
            read(*c);
            read(*a);
            read(*b);
            write(*d);
        }
        Op::If(c, _) => read(*c),
        Op::Rows { ts, .. } => write(*ts),
        Op::Push(_, v) | Op::Member(_, v) => read(*v),
        Op::Call(d, _, args) => {
            for &a in args {
                read(a);
            }
            write(*d);
        }
    }
}

/// The body of an op (`If`, `Rows`), if it has one.
fn body(op: &Op) -> &[Op] {
    match op {
        Op::If(_, body) | Op::Rows { body, .. } => body,
        _ => &[],
    }
}

/// Every variable `ops` read and write, bodies included.
pub(super) fn mentions(ops: &[Op], read: &mut impl FnMut(Var), write: &mut impl FnMut(Var)) {
    let mut stack: Vec<&[Op]> = vec![ops];
    while let Some(ops) = stack.pop() {
        for op in ops {
            visit(op, read, write);
            let inner = body(op);
            if !inner.is_empty() {
                stack.push(inner);
            }
        }
    }
}

/// How many ops `op` holds, itself and its bodies.
#[must_use]
pub fn weight(op: &Op) -> usize {
    let mut n = 0;
    let mut stack: Vec<&Op> = vec![op];
    while let Some(op) = stack.pop() {
        n += 1;
        stack.extend(body(op));
    }
    n
}

/// The program's top-level ops in chunks of at most about `limit` ops each. `constants` are
/// the variables set once before every entity (never written by an op).
#[must_use]
pub fn split<S: std::hash::BuildHasher>(
    ops: &[Op],
    constants: &HashSet<Var, S>,
    limit: usize,
) -> Vec<Chunk> {
    let mut pieces = Vec::new();
    for op in ops {
        match op {
            Op::Rows { event, ts, body } if weight(op) > limit => {
                for part in cut_loop_body(body, limit) {
                    pieces.push(Op::Rows {
                        event: *event,
                        ts: *ts,
                        body: part,
                    });
                }
            }
            _ => pieces.push(op.clone()),
        }
    }
    let mut groups: Vec<Vec<Op>> = Vec::new();
    let mut size = 0;
    for piece in pieces {
        let w = weight(&piece);
        match groups.last_mut() {
            Some(group) if size + w <= limit => group.push(piece),
            _ => {
                groups.push(vec![piece]);
                size = 0;
            }
        }
        size += w;
    }
    chunks(groups, constants)
}

/// The program's top-level ops with each loop over an event type in a chunk of its own (the
/// ops between loops grouped), for running the program one loop at a time over a block of
/// entities.
#[must_use]
pub fn split_loops<S: std::hash::BuildHasher>(
    ops: &[Op],
    constants: &HashSet<Var, S>,
) -> Vec<Chunk> {
    // The ops before the first loop that only set variables from constants (each user's
    // accumulators, window bounds) move into the function of the first loop that mentions
    // what they set, so that their variables stay in registers there instead of passing
    // through memory. Each variable of an `Init` moves on its own.
    let first_loop = ops
        .iter()
        .position(|op| matches!(op, Op::Rows { .. }))
        .unwrap_or(ops.len());
    let (prologue, rest) = ops.split_at(first_loop);
    let mut kept: Vec<Op> = Vec::new();
    let mut prefixes: Vec<Vec<Op>> = vec![Vec::new(); rest.len()];
    let mentioned: Vec<HashSet<Var>> = rest
        .iter()
        .map(|op| {
            let (mut reads, mut writes) = (HashSet::new(), Vec::new());
            mentions(
                std::slice::from_ref(op),
                &mut |v| {
                    reads.insert(v);
                },
                &mut |v| writes.push(v),
            );
            reads.extend(writes);
            reads
        })
        .collect();
    let pieces = prologue.iter().flat_map(|op| match op {
        Op::Init(values) => values.iter().map(|&value| Op::Init(vec![value])).collect(),
        _ => vec![op.clone()],
    });
    for op in pieces {
        let (mut reads, mut writes) = (Vec::new(), Vec::new());
        visit(&op, &mut |v| reads.push(v), &mut |v| writes.push(v));
        let movable = matches!(op, Op::Init(_) | Op::Const(..) | Op::Bin(..) | Op::Un(..))
            && reads.iter().all(|v| constants.contains(v));
        let target = (0..rest.len()).find(|&i| {
            matches!(rest[i], Op::Rows { .. }) && writes.iter().any(|v| mentioned[i].contains(v))
        });
        // Moved only if no op before that loop mentions what it sets.
        let first_use = (0..rest.len()).find(|&i| writes.iter().any(|v| mentioned[i].contains(v)));
        match target {
            Some(i) if movable && first_use == Some(i) => prefixes[i].push(op),
            _ => kept.push(op),
        }
    }
    let mut groups: Vec<Vec<Op>> = Vec::new();
    if !kept.is_empty() {
        groups.push(kept);
    }
    let mut after_loop = true;
    for (op, prefix) in rest.iter().zip(prefixes) {
        let is_loop = matches!(op, Op::Rows { .. });
        match groups.last_mut() {
            Some(group) if !is_loop && !after_loop => group.push(op.clone()),
            _ => {
                let mut group = prefix;
                group.push(op.clone());
                groups.push(group);
            }
        }
        after_loop = is_loop;
    }
    chunks(groups, constants)
}

/// How many top-level loops a program has.
#[must_use]
pub fn loops(ops: &[Op]) -> usize {
    ops.iter()
        .filter(|op| matches!(op, Op::Rows { .. }))
        .count()
}

/// Chunks of the groups, with the variables each passes on.
fn chunks<S: std::hash::BuildHasher>(
    groups: Vec<Vec<Op>>,
    constants: &HashSet<Var, S>,
) -> Vec<Chunk> {
    if groups.len() <= 1 {
        return groups
            .into_iter()
            .map(|ops| Chunk {
                ops,
                live_in: Vec::new(),
                live_out: Vec::new(),
            })
            .collect();
    }
    // How many chunks mention each variable (constants excepted).
    let mut chunks_of: std::collections::HashMap<Var, u32> = std::collections::HashMap::new();
    let mut seen: Vec<(HashSet<Var>, HashSet<Var>)> = Vec::with_capacity(groups.len());
    for group in &groups {
        let mut all = HashSet::new();
        let mut written = HashSet::new();
        mentions(
            group,
            &mut |v| {
                all.insert(v);
            },
            &mut |v| {
                written.insert(v);
            },
        );
        all.extend(written.iter().copied());
        all.retain(|v| !constants.contains(v) || written.contains(v));
        for &v in &all {
            *chunks_of.entry(v).or_default() += 1;
        }
        seen.push((all, written));
    }
    groups
        .into_iter()
        .zip(seen)
        .map(|(ops, (all, written))| {
            let mut live_in: Vec<Var> = all.into_iter().filter(|v| chunks_of[v] > 1).collect();
            live_in.sort_unstable();
            let live_out = live_in
                .iter()
                .copied()
                .filter(|v| written.contains(v))
                .collect();
            Chunk {
                ops,
                live_in,
                live_out,
            }
        })
        .collect()
}

/// A loop body cut into parts of about `limit` ops where cutting is safe: no variable that
/// either side writes is mentioned on both sides of the cut.
fn cut_loop_body(body: &[Op], limit: usize) -> Vec<Vec<Op>> {
    // For each variable written in the body, the first and last op that mention it; a cut
    // before op `c` is unsafe when some such span has first < c <= last.
    let mut spans: std::collections::HashMap<Var, (usize, usize, bool)> =
        std::collections::HashMap::new();
    for (i, op) in body.iter().enumerate() {
        let mut note = |v: Var, w: bool| {
            let span = spans.entry(v).or_insert((i, i, false));
            span.1 = i;
            span.2 |= w;
        };
        let (mut reads, mut writes) = (Vec::new(), Vec::new());
        mentions(std::slice::from_ref(op), &mut |v| reads.push(v), &mut |v| {
            writes.push(v);
        });
        for v in reads {
            note(v, false);
        }
        for v in writes {
            note(v, true);
        }
    }
    // open[c] > 0: some written variable's span crosses the cut before op c.
    let mut open = vec![0i64; body.len() + 1];
    for &(first, last, written) in spans.values() {
        if written && first < last {
            open[first + 1] += 1;
            open[last + 1] -= 1;
        }
    }
    let mut parts: Vec<Vec<Op>> = vec![Vec::new()];
    let (mut size, mut crossing) = (0, 0);
    for (i, op) in body.iter().enumerate() {
        crossing += open[i];
        let w = weight(op);
        if i > 0 && crossing == 0 && size + w > limit {
            parts.push(Vec::new());
            size = 0;
        }
        parts.last_mut().expect("a part").push(op.clone());
        size += w;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fused::ir::Bin;

    fn group(acc: Var, ts: Var, load: Var) -> Vec<Op> {
        vec![
            Op::Load(load, 0, crate::fused::ir::Width::W64),
            Op::Bin(Bin::And, load, load, ts),
            Op::If(load, vec![Op::Inc(acc)]),
        ]
    }

    #[test]
    fn a_loop_is_cut_only_between_groups_that_share_no_written_variable() {
        let mut body = Vec::new();
        for g in 0..10 {
            body.extend(group(100 + g, 0, 200 + g));
        }
        let parts = cut_loop_body(&body, 7);
        assert!(parts.len() > 1);
        for part in &parts {
            // Each part holds whole groups of four ops (load, and, if, inc).
            assert_eq!(part.iter().map(weight).sum::<usize>() % 4, 0, "{part:?}");
        }
        // A variable written in the first group and read in the last pins one part.
        body.push(Op::Copy(999, 200));
        assert_eq!(cut_loop_body(&body, 7).len(), 1);
    }

    #[test]
    fn crossing_variables_are_loaded_where_mentioned_and_stored_where_written() {
        let ops = vec![
            Op::Init(vec![(1, 0)]),
            Op::Bin(Bin::IAdd, 2, 1, 9),
            Op::Inc(1),
            Op::Member(0, 2),
            Op::Member(1, 1),
        ];
        let constants: HashSet<Var> = [9].into();
        let chunks = split(&ops, &constants, 2);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].live_in, vec![1, 2]);
        assert_eq!(chunks[0].live_out, vec![1, 2]);
        assert_eq!(chunks[1].live_in, vec![1, 2]);
        assert_eq!(chunks[1].live_out, vec![1]);
        assert_eq!(chunks[2].live_in, vec![1]);
        assert!(chunks[2].live_out.is_empty());
        // One chunk needs no crossing.
        let one = split(&ops, &constants, 100);
        assert_eq!(one.len(), 1);
        assert!(one[0].live_in.is_empty());
    }
}
