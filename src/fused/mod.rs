//! The fused plan: every segment being evaluated shares one pass over each user's events.
//!
//! [`lower`] turns the typed plan into a [`Program`] for one store and one `now`; [`exec`]
//! interprets it, and `crate::jit` compiles it. Segments the program does not cover are
//! evaluated by the reference interpreter afterwards, reading the program's results for the
//! segments they refer to.

pub mod exec;
pub mod ir;
pub mod lower;
pub mod program;
mod sets;
mod strings;
mod values;

pub use lower::lower;
pub use program::{Data, Program, Programs, SnapshotKey, UserRows};

use std::fmt::Write as _;

use ir::Op;

/// The program in words: the event loops with their sets, then the bodies.
#[must_use]
pub fn explain(program: &Program, schema: &crate::schema::Schema) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "fused plan: {} variables, {} columns, {} attribute snapshots, {} dictionary tables, {} buffers",
        program.vars.len(),
        program.columns.len(),
        program.snapshot_keys.len(),
        program.tables.len(),
        program.buffers.len()
    );
    for (v, bits) in &program.constants {
        let _ = writeln!(out, "  const v{v} = {bits:#x}");
    }
    write_ops(&mut out, &program.ops, 1, program, schema);
    out
}

fn write_ops(
    out: &mut String,
    ops: &[Op],
    depth: usize,
    program: &Program,
    schema: &crate::schema::Schema,
) {
    let pad = "  ".repeat(depth);
    for op in ops {
        match op {
            Op::Rows { event, ts, body } => {
                let name = &schema.events[*event as usize].name;
                let _ = writeln!(out, "{pad}for each {name} row (v{ts} = ts, ts < now):");
                write_ops(out, body, depth + 1, program, schema);
            }
            Op::If(cond, body) => {
                let _ = writeln!(out, "{pad}if v{cond}:");
                write_ops(out, body, depth + 1, program, schema);
            }
            Op::Load(dst, column, _) => {
                let c = program.columns[*column as usize];
                let event = &schema.events[c.event as usize];
                let _ = writeln!(
                    out,
                    "{pad}v{dst} = {}.{}",
                    event.name, event.properties[c.property as usize].name
                );
            }
            Op::Member(slot, v) => match program.slots.get(*slot as usize) {
                Some(id) => {
                    let _ = writeln!(out, "{pad}member of segment #{} = v{v}", id.0);
                }
                None => {
                    let _ = writeln!(out, "{pad}users-where column {slot} = v{v}");
                }
            },
            Op::Snapshot(dst, i) => {
                let _ = match program.snapshot_keys[*i as usize] {
                    SnapshotKey::Attr(scope, index) => {
                        let (prefix, fields) = match scope {
                            crate::plan::AttrScope::Profile => ("profile", &schema.profile),
                            crate::plan::AttrScope::Account => ("account", &schema.account),
                        };
                        let name = &fields[index].name;
                        writeln!(out, "{pad}v{dst} = {prefix}.{name} as of now")
                    }
                    SnapshotKey::Users(Some(column)) => writeln!(
                        out,
                        "{pad}v{dst} = how many of the account's users have column {column}"
                    ),
                    SnapshotKey::Users(None) => {
                        writeln!(out, "{pad}v{dst} = how many users the account has")
                    }
                    SnapshotKey::Listed(list) => {
                        let name = &program.lists[list as usize].name;
                        writeln!(out, "{pad}v{dst} = listed(\"{name}\")")
                    }
                };
            }
            Op::Call(dst, helper, args) => {
                let args: Vec<String> = args.iter().map(|a| format!("v{a}")).collect();
                let _ = writeln!(
                    out,
                    "{pad}v{dst} = {:?}({})",
                    program.helpers[*helper as usize],
                    args.join(", ")
                );
            }
            other => {
                let _ = writeln!(out, "{pad}{other:?}");
            }
        }
    }
}
